package sdk_test

import (
	"errors"
	"testing"

	"github.com/basiq-worker/basiq-worker/sdk"
)

func TestConnections_lifecycle(t *testing.T) {
	_, c := newFake(t)
	ctx := ctxT(t)
	u, conn := connected(t, c)
	if conn.Status != sdk.ConnectionActive || conn.Institution == nil || conn.Institution.ID != "AU00000" {
		t.Fatalf("got %+v, want an active AU00000 connection", conn)
	}
	list, err := u.Connections(ctx, sdk.Filter().Eq("institution.id", "AU00000"))
	if err != nil || len(list) != 1 || list[0].ID != conn.ID {
		t.Fatalf("got %d connections, %v; want 1 with id %s", len(list), err, conn.ID)
	}
	none, err := c.Connections.List(ctx, u.ID(), sdk.Filter().Eq("status", "invalid"))
	if err != nil || len(none) != 0 {
		t.Fatalf("got %d invalid connections, %v; want 0", len(none), err)
	}
	h := u.Connection(conn.ID)
	job, err := h.Refresh(ctx)
	if err != nil || job.ID == "" {
		t.Fatalf("refresh: got %+v, %v, want a job", job, err)
	}
	if _, err := c.Jobs.WaitForTransactions(ctx, job.ID, fastWait); err != nil {
		t.Fatal(err)
	}
	jobs, err := u.RefreshConnections(ctx)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("refresh all: got %d jobs, %v; want 1", len(jobs), err)
	}
	listed, err := u.Jobs(ctx, sdk.Filter().Eq("connection.id", conn.ID))
	if err != nil || len(listed) < 3 {
		t.Fatalf("jobs: got %d, %v; want at least 3", len(listed), err)
	}
	if _, err := c.Jobs.WaitForCredentials(ctx, jobs[0].ID, fastWait); err != nil {
		t.Fatal(err)
	}
	up, err := c.Connections.Update(ctx, u.ID(), conn.ID, sdk.Credentials{Password: " hooli2016 "})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Jobs.WaitForCredentials(ctx, up.ID, fastWait); err != nil {
		t.Fatalf("update: %v", err)
	}
	if err := h.Delete(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Get(ctx); !sdk.IsNotFound(err) {
		t.Fatalf("got %v after delete, want not found", err)
	}
}

func TestConnections_Create_badRequest(t *testing.T) {
	tests := []struct {
		name        string
		cr          sdk.Credentials
		wantCode    sdk.ErrorCode
		wantPointer bool
	}{
		{"no password", sdk.Credentials{Institution: "AU00000", LoginID: "gavinBelson"}, "parameter-not-supplied", true},
		{"no login", sdk.Credentials{Institution: "AU00000", Password: "x"}, "parameter-not-supplied", true},
		{"unknown institution", sdk.Credentials{Institution: "AU99999", LoginID: "a", Password: "b"}, "", false},
	}
	_, c := newFake(t)
	u := newUser(t, c)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := u.CreateConnection(ctxT(t), tt.cr)
			var apiErr *sdk.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 {
				t.Fatalf("got %v, want a 400", err)
			}
			if tt.wantCode != "" && apiErr.Code() != tt.wantCode {
				t.Errorf("got code %q, want %q", apiErr.Code(), tt.wantCode)
			}
			src := apiErr.Details[0].Source
			if tt.wantPointer && (src == nil || src.Pointer == "") {
				t.Errorf("got source %+v, want a pointer", src)
			}
		})
	}
}
