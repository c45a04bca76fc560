package admin

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/basiq-worker/basiq-worker/internal/testredis"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// TestUI_browserShowsNoSecrets enqueues real create, update and MFA tasks
// through tasks.Client and checks, in a real browser, that the UI's task
// list and task page show them without any password or MFA answer.
func TestUI_browserShowsNoSecrets(t *testing.T) {
	chromium := needChromium(t)
	q := testredis.Queue(t, "admin-test")
	kr, err := tasks.NewKeyring("k1", map[string][]byte{"k1": make([]byte, tasks.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	c := tasks.NewClient(testredis.Client(t), kr, tasks.WithDefaultQueue(q))
	ctx := context.Background()
	secrets := []string{"hooli2016", "sekrit-update-pw", "security-code-42", "mfa-answer-9731"}
	createID, err := c.CreateConnection(ctx, tasks.CreateConnection{UserID: "u1", InstitutionID: "AU00000",
		Credentials: tasks.Credentials{LoginID: "gavinBelson", Password: secrets[0], SecurityCode: secrets[2]}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateConnection(ctx, tasks.UpdateConnection{UserID: "u1", ConnectionID: "c1",
		Credentials: tasks.Credentials{Password: secrets[1]}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AnswerMFA(ctx, tasks.AnswerMFA{UserID: "u1", JobID: "j1", Answers: []string{secrets[3]}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newHandler(t, Options{UIEnabled: true}))
	defer srv.Close()

	pages := []struct {
		url  string
		want []string
	}{
		{srv.URL + "/ui/queues/" + q + "?status=pending", []string{tasks.TypeCreateConnection, tasks.TypeUpdateConnection, "nonce"}},
		{srv.URL + "/ui/queues/" + q + "/tasks/" + createID, []string{tasks.TypeCreateConnection, createID, "nonce"}},
	}
	for _, p := range pages {
		text := renderedText(t, chromium, p.url)
		for _, want := range p.want {
			if !strings.Contains(text, want) {
				t.Errorf("%s: %q not shown; page text: %.1500s", p.url, want, text)
			}
		}
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s shows the secret %q", p.url, s)
			}
		}
	}
}
