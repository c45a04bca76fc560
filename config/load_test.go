package config

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/basiq-worker/basiq-worker/worker"
)

// TestLoadWorker_emptyIsNotUnset: a variable set to the empty string is
// parsed, not taken as unset (issue 9: WORKER_QUEUES= was the default).
func TestLoadWorker_emptyIsNotUnset(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"WORKER_QUEUES", "WORKER_QUEUES: at least one queue required"},
		{"WORKER_CONCURRENCY", `WORKER_CONCURRENCY: not an integer, got ""`},
		{"POLL_INITIAL_DELAY", `POLL_INITIAL_DELAY: not a duration`},
		{"REDIS_URL", "REDIS_URL: scheme must be"},
		{"REDIS_NAMESPACE", "REDIS_NAMESPACE: must be non-empty"},
		{"BASIQ_API_KEY", "BASIQ_API_KEY: required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadWorker(env(map[string]string{tc.name: ""}))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%s=: got %v, want an error containing %q", tc.name, err, tc.want)
			}
		})
	}
	if w, err := LoadWorker(env(map[string]string{"UI_USERNAME": "", "WEBHOOK_URL": ""})); err != nil || w.WebhookURL != "" {
		t.Errorf("empty optional strings: got %v, want no error", err)
	}
}

// TestLoadWorker_everyBadVariable: one message names every bad variable,
// whether it failed to parse or to validate (issue 9: only the first was
// reported).
func TestLoadWorker_everyBadVariable(t *testing.T) {
	_, err := LoadWorker(env(map[string]string{
		"WORKER_CONCURRENCY": "many", "POLL_FACTOR": "0.5", "HTTP_ADDR": "8080", "UI_PATH": "ui",
		"WEBHOOK_URL": "ftp://x", "WORKER_QUEUES": "", "BASIQ_API_KEY": "",
	}))
	want := []string{"WORKER_CONCURRENCY", "POLL_FACTOR", "HTTP_ADDR", "UI_PATH", "WEBHOOK_URL", "WEBHOOK_SECRET", "WORKER_QUEUES", "BASIQ_API_KEY"}
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("got %v (%T), want a *config.Error", err, err)
	}
	if len(cerr.Problems) != len(want) {
		t.Errorf("got %d problems, want %d: %v", len(cerr.Problems), len(want), err)
	}
	for _, name := range want {
		if !regexp.MustCompile(`(?m)^  ` + name + `: `).MatchString(err.Error()) {
			t.Errorf("message lacks a line for %s:\n%v", name, err)
		}
	}
	if !strings.HasPrefix(err.Error(), "8 bad variables:") {
		t.Errorf("message does not say how many: %v", err)
	}
}

// TestLoadWorker_parsedOntoDefaultConfig: what no variable sets is
// worker.DefaultConfig's, and STEP_RETRIES=0 means none.
func TestLoadWorker_parsedOntoDefaultConfig(t *testing.T) {
	w, err := LoadWorker(env(map[string]string{"WORKER_CONCURRENCY": "7", "STEP_RETRIES": "0"}))
	if err != nil {
		t.Fatal(err)
	}
	want := worker.DefaultConfig()
	want.Concurrency, want.StepRetries, want.Keyring = 7, -1, w.Keyring
	if got := w.Config; got.Concurrency != want.Concurrency || got.StepRetries != want.StepRetries ||
		got.Policy != want.Policy || got.ShutdownTimeout != want.ShutdownTimeout || got.ResultsMaxLen != want.ResultsMaxLen {
		t.Errorf("Config: got %+v, want %+v", got, want)
	}
	if w.Keyring == nil {
		t.Error("Keyring not parsed onto Config")
	}
}

// TestUsage_defaultsFromDefaultConfig: -h shows the values of
// worker.DefaultConfig, not a copy of them.
func TestUsage_defaultsFromDefaultConfig(t *testing.T) {
	d := DefaultWorker()
	d.Concurrency, d.ShutdownTimeout = 33, 0
	var b bytes.Buffer
	if err := Usage(&b, d); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		`WORKER_CONCURRENCY\s+integer\s+33\s`,
		`WORKER_SHUTDOWN_TIMEOUT\s+duration\s+0s\s`,
		`DELAYED_TASK_CHECK_INTERVAL\s+duration\s+250ms\s`,
		`JOB_DEADLINE\s+duration\s+10m\s`,
		`WORKER_QUEUES\s+name:priority,...\s+default:1\s`,
		`BASIQ_API_KEY\s+string\s+true\s+Basiq API key`,
		`POLL_FACTOR\s+number\s+1.5\s`,
	} {
		if !regexp.MustCompile(`(?m)^` + line).MatchString(b.String()) {
			t.Errorf("usage lacks a line matching %q:\n%s", line, b.String())
		}
	}
	for _, v := range Variables(DefaultWorker()) {
		if v.Secret && v.Default != "" {
			t.Errorf("%s: a secret shows a default", v.Name)
		}
	}
}
