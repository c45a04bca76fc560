package httpapi

import (
	"encoding/json"
	"net/http"
)

// problemType is the base of the problem type URIs of this API.
const problemType = "https://basiq-worker.dev/problems/"

// InvalidParam names one bad field of a request and why it is bad.
type InvalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Problem is an RFC 9457 problem details document.
type Problem struct {
	Type          string         `json:"type"`
	Title         string         `json:"title"`
	Status        int            `json:"status"`
	Detail        string         `json:"detail,omitempty"`
	Instance      string         `json:"instance,omitempty"`
	InvalidParams []InvalidParam `json:"invalid-params,omitempty"`
	// cause is the error behind a 5xx answer, logged and never shown.
	cause error
}

// problem builds a Problem of the given kind (the last part of its type URI).
func problem(status int, kind, title, detail string) *Problem {
	return &Problem{Type: problemType + kind, Title: title, Status: status, Detail: detail}
}

// invalid is the 400 answer naming every bad field.
func invalid(params ...InvalidParam) *Problem {
	p := problem(http.StatusBadRequest, "invalid-request", "Your request parameters didn't validate.", "")
	p.InvalidParams = params
	return p
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

// writeProblem writes p as application/problem+json, naming r's path as its instance.
func writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	if rec, ok := w.(*recorder); ok && p.cause != nil {
		rec.cause = p.cause
	}
	if p.Instance == "" {
		p.Instance = r.URL.Path
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeJSON writes v as application/json with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
