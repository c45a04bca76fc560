package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// DefaultMaxBody bounds a request body (Options.MaxBody).
const DefaultMaxBody = 64 << 10

// decodeBody reads r's JSON body into dst: one JSON object of at most
// maxBody bytes, without unknown fields. The problem it returns names the
// field at fault and never quotes the body, which may hold credentials.
func decodeBody(w http.ResponseWriter, r *http.Request, maxBody int64, dst any) *Problem {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return problem(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported Media Type",
			"the body must be application/json")
	}
	body := http.MaxBytesReader(w, r.Body, maxBody)
	return decodeJSON(body, maxBody, dst)
}

// decodeJSON decodes one JSON value from rd into dst and checks nothing follows it.
func decodeJSON(rd io.Reader, maxBody int64, dst any) *Problem {
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeProblem(err, maxBody)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return decodeProblem(err, maxBody)
		}
		return invalid(InvalidParam{Name: "body", Reason: "must hold a single JSON object"})
	}
	return nil
}

// decodeProblem turns a decoding error into a problem naming the field.
func decodeProblem(err error, maxBody int64) *Problem {
	var (
		tooBig  *http.MaxBytesError
		typeErr *json.UnmarshalTypeError
		syntax  *json.SyntaxError
	)
	switch {
	case errors.As(err, &tooBig):
		return problem(http.StatusRequestEntityTooLarge, "body-too-large", "Request Entity Too Large",
			fmt.Sprintf("the body is longer than %d bytes", maxBody))
	case errors.As(err, &typeErr):
		name := typeErr.Field
		if name == "" {
			name = "body"
		}
		return invalid(InvalidParam{Name: name, Reason: "must be " + jsonKind(typeErr.Type.Kind().String())})
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return invalid(InvalidParam{Name: "body", Reason: fmt.Sprintf("is not valid JSON (at byte %d)", offsetOf(err))})
	case errors.Is(err, io.EOF):
		return invalid(InvalidParam{Name: "body", Reason: "is empty; a JSON object is required"})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if name == "" {
			return invalid(InvalidParam{Name: "body", Reason: "has a field with an empty name"})
		}
		return invalid(InvalidParam{Name: name, Reason: "is not a field of this request"})
	}
	return invalid(InvalidParam{Name: "body", Reason: "is not a valid JSON object"})
}

func offsetOf(err error) int64 {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return syntax.Offset
	}
	return 0
}

// jsonKind names a Go kind as the JSON type it is decoded from.
func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	case "bool":
		return "a boolean"
	}
	return "a number"
}
