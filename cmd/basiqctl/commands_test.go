package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/basiq-worker/basiq-worker/tasks"
)

// waitResult runs basiqctl wait --json on id and returns its result.
func (te *testEnv) waitResult(t *testing.T, id string) *tasks.Result {
	t.Helper()
	code, out, errOut := te.ctl(t, "", "wait", id, "--json", "--timeout", "20s")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var ev tasks.Event
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &ev); err != nil || ev.Result == nil {
		t.Fatalf("wait %s: exit %d, last line %q (%v), stderr %s", id, code, lines[len(lines)-1], err, errOut)
	}
	if want := map[tasks.Outcome]int{tasks.OutcomeCompleted: exitOK, tasks.OutcomeFailed: exitFailed}[ev.Result.Outcome]; code != want {
		t.Errorf("wait %s: exit %d with outcome %s, want %d", id, code, ev.Result.Outcome, want)
	}
	return ev.Result
}

// enqueue runs an enqueue command with --json and returns the task id.
func (te *testEnv) enqueue(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	code, out, errOut := te.ctl(t, stdin, append(args, "--json", "--queue", te.queue)...)
	var created struct {
		TaskID string `json:"taskId"`
		Type   string `json:"type"`
	}
	if err := json.Unmarshal([]byte(out), &created); code != exitOK || err != nil || created.TaskID == "" || created.Type != args[0] {
		t.Fatalf("basiqctl %q: exit %d, stdout %q (%v), stderr %s", args, code, out, err, errOut)
	}
	return created.TaskID
}

// TestEnqueue_lifecycle drives one connection through every enqueue command
// against a worker and the fake Basiq: create, update, refresh, refresh-all.
func TestEnqueue_lifecycle(t *testing.T) {
	te := setup(t)
	user := newUser(t, te.startWorker(t))
	te.vars["BANK_PASSWORD"] = "hooli2016"
	created := te.waitResult(t, te.enqueue(t, "", "create", "--user", user, "--institution", "AU00000", "--login", "gavinBelson",
		"--password-env", "BANK_PASSWORD", "--idempotency-key", "signup-"+te.ns))
	if created.Outcome != tasks.OutcomeCompleted || created.ConnectionID == "" {
		t.Fatalf("create: %+v", created)
	}
	conn := created.ConnectionID
	tests := []struct {
		name  string
		stdin string
		args  []string
	}{
		{"update", "hooli2016\n", []string{"update", "--user", user, "--connection", conn, "--password-stdin"}},
		{"refresh", "", []string{"refresh", "--user", user, "--connection", conn}},
		{"refresh-all", "", []string{"refresh-all", "--user", user}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := te.waitResult(t, te.enqueue(t, tt.stdin, tt.args...))
			if r.Outcome != tasks.OutcomeCompleted || r.ConnectionID != conn || r.UserID != user {
				t.Errorf("%s: got %s on connection %s of %s, want completed on %s of %s", tt.name, r.Outcome, r.ConnectionID, r.UserID, conn, user)
			}
		})
	}
	// The same idempotency key is the same task: no second Basiq job.
	again := te.enqueue(t, "", "create", "--user", user, "--institution", "AU00000", "--login", "gavinBelson",
		"--password-env", "BANK_PASSWORD", "--idempotency-key", "signup-"+te.ns)
	if again != created.TaskID {
		t.Errorf("create with the same idempotency key: task %s, want %s", again, created.TaskID)
	}
}

// TestErrors checks the message and exit code of configuration and
// connection errors, in text and with --json.
func TestErrors(t *testing.T) {
	te := setup(t)
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		want     string
	}{
		{"bad REDIS_URL", map[string]string{"REDIS_URL": "http://nope"}, []string{"stats"}, exitUsage, "REDIS_URL"},
		{"no secret key", map[string]string{"BASIQ_SECRET_KEY": ""}, []string{"create", "--user", "u", "--institution", "AU00000",
			"--login", "l", "--password-env", "PW"}, exitUsage, "BASIQ_SECRET_KEY"},
		{"bad secret key", map[string]string{"BASIQ_SECRET_KEY": "k1:short"}, []string{"mfa", "--user", "u", "--job", "j",
			"--answer", "1"}, exitUsage, "BASIQ_SECRET_KEY"},
		{"Redis down", map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0"}, []string{"refresh", "--user", "u", "--connection", "c"},
			exitFailed, "127.0.0.1:1"},
		{"Redis down, stats --json", map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0"}, []string{"stats", "--json"},
			exitFailed, "127.0.0.1:1"},
		{"tail --json with a bad position", nil, []string{"tail", "--from", "not-an-id", "--json"}, exitFailed, "not-an-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := te.vars
			te.vars = map[string]string{"PW": "p"}
			for k, v := range saved {
				te.vars[k] = v
			}
			for k, v := range tt.env {
				te.vars[k] = v
			}
			defer func() { te.vars = saved }()
			code, out, errOut := te.ctl(t, "", tt.args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.want) || !strings.HasPrefix(errOut, "basiqctl") {
				t.Errorf("basiqctl %q: exit %d, stderr %q; want exit %d and a message naming %q", tt.args, code, errOut, tt.wantCode, tt.want)
			}
			if out != "" {
				t.Errorf("basiqctl %q: stdout %q on error, want nothing", tt.args, out)
			}
		})
	}
}
