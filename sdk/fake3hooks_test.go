package sdk_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

// hookReceiver is an app's webhook endpoint: it verifies each delivery
// with v (set before the first one) and passes on the events.
type hookReceiver struct {
	*httptest.Server
	v      chan *sdk.WebhookVerifier
	events chan *sdk.Event
	errs   chan error
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	h := &hookReceiver{v: make(chan *sdk.WebhookVerifier, 1), events: make(chan *sdk.Event, 64), errs: make(chan error, 64)}
	verifier := sync.OnceValue(func() *sdk.WebhookVerifier { return <-h.v })
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := verifier().Event(r)
		if err != nil {
			h.errs <- err
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		h.events <- ev
	}))
	t.Cleanup(h.Close)
	return h
}

// next waits for the next delivered event of type want, skipping others.
func (h *hookReceiver) next(t *testing.T, want sdk.EventType) *sdk.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-h.events:
			if ev.Type == want {
				return ev
			}
		case err := <-h.errs:
			t.Fatalf("a delivery failed verification: %v", err)
		case <-timeout:
			t.Fatalf("no %s delivered in 10s", want)
		}
	}
}

func TestFake3_Webhooks(t *testing.T) {
	srv, c := newFake3(t, basiqtest.WithConsentRedirect(appBack), basiqtest.WithWebhookRetries(10*time.Millisecond))
	recv := newHookReceiver(t)
	hook, err := c.Webhooks.Create(ctxT(t), sdk.WebhookParams{URL: recv.URL, Name: "app",
		SubscribedEvents: []sdk.EventType{sdk.EventConnectionCreated, sdk.EventConsentRevoked}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := sdk.NewWebhookVerifier(hook.Secret)
	if err != nil {
		t.Fatal(err)
	}
	recv.v <- v
	u, _ := consented(t, srv, c, appBack)
	ev := recv.next(t, sdk.EventConnectionCreated)
	if ev.UserID != u.ID() || ev.ConnectionID() == "" || !ev.Type.Known() {
		t.Fatalf("got %+v, want connection.created of user %s naming its connection", ev, u.ID())
	}
	list, err := c.Webhooks.List(ctxT(t))
	if err != nil || len(list) != 1 || list[0].ID != hook.ID || list[0].Secret != "" {
		t.Fatalf("got %+v, %v; want the one subscription, its secret not shown again", list, err)
	}
	updated, err := c.Webhooks.Update(ctxT(t), hook.ID, sdk.WebhookParams{URL: recv.URL, SubscribedEvents: []sdk.EventType{sdk.EventUserDeleted}})
	if err != nil || len(updated.SubscribedEvents) != 1 || updated.SubscribedEvents[0] != sdk.EventUserDeleted {
		t.Fatalf("got %+v, %v; want it subscribed to user.deleted only", updated, err)
	}
	if got, err := c.Webhooks.Get(ctxT(t), hook.ID); err != nil || got.SubscribedEvents[0] != sdk.EventUserDeleted {
		t.Fatalf("got %+v, %v; want the update kept", got, err)
	}
	if err := c.Webhooks.Delete(ctxT(t), hook.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Webhooks.Get(ctxT(t), hook.ID); !sdk.IsNotFound(err) {
		t.Fatalf("after delete: got %v, want 404", err)
	}
}

func TestFake3_Webhooks_wrongSecretRefused(t *testing.T) {
	srv, c := newFake3(t, basiqtest.WithConsentRedirect(appBack), basiqtest.WithWebhookRetries())
	recv := newHookReceiver(t)
	if _, err := c.Webhooks.Create(ctxT(t), sdk.WebhookParams{URL: recv.URL}); err != nil {
		t.Fatal(err)
	}
	other, _ := sdk.NewWebhookVerifier("whsec_b3RoZXIgc2VjcmV0")
	recv.v <- other
	consented(t, srv, c, appBack)
	select {
	case err := <-recv.errs:
		t.Logf("refused as it should be: %v", err)
	case ev := <-recv.events:
		t.Fatalf("accepted %+v signed with another secret", ev)
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery in 10s")
	}
}
