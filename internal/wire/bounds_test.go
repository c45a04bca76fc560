package wire

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
)

const sealedJSON = `{"kid":"k1","nonce":"AAAAAAAAAAAAAAAA","data":"AAAA"}`

// huge is a 5 MB value: the size of the id a malformed task carried.
var huge = strings.Repeat("u", 5<<20)

// payload is a valid payload of typ as a JSON object, with over's fields set.
func payload(t *testing.T, typ string, over map[string]any) []byte {
	t.Helper()
	p := map[string]any{"v": 1, "userId": "ea3a81b3-2fd7-4b1e-a5c1-9f0c0d3e4b5a"}
	switch typ {
	case TypeCreateConnection:
		p["institutionId"], p["credentials"] = "AU00000", json.RawMessage(sealedJSON)
	case TypeUpdateConnection:
		p["connectionId"], p["credentials"] = "aaaf2c3b", json.RawMessage(sealedJSON)
	case TypeRefreshConnection:
		p["connectionId"] = "aaaf2c3b"
	case TypeAnswerMFA:
		p["jobId"], p["answers"] = "e9132638", json.RawMessage(sealedJSON)
	}
	for k, v := range over {
		p[k] = v
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeAny(typ string, b []byte) error {
	task := asynq.NewTask(typ, b)
	var err error
	switch typ {
	case TypeCreateConnection:
		_, err = Decode[CreateConnectionPayload](task)
	case TypeUpdateConnection:
		_, err = Decode[UpdateConnectionPayload](task)
	case TypeRefreshConnection:
		_, err = Decode[RefreshConnectionPayload](task)
	case TypeRefreshAll:
		_, err = Decode[RefreshAllPayload](task)
	case TypeAnswerMFA:
		_, err = Decode[AnswerMFAPayload](task)
	}
	return err
}

func TestDecode_bounds(t *testing.T) {
	all := []string{TypeCreateConnection, TypeUpdateConnection, TypeRefreshConnection, TypeRefreshAll, TypeAnswerMFA}
	for _, tc := range []struct {
		name  string
		types []string
		field string
		value any
		want  string
	}{
		{"huge user id", all, "userId", huge, "field userId: 5242880 bytes, longer than 64"},
		{"user id with a slash", all, "userId", "../token", "field userId: byte '.' at offset 0"},
		{"user id with a space", all, "userId", "ea3a 81", "field userId: byte ' '"},
		{"user id with a newline", all, "userId", "ea3a\n81", `field userId: byte '\n'`},
		{"user id of 65", all, "userId", strings.Repeat("a", 65), "longer than 64"},
		{"huge connection id", []string{TypeUpdateConnection, TypeRefreshConnection}, "connectionId", huge, "field connectionId: 5242880 bytes"},
		{"connection id with a colon", []string{TypeRefreshConnection}, "connectionId", "a:b", "field connectionId: byte ':'"},
		{"huge job id", []string{TypeAnswerMFA}, "jobId", huge, "field jobId: 5242880 bytes"},
		{"job id with a query", []string{TypeAnswerMFA}, "jobId", "e91?x=1", "field jobId: byte '?'"},
		{"huge institution", []string{TypeCreateConnection, TypeUpdateConnection}, "institutionId", huge, "field institutionId: 5242880 bytes"},
		{"lowercase institution", []string{TypeCreateConnection, TypeUpdateConnection}, "institutionId", "au00000", "not a Basiq institution id"},
		{"short institution", []string{TypeCreateConnection}, "institutionId", "AU0000", "not a Basiq institution id"},
		{"huge idempotency key", all, "idempotencyKey", huge, "field idempotencyKey: 5242880 bytes, longer than 128"},
		{"idempotency key with a space", all, "idempotencyKey", "order 1", "field idempotencyKey: byte ' '"},
		{"huge key id", []string{TypeCreateConnection, TypeAnswerMFA}, "credentials", map[string]any{"kid": huge, "nonce": "AAAA", "data": "AAAA"}, "kid: 5242880 bytes"},
	} {
		for _, typ := range tc.types {
			field := tc.field
			if field == "credentials" && typ == TypeAnswerMFA {
				field = "answers"
			}
			t.Run(tc.name+"/"+typ, func(t *testing.T) {
				err := decodeAny(typ, payload(t, typ, map[string]any{field: tc.value}))
				if !errors.Is(err, asynq.SkipRetry) {
					t.Fatalf("got %.200v, want an error wrapping asynq.SkipRetry", err)
				}
				if msg := err.Error(); !strings.Contains(msg, tc.want) || len(msg) > 300 {
					t.Errorf("got %.400q (%d bytes), want at most 300 bytes containing %q", msg, len(msg), tc.want)
				}
			})
		}
	}
}

func TestDecode_sealedTooLarge(t *testing.T) {
	big := map[string]any{"kid": "k1", "nonce": "AAAAAAAAAAAAAAAA", "data": make([]byte, MaxSealedLen+1)}
	err := decodeAny(TypeCreateConnection, payload(t, TypeCreateConnection, map[string]any{"credentials": big}))
	if !errors.Is(err, asynq.SkipRetry) || !strings.Contains(err.Error(), "field credentials: sealed data of 8193 bytes") {
		t.Errorf("got %.200v, want the sealed data refused", err)
	}
}

// TestDecode_basiqIDs accepts the shapes of the ids Basiq (and basiqtest)
// hands out.
func TestDecode_basiqIDs(t *testing.T) {
	for _, id := range []string{
		"ea3a81b3-2fd7-4b1e-a5c1-9f0c0d3e4b5a", // UUID, as basiqtest generates
		"ea3a81", "e9132638", "61723",          // hex and numeric ids of Basiq's documentation
		"u-1", "user_1",
		strings.Repeat("a", MaxIDLen),
	} {
		for _, typ := range []string{TypeRefreshConnection, TypeAnswerMFA} {
			over := map[string]any{"userId": id, "connectionId": id, "jobId": id, "idempotencyKey": "order-1:retry/2"}
			if err := decodeAny(typ, payload(t, typ, over)); err != nil {
				t.Errorf("%s %q: %v, want it accepted", typ, id, err)
			}
		}
	}
	for _, inst := range []string{"AU00000", "AU04301", "NZ00001"} {
		if err := decodeAny(TypeCreateConnection, payload(t, TypeCreateConnection, map[string]any{"institutionId": inst})); err != nil {
			t.Errorf("institution %q: %v, want it accepted", inst, err)
		}
	}
}
