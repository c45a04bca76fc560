package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/browser"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

// app is the partner's application: the Consent UI's redirect target
// (/back) and the endpoint Basiq's webhooks go to (/basiq), which accepts
// only deliveries its verifier passes.
type app struct {
	*httptest.Server
	verifier func() *sdk.WebhookVerifier
	back     chan *url.URL
	events   chan *sdk.Event
	refused  chan error
}

func newApp(t *testing.T, verifier chan *sdk.WebhookVerifier) *app {
	t.Helper()
	a := &app{verifier: sync.OnceValue(func() *sdk.WebhookVerifier { return <-verifier }),
		back: make(chan *url.URL, 4), events: make(chan *sdk.Event, 64), refused: make(chan error, 64)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /back", func(w http.ResponseWriter, r *http.Request) {
		a.back <- r.URL
		_, _ = io.WriteString(w, "<!doctype html><p id=back>back at the app</p>")
	})
	mux.HandleFunc("POST /basiq", func(w http.ResponseWriter, r *http.Request) {
		ev, err := a.verifier().Event(r)
		if err != nil {
			a.refused <- err
			http.Error(w, "not from Basiq", http.StatusUnauthorized)
			return
		}
		a.events <- ev
	})
	a.Server = httptest.NewServer(mux)
	t.Cleanup(a.Close)
	return a
}

// await returns the next verified delivery of type want, skipping others;
// any delivery the verifier refused fails the test.
func (a *app) await(t *testing.T, want sdk.EventType) *sdk.Event {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case ev := <-a.events:
			if ev.Type == want {
				return ev
			}
		case err := <-a.refused:
			t.Fatalf("a delivery failed verification: %v", err)
		case <-timeout:
			t.Fatalf("no verified %s delivery in 15s", want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestConsentJourney_3_0 is API 3.0's whole journey over HTTP: the server
// token, a user, the user's client token, the Consent UI in headless
// Chromium (a sandbox login typed and submitted), the redirect with the job
// ids, each job followed to its transactions, the connection.created and
// transactions.updated webhooks received and verified, then the consent
// revoked and consent.revoked delivered.
func TestConsentJourney_3_0(t *testing.T) {
	b := browser.ForTest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	verifier := make(chan *sdk.WebhookVerifier, 1)
	partner := newApp(t, verifier)
	step := 40 * time.Millisecond
	srv := basiqtest.NewServer(basiqtest.WithAPIKey("a2V5OnNlY3JldA=="), basiqtest.WithConsentRedirect(partner.URL+"/back"),
		basiqtest.WithWebhookRetries(20*time.Millisecond, 50*time.Millisecond),
		basiqtest.WithStepDurations(basiqtest.StepDurations{Credentials: step, Accounts: step, Transactions: step}))
	defer srv.Close()
	c, err := sdk.New("a2V5OnNlY3JldA==", sdk.WithBaseURL(srv.URL), sdk.WithAPIVersion("3.0"), sdk.WithConsentURL(srv.URL+"/consent"))
	must(t, err)

	_, err = c.Token(ctx) // the server token
	must(t, err)
	hook, err := c.Webhooks.Create(ctx, sdk.WebhookParams{URL: partner.URL + "/basiq", Name: "journey",
		SubscribedEvents: []sdk.EventType{sdk.EventConnectionCreated, sdk.EventTransactionsUpdated, sdk.EventConsentRevoked}})
	must(t, err)
	v, err := sdk.NewWebhookVerifier(hook.Secret)
	must(t, err)
	verifier <- v
	user, err := c.Users.Create(ctx, sdk.UserParams{Email: "gavin@hooli.com", Mobile: "+61410888999"})
	must(t, err)
	u := c.Users.For(user.ID)
	tok, err := u.ClientToken(ctx)
	must(t, err)
	link, err := u.ConsentURL(ctx, sdk.ConsentOptions{Action: sdk.ConsentActionConnect, State: "journey 3.0"})
	must(t, err)
	if q, _ := url.Parse(link); q.Query().Get("token") != tok.AccessToken {
		t.Fatalf("consent link %s does not carry the user's cached client token", link)
	}

	// The user, in a browser: pick the sandbox bank, type a login, consent, submit.
	must(t, b.Navigate(ctx, link))
	must(t, b.Fill(ctx, "#institution", "AU00000"))
	must(t, b.Fill(ctx, "#loginId", "gavinBelson"))
	must(t, b.Fill(ctx, "#password", "hooli2016"))
	must(t, b.Click(ctx, "#consent"))
	must(t, b.Click(ctx, "#submit"))
	must(t, b.WaitFor(ctx, `!!document.querySelector("#back")`))

	res, err := sdk.ParseConsentRedirect(<-partner.back)
	must(t, err)
	if len(res.JobIDs) != 1 || res.State != "journey 3.0" {
		t.Fatalf("redirect gave %+v, want one job and the state", res)
	}
	var conns []*sdk.Connection
	for _, id := range res.JobIDs {
		conn, err := c.Jobs.WaitForTransactions(ctx, id, sdk.WaitOptions{Interval: 10 * time.Millisecond, Timeout: 15 * time.Second})
		must(t, err)
		if conn.Status != sdk.ConnectionActive || conn.Institution.ID != "AU00000" {
			t.Fatalf("job %s gave connection %+v, want an active AU00000 one", id, conn)
		}
		conns = append(conns, conn)
	}

	created := partner.await(t, sdk.EventConnectionCreated)
	updated := partner.await(t, sdk.EventTransactionsUpdated)
	for _, ev := range []*sdk.Event{created, updated} {
		if ev.UserID != user.ID || ev.ID == "" {
			t.Fatalf("%s delivery %+v: want an event of user %s", ev.Type, ev, user.ID)
		}
	}
	for _, ev := range []*sdk.Event{created, updated} {
		if ev.ConnectionID() != conns[0].ID {
			t.Fatalf("%s names connection %q (entity %s), want %q", ev.Type, ev.ConnectionID(), ev.Links.EventEntity, conns[0].ID)
		}
	}

	consents, err := u.Consents(ctx)
	must(t, err)
	if len(consents) != 1 || consents[0].Status != sdk.ConsentActive {
		t.Fatalf("got consents %+v, want the one the user gave", consents)
	}
	must(t, u.RevokeConsent(ctx, consents[0].ID))
	revoked := partner.await(t, sdk.EventConsentRevoked)
	if revoked.UserID != user.ID {
		t.Fatalf("consent.revoked delivery %+v: want user %s", revoked, user.ID)
	}
	conn, err := u.Connection(conns[0].ID).Get(ctx)
	must(t, err)
	if conn.Status != sdk.ConnectionInvalid {
		t.Fatalf("after the revoke the connection is %s, want invalid", conn.Status)
	}
	waitDelivered(t, srv)
}

// waitDelivered waits until the fake counts every webhook message as
// delivered: the app answered 2xx to each (it marks one delivered only
// once the answer is back, just after the app saw the event).
func waitDelivered(t *testing.T, srv *basiqtest.Server) {
	t.Helper()
	var pending []string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		pending = pending[:0]
		for id, d := range srv.Stats().Deliveries {
			if d.Status != "delivered" {
				pending = append(pending, id+" ("+d.EventType+": "+d.Status+")")
			}
		}
		if len(pending) == 0 {
			return
		}
	}
	t.Fatalf("webhook messages not delivered: %v", pending)
}
