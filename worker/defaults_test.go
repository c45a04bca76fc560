package worker

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/basiq-worker/basiq-worker/internal/keys"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
)

// TestConfig_withDefaults_fillsFromDefaultConfig: New's defaults are
// DefaultConfig's, so the two cannot disagree.
func TestConfig_withDefaults_fillsFromDefaultConfig(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:0"})
	t.Cleanup(func() { rdb.Close() })
	kr, err := tasks.NewKeyring("k1", map[string][]byte{"k1": make([]byte, tasks.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	required := Config{Redis: rdb, Basiq: newFakeBasiq(), Keyring: kr}
	got, err := required.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Redis, want.Basiq, want.Keyring = required.Redis, required.Basiq, required.Keyring
	if !reflect.DeepEqual(got, want) {
		t.Errorf("withDefaults of the required fields:\ngot  %+v\nwant %+v", got, want)
	}
	again, err := want.withDefaults()
	if err != nil || !reflect.DeepEqual(again, want) {
		t.Errorf("withDefaults changed DefaultConfig: got %+v, %v", again, err)
	}
}

// TestDefaultConfig_documentedValues: the values basiq-worker documents
// (-h, README, docker-compose) where the sources used to disagree.
func TestDefaultConfig_documentedValues(t *testing.T) {
	d := DefaultConfig()
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"Concurrency", d.Concurrency, 128},
		{"Dequeuers", d.Dequeuers, 4},
		{"APIVersion", d.APIVersion, "3.0"},
		{"ShutdownTimeout", d.ShutdownTimeout, 25 * time.Second},
		{"DelayedTaskCheckInterval", d.DelayedTaskCheckInterval, 250 * time.Millisecond},
		{"TaskCheckInterval", d.TaskCheckInterval, 200 * time.Millisecond},
		{"Policy", d.Policy, PollPolicy{Initial: 500 * time.Millisecond, Factor: 1.5, Max: 5 * time.Second, Jitter: 0.2, Near: 900 * time.Millisecond, Spread: 0.2}},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	d.Queues["other"] = 1
	if len(DefaultConfig().Queues) != 1 {
		t.Error("DefaultConfig shares its Queues map between calls")
	}
}

// transportObserver is an Observer that also wraps the HTTP transport, as
// *metrics.Metrics does.
type transportObserver struct {
	nopObserver
	requests, tokens atomic.Int32
}

func (o *transportObserver) TokenRefreshed() { o.tokens.Add(1) }

func (o *transportObserver) Transport(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		o.requests.Add(1)
		return next.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestNew_buildsBasiqClient: from the plain settings New builds the
// worker's Basiq client: it reaches BaseURL with APIKey, shares its token
// through Redis sealed (no plaintext, keyed by a fingerprint), goes through
// the Observer's transport and never retries by itself.
func TestNew_buildsBasiqClient(t *testing.T) {
	srv := basiqtest.NewServer()
	t.Cleanup(srv.Close)
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	kr, err := tasks.NewKeyring("k1", map[string][]byte{"k1": make([]byte, tasks.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	obs := &transportObserver{}
	cfg := DefaultConfig()
	cfg.Redis, cfg.Keyring, cfg.Observer = rdb, kr, obs
	cfg.APIKey, cfg.BaseURL, cfg.APIVersion = "plain-settings-key", srv.URL, "2.0"
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := w.cfg.Basiq.StepDurations(ctx, "AU00000"); err != nil {
		t.Fatal(err)
	}
	if got := srv.Stats().TokensIssued; got != 1 {
		t.Errorf("tokens issued: %d, want 1", got)
	}
	if got := obs.requests.Load(); got != 2 {
		t.Errorf("requests through the Observer's transport: %d, want 2 (a token, an institution)", got)
	}
	if got := obs.tokens.Load(); got != 1 {
		t.Errorf("tokens saved to the shared store: %d, want 1", got)
	}
	stored, err := rdb.Get(ctx, keys.Token(cfg.Namespace, cfg.APIKey)).Result()
	if err != nil {
		t.Fatalf("shared token at %s: %v", keys.Token(cfg.Namespace, cfg.APIKey), err)
	}
	if !strings.Contains(stored, `"sealed"`) || strings.Contains(stored, `"accessToken"`) {
		t.Errorf("shared token not sealed: %s", stored)
	}
	for _, k := range mr.Keys() {
		if strings.Contains(k, cfg.APIKey) {
			t.Errorf("the API key is in a Redis key: %s", k)
		}
	}
	srv.SetFaults(basiqtest.Fault{Path: "/institutions", ErrorRate: 1, ErrorStatus: 503})
	before := srv.Stats().Requests["GET /institutions/{id}"][503]
	if _, err := w.cfg.Basiq.StepDurations(ctx, "AU00001"); err == nil {
		t.Fatal("StepDurations through a 503: no error")
	}
	if got := srv.Stats().Requests["GET /institutions/{id}"][503] - before; got != 1 {
		t.Errorf("503 answers: %d requests, want 1 (no retry inside the client)", got)
	}
}

func TestNew_requiresAPIKey(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:0"})
	t.Cleanup(func() { rdb.Close() })
	kr, _ := tasks.NewKeyring("k1", map[string][]byte{"k1": make([]byte, tasks.KeySize)})
	if _, err := New(Config{Redis: rdb, Keyring: kr}); err == nil || !strings.Contains(err.Error(), "Config.APIKey") {
		t.Errorf("New without APIKey or Basiq = %v, want an error naming Config.APIKey", err)
	}
}

// TestConfig_formatMasksAPIKey: no fmt verb prints the API key.
func TestConfig_formatMasksAPIKey(t *testing.T) {
	c := DefaultConfig()
	c.APIKey = "very-secret-api-key"
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x"} {
		got := fmt.Sprintf(verb, c)
		if strings.Contains(got, c.APIKey) || strings.Contains(got, fmt.Sprintf("%x", c.APIKey)) {
			t.Errorf("Sprintf(%s) shows the API key: %s", verb, got)
		}
	}
	if got := fmt.Sprint(c); !strings.Contains(got, "APIKey: ****") {
		t.Errorf("Sprint = %s, want APIKey: ****", got)
	}
}
