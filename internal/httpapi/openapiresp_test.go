package httpapi

import (
	"context"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// openapiResponse validates the status and headers of an endless answer
// (an SSE stream), whose body cannot be read to its end.
type openapiResponse struct {
	status int
	header http.Header
}

func (o *openapiResponse) validate(t *testing.T, in *openapi3filter.RequestValidationInput) {
	t.Helper()
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: o.status, Header: o.header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, ExcludeResponseBody: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("SSE answer does not conform to openapi.json: %v", err)
	}
}
