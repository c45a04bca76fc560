package ratelimit_test

import (
	"net/http"
	"net/http/httptest"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
