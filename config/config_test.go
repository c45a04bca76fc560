package config

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

var (
	testKey    = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	testSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
)

// env is a lookupEnv of the two required variables and overrides.
func env(overrides map[string]string) func(string) (string, bool) {
	base := map[string]string{"BASIQ_API_KEY": "api-key-secret-1", "BASIQ_SECRET_KEY": "k1:" + testKey}
	for k, v := range overrides {
		base[k] = v
	}
	return func(k string) (string, bool) { v, ok := base[k]; return v, ok }
}

func TestLoadWorker_defaults(t *testing.T) {
	w, err := LoadWorker(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"REDIS_URL", w.RedisURL, "redis://127.0.0.1:6379/0"},
		{"REDIS_NAMESPACE", w.Namespace, "basiq"},
		{"BASIQ_API_VERSION", w.APIVersion, "3.0"},
		{"BASIQ_BASE_URL", w.BaseURL, "https://au-api.basiq.io"},
		{"WORKER_CONCURRENCY", w.Concurrency, 128},
		{"WORKER_DEQUEUERS", w.Dequeuers, 4},
		{"WORKER_QUEUES", Queues(w.Queues).String(), "default:1"},
		{"WORKER_SHUTDOWN_TIMEOUT", w.ShutdownTimeout, 25 * time.Second},
		{"POLL_INITIAL_DELAY", w.Policy.Initial, 500 * time.Millisecond},
		{"POLL_FACTOR", w.Policy.Factor, 1.5},
		{"POLL_MAX_DELAY", w.Policy.Max, 5 * time.Second},
		{"POLL_JITTER", w.Policy.Jitter, 0.2},
		{"POLL_NEAR_INTERVAL", w.Policy.Near, 900 * time.Millisecond},
		{"POLL_STEP_SPREAD", w.Policy.Spread, 0.2},
		{"JOB_DEADLINE", w.JobDeadline, 10 * time.Minute},
		{"POLL_MAX_RETRY", w.PollMaxRetry, 10},
		{"STEP_RETRIES", w.StepRetries, 3},
		{"STEP_RETRY_DELAY", w.StepRetryDelay, time.Minute},
		{"UNAVAILABLE_POLL_INTERVAL", w.UnavailablePoll, 5 * time.Minute},
		{"REFRESH_DAILY_BUDGET", w.RefreshBudget, 20},
		{"REFRESH_MIN_INTERVAL", w.RefreshMinInterval, time.Hour},
		{"CONSENT_LOOKUP_INTERVAL", w.ConsentLookup, time.Duration(0)},
		{"CONSENT_PURGE", w.PurgeOnConsentEnd, false},
		{"RECONCILE_AFTER", w.ReconcileAfter, time.Minute},
		{"FOLLOW_BEHIND", w.FollowBehind, 100 * time.Millisecond},
		{"DELAYED_TASK_CHECK_INTERVAL", w.DelayedTaskCheckInterval, 250 * time.Millisecond},
		{"TASK_CHECK_INTERVAL", w.TaskCheckInterval, 200 * time.Millisecond},
		{"RESULTS_MAX_LEN", w.ResultsMaxLen, int64(100000)},
		{"RESULT_RETENTION", w.ResultRetention, 24 * time.Hour},
		{"LOG_FORMAT", w.LogFormat, "json"},
		{"LOG_LEVEL", w.ZerologLevel(), zerolog.InfoLevel},
		{"HTTP_ADDR", w.HTTPAddr, "127.0.0.1:8080"},
		{"UI_PATH", w.UIPath, "/ui"},
		{"UI_ENABLED", w.UIEnabled, true},
		{"UI_READONLY", w.UIReadOnly, false},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if w.Keyring == nil || w.Keyring.CurrentKeyID() != "k1" {
		t.Errorf("Keyring: got %v", w.Keyring)
	}
	if w.RedisClient().Close() != nil {
		t.Error("redis options not usable")
	}
}

func TestLoadWorker_values(t *testing.T) {
	w, err := LoadWorker(env(map[string]string{
		"REDIS_URL": "redis-sentinel://:pw@s1:26379,s2:26379?master=mymaster", "WORKER_QUEUES": "critical:6, default:3,low",
		"HTTP_ADDR": "0.0.0.0:9090", "UI_USERNAME": "ops", "UI_PASSWORD": "pw", "WEBHOOK_URL": "https://example.com/hook",
		"WEBHOOK_SECRET": testSecret, "LOG_FORMAT": "console", "LOG_LEVEL": "debug", "POLL_JITTER": "0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := Queues(w.Queues).String(), "critical:6,default:3,low:1"; got != want {
		t.Errorf("WORKER_QUEUES: got %s, want %s", got, want)
	}
	if w.IsLoopback() {
		t.Error("IsLoopback: got true for 0.0.0.0")
	}
	if b, err := w.WebhookSecretBytes(); err != nil || len(b) != 32 {
		t.Errorf("WebhookSecretBytes: got %d bytes, %v", len(b), err)
	}
}

func TestLoadWorker_invalid(t *testing.T) {
	for _, tc := range []struct {
		name, value, want string
		extra             map[string]string
	}{
		{"BASIQ_API_KEY", "", "BASIQ_API_KEY: required", nil},
		{"BASIQ_SECRET_KEY", "", "BASIQ_SECRET_KEY: required", nil},
		{"BASIQ_SECRET_KEY", "k1:c2hvcnQ=", "BASIQ_SECRET_KEY: keyring key \"k1\": key must be 32 bytes", nil},
		{"REDIS_URL", "http://localhost", "REDIS_URL: scheme must be", nil},
		{"REDIS_URL", "redis://:pw@local host", "REDIS_URL:", nil},
		{"REDIS_URL", "redis-sentinel://s1:26379", "REDIS_URL: redis-sentinel needs ?master", nil},
		{"REDIS_NAMESPACE", "a:b", "REDIS_NAMESPACE: must be", nil},
		{"BASIQ_API_VERSION", "4.0", `BASIQ_API_VERSION: must be one of 1.0, 2.0, 2.1, 3.0, got "4.0"`, nil},
		{"BASIQ_BASE_URL", "au-api.basiq.io", "BASIQ_BASE_URL: must be an absolute http(s) URL", nil},
		{"WORKER_CONCURRENCY", "0", `WORKER_CONCURRENCY: must be > 0, got "0"`, nil},
		{"WORKER_CONCURRENCY", "many", `WORKER_CONCURRENCY: not an integer, got "many"`, nil},
		{"WORKER_DEQUEUERS", "0", `WORKER_DEQUEUERS: must be > 0, got "0"`, nil},
		{"WORKER_DEQUEUERS", "many", `WORKER_DEQUEUERS: not an integer, got "many"`, nil},
		{"WORKER_QUEUES", "a:0", `WORKER_QUEUES: queue "a": priority must be an integer > 0`, nil},
		{"WORKER_QUEUES", "a:1,,b", "WORKER_QUEUES: empty queue name", nil},
		{"WORKER_SHUTDOWN_TIMEOUT", "25", "WORKER_SHUTDOWN_TIMEOUT: not a duration", nil},
		{"POLL_INITIAL_DELAY", "-1s", "POLL_INITIAL_DELAY: must be > 0", nil},
		{"POLL_FACTOR", "0.5", "POLL_FACTOR: must be >= 1", nil},
		{"POLL_MAX_DELAY", "100ms", "POLL_MAX_DELAY: must be >= POLL_INITIAL_DELAY", nil},
		{"POLL_JITTER", "1.5", "POLL_JITTER: must be >= 0 and < 1", nil},
		{"POLL_JITTER", "1", "POLL_JITTER: must be >= 0 and < 1", nil},
		{"POLL_NEAR_INTERVAL", "-1s", "POLL_NEAR_INTERVAL: must be >= 0", nil},
		{"FOLLOW_BEHIND", "-1s", "FOLLOW_BEHIND: must be >= 0 (0 = never wait)", nil},
		{"FOLLOW_BEHIND", "soon", "FOLLOW_BEHIND: not a duration", nil},
		{"POLL_STEP_SPREAD", "1", "POLL_STEP_SPREAD: must be >= 0 and < 1", nil},
		{"JOB_DEADLINE", "0s", "JOB_DEADLINE: must be > 0", nil},
		{"POLL_MAX_RETRY", "0", `POLL_MAX_RETRY: must be > 0, got "0"`, nil},
		{"POLL_MAX_RETRY", "ten", `POLL_MAX_RETRY: not an integer, got "ten"`, nil},
		{"STEP_RETRIES", "-1", `STEP_RETRIES: must be >= 0, got "-1"`, nil},
		{"STEP_RETRY_DELAY", "0s", "STEP_RETRY_DELAY: must be > 0", nil},
		{"STEP_RETRY_DELAY", "60", "STEP_RETRY_DELAY: not a duration", nil},
		{"UNAVAILABLE_POLL_INTERVAL", "0s", "UNAVAILABLE_POLL_INTERVAL: must be > 0", nil},
		{"UNAVAILABLE_POLL_INTERVAL", "5", "UNAVAILABLE_POLL_INTERVAL: not a duration", nil},
		{"REFRESH_DAILY_BUDGET", "0", `REFRESH_DAILY_BUDGET: must be >= 1, got "0"`, nil},
		{"REFRESH_DAILY_BUDGET", "twenty", `REFRESH_DAILY_BUDGET: not an integer, got "twenty"`, nil},
		{"REFRESH_MIN_INTERVAL", "-1m", `REFRESH_MIN_INTERVAL: must be >= 0 (0 = no minimum), got "-1m"`, nil},
		{"CONSENT_LOOKUP_INTERVAL", "-1s", "CONSENT_LOOKUP_INTERVAL: must be >= 0", nil},
		{"CONSENT_PURGE", "maybe", "CONSENT_PURGE: not a boolean", nil},
		{"BASIQ_WEBHOOK_URL", "worker.example/hooks", `BASIQ_WEBHOOK_URL: must be an absolute http(s) URL, got "worker.example/hooks"`, nil},
		{"DELAYED_TASK_CHECK_INTERVAL", "0s", "DELAYED_TASK_CHECK_INTERVAL: must be > 0", nil},
		{"TASK_CHECK_INTERVAL", "-1s", "TASK_CHECK_INTERVAL: must be > 0", nil},
		{"RESULTS_MAX_LEN", "0", "RESULTS_MAX_LEN: must be > 0", nil},
		{"RESULT_RETENTION", "0s", "RESULT_RETENTION: must be > 0", nil},
		{"LOG_FORMAT", "xml", "LOG_FORMAT: must be one of json, console", nil},
		{"LOG_LEVEL", "loud", "LOG_LEVEL: must be one of", nil},
		{"HTTP_ADDR", "8080", "HTTP_ADDR: must be host:port", nil},
		{"UI_PATH", "ui", "UI_PATH: must start with /", nil},
		{"UI_ENABLED", "yes please", "UI_ENABLED: not a boolean", nil},
		{"HTTP_ADDR", ":8080", "UI_PASSWORD: required when UI_ENABLED", map[string]string{"UI_USERNAME": "ops"}},
		{"HTTP_ADDR", "0.0.0.0:8080", "UI_USERNAME: required when UI_ENABLED", map[string]string{"UI_PASSWORD": "pw"}},
		{"WEBHOOK_URL", "ftp://x", "WEBHOOK_URL: must be an absolute http(s) URL", map[string]string{"WEBHOOK_SECRET": testSecret}},
		{"WEBHOOK_URL", "https://example.com", "WEBHOOK_SECRET: required when WEBHOOK_URL is set", nil},
		{"WEBHOOK_SECRET", "whsec_!!", "WEBHOOK_SECRET: webhook secret: not valid base64", map[string]string{"WEBHOOK_URL": "https://example.com"}},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			over := map[string]string{tc.name: tc.value}
			for k, v := range tc.extra {
				over[k] = v
			}
			_, err := LoadWorker(env(over))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want error containing %q", err, tc.want)
			}
			for _, secret := range []string{testKey, "api-key-secret-1", "pw@", "whsec_!!"} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error reveals a secret: %v", err)
				}
			}
		})
	}
}

func TestLoadWorker_uiLoopbackNeedsNoPassword(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:8080", "localhost:8080", "[::1]:8080"} {
		if _, err := LoadWorker(env(map[string]string{"HTTP_ADDR": addr})); err != nil {
			t.Errorf("HTTP_ADDR=%s: %v", addr, err)
		}
	}
	if _, err := LoadWorker(env(map[string]string{"HTTP_ADDR": ":8080", "UI_ENABLED": "false"})); err != nil {
		t.Errorf("UI disabled on all interfaces: %v", err)
	}
}

func TestWorker_redacted(t *testing.T) {
	w, err := LoadWorker(env(map[string]string{
		"REDIS_URL": "redis://user:redis-pw-9@localhost:6379/0", "UI_PASSWORD": "ui-pw-9",
		"WEBHOOK_URL": "https://example.com/hook", "WEBHOOK_SECRET": testSecret,
	}))
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	logger := zerolog.New(&logged)
	logger.Info().EmbedObject(w).Msg("config")
	for _, out := range []string{w.String(), fmt.Sprintf("%v %+v %#v %s", w, w, w, w), logged.String()} {
		for _, secret := range []string{"api-key-secret-1", testKey, "redis-pw-9", "ui-pw-9", testSecret} {
			if strings.Contains(out, secret) {
				t.Errorf("output reveals %q: %s", secret, out)
			}
		}
		if !strings.Contains(out, "user:****@localhost") {
			t.Errorf("output lost the redis host: %s", out)
		}
	}
	if w.APIKey != "api-key-secret-1" {
		t.Error("Redacted modified the original")
	}
}

// TestWorker_loggedListsEveryVariable: the "starting" log line shows every
// variable, so an operator sees the configuration the worker runs with.
func TestWorker_loggedListsEveryVariable(t *testing.T) {
	w, err := LoadWorker(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	logger := zerolog.New(&logged)
	logger.Info().EmbedObject(w).Msg("config")
	for _, v := range w.variables() {
		if !strings.Contains(logged.String(), `"`+v.name+`"`) {
			t.Errorf("logged configuration lacks %s", v.name)
		}
	}
}

func TestLoadClient(t *testing.T) {
	c, err := LoadClient(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.RedisURL != "redis://127.0.0.1:6379/0" || c.RedisNamespace != "basiq" {
		t.Errorf("defaults: got %+v", c)
	}
	if _, err := c.Keyring(); err != ErrNoSecretKey {
		t.Errorf("Keyring without key: got %v, want ErrNoSecretKey", err)
	}
	if _, err := LoadClient(func(k string) string { return map[string]string{"BASIQ_SECRET_KEY": "k1:short"}[k] }); err == nil ||
		!strings.HasPrefix(err.Error(), "BASIQ_SECRET_KEY: ") {
		t.Errorf("bad key: got %v", err)
	}
	c, err = LoadClient(func(k string) string {
		return map[string]string{"BASIQ_SECRET_KEY": "k1:" + testKey, "REDIS_URL": "rediss://:p4ss@h:6380/1"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if k, err := c.Keyring(); err != nil || k == nil {
		t.Errorf("Keyring: %v", err)
	}
	if s := c.String(); strings.Contains(s, "p4ss") || strings.Contains(s, testKey) {
		t.Errorf("String reveals a secret: %s", s)
	}
}

func TestUsage(t *testing.T) {
	var b bytes.Buffer
	if err := Usage(&b, DefaultWorker()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"REDIS_URL", "BASIQ_API_KEY", "WORKER_QUEUES", "POLL_JITTER", "UI_PASSWORD", "WEBHOOK_SECRET"} {
		if !strings.Contains(b.String(), name) {
			t.Errorf("usage lacks %s", name)
		}
	}
}

// TestLoadWorker_refreshLimits: REFRESH_MIN_INTERVAL=0 means no minimum
// (worker.Config's negative), and the refresh variables reach worker.Config.
func TestLoadWorker_refreshLimits(t *testing.T) {
	w, err := LoadWorker(env(map[string]string{"REFRESH_MIN_INTERVAL": "0", "REFRESH_DAILY_BUDGET": "5",
		"CONSENT_LOOKUP_INTERVAL": "30m", "CONSENT_PURGE": "true", "UNAVAILABLE_POLL_INTERVAL": "10m", "FOLLOW_BEHIND": "0"}))
	if err != nil {
		t.Fatal(err)
	}
	c := w.Config
	if c.FollowBehind >= 0 {
		t.Errorf("FOLLOW_BEHIND=0: FollowBehind %v, want negative (never wait)", c.FollowBehind)
	}
	if c.RefreshMinInterval >= 0 || c.RefreshBudget != 5 || c.ConsentLookup != 30*time.Minute || !c.PurgeOnConsentEnd ||
		c.UnavailablePoll != 10*time.Minute {
		t.Errorf("got min interval %v, budget %d, lookup %v, purge %v, unavailable %v; want none, 5, 30m, true, 10m",
			c.RefreshMinInterval, c.RefreshBudget, c.ConsentLookup, c.PurgeOnConsentEnd, c.UnavailablePoll)
	}
}
