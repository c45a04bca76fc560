package sdk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// BodyError is a 2xx answer whose body is not the resource the call asked
// for: empty, null, not JSON, of another type or without an id, a Basiq
// error list, or over the client's size limit. Use errors.As to reach it.
//
// The server answered, so the request was sent: IsNotSent is false. A GET
// is retried (IsRetryable is true: a proxy or a server between versions
// can answer so once); a POST is never resent, and whether it took effect
// (a connection made, a job started) is unknown: look before trying again.
type BodyError struct {
	// StatusCode is the HTTP status, 200 to 299.
	StatusCode int
	// Method and Path name the request (never its query or headers);
	// Route is Path with its ids replaced by {id}, such as /jobs/{id}.
	Method, Path, Route string
	// Reason says what is wrong, such as `null body` or
	// `type "list", want "job"`.
	Reason string
	// Snippet is the start of the body, at most 200 bytes.
	Snippet string
	// CorrelationID and Details are those of a Basiq error list.
	CorrelationID string
	Details       []ErrorDetail
	// Limit is the size limit in bytes when the body was over it (and
	// was not read further); zero otherwise.
	Limit int64
}

// Error names the status, the request's method and route (not its ids,
// which the caller has), the reason and the body's start.
func (e *BodyError) Error() string {
	msg := fmt.Sprintf("basiq: %d (%s %s): unexpected answer: %s", e.StatusCode, e.Method, e.Route, e.Reason)
	if e.Snippet != "" {
		msg += ": " + e.Snippet
	}
	return msg
}

// checker is a collection an answer decodes into: check says what is
// wrong with it, "" when it is what was asked for.
type checker interface{ check() string }

// bodyError is the *BodyError of a 2xx answer to method u whose body,
// data, is not what was asked for.
func (c *Client) bodyError(status int, method string, u *url.URL, reason string, data []byte) *BodyError {
	e := &BodyError{StatusCode: status, Method: method, Path: u.Path, Route: c.route(u.Path), Reason: reason, Snippet: snippet(data, 200)}
	if eb, ok := errorList(data); ok {
		e.Reason, e.CorrelationID, e.Details = "a Basiq error list", eb.CorrelationID, eb.Data
	}
	return e
}

// route is the API route of path, ids replaced by {id}, as in
// /users/{id}/connections/{id}/refresh. Basiq's paths alternate
// collection and id (/users/U/jobs, /jobs/J/mfa); the one action in an id's
// place is refresh (/users/U/connections/refresh).
func (c *Client) route(path string) string {
	rest := strings.TrimPrefix(path, c.base.Path)
	segs := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	for i := 1; i < len(segs); i += 2 {
		if segs[i] != "refresh" && segs[i] != "" {
			segs[i] = "{id}"
		}
	}
	return "/" + strings.Join(segs, "/")
}

// unexpected decodes a 2xx body into out and says what is wrong with it,
// "" when it is the resource asked for.
func unexpected(data []byte, out any) string {
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return "empty body"
	case string(trimmed) == "null":
		return "null body"
	case trimmed[0] != '{':
		if !json.Valid(trimmed) {
			return "not JSON"
		}
		return "not a JSON object"
	}
	if err := decodeBody(trimmed, out); err != nil {
		if !json.Valid(trimmed) {
			return "not JSON"
		}
		return "not the resource: " + err.Error()
	}
	switch v := out.(type) {
	case resource:
		return checkResource(v)
	case checker:
		return v.check()
	}
	if _, ok := errorList(trimmed); ok {
		return "a Basiq error list"
	}
	return ""
}

// decodeBody decodes data into out as json.Unmarshal does: a job answer
// into a zero Job (fastJob) or AccountIDs' list (fastAccountRefs) without
// reflection when it can.
func decodeBody(data []byte, out any) error {
	switch v := out.(type) {
	case *Job:
		if v.zero() {
			if fastJob(data, v) {
				return nil
			}
			*v = Job{}
		}
	case *list[*accountRef]:
		if v.zero() {
			if fastAccountRefs(data, v) {
				return nil
			}
			*v = list[*accountRef]{}
		}
	}
	return json.Unmarshal(data, out)
}

// errorList decodes a Basiq error list: every item of type "error".
func errorList(data []byte) (errorBody, bool) {
	var eb errorBody
	if json.Unmarshal(data, &eb) != nil || len(eb.Data) == 0 {
		return eb, false
	}
	for _, d := range eb.Data {
		if d.Type != "error" {
			return eb, false
		}
	}
	return eb, true
}

// resource is a single Basiq resource: kind is its type and id, and the
// type it must have. It must work on a nil receiver (a null list item).
type resource interface{ kind() (typ, id, want string) }

func checkResource(r resource) string {
	typ, id, want := r.kind()
	switch {
	case typ == "" && id == "":
		return "empty or null, want a " + want
	case typ != want:
		return fmt.Sprintf("type %q, want %q", typ, want)
	case id == "":
		return "a " + want + " with no id"
	}
	return ""
}

// checkList checks a list envelope and each of its items.
func checkList[T any](typ string, items []T) string {
	if typ != "list" {
		return fmt.Sprintf("type %q, want %q", typ, "list")
	}
	for i, it := range items {
		r, ok := any(it).(resource)
		if !ok {
			continue
		}
		if msg := checkResource(r); msg != "" {
			return "item " + strconv.Itoa(i) + " of the list: " + msg
		}
	}
	return ""
}

func (l *list[T]) check() string         { return checkList(l.Type, l.Data) }
func (p *TransactionPage) check() string { return checkList(p.Type, p.Data) }
func (u *User) kind() (string, string, string) {
	if u == nil {
		return "", "", "user"
	}
	return u.Type, u.ID, "user"
}

func (j *Job) kind() (string, string, string) {
	if j == nil {
		return "", "", "job"
	}
	return j.Type, j.ID, "job"
}

func (c *Connection) kind() (string, string, string) {
	if c == nil {
		return "", "", "connection"
	}
	return c.Type, c.ID, "connection"
}

func (a *Account) kind() (string, string, string) {
	if a == nil {
		return "", "", "account"
	}
	return a.Type, a.ID, "account"
}

func (t *Transaction) kind() (string, string, string) {
	if t == nil {
		return "", "", "transaction"
	}
	return t.Type, t.ID, "transaction"
}

func (in *Institution) kind() (string, string, string) {
	if in == nil {
		return "", "", "institution"
	}
	return in.Type, in.ID, "institution"
}
