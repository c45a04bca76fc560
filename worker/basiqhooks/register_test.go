package basiqhooks_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/testkeyring"
	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/worker/basiqhooks"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

func basiqClient(t *testing.T, srv *basiqtest.Server, key string) *sdk.Client {
	t.Helper()
	c, err := sdk.New(key, sdk.WithBaseURL(srv.URL), sdk.WithAPIVersion("3.0"), sdk.WithRetryPolicy(sdk.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRegister_onceAcrossWorkers: four workers starting at once, then a
// restart, against the fake: one subscription at Basiq, created once, its
// secret known to all of them; a receiver given that secret takes Basiq's
// deliveries (connection.created of a consent journey).
func TestRegister_onceAcrossWorkers(t *testing.T) {
	rdb := testredis.Client(t)
	ns, q := testredis.Namespace(t, "register"), testredis.Queue(t, "register")
	srv := basiqtest.NewServer()
	defer srv.Close()
	rc, err := basiqhooks.New(basiqhooks.Options{Registered: true, Redis: rdb, Namespace: ns,
		Enqueuer: asynq.NewClientFromRedisClient(rdb), Queue: q, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	hooks := httptest.NewServer(rc)
	defer hooks.Close()
	kr := testkeyring.New(t)
	reg := basiqhooks.Registration{URL: hooks.URL + "/basiq/webhooks", Events: basiqhooks.Events, Redis: rdb, Namespace: ns, Keyring: kr}
	subs := make([]basiqhooks.Subscription, 4)
	var wg sync.WaitGroup
	for i := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := reg
			r.Basiq = basiqClient(t, srv, "worker-key").Webhooks // each worker its own client
			s, err := basiqhooks.Register(context.Background(), r)
			if err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
			subs[i] = s
		}()
	}
	wg.Wait()
	reg.Basiq = basiqClient(t, srv, "worker-key").Webhooks
	restarted, err := basiqhooks.Register(context.Background(), reg)
	if err != nil {
		t.Fatal(err)
	}
	created := 0
	for i, s := range append(subs, restarted) {
		if s.Created {
			created++
		}
		if s.ID != restarted.ID || s.Secret == "" || s.Secret != restarted.Secret {
			t.Errorf("worker %d: subscription %s (secret known %v), want %s with the same secret", i, s.ID, s.Secret != "", restarted.ID)
		}
	}
	list, err := basiqClient(t, srv, "app-key").Webhooks.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if created != 1 || len(list) != 1 || list[0].URL != reg.URL {
		t.Errorf("created %d times, Basiq lists %v; want one subscription for %s, created once", created, list, reg.URL)
	}
	if err := rc.AddSecrets(restarted.Secret); err != nil {
		t.Fatal(err)
	}
	c := basiqClient(t, srv, "app-key")
	u, err := c.Users.Create(context.Background(), sdk.UserParams{Email: "reg@hooli.com"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(srv.URL+"/_mock/consent", "application/json", strings.NewReader(
		`{"userId":"`+u.ID+`","institutionId":"AU00000","loginId":"gavinBelson","password":"hooli2016"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("POST /_mock/consent: %s", res.Status)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		delivered := 0
		for _, d := range srv.Stats().Deliveries {
			if d.EventType == string(sdk.EventConnectionCreated) && d.Status == "delivered" {
				delivered++
			}
		}
		if delivered == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("connection.created not delivered to the registered receiver: %+v", srv.Stats().Deliveries)
		}
	}
}

// TestRegister_errors: each failure names its cause; a subscription of the
// URL made outside the worker is kept, its secret unknown.
func TestRegister_errors(t *testing.T) {
	rdb := testredis.Client(t)
	ns := testredis.Namespace(t, "register")
	srv := basiqtest.NewServer(basiqtest.WithAPIKey("the-key"))
	defer srv.Close()
	kr := testkeyring.New(t)
	good := basiqClient(t, srv, "the-key").Webhooks
	reg := basiqhooks.Registration{URL: "https://worker.example/basiq/webhooks", Basiq: good, Redis: rdb, Namespace: ns, Keyring: kr}
	for _, tc := range []struct {
		name string
		set  func(*basiqhooks.Registration)
		want string
	}{
		{"not a URL", func(r *basiqhooks.Registration) { r.URL = "worker.example/hooks" }, `webhook URL "worker.example/hooks": want an absolute http(s) URL`},
		{"wrong API key", func(r *basiqhooks.Registration) { r.Basiq = basiqClient(t, srv, "another-key").Webhooks }, "list Basiq's webhook subscriptions: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := reg
			tc.set(&r)
			_, err := basiqhooks.Register(context.Background(), r)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	made, err := good.Create(context.Background(), sdk.WebhookParams{URL: reg.URL})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := basiqhooks.Register(context.Background(), reg)
	if err != nil || sub.ID != made.ID || sub.Created || sub.Secret != "" {
		t.Errorf("with a subscription made elsewhere: %+v, %v; want it kept (%s), secret unknown", sub, err, made.ID)
	}
}
