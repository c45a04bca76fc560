package wire

import (
	"errors"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
)

func TestDecode_errors(t *testing.T) {
	sealed := `{"kid":"k1","nonce":"AAAAAAAAAAAAAAAA","data":"AAAA"}`
	for _, tc := range []struct {
		name, payload, want string
	}{
		{"bad json", `{"v":1,`, "invalid JSON"},
		{"wrong type", `{"v":1,"userId":7}`, "field userId"},
		{"missing version", `{"userId":"u","institutionId":"AU00000","credentials":` + sealed + `}`, "field v: missing"},
		{"wrong version", `{"v":2,"userId":"u","institutionId":"AU00000","credentials":` + sealed + `}`, "field v: unsupported payload version 2"},
		{"missing user", `{"v":1,"institutionId":"AU00000","credentials":` + sealed + `}`, "field userId: required"},
		{"missing institution", `{"v":1,"userId":"u","credentials":` + sealed + `}`, "field institutionId: required"},
		{"missing credentials", `{"v":1,"userId":"u","institutionId":"AU00000"}`, "field credentials: required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode[CreateConnectionPayload](asynq.NewTask(TypeCreateConnection, []byte(tc.payload)))
			if !errors.Is(err, asynq.SkipRetry) {
				t.Fatalf("got %v, want an error wrapping asynq.SkipRetry", err)
			}
			if !strings.HasPrefix(err.Error(), "decode connection:create: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %q, want it to start with the task type and contain %q", err, tc.want)
			}
		})
	}
}

func TestDecode_requiredFields(t *testing.T) {
	for _, tc := range []struct {
		typ, payload, want string
		decode             func(*asynq.Task) error
	}{
		{TypeUpdateConnection, `{"v":1,"userId":"u"}`, "connectionId", func(t *asynq.Task) error { _, err := Decode[UpdateConnectionPayload](t); return err }},
		{TypeRefreshConnection, `{"v":1,"userId":"u"}`, "connectionId", func(t *asynq.Task) error { _, err := Decode[RefreshConnectionPayload](t); return err }},
		{TypeRefreshAll, `{"v":1}`, "userId", func(t *asynq.Task) error { _, err := Decode[RefreshAllPayload](t); return err }},
		{TypeAnswerMFA, `{"v":1,"userId":"u"}`, "jobId", func(t *asynq.Task) error { _, err := Decode[AnswerMFAPayload](t); return err }},
	} {
		err := tc.decode(asynq.NewTask(tc.typ, []byte(tc.payload)))
		if !errors.Is(err, asynq.SkipRetry) || !strings.Contains(err.Error(), "field "+tc.want+": required") {
			t.Errorf("%s: got %v, want SkipRetry naming %s", tc.typ, err, tc.want)
		}
	}
}

func TestDecode_ok(t *testing.T) {
	p, err := Decode[RefreshConnectionPayload](asynq.NewTask(TypeRefreshConnection, []byte(`{"v":1,"userId":"u","connectionId":"c"}`)))
	if err != nil || p.UserID != "u" || p.ConnectionID != "c" {
		t.Fatalf("got %+v, %v", p, err)
	}
}
