package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/getkin/kin-openapi/openapi3"
)

// sseEvent is one event as a client reads it off the wire.
type sseEvent struct {
	id, event, data string
}

// sseStream reads SSE events of one response.
type sseStream struct {
	resp   *http.Response
	events chan sseEvent
	beats  chan struct{}
}

// openSSE opens GET path with headers; the stream closes with ctx.
func openSSE(ctx context.Context, t *testing.T, f *fixture, path string, headers ...string) *sseStream {
	t.Helper()
	req := f.request("GET", path, nil, headers...).WithContext(ctx)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &sseStream{resp: resp, events: make(chan sseEvent, 256), beats: make(chan struct{}, 256)}
	go s.read()
	return s
}

func (s *sseStream) read() {
	defer close(s.events)
	sc := bufio.NewScanner(s.resp.Body)
	var cur sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.data != "" {
				s.events <- cur
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, ": heartbeat"):
			select {
			case s.beats <- struct{}{}:
			default:
			}
		case strings.HasPrefix(line, "id: "):
			cur.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			cur.event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		}
	}
}

// next returns the next event, failing after d.
func (s *sseStream) next(t *testing.T, d time.Duration) sseEvent {
	t.Helper()
	select {
	case e, ok := <-s.events:
		if !ok {
			t.Fatal("stream ended")
		}
		return e
	case <-time.After(d):
		t.Fatalf("no event in %s", d)
	}
	return sseEvent{}
}

// checkEvent validates e's data against the Event schema of openapi.json.
func checkEvent(t *testing.T, c *contract, e sseEvent) tasks.Event {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(e.data), &v); err != nil {
		t.Fatalf("event data: %v: %s", err, e.data)
	}
	schema := c.doc.Components.Schemas["Event"].Value
	if err := schema.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		t.Errorf("event does not conform to the Event schema: %v\n%s", err, e.data)
	}
	var te tasks.Event
	_ = json.Unmarshal([]byte(e.data), &te)
	return te
}

// contractEvents: the stream's answer and each event conform.
func contractEvents(t *testing.T, c *contract, f *fixture) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := openSSE(ctx, t, f, "/v1/events?after=0&user=u-1")
	in := c.input(t, f.request("GET", "/v1/events?after=0&user=u-1", nil), nil)
	out := &openapiResponse{status: s.resp.StatusCode, header: s.resp.Header}
	out.validate(t, in)
	c.seen["events 200"] = true
	e := s.next(t, 5*time.Second)
	if te := checkEvent(t, c, e); te.Type != tasks.EventResult || e.id == "" {
		t.Errorf("first event %+v, want a result with an id", e)
	}
}

// TestEvents_resume drops the connection in the middle of a burst and
// reconnects with Last-Event-ID: every event comes exactly once, in order.
func TestEvents_resume(t *testing.T) {
	f := newFixture(t)
	const n = 60
	ctx1, drop := context.WithCancel(context.Background())
	s := openSSE(ctx1, t, f, "/v1/events?after=0")
	go func() {
		for i := range n {
			f.publish(sampleResult(fmt.Sprintf("t-%02d", i), "u-1", fmt.Sprintf("j-%02d", i)))
		}
	}()
	var got []string
	last := ""
	for len(got) < n/3 {
		e := s.next(t, 5*time.Second)
		got, last = append(got, taskOf(t, e)), e.id
	}
	drop()
	for range s.events { // drain what was in flight: a client that dropped never saw it
	}
	ctx2, cancel := context.WithCancel(context.Background())
	defer cancel()
	s2 := openSSE(ctx2, t, f, "/v1/events", "Last-Event-ID", last)
	for len(got) < n {
		got = append(got, taskOf(t, s2.next(t, 5*time.Second)))
	}
	for i, id := range got {
		if want := fmt.Sprintf("t-%02d", i); id != want {
			t.Fatalf("event %d is of task %s, want %s (all: %v)", i, id, want, got)
		}
	}
	select {
	case e := <-s2.events:
		t.Fatalf("an extra event after all %d: %+v", n, e)
	case <-time.After(300 * time.Millisecond):
	}
}

func taskOf(t *testing.T, e sseEvent) string {
	t.Helper()
	var te tasks.Event
	if err := json.Unmarshal([]byte(e.data), &te); err != nil || te.Result == nil {
		t.Fatalf("event %+v: not a result", e)
	}
	return te.Result.TaskID
}

// TestEvents_filterAndHeartbeat: ?task= keeps that task's events only, and
// an idle stream gets heartbeats.
func TestEvents_filterAndHeartbeat(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := openSSE(ctx, t, f, "/v1/events?task=t-b")
	select {
	case <-s.beats:
	case <-time.After(3 * time.Second):
		t.Fatal("no heartbeat on an idle stream")
	}
	f.publish(sampleResult("t-a", "u-1", "j-a"))
	f.publish(sampleResult("t-b", "u-1", "j-b"))
	if got := taskOf(t, s.next(t, 5*time.Second)); got != "t-b" {
		t.Fatalf("event of task %s, want only t-b", got)
	}
}
