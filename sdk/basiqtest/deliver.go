package basiqtest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// delivery is one webhook message: one event for one subscription, retried on Basiq's schedule.
type delivery struct {
	id, hookID, eventID, eventType string
	body                           []byte
	status                         string // pending, delivered, failed or dropped
	attempts                       []DeliveryAttempt
	next                           time.Time // when the next attempt is due (pending only)
	seq                            uint64    // creation order, among deliveries due at once
	inflight                       bool
}

// DeliveryAttempt is one attempt to deliver a webhook message.
type DeliveryAttempt struct {
	// At is when the attempt was made (the webhook-timestamp it carried).
	At time.Time `json:"at"`
	// Status is the HTTP status answered, 0 when there was no answer.
	Status int `json:"status"`
	// Error says why an attempt without an answer failed.
	Error string `json:"error,omitempty"`
}

// startDispatcher starts, once, the goroutine that delivers webhooks. Close stops it.
func (s *Server) startDispatcher() {
	h := s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.started {
		return
	}
	h.started = true
	s.track.on.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer close(h.done)
		defer cancel()
		s.dispatch(ctx)
	}()
}

// stopDispatcher stops the dispatcher and waits for attempts in flight.
func (s *Server) stopDispatcher() {
	h := s.hooks
	h.mu.Lock()
	started := h.started
	h.started = false
	h.mu.Unlock()
	if !started {
		return
	}
	close(h.quit)
	<-h.done
	h.wg.Wait()
	h.client.CloseIdleConnections()
}

// dispatch settles job events and starts due attempts, sleeping until the next is due.
func (s *Server) dispatch(ctx context.Context) {
	for {
		s.settleNow()
		now := s.now()
		for _, d := range s.hooks.due(now) {
			s.hooks.wg.Add(1)
			go s.attempt(ctx, d)
		}
		t := time.NewTimer(s.nextWake(now))
		select {
		case <-t.C:
		case <-s.track.wake:
		case <-s.hooks.kick:
		case <-s.hooks.quit:
			t.Stop()
			return
		}
		t.Stop()
	}
}

// nextWake is how long the dispatcher may sleep. With a clock of the caller's (WithClock) it
// looks again every 20ms, since that clock may jump.
func (s *Server) nextWake(now time.Time) time.Duration {
	wait := time.Hour
	for _, at := range []time.Time{s.track.next(), s.hooks.nextDue()} {
		if !at.IsZero() {
			wait = min(wait, max(at.Sub(now), time.Millisecond))
		}
	}
	if s.cfg.ownClock {
		wait = min(wait, 20*time.Millisecond)
	}
	return wait
}

// entry is d in the ready heap: by its next attempt, then creation.
func (d *delivery) entry() at[*delivery] {
	return at[*delivery]{nanos: d.next.UnixNano(), seq: d.seq, v: d}
}

// maxInFlight bounds the delivery attempts running at once; the rest wait for a free slot.
const maxInFlight = 16

// due marks and returns the pending deliveries whose attempt is due, as many as free slots,
// earliest first. It looks only at those it takes (the ready heap is ordered), so a long queue
// costs nothing per wake.
func (h *webhooks) due(now time.Time) []*delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*delivery
	for h.busy < maxInFlight {
		d, ok := h.ready.peek()
		if !ok || d.next.After(now) {
			break
		}
		h.ready.pop()
		d.inflight = true
		h.busy++
		out = append(out, d)
	}
	return out
}

// nextDue is the earliest next attempt of a pending delivery not in flight (zero when none).
func (h *webhooks) nextDue() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	if d, ok := h.ready.peek(); ok {
		return d.next
	}
	return time.Time{}
}

// attempt posts one delivery and records the outcome.
func (s *Server) attempt(ctx context.Context, d *delivery) {
	defer s.hooks.wg.Done()
	s.hooks.mu.Lock()
	sub := s.hooks.subs[d.hookID]
	url, secret, dropped := sub.url, sub.secret, sub.deleted
	s.hooks.mu.Unlock()
	if dropped {
		s.finish(d, DeliveryAttempt{}, true)
		return
	}
	at := s.now()
	a := DeliveryAttempt{At: at}
	a.Status, a.Error = s.post(ctx, url, secret, d.id, at, d.body)
	s.finish(d, a, false)
}

// post sends a signed delivery; it returns the status, or 0 and why.
func (s *Server) post(ctx context.Context, url, secret, id string, at time.Time, body []byte) (int, string) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.hookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", ts)
	req.Header.Set("webhook-signature", "v1,"+Sign(secret, id, ts, body))
	res, err := s.hooks.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
	_ = res.Body.Close()
	return res.StatusCode, ""
}

// finish records an attempt and schedules the next one, or ends the delivery.
func (s *Server) finish(d *delivery, a DeliveryAttempt, dropped bool) {
	h := s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	d.inflight = false
	h.busy--
	defer h.wake() // a slot is free
	if dropped {
		d.status = "dropped"
		return
	}
	d.attempts = append(d.attempts, a)
	if d.status != "pending" { // its subscription was deleted while in flight
		return
	}
	n := len(d.attempts)
	switch {
	case a.Status >= 200 && a.Status < 300:
		d.status = "delivered"
	case n > len(s.cfg.hookRetries):
		d.status = "failed"
	default:
		d.next = a.At.Add(s.cfg.hookRetries[n-1])
		h.ready.push(d.entry())
	}
}

// Sign returns the base64 HMAC-SHA256 signature Basiq puts after "v1," in webhook-signature:
// the key is the base64 part of secret after "whsec_", the content "id.timestamp.body".
func Sign(secret, id, timestamp string, body []byte) string {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		key = []byte(secret)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + timestamp + "."))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
