package basiqclient

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// A worker with more than 100 slots keeps an idle connection per slot: the
// second round of 300 calls at once reuses every connection the first round
// opened. With the default transport's cap of 100 idle connections in all,
// it opened about 200 again, and a blocking baseline of 10,000 slots ran out
// of ports. The first round may open fewer than 300 (a call that ends early
// frees its connection for a later one), so the second round may open the
// difference, and no more.
func TestNew_idleConnsPerSlot(t *testing.T) {
	var opened atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	rdb, kr := newDeps(t)
	var tr http.RoundTripper
	_, err := New(Options{APIKey: "key", BaseURL: srv.URL, APIVersion: "2.0", Redis: rdb, Namespace: "t", Keyring: kr,
		Concurrency: 500, WrapTransport: func(next http.RoundTripper) http.RoundTripper { tr = next; return next }})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: tr}
	round := func() {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 300 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				resp, err := c.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}()
		}
		close(start)
		wg.Wait()
	}
	round()
	first := opened.Load()
	round()
	// Slack of 10 for a connection the server closed between rounds.
	if again, want := opened.Load()-first, 300-first+10; again > want {
		t.Errorf("second round of 300 calls opened %d new connections (first round %d), want at most %d", again, first, want)
	}
}
