package sdk

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The auth transport itself refuses to put the token on a request for
// another host, whatever hands it one.
func TestAuthTransport_offBaseRefused(t *testing.T) {
	tok := Token{AccessToken: "secret-token", ExpiresAt: time.Now().Add(time.Hour)}
	c, err := New("key", WithBaseURL("https://au-api.basiq.io"), WithTokenStore(fixedStore{tok}))
	if err != nil {
		t.Fatal(err)
	}
	var reached bool
	tr := &authTransport{c: c, base: roundTripFunc(func(*http.Request) (*http.Response, error) {
		reached = true
		return nil, nil
	})}
	for _, u := range []string{"https://evil.example/users/u-1", "http://au-api.basiq.io/users/u-1", "https://au-api.basiq.io:8443/users/u-1"} {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		resp, err := tr.RoundTrip(req)
		if resp != nil || err == nil || !strings.Contains(err.Error(), "not the base URL") || reached {
			t.Fatalf("%s: got %v, %v (sent: %v); want a refusal before any token or send", u, resp, err, reached)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// fixedStore always holds one valid token, so no token is fetched.
type fixedStore struct{ t Token }

func (s fixedStore) Load(context.Context) (Token, error) { return s.t, nil }
func (s fixedStore) Save(context.Context, Token) error   { return nil }
