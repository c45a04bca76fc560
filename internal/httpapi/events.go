package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
)

// streamIDPattern is the shape of a results stream id, as Last-Event-ID carries it.
var streamIDPattern = regexp.MustCompile(`^[0-9]{1,20}-[0-9]{1,20}$`)

// eventFilter keeps the events of one user or one task (or all).
type eventFilter struct{ user, task string }

func (f eventFilter) keep(e tasks.Event) bool {
	var user, task string
	switch {
	case e.Result != nil:
		user, task = e.Result.UserID, e.Result.TaskID
	case e.MFA != nil:
		user, task = e.MFA.UserID, e.MFA.TaskID
	case e.Progress != nil:
		user, task = e.Progress.UserID, e.Progress.TaskID
	default:
		return false // an entry that could not be decoded
	}
	return (f.user == "" || f.user == user) && (f.task == "" || f.task == task)
}

// sseItem is one event to write, or the error that ends the stream.
type sseItem struct {
	e    tasks.Event
	live bool // a live progress event: written without an id
	err  error
}

// events streams the results stream as Server-Sent Events: each durable
// event (result, mfa_required) with its stream id as the SSE id, so that
// a client reconnecting with Last-Event-ID (or ?after=) resumes right
// after it, missing and repeating nothing. With ?task=, the task's live
// progress events come too, without an id (they are not stored). An idle
// stream gets a comment every Heartbeat.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	f, after, p := eventParams(r)
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	items := make(chan sseItem, 64)
	go s.pumpDurable(ctx, after, items)
	if f.task != "" {
		go s.pumpLive(ctx, f.task, items)
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	s.opts.Metrics.stream(1)
	defer s.opts.Metrics.stream(-1)
	s.writeEvents(ctx, w, f, items)
}

// eventParams reads the filter and the resume position (Last-Event-ID,
// else ?after=, else "$": only new events).
func eventParams(r *http.Request) (eventFilter, string, *Problem) {
	q := r.URL.Query()
	f := eventFilter{user: q.Get("user"), task: q.Get("task")}
	var bad params
	if f.user != "" {
		bad.id("user", f.user)
	}
	if len(f.task) > 256 {
		bad.add("task", "is longer than 256 bytes")
	}
	after, name := r.Header.Get("Last-Event-ID"), "Last-Event-ID"
	if after == "" {
		after, name = q.Get("after"), "after"
	}
	switch {
	case after == "":
		after = "$"
	case after != "0" && !streamIDPattern.MatchString(after):
		bad.add(name, "must be a stream id such as 1700000000000-0, or 0 for the start")
	}
	if len(bad) > 0 {
		return f, "", invalid(bad...)
	}
	return f, after, nil
}

// pumpDurable sends the results stream after position after.
func (s *Server) pumpDurable(ctx context.Context, after string, out chan<- sseItem) {
	for e, err := range s.opts.Tasks.Results(ctx, after) {
		if !send(ctx, out, sseItem{e: e, err: err}) || err != nil {
			return
		}
	}
}

// pumpLive sends task's live progress events (its result comes from the stream).
func (s *Server) pumpLive(ctx context.Context, task string, out chan<- sseItem) {
	for e, err := range s.opts.Tasks.Follow(ctx, task) {
		if err != nil || e.Type != tasks.EventProgress {
			continue // the durable pump reports Redis errors and carries the result
		}
		if !send(ctx, out, sseItem{e: e, live: true}) {
			return
		}
	}
}

func send(ctx context.Context, out chan<- sseItem, it sseItem) bool {
	select {
	case out <- it:
		return true
	case <-ctx.Done():
		return false
	}
}

// writeEvents writes items that pass f, and heartbeats, until ctx ends or a write fails.
func (s *Server) writeEvents(ctx context.Context, w http.ResponseWriter, f eventFilter, items <-chan sseItem) {
	rc := http.NewResponseController(w)
	if _, err := fmt.Fprint(w, ": stream open\nretry: 1000\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	beat := time.NewTicker(s.opts.Heartbeat)
	defer beat.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			_, err = fmt.Fprint(w, ": heartbeat\n\n")
		case it := <-items:
			if it.err != nil {
				s.opts.Logger.Error().Err(it.err).Msg("event stream")
				_, _ = fmt.Fprint(w, "event: error\ndata: {\"detail\":\"the results stream cannot be read; reconnect\"}\n\n")
				_ = rc.Flush()
				return
			}
			if !f.keep(it.e) {
				continue
			}
			err = writeEvent(w, it)
		}
		if err != nil || rc.Flush() != nil {
			return
		}
	}
}

// writeEvent writes one SSE event: id (durable events only), event type and JSON data.
func writeEvent(w http.ResponseWriter, it sseItem) error {
	b, err := json.Marshal(it.e)
	if err != nil {
		return err
	}
	if !it.live {
		if _, err := fmt.Fprintf(w, "id: %s\n", it.e.StreamID); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", it.e.Type, b)
	return err
}
