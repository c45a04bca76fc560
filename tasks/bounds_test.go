package tasks

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// huge is a 5 MB value: the size of the id a malformed task carried.
var huge = strings.Repeat("u", 5<<20)

// TestClient_refusesOutOfBounds: the Client refuses what Decode would, before
// anything reaches Redis (the asynq client here has no server behind it).
func TestClient_refusesOutOfBounds(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	c := NewClient(rdb, testKeyring(t))
	ctx := context.Background()
	creds := Credentials{LoginID: "gavinBelson", Password: "hooli2016"}
	for name, tc := range map[string]struct {
		enqueue func() error
		want    string
	}{
		"user id": {func() error {
			_, err := c.RefreshAll(ctx, RefreshAll{UserID: huge})
			return err
		}, "field UserID: 5242880 bytes"},
		"connection id": {func() error {
			_, err := c.RefreshConnection(ctx, RefreshConnection{UserID: "u", ConnectionID: "a/b"})
			return err
		}, "field ConnectionID: byte '/'"},
		"institution": {func() error {
			_, err := c.CreateConnection(ctx, CreateConnection{UserID: "u", InstitutionID: "hooli", Credentials: creds})
			return err
		}, "field InstitutionID"},
		"login id": {func() error {
			_, err := c.CreateConnection(ctx, CreateConnection{UserID: "u", InstitutionID: "AU00000",
				Credentials: Credentials{LoginID: huge, Password: "p"}})
			return err
		}, "field Credentials.LoginID: 5242880 bytes"},
		"job id": {func() error {
			_, err := c.AnswerMFA(ctx, AnswerMFA{UserID: "u", JobID: huge, Answers: []string{"1234"}})
			return err
		}, "field JobID: 5242880 bytes"},
		"mfa answer": {func() error {
			_, err := c.AnswerMFA(ctx, AnswerMFA{UserID: "u", JobID: "j", Answers: []string{huge}})
			return err
		}, "field Answers[0]: 5242880 bytes"},
		"idempotency key": {func() error {
			_, err := c.RefreshAll(ctx, RefreshAll{UserID: "u"}, Enqueue{IdempotencyKey: huge})
			return err
		}, "field idempotencyKey: 5242880 bytes"},
	} {
		err := tc.enqueue()
		if err == nil || !strings.Contains(err.Error(), tc.want) || len(err.Error()) > 300 {
			t.Errorf("%s: got %.300v, want a bounded error containing %q", name, err, tc.want)
		}
	}
}

// TestOpenCredentials_bounds: credentials sealed by someone else's code are
// bounded when opened, without quoting them.
func TestOpenCredentials_bounds(t *testing.T) {
	k := testKeyring(t)
	s, err := k.ring().Seal([]byte(`{"loginId":"`+huge+`","password":"p"}`), []byte("u"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = k.ring().OpenCredentials(s, "u")
	if err == nil || !strings.Contains(err.Error(), "LoginID: 5242880 bytes") || strings.Contains(err.Error(), "uuuu") {
		t.Errorf("got %.200v, want the login id refused by its size only", err)
	}
}
