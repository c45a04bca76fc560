package tasks

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/hibiken/asynq"
)

func newTestClient(t *testing.T, k *Keyring) (*Client, string) {
	q := testredis.Queue(t, "test")
	return NewClient(testredis.Client(t), k, WithDefaultQueue(q)), q
}

func TestClient_CreateConnection_idempotent(t *testing.T) {
	ctx := context.Background()
	k := testKeyring(t)
	c, q := newTestClient(t, k)
	req := CreateConnection{UserID: "user-1", InstitutionID: "AU00000", Credentials: Credentials{LoginID: "gavinBelson", Password: "hooli2016-pw"}}
	id1, err := c.CreateConnection(ctx, req, Enqueue{IdempotencyKey: "abc", Deadline: time.Now().Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	id2, err := c.CreateConnection(ctx, req, Enqueue{IdempotencyKey: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	if want := TaskID(TypeCreateConnection, "abc"); id1 != want || id2 != want || want != "connection:create:abc" {
		t.Fatalf("got ids %q, %q, want %q twice (TaskID: %q)", id1, id2, "connection:create:abc", want)
	}
	insp := asynq.NewInspector(testredis.ConnOpt())
	defer insp.Close()
	tasks, err := insp.ListPendingTasks(q)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 1 {
		t.Fatalf("got %d pending tasks, want 1", len(tasks))
	}
	if tasks[0].Retention != DefaultRetention {
		t.Errorf("got retention %s, want %s", tasks[0].Retention, DefaultRetention)
	}
	p, err := wire.Decode[wire.CreateConnectionPayload](asynq.NewTask(tasks[0].Type, tasks[0].Payload))
	if err != nil {
		t.Fatal(err)
	}
	if p.IdempotencyKey != "abc" || p.Deadline.IsZero() || p.EnqueuedAt.IsZero() {
		t.Errorf("payload %+v: want key, deadline and enqueuedAt", p)
	}
	creds, err := k.ring().OpenCredentials(p.Credentials, "user-1")
	if err != nil || Credentials(creds) != req.Credentials {
		t.Errorf("open: got %v, %v", creds, err)
	}
}

func TestClient_noPlaintextInRedis(t *testing.T) {
	ctx := context.Background()
	c, q := newTestClient(t, testKeyring(t))
	rdb := testredis.Client(t)
	const pw, code, answer = "pw-hooli2016-secret", "sc-98765", "mfa-answer-1234"
	id, err := c.CreateConnection(ctx, CreateConnection{UserID: "u", InstitutionID: "AU00000",
		Credentials: Credentials{LoginID: "l", Password: pw, SecurityCode: code}})
	if err != nil {
		t.Fatal(err)
	}
	mfaID, err := c.AnswerMFA(ctx, AnswerMFA{UserID: "u", JobID: "j", Answers: []string{answer}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tid := range []string{id, mfaID} {
		raw, err := rdb.HGetAll(ctx, "asynq:{"+q+"}:t:"+tid).Result()
		if err != nil || len(raw) == 0 {
			t.Fatalf("task hash %s: %v, %d fields", tid, err, len(raw))
		}
		for field, v := range raw {
			for _, secret := range []string{pw, code, answer} {
				if strings.Contains(v, secret) {
					t.Errorf("task %s field %s holds plaintext %q", tid, field, secret)
				}
			}
		}
	}
}

func TestClient_randomIDs(t *testing.T) {
	c, _ := newTestClient(t, nil)
	a, err1 := c.RefreshAll(context.Background(), RefreshAll{UserID: "u"})
	b, err2 := c.RefreshConnection(context.Background(), RefreshConnection{UserID: "u", ConnectionID: "c"}, Enqueue{MaxRetry: 3, ProcessIn: time.Minute})
	if err1 != nil || err2 != nil || a == "" || a == b {
		t.Fatalf("got %q %v, %q %v; want two distinct ids", a, err1, b, err2)
	}
}

func TestClient_validation(t *testing.T) {
	ctx := context.Background()
	rdb := testredis.Client(t)
	c := NewClient(rdb, testKeyring(t))
	noKeys := NewClient(rdb, nil)
	creds := Credentials{LoginID: "l", Password: "p"}
	for _, tc := range []struct {
		name string
		call func() (string, error)
		want string
	}{
		{"create no user", func() (string, error) {
			return c.CreateConnection(ctx, CreateConnection{InstitutionID: "AU00000", Credentials: creds})
		}, "UserID"},
		{"create no institution", func() (string, error) {
			return c.CreateConnection(ctx, CreateConnection{UserID: "u", Credentials: creds})
		}, "InstitutionID"},
		{"create no password", func() (string, error) {
			return c.CreateConnection(ctx, CreateConnection{UserID: "u", InstitutionID: "AU00000", Credentials: Credentials{LoginID: "l"}})
		}, "Credentials.Password"},
		{"update no connection", func() (string, error) {
			return c.UpdateConnection(ctx, UpdateConnection{UserID: "u", Credentials: creds})
		}, "ConnectionID"},
		{"refresh no connection", func() (string, error) { return c.RefreshConnection(ctx, RefreshConnection{UserID: "u"}) }, "ConnectionID"},
		{"refresh all no user", func() (string, error) { return c.RefreshAll(ctx, RefreshAll{}) }, "UserID"},
		{"mfa no answers", func() (string, error) { return c.AnswerMFA(ctx, AnswerMFA{UserID: "u", JobID: "j"}) }, "Answers"},
		{"create without keyring", func() (string, error) {
			return noKeys.CreateConnection(ctx, CreateConnection{UserID: "u", InstitutionID: "AU00000", Credentials: creds})
		}, "keyring"},
		{"mfa without keyring", func() (string, error) {
			return noKeys.AnswerMFA(ctx, AnswerMFA{UserID: "u", JobID: "j", Answers: []string{"1"}})
		}, "keyring"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := tc.call()
			if err == nil || id != "" || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %q, %v; want error naming %s", id, err, tc.want)
			}
			if tc.want == "keyring" && !errors.Is(err, ErrNoKeyring) {
				t.Fatalf("got %v, want ErrNoKeyring", err)
			}
		})
	}
}

// TestClient_MaxRetry: MaxRetry left at zero is asynq's default, NoRetry
// (any negative value) none, a positive value that many.
func TestClient_MaxRetry(t *testing.T) {
	ctx := context.Background()
	c, q := newTestClient(t, nil)
	insp := asynq.NewInspector(testredis.ConnOpt())
	t.Cleanup(func() { insp.Close() })
	for _, tt := range []struct {
		name string
		opts []Enqueue
		want int
	}{
		{"not set", nil, 25},
		{"zero", []Enqueue{{MaxRetry: 0}}, 25},
		{"NoRetry", []Enqueue{{MaxRetry: NoRetry}}, 0},
		{"other negative", []Enqueue{{MaxRetry: -7}}, 0},
		{"three", []Enqueue{{MaxRetry: 3}}, 3},
		{"later set field wins", []Enqueue{{MaxRetry: 3}, {MaxRetry: NoRetry}}, 0},
		{"later zero keeps the earlier", []Enqueue{{MaxRetry: NoRetry}, {Queue: q}}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id, err := c.RefreshAll(ctx, RefreshAll{UserID: "u"}, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			info, err := insp.GetTaskInfo(q, id)
			if err != nil {
				t.Fatal(err)
			}
			if info.MaxRetry != tt.want {
				t.Fatalf("MaxRetry: got %d, want %d", info.MaxRetry, tt.want)
			}
		})
	}
}
