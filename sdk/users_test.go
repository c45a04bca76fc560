package sdk_test

import (
	"errors"
	"testing"

	"github.com/basiq-worker/basiq-worker/sdk"
)

func TestUsers_lifecycle(t *testing.T) {
	_, c := newFake(t)
	ctx := ctxT(t)
	u, err := c.Users.Create(ctx, sdk.UserParams{Email: "gavin@hooli.com", FirstName: "Gavin"})
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == "" || u.Email != "gavin@hooli.com" || u.Links.Self == "" {
		t.Fatalf("got %+v, want an id, the email and a self link", u)
	}
	up, err := c.Users.Update(ctx, u.ID, sdk.UserParams{Mobile: "+61410888999"})
	if err != nil {
		t.Fatal(err)
	}
	if up.Mobile != "+61410888999" || up.Email != "gavin@hooli.com" {
		t.Fatalf("got %q %q, want the new mobile and the old email", up.Mobile, up.Email)
	}
	got, err := c.Users.For(u.ID).Get(ctx)
	if err != nil || got.FirstName != "Gavin" {
		t.Fatalf("got %+v, %v, want Gavin", got, err)
	}
	if err := c.Users.Delete(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.Get(ctx, u.ID); !sdk.IsNotFound(err) {
		t.Fatalf("got %v after delete, want not found", err)
	}
}

func TestUsers_Get_notFound(t *testing.T) {
	_, c := newFake(t)
	_, err := c.Users.Get(ctxT(t), "no-such-user")
	var apiErr *sdk.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %T %v, want *sdk.Error", err, err)
	}
	if apiErr.StatusCode != 404 || apiErr.Code() != "resource-not-found" || !sdk.IsNotFound(err) {
		t.Fatalf("got %d %q, want 404 resource-not-found", apiErr.StatusCode, apiErr.Code())
	}
	if apiErr.Method != "GET" || apiErr.Path != "/users/no-such-user" || apiErr.CorrelationID == "" {
		t.Fatalf("got %s %s correlation %q, want GET /users/no-such-user and an id", apiErr.Method, apiErr.Path, apiErr.CorrelationID)
	}
}

func TestUsers_Create_badRequest(t *testing.T) {
	tests := []struct {
		name     string
		params   sdk.UserParams
		wantCode sdk.ErrorCode
	}{
		{"no email or mobile", sdk.UserParams{FirstName: "G"}, "parameter-not-supplied"},
		{"bad email", sdk.UserParams{Email: "not-an-email"}, "parameter-not-valid"},
	}
	_, c := newFake(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Users.Create(ctxT(t), tt.params)
			var apiErr *sdk.Error
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Code() != tt.wantCode {
				t.Fatalf("got %v, want 400 %s", err, tt.wantCode)
			}
		})
	}
}

func TestUsers_emptyID(t *testing.T) {
	_, c := newFake(t)
	if _, err := c.Users.Get(ctxT(t), ""); err == nil {
		t.Fatal("got nil error, want one for an empty id")
	}
}
