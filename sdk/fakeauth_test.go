package sdk_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

const instRoute = "GET /institutions"

func TestAuth_fake_concurrentRefresh(t *testing.T) {
	srv, c := newFake(t)
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			if _, err := c.Institutions.Get(ctxT(t), "AU00000"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := srv.Stats().TokensIssued; got != 1 {
		t.Fatalf("got %d tokens issued, want 1", got)
	}
}

// fixedStore always holds one token.
type fixedStore struct {
	mu  sync.Mutex
	tok sdk.Token
}

func (s *fixedStore) Load(context.Context) (sdk.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tok, nil
}

func (s *fixedStore) Save(_ context.Context, t sdk.Token) error {
	s.mu.Lock()
	s.tok = t
	s.mu.Unlock()
	return nil
}

func TestAuth_fake_recoversUnknownToken(t *testing.T) {
	srv, _ := newFake(t)
	store := &fixedStore{tok: sdk.Token{AccessToken: "garbage", ExpiresAt: time.Now().Add(time.Hour)}}
	c := fakeClient(t, srv, sdk.WithTokenStore(store))
	if _, err := c.Institutions.List(ctxT(t), nil); err != nil {
		t.Fatal(err)
	}
	if got := requests(srv, instRoute, 401); got != 1 {
		t.Fatalf("got %d 401s, want 1", got)
	}
	if got := srv.Stats().TokensIssued; got != 1 {
		t.Fatalf("got %d tokens issued, want 1", got)
	}
	if tok, _ := store.Load(ctxT(t)); tok.AccessToken == "garbage" {
		t.Fatal("got the refused token still in the store, want the new one")
	}
}

func TestAuth_fake_recoversExpiredToken(t *testing.T) {
	srv, c := newFake(t, basiqtest.WithTokenTTL(time.Second))
	tok, err := c.Token(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	// A store that believes the token lasts an hour: the server says 403.
	store := &fixedStore{tok: sdk.Token{AccessToken: tok.AccessToken, ExpiresAt: time.Now().Add(time.Hour)}}
	c2 := fakeClient(t, srv, sdk.WithTokenStore(store))
	time.Sleep(1100 * time.Millisecond)
	if _, err := c2.Institutions.List(ctxT(t), nil); err != nil {
		t.Fatal(err)
	}
	if got := requests(srv, instRoute, 403); got != 1 {
		t.Fatalf("got %d 403s, want 1", got)
	}
	if got := srv.Stats().TokensIssued; got != 2 {
		t.Fatalf("got %d tokens issued, want 2", got)
	}
}

func TestAuth_fake_refreshesBeforeExpiry(t *testing.T) {
	srv, c := newFake(t, basiqtest.WithTokenTTL(2*time.Second))
	for range 2 {
		if _, err := c.Institutions.List(ctxT(t), nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1900 * time.Millisecond) // past expires_in less its margin, not past expires_in
	}
	if got := requests(srv, instRoute, 403); got != 0 {
		t.Fatalf("got %d 403s, want 0: the token should be refreshed before it expires", got)
	}
	if got := srv.Stats().TokensIssued; got != 2 {
		t.Fatalf("got %d tokens issued, want 2", got)
	}
}

func TestAuth_fake_badKey(t *testing.T) {
	srv, _ := newFake(t)
	_, err := sdk.Connect(ctxT(t), "d3Jvbmc6a2V5", sdk.WithBaseURL(srv.URL))
	if !sdk.IsNotFound(err) {
		t.Fatalf("got %v, want the 404 of an unknown key", err)
	}
}
