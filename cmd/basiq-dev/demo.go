package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// demoCase is one demo connection and the outcome it should have.
type demoCase struct {
	label, institution, login, password string
	mfa                                 []string // answers sent when Basiq asks
	want                                tasks.Outcome
}

// demoCases returns n demo connections: the sandbox successes, a wrong
// password, an MFA challenge answered automatically and an institution in
// maintenance that the worker retries, then more sandbox successes.
func demoCases(n int) []demoCase {
	first := []demoCase{
		{"sandbox login", "AU00000", "gavinBelson", "hooli2016", nil, tasks.OutcomeCompleted},
		{"wrong password", "AU00000", "gavinBelson", "not-the-password", nil, tasks.OutcomeFailed},
		{"MFA token, answered automatically", "AU00001", "gavinBelson", "hooli2016", []string{"1234"}, tasks.OutcomeCompleted},
		{"bank in maintenance once, retried by the worker", "AU00000", "maintenance-credentials-1", "any", nil, tasks.OutcomeCompleted},
	}
	more := []demoCase{
		{"sandbox login", "AU00000", "jared", "django", nil, tasks.OutcomeCompleted},
		{"sandbox login", "AU00000", "richard", "tabsnotspaces", nil, tasks.OutcomeCompleted},
		{"sandbox login", "AU00000", "Whistler", "ShowBox", nil, tasks.OutcomeCompleted},
		{"sandbox login", "AU00000", "Gilfoyle", "PiedPiper", nil, tasks.OutcomeCompleted},
	}
	out := make([]demoCase, 0, n)
	for i := range n {
		if i < len(first) {
			out = append(out, first[i])
		} else {
			out = append(out, more[(i-len(first))%len(more)])
		}
	}
	return out
}

// demoLoop is what the API 2.0 and 3.0 demos do their own way; run does
// the rest, the same for both.
type demoLoop struct {
	n int
	// send starts demo i and returns the key its result is known by (a
	// task id or a job id) and a line saying what was sent.
	send func(ctx context.Context, i int) (key, what string, err error)
	// key is a result's key.
	key func(*tasks.Result) string
	// event handles an event other than a result; sent maps the keys of
	// the demos still without a result to their index.
	event func(ctx context.Context, e tasks.Event, sent map[string]int) error
	// about describes demo i in its result line; want is its outcome.
	about func(i int, r *tasks.Result) string
	want  func(i int) tasks.Outcome
}

// run sends the n demos and prints every result published (its own and
// anyone else's) until ctx is done. It closes done once each demo has its
// result.
func (d demoLoop) run(ctx context.Context, st *stack, stdout io.Writer, done chan<- struct{}) error {
	sub := tasks.NewClient(st.rdb, nil, tasks.WithNamespace(st.ns))
	after, err := lastStreamID(ctx, sub)
	if err != nil {
		return err
	}
	sent := map[string]int{} // key -> demo index
	for i := range d.n {
		key, what, err := d.send(ctx, i)
		if err != nil {
			return fmt.Errorf("demo %d: %w", i+1, err)
		}
		sent[key] = i
		fmt.Fprintf(stdout, "sent   [demo %d/%d] %s\n", i+1, d.n, what)
	}
	left := d.n
	if left == 0 {
		close(done)
	}
	for e, err := range sub.Results(ctx, after) {
		if err != nil {
			return err
		}
		if e.Type != tasks.EventResult || e.Result == nil {
			if err := d.event(ctx, e, sent); err != nil {
				return err
			}
			continue
		}
		i, ok := sent[d.key(e.Result)]
		if !ok {
			fmt.Fprintln(stdout, "result "+formatResult(e.Result))
			continue
		}
		delete(sent, d.key(e.Result))
		note := ""
		if want := d.want(i); e.Result.Outcome != want {
			note = fmt.Sprintf(" UNEXPECTED (want %s)", want)
		}
		fmt.Fprintf(stdout, "result [demo %d/%d] %s (%s)%s\n", i+1, d.n, formatResult(e.Result), d.about(i, e.Result), note)
		if left--; left == 0 {
			fmt.Fprintf(stdout, "all %d demo results are in\n", d.n)
			close(done)
		}
	}
	return nil
}

// runDemo sends n demo connections (API 2.0: the worker gets the
// credentials) and answers their MFA challenges; see demoLoop.run.
func runDemo(ctx context.Context, st *stack, n int, stdout io.Writer, done chan<- struct{}) error {
	client := tasks.NewClient(st.rdb, st.keyring, tasks.WithNamespace(st.ns))
	cases := demoCases(n)
	return demoLoop{
		n: n,
		send: func(ctx context.Context, i int) (string, string, error) {
			c := cases[i]
			id, err := sendDemo(ctx, st.api, client, i, c)
			return id, fmt.Sprintf("%s/%s on %s: %s (task %s)", c.login, c.password, c.institution, c.label, id), err
		},
		key: func(r *tasks.Result) string { return r.TaskID },
		event: func(ctx context.Context, e tasks.Event, sent map[string]int) error {
			if e.Type != tasks.EventMFARequired || e.MFA == nil {
				return nil
			}
			i, ok := sent[e.MFA.TaskID]
			if !ok || len(cases[i].mfa) == 0 {
				return nil
			}
			if _, err := client.AnswerMFA(ctx, tasks.AnswerMFA{UserID: e.MFA.UserID, JobID: e.MFA.JobID, Answers: cases[i].mfa}); err != nil {
				return fmt.Errorf("answer mfa: %w", err)
			}
			fmt.Fprintf(stdout, "mfa    [demo %d/%d] %s challenge (%s) answered %q\n", i+1, n, e.MFA.Method, e.MFA.Description, cases[i].mfa)
			return nil
		},
		about: func(i int, _ *tasks.Result) string {
			c := cases[i]
			return fmt.Sprintf("%s/%s on %s", c.login, c.password, c.institution)
		},
		want: func(i int) tasks.Outcome { return cases[i].want },
	}.run(ctx, st, stdout, done)
}

// sendDemo creates a Basiq user on the fake server and enqueues its connection.
func sendDemo(ctx context.Context, api *sdk.Client, client *tasks.Client, i int, c demoCase) (string, error) {
	u, err := api.Users.Create(ctx, sdk.UserParams{Email: fmt.Sprintf("demo%d-%d@example.com", i+1, time.Now().UnixNano()), FirstName: "Demo"})
	if err != nil {
		return "", fmt.Errorf("create user: %w", err)
	}
	return client.CreateConnection(ctx, tasks.CreateConnection{UserID: u.ID, InstitutionID: c.institution,
		Credentials: tasks.Credentials{LoginID: c.login, Password: c.password}})
}

// lastStreamID is the id of the results stream's last entry ("0-0" when empty).
func lastStreamID(ctx context.Context, sub *tasks.Client) (string, error) {
	last, err := sub.LastResults(ctx, 1)
	if err != nil || len(last) == 0 {
		return "0-0", err
	}
	return last[0].StreamID, nil
}

// formatResult is one readable line: outcome, user, connection, job, steps, polls, duration.
func formatResult(r *tasks.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-9s user=%s connection=%s job=%s", r.Outcome, r.UserID, dash(r.ConnectionID), dash(r.JobID))
	steps := make([]string, 0, len(r.Steps))
	for _, s := range r.Steps {
		if s.Status == "success" || s.Status == "failed" {
			steps = append(steps, s.Title+":"+s.Status)
		}
	}
	fmt.Fprintf(&b, " steps=%s polls=%d accounts=%d duration=%s", dash(strings.Join(steps, ",")), r.Polls, len(r.Accounts),
		r.FinishedAt.Sub(r.StartedAt).Round(100*time.Millisecond))
	if r.Error != nil {
		fmt.Fprintf(&b, " error=%s", r.Error.Code)
		if r.Error.Step != "" {
			fmt.Fprintf(&b, "@%s", r.Error.Step)
		}
	}
	return b.String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
