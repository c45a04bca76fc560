package sdk

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestDecodeError(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		wantCode   ErrorCode
		wantSource *ErrorSource
		wantMsg    string
	}{
		{"with parameter", 400, `{"type":"list","correlationId":"c1","data":[{"type":"error","code":"parameter-not-valid","title":"T","detail":"Bad limit.","source":{"parameter":"limit"}}]}`,
			"parameter-not-valid", &ErrorSource{Parameter: "limit"}, "basiq: 400: Bad limit."},
		{"empty source", 404, `{"data":[{"code":"resource-not-found","detail":"Requested user does not exist.","source":{}}]}`,
			"resource-not-found", &ErrorSource{}, "basiq: 404: Requested user does not exist."},
		{"null source", 404, `{"data":[{"code":"resource-not-found","detail":"a","source":null}]}`, "resource-not-found", nil, "basiq: 404: a"},
		{"string source", 400, `{"correlationId":"c2","data":[{"code":"parameter-not-valid","title":"T","detail":"Bad.","source":"limit"}]}`,
			"parameter-not-valid", &ErrorSource{}, "basiq: 400: Bad."},
		{"number source", 400, `{"data":[{"code":"parameter-not-valid","detail":"Bad.","source":7}]}`, "parameter-not-valid", &ErrorSource{}, "basiq: 400: Bad."},
		{"array source", 400, `{"data":[{"code":"parameter-not-valid","detail":"Bad.","source":["limit"]}]}`, "parameter-not-valid", &ErrorSource{}, "basiq: 400: Bad."},
		{"bool source", 400, `{"data":[{"code":"x","detail":"Bad.","source":true},{"code":"y","detail":"Worse.","source":{"pointer":"/a"}}]}`,
			"x", &ErrorSource{}, "basiq: 400: Bad. Worse."},
		{"two details", 400, `{"data":[{"code":"x","detail":"a"},{"code":"y","detail":"b"}]}`, "x", nil, "basiq: 400: a b"},
		{"html", 502, `<html>bad gateway</html>`, "", nil, "basiq: 502: <html>bad gateway</html>"},
		{"empty", 503, ``, "", nil, "basiq: 503: Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := decodeError(tt.status, []byte(tt.body))
			if e.StatusCode != tt.status || e.Code() != tt.wantCode {
				t.Errorf("got %d %q, want %d %q", e.StatusCode, e.Code(), tt.status, tt.wantCode)
			}
			if got := e.Error(); got != tt.wantMsg {
				t.Errorf("got %q, want %q", got, tt.wantMsg)
			}
			if len(e.Details) > 0 && fmt.Sprint(e.Details[0].Source) != fmt.Sprint(tt.wantSource) {
				t.Errorf("got source %v, want %v", e.Details[0].Source, tt.wantSource)
			}
		})
	}
}

func TestIsTokenExpired(t *testing.T) {
	tests := []struct {
		status int
		body   string
		want   bool
	}{
		{401, `{"data":[{"code":"invalid-authorization-token","detail":"x"}]}`, true},
		{403, `{"data":[{"code":"access-denied","detail":"Token has expired"}]}`, true},
		{403, `{"data":[{"code":"forbidden-access","detail":"wrong scope"}]}`, false},
		{401, `{"data":[{"code":"unauthorized-access","detail":"x"}]}`, false},
		{404, `{"data":[{"code":"resource-not-found","detail":"expired"}]}`, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status, tt.body), func(t *testing.T) {
			err := fmt.Errorf("wrapped: %w", decodeError(tt.status, []byte(tt.body)))
			if got := IsTokenExpired(err); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestIsRetryable(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&Error{StatusCode: 500}, true},
		{&Error{StatusCode: 503}, true},
		{&Error{StatusCode: 408}, true},
		{&Error{StatusCode: 429}, true},
		{&Error{StatusCode: 400}, false},
		{&Error{StatusCode: 404}, false},
		{errors.New("plain"), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := IsRetryable(tt.err); got != tt.want {
			t.Errorf("IsRetryable(%v): got %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"2", 2 * time.Second}, {"0.5", 500 * time.Millisecond}, {"-1", 0}, {"soon", 0},
		{now.Add(3 * time.Second).Format(http.TimeFormat), 3 * time.Second},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q): got %v, want %v", tt.in, got, tt.want)
		}
	}
}

func FuzzDecodeError(f *testing.F) {
	for _, s := range []string{``, `{}`, `null`, `{"data":null}`, `{"data":[{"source":{}}]}`, `{"data":[null]}`, `<html>`, "\xff\xfe", `{"data":[{"code":1}]}`} {
		f.Add(400, []byte(s))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		var err error = decodeError(status, body)
		var e *Error
		if !errors.As(err, &e) || e.StatusCode != status {
			t.Fatalf("got %#v, want *Error with status %d", err, status)
		}
		if msg := e.Error(); !strings.HasPrefix(msg, fmt.Sprintf("basiq: %d", status)) {
			t.Fatalf("got %q, want the status first", msg)
		}
		_ = e.Code()
	})
}

// A source that is not an object must not lose the rest of the body.
func TestDecodeError_oddSourceKeepsTheRest(t *testing.T) {
	body := `{"type":"list","correlationId":"c2","data":[{"type":"error","code":"parameter-not-valid","title":"T","detail":"Bad limit.","source":"limit"}]}`
	e := decodeError(400, []byte(body))
	d := ErrorDetail{}
	if len(e.Details) == 1 {
		d = e.Details[0]
	}
	if e.CorrelationID != "c2" || d.Code != "parameter-not-valid" || d.Title != "T" || d.Detail != "Bad limit." {
		t.Fatalf("got %+v, want correlation id c2 and the detail's code, title and detail", e)
	}
}
