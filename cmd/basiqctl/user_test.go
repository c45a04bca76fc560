package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/basiq-worker/basiq-worker/tasks"
)

// TestUserCreate: user create makes a Basiq user whose id create takes.
func TestUserCreate(t *testing.T) {
	te := setup(t)
	api := te.startWorker(t)
	te.vars["BASIQ_API_KEY"], te.vars["BASIQ_BASE_URL"] = "test-key", te.basiqURL
	code, out, errOut := te.ctl(t, "", "user", "create", "--email", "gavin@hooli.com", "--mobile", "+61410888999",
		"--first-name", "Gavin", "--last-name", "Belson", "--json")
	var created struct {
		ID, Email, Mobile, FirstName, LastName string
	}
	if err := json.Unmarshal([]byte(out), &created); code != exitOK || err != nil || created.ID == "" {
		t.Fatalf("user create --json: exit %d, stdout %q (%v), stderr %q", code, out, err, errOut)
	}
	u, err := api.Users.Get(context.Background(), created.ID)
	if err != nil || u.Email != "gavin@hooli.com" || u.Mobile != "+61410888999" || u.FirstName != "Gavin" || u.LastName != "Belson" {
		t.Fatalf("Basiq has %+v (%v), want the user given", u, err)
	}
	if created.Email != u.Email || created.FirstName != "Gavin" {
		t.Errorf("user create --json printed %+v, want the user's fields", created)
	}
	code, out, errOut = te.ctl(t, "", "user", "create", "--email", "jared@hooli.com")
	id := strings.TrimSpace(out)
	if code != exitOK || id == "" || strings.ContainsAny(id, " \n") {
		t.Fatalf("user create: exit %d, stdout %q, stderr %q; want the id alone", code, out, errOut)
	}
	r := te.waitResult(t, te.enqueue(t, "hooli2016\n", "create", "--user", id, "--institution", "AU00000", "--login", "gavinBelson", "--password-stdin"))
	if r.Outcome != tasks.OutcomeCompleted || r.UserID != id {
		t.Errorf("create for the new user: %s for %s, want completed for %s", r.Outcome, r.UserID, id)
	}
}

func TestUserCreate_help(t *testing.T) {
	te := setup(t)
	_, _, top := te.ctl(t, "", "-h")
	code, _, sub := te.ctl(t, "", "user", "create", "-h")
	for _, want := range []string{"user create", "--email", "BASIQ_API_KEY", "BASIQ_BASE_URL"} {
		if !strings.Contains(top, want) {
			t.Errorf("basiqctl -h lacks %q:\n%s", want, top)
		}
	}
	if code != exitOK || !strings.Contains(sub, "prints its id") || !strings.Contains(sub, "BASIQ_API_KEY") {
		t.Errorf("basiqctl user create -h: exit %d\n%s", code, sub)
	}
}

func TestUserCreate_errors(t *testing.T) {
	te := setup(t)
	te.vars["BASIQ_API_KEY"], te.vars["BASIQ_BASE_URL"] = "test-key", "http://127.0.0.1:1"
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		want     string
	}{
		{"no email or mobile", nil, []string{"user", "create", "--first-name", "G"}, exitUsage, "--email or --mobile"},
		{"no subcommand", nil, []string{"user"}, exitUsage, "want create"},
		{"no API key", map[string]string{"BASIQ_API_KEY": ""}, []string{"user", "create", "--email", "g@h.com"}, exitUsage, "BASIQ_API_KEY"},
		{"bad base URL", map[string]string{"BASIQ_BASE_URL": "au-api.basiq.io"}, []string{"user", "create", "--email", "g@h.com"},
			exitUsage, "BASIQ_BASE_URL"},
		{"Basiq down", nil, []string{"user", "create", "--email", "g@h.com"}, exitFailed, "127.0.0.1:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := te.vars
			te.vars = map[string]string{}
			for k, v := range saved {
				te.vars[k] = v
			}
			for k, v := range tt.env {
				te.vars[k] = v
			}
			defer func() { te.vars = saved }()
			code, out, errOut := te.ctl(t, "", tt.args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.want) || out != "" {
				t.Errorf("basiqctl %q: exit %d, stdout %q, stderr %q; want exit %d and %q", tt.args, code, out, errOut, tt.wantCode, tt.want)
			}
			if strings.Contains(errOut, "test-key") {
				t.Errorf("stderr %q shows the API key", errOut)
			}
		})
	}
}
