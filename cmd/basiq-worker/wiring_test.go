package main

import (
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/config"
	"github.com/basiq-worker/basiq-worker/internal/app"
	"github.com/basiq-worker/basiq-worker/worker"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// TestAppOptions_everyVariableReachesTheProcess sets each variable to a
// value other than its default and checks that it reaches the process's
// options: a variable parsed but never used would fail here.
func TestAppOptions_everyVariableReachesTheProcess(t *testing.T) {
	cfg, err := config.LoadWorker(env(map[string]string{
		"BASIQ_API_KEY": "key", "BASIQ_SECRET_KEY": secretKey(), "REDIS_NAMESPACE": "ns-wiring",
		"BASIQ_BASE_URL": "http://basiq.test", "BASIQ_API_VERSION": "3.0",
		"WORKER_CONCURRENCY": "7", "WORKER_QUEUES": "q1:3,q2", "WORKER_SHUTDOWN_TIMEOUT": "3s",
		"POLL_INITIAL_DELAY": "300ms", "POLL_FACTOR": "2.5", "POLL_MAX_DELAY": "9s", "POLL_JITTER": "0.3",
		"POLL_NEAR_INTERVAL": "700ms", "POLL_STEP_SPREAD": "0.1",
		"JOB_DEADLINE": "4m", "POLL_MAX_RETRY": "4", "STEP_RETRIES": "5", "STEP_RETRY_DELAY": "7s",
		"DELAYED_TASK_CHECK_INTERVAL": "150ms", "TASK_CHECK_INTERVAL": "350ms",
		"RESULTS_MAX_LEN": "1234", "RESULT_RETENTION": "2h",
		"UI_PATH": "/asynq", "UI_READONLY": "true", "UI_USERNAME": "ops", "UI_PASSWORD": "pw",
		"WEBHOOK_URL": "https://example.com/hook", "WEBHOOK_SECRET": "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	}))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:0"})
	t.Cleanup(func() { rdb.Close() })
	o, err := appOptions(cfg, rdb, nil, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	wc := o.Worker
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"REDIS_NAMESPACE", wc.Namespace, "ns-wiring"},
		{"REDIS_URL (the one client)", o.Redis == rdb, true},
		{"BASIQ_API_KEY", wc.APIKey, "key"},
		{"BASIQ_BASE_URL", wc.BaseURL, "http://basiq.test"},
		{"BASIQ_API_VERSION", wc.APIVersion, "3.0"},
		{"BASIQ_TOKEN_RATE_LIMIT (default)", wc.TokenRateLimit, worker.RateLimit{Rate: 4, Burst: 10}},
		{"BASIQ_SECRET_KEY", wc.Keyring != nil, true},
		{"WORKER_CONCURRENCY", wc.Concurrency, 7},
		{"WORKER_QUEUES", len(wc.Queues) == 2 && wc.Queues["q1"] == 3 && wc.Queues["q2"] == 1, true},
		{"WORKER_SHUTDOWN_TIMEOUT", wc.ShutdownTimeout, 3 * time.Second},
		{"POLL_*", wc.Policy, worker.PollPolicy{Initial: 300 * time.Millisecond, Factor: 2.5, Max: 9 * time.Second, Jitter: 0.3,
			Near: 700 * time.Millisecond, Spread: 0.1}},
		{"JOB_DEADLINE", wc.JobDeadline, 4 * time.Minute},
		{"POLL_MAX_RETRY", wc.PollMaxRetry, 4},
		{"STEP_RETRIES", wc.StepRetries, 5},
		{"STEP_RETRY_DELAY", wc.StepRetryDelay, 7 * time.Second},
		{"DELAYED_TASK_CHECK_INTERVAL", wc.DelayedTaskCheckInterval, 150 * time.Millisecond},
		{"TASK_CHECK_INTERVAL", wc.TaskCheckInterval, 350 * time.Millisecond},
		{"RESULTS_MAX_LEN", wc.ResultsMaxLen, int64(1234)},
		{"RESULT_RETENTION", wc.ResultRetention, 2 * time.Hour},
		{"UI_PATH", o.Admin.UIPath, "/asynq"},
		{"UI_ENABLED", o.Admin.UIEnabled, true},
		{"UI_READONLY", o.Admin.UIReadOnly, true},
		{"UI_USERNAME", o.Admin.Username, "ops"},
		{"UI_PASSWORD", o.Admin.Password, "pw"},
		{"WEBHOOK_URL", o.Webhook.URL, "https://example.com/hook"},
		{"WEBHOOK_SECRET", len(o.Webhook.Secret), 32},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

// TestAppOptions_stepRetriesZeroMeansNone: STEP_RETRIES=0 disables the
// refreshes (worker.Config's zero would mean its default of 3).
func TestAppOptions_stepRetriesZeroMeansNone(t *testing.T) {
	cfg, err := config.LoadWorker(env(map[string]string{"BASIQ_API_KEY": "key", "BASIQ_SECRET_KEY": secretKey(), "STEP_RETRIES": "0"}))
	if err != nil {
		t.Fatal(err)
	}
	o, err := appOptions(cfg, nil, nil, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if got := o.Worker.StepRetries; got >= 0 {
		t.Errorf("StepRetries: got %d, want < 0 (none)", got)
	}
}

// TestAppOptions_acceptedByApp: every value config.LoadWorker accepts at
// the edges of its ranges is accepted by app.New (and so worker.New) too,
// so a bad value is always reported by its variable's name.
func TestAppOptions_acceptedByApp(t *testing.T) {
	for _, over := range []map[string]string{
		nil,
		{"POLL_JITTER": "0.99", "POLL_FACTOR": "1", "POLL_MAX_DELAY": "500ms", "POLL_NEAR_INTERVAL": "500ms"},
		{"POLL_JITTER": "0", "STEP_RETRIES": "0", "POLL_MAX_RETRY": "1"},
	} {
		e := map[string]string{"BASIQ_API_KEY": "key", "BASIQ_SECRET_KEY": secretKey()}
		for k, v := range over {
			e[k] = v
		}
		cfg, err := config.LoadWorker(env(e))
		if err != nil {
			t.Fatalf("%v: %v", over, err)
		}
		rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
		t.Cleanup(func() { rdb.Close() })
		o, err := appOptions(cfg, rdb, nil, zerolog.Nop())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.New(o); err != nil {
			t.Errorf("%v: app.New: %v", over, err)
		}
	}
}
