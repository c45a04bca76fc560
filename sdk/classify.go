package sdk

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// The answers to "what kind of failure is this?", asked here and nowhere
// else: callers (the worker among them) ask these instead of re-deriving
// a class from a status code.

func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsNotFound reports whether err is a 404 answer.
func IsNotFound(err error) bool {
	e, ok := asError(err)
	return ok && e.StatusCode == http.StatusNotFound
}

// IsThrottled reports whether err is Basiq refusing a client over its
// limits: a 429, or a 403 with code too-many-requests (Basiq documents
// both), with its Retry-After (zero when the server gave none).
func IsThrottled(err error) (retryAfter time.Duration, ok bool) {
	e, ok := asError(err)
	if !ok || !e.throttled() {
		return 0, false
	}
	return e.RetryAfter, true
}

func (e *Error) throttled() bool {
	return e.StatusCode == http.StatusTooManyRequests ||
		(e.StatusCode == http.StatusForbidden && e.Code() == CodeTooManyRequests)
}

// RetryAfter is the wait a throttled (IsThrottled) or 503 answer asked
// for in its Retry-After; zero for any other error or when the header was
// absent. Callers that retry wait at least this long, whatever else they
// decide.
func RetryAfter(err error) time.Duration {
	e, ok := asError(err)
	if !ok || (!e.throttled() && e.StatusCode != http.StatusServiceUnavailable) {
		return 0
	}
	return e.RetryAfter
}

// IsRetryable reports whether trying again later may succeed: 5xx, 408,
// throttled (IsThrottled), network errors and a 2xx whose body was not the resource asked for
// (*BodyError, unless it was over the size limit). Context cancellation
// is not retryable. Whether a request that failed may be sent again is
// another question: see IsNotSent.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var be *BodyError
	if errors.As(err, &be) {
		return be.Limit == 0
	}
	if e, ok := asError(err); ok {
		s := e.StatusCode
		return s >= 500 || s == http.StatusRequestTimeout || e.throttled()
	}
	var ne net.Error
	return errors.As(err, &ne) || isNetworkError(err)
}

// isNetworkError is true for transport failures: anything the HTTP client
// reports as a *url.Error, and connections reset or cut mid-answer.
func isNetworkError(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

// IsTokenExpired reports whether the server refused the access token: 401
// invalid-authorization-token, or 403 "Token has expired".
func IsTokenExpired(err error) bool {
	e, ok := asError(err)
	if !ok {
		return false
	}
	for _, d := range e.Details {
		switch {
		case e.StatusCode == http.StatusUnauthorized && ErrorCode(d.Code) == CodeInvalidAuthorization:
			return true
		case e.StatusCode == http.StatusForbidden && strings.Contains(strings.ToLower(d.Detail+" "+d.Title), "expired"):
			return true
		}
	}
	return false
}

// IsNotSent reports whether err proves that the request never left this
// process or never reached the server: it failed before sending (the token
// fetch failed, or the request could not be built) or while dialing. Such a
// request, even a POST, can be sent again safely; any other failure of a
// POST (a timeout, a connection cut mid-request) leaves its outcome unknown.
// An error of the HTTP client's transport with a method NotSent() bool that
// reports true (a rate limiter that refused the request before sending it)
// counts as not sent too.
func IsNotSent(err error) bool {
	var ns notSent
	if errors.As(err, &ns) {
		return true
	}
	var marked interface{ NotSent() bool }
	if errors.As(err, &marked) && marked.NotSent() {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}

// IsNotApplied reports whether err proves that the request had no effect
// at Basiq: it was never sent (IsNotSent), or Basiq answered it with a
// status above 299 (an *Error: Basiq starts a job, or changes anything,
// only on a 2xx). A POST that failed otherwise (a timeout, a connection cut
// mid-request, a 2xx whose body could not be read: *BodyError) may have
// taken effect; its outcome is unknown until it is looked up. The client's
// own retries are more careful: they never resend a POST after a 5xx.
func IsNotApplied(err error) bool {
	_, answered := asError(err)
	return answered || IsNotSent(err)
}
