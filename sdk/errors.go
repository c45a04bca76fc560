package sdk

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error is an answer of the Basiq API with a status above 299. Use
// errors.As to reach it:
//
//	var apiErr *sdk.Error
//	if errors.As(err, &apiErr) && apiErr.Code() == sdk.CodeResourceNotFound { ... }
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// CorrelationID is Basiq's id of the failed request, for its support.
	CorrelationID string
	// Details are the error objects of the body; a body that is not
	// Basiq's JSON becomes one detail holding a snippet of it.
	Details []ErrorDetail
	// RetryAfter is the server's Retry-After, zero when absent.
	RetryAfter time.Duration
	// Method and Path name the request (never its query or headers).
	Method, Path string
	// Location is where a 3xx answer pointed (scheme, host and path) when
	// the client did not follow it: it leaves the base URL.
	Location string
}

// ErrorDetail is one error object of a Basiq error body.
type ErrorDetail struct {
	Type   string       `json:"type"`
	Code   string       `json:"code"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Source *ErrorSource `json:"source"`
}

// ErrorSource names the request parameter or body field at fault.
type ErrorSource struct {
	Parameter string `json:"parameter"`
	Pointer   string `json:"pointer"`
}

// UnmarshalJSON reads Basiq's source object. A source that is not an
// object (a string, a number, an array) is left empty instead of making
// the whole error body undecodable.
func (s *ErrorSource) UnmarshalJSON(b []byte) error {
	type plain ErrorSource
	var p plain
	if json.Unmarshal(b, &p) == nil {
		*s = ErrorSource(p)
	}
	return nil
}

// Error joins the details by spaces like the Node SDK, prefixed with the
// status and the request.
func (e *Error) Error() string {
	msgs := make([]string, 0, len(e.Details))
	for _, d := range e.Details {
		switch {
		case d.Detail != "":
			msgs = append(msgs, d.Detail)
		case d.Title != "":
			msgs = append(msgs, d.Title)
		case d.Code != "":
			msgs = append(msgs, d.Code)
		}
	}
	if e.Location != "" {
		msgs = append([]string{"redirect to " + e.Location + " not followed: it leaves the base URL"}, msgs...)
	}
	if len(msgs) == 0 {
		msgs = append(msgs, http.StatusText(e.StatusCode))
	}
	req := ""
	if e.Method != "" {
		req = " (" + e.Method + " " + e.Path + ")"
	}
	return fmt.Sprintf("basiq: %d%s: %s", e.StatusCode, req, strings.Join(msgs, " "))
}

// Code is the first detail's code, such as CodeResourceNotFound.
func (e *Error) Code() ErrorCode {
	if len(e.Details) == 0 {
		return ""
	}
	return ErrorCode(e.Details[0].Code)
}

// errorBody is Basiq's error envelope.
type errorBody struct {
	CorrelationID string        `json:"correlationId"`
	Data          []ErrorDetail `json:"data"`
}

// newError decodes an error answer. It never fails: a body that is not
// Basiq's JSON yields an *Error with the status and a snippet.
func newError(resp *http.Response, body []byte) *Error {
	e := decodeError(resp.StatusCode, body)
	e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	if resp.Request != nil && resp.Request.URL != nil {
		e.Method, e.Path = resp.Request.Method, resp.Request.URL.Path
	}
	e.Location = redirectTarget(resp)
	return e
}

func decodeError(status int, body []byte) *Error {
	e := &Error{StatusCode: status}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil && len(eb.Data) > 0 {
		e.CorrelationID, e.Details = eb.CorrelationID, eb.Data
		return e
	}
	e.CorrelationID = eb.CorrelationID
	if s := snippet(body, 200); s != "" {
		e.Details = []ErrorDetail{{Type: "error", Title: http.StatusText(status), Detail: s}}
	}
	return e
}

// snippet returns at most n bytes of body as valid, trimmed UTF-8.
func snippet(body []byte, n int) string {
	if len(body) > n {
		body = body[:n]
	}
	return strings.TrimSpace(strings.ToValidUTF8(string(body), ""))
}

// parseRetryAfter reads delta-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// StepError is returned by the waits when a job step failed.
type StepError struct {
	JobID, Step string
	Code        ErrorCode
	Title       string
	Detail      string
}

// Error names the step and its code.
func (e *StepError) Error() string {
	msg := fmt.Sprintf("basiq: job %s: step %s failed: %s", e.JobID, e.Step, e.Code)
	if e.Title != "" {
		msg += ": " + e.Title
	}
	return msg
}

// TimeoutError is returned by the waits when WaitOptions.Timeout passed
// before the awaited step ended.
type TimeoutError struct {
	JobID, Step string
	Waited      time.Duration
}

// Error names the job, the step it was at and how long it waited.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("basiq: job %s: still at step %s after %s", e.JobID, e.Step, e.Waited.Round(time.Millisecond))
}
