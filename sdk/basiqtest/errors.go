package basiqtest

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// apiError is an error answer in Basiq's shape.
type apiError struct {
	status int
	item   errorItem
	header http.Header
}

type errorItem struct {
	Type   string     `json:"type"`
	Code   string     `json:"code"`
	Title  string     `json:"title"`
	Detail string     `json:"detail"`
	Source *errSource `json:"source,omitempty"`
}

type errSource struct {
	Parameter string `json:"parameter,omitempty"`
	Pointer   string `json:"pointer,omitempty"`
}

type errorBody struct {
	Type          string      `json:"type"`
	CorrelationID string      `json:"correlationId"`
	Data          []errorItem `json:"data"`
}

var errorTitles = map[string]string{
	"parameter-not-supplied":       "Required parameter not supplied",
	"parameter-not-valid":          "Parameter value is not valid",
	"invalid-content":              "Invalid content",
	"resource-not-found":           "Requested resource is not found",
	"invalid-authorization-token":  "Invalid authorization token",
	"access-denied":                "Access denied",
	"forbidden-access":             "Forbidden access",
	"unsupported-content-type":     "Unsupported content type",
	"too-many-requests":            "Too many requests",
	"internal-server-error":        "Internal server error",
	"service-unavailable":          "Service unavailable",
	"method-not-allowed":           "Method not allowed",
	"resource-no-longer-available": "Resource no longer available",
}

func newError(status int, code, detail string, src *errSource) *apiError {
	return &apiError{status: status, item: errorItem{Type: "error", Code: code, Title: errorTitles[code], Detail: detail, Source: src}}
}

func param(name string) *errSource   { return &errSource{Parameter: name} }
func pointer(name string) *errSource { return &errSource{Pointer: name} }

func errNotSupplied(ptr string) *apiError {
	return newError(400, "parameter-not-supplied", "Required parameter '"+ptr[1:]+"' not supplied.", pointer(ptr))
}

func errNotValid(src *errSource, detail string) *apiError {
	return newError(400, "parameter-not-valid", detail, src)
}

func errNotFound(kind string) *apiError {
	return newError(404, "resource-not-found", "Requested "+kind+" does not exist.", &errSource{})
}

func errInvalidContent(detail string) *apiError {
	return newError(400, "invalid-content", detail, &errSource{})
}

func (s *Server) writeError(w http.ResponseWriter, e *apiError) {
	for k, v := range e.header {
		w.Header()[k] = v
	}
	id := "mock-" + strconv.FormatUint(s.corr.Add(1), 36)
	writeJSON(w, e.status, errorBody{Type: "list", CorrelationID: id, Data: []errorItem{e.item}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = 500, []byte(`{"type":"list","correlationId":"mock","data":[{"type":"error","code":"internal-server-error","title":"Internal server error","detail":"encode"}]}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// Error makes an apiError an error for the Go methods of Server: "code: detail".
func (e *apiError) Error() string { return "basiqtest: " + e.item.Code + ": " + e.item.Detail }
