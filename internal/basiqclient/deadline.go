package basiqclient

import (
	"context"
	"io"
	"net/http"
	"time"
)

// deadline bounds each request it sends, answer body included, by a
// context deadline. It replaces http.Client.Timeout, which on a wrapped
// transport (not a bare *http.Transport, as here: the limiter, the
// metrics) falls back to net/http's legacy cancellation: a timer goroutine,
// a Request.Cancel channel and a second goroutine waiting on it for every
// request (3-5 % of the worker's CPU in basiq-bench's profile). A request
// past its deadline fails as one past Client.Timeout did: errors.Is(err,
// context.DeadlineExceeded).
type deadline struct {
	next    http.RoundTripper
	timeout time.Duration
}

func (d deadline) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), d.timeout)
	resp, err := d.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose releases the request's deadline when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
