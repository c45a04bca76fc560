package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/basiq-worker/basiq-worker/internal/wire"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// enqueued is the 202 answer of every enqueue.
type enqueued struct {
	TaskID string    `json:"taskId"`
	Links  taskLinks `json:"links"`
}

// taskLinks are where to read a task's state, result and events.
type taskLinks struct {
	Self   string `json:"self"`
	Result string `json:"result"`
	Events string `json:"events"`
}

func linksOf(id string) taskLinks {
	p := "/v1/tasks/" + url.PathEscape(id)
	return taskLinks{Self: p, Result: p + "/result", Events: "/v1/events?task=" + url.QueryEscape(id)}
}

// enqueueFunc enqueues one request with the given options.
type enqueueFunc func(ctx context.Context, opts ...tasks.Enqueue) (string, error)

// enqueue checks the Idempotency-Key (and the body it came with before),
// enqueues and answers 202 with the task id.
func (s *Server) enqueue(w http.ResponseWriter, r *http.Request, taskType string, canonical any, do enqueueFunc) {
	key := r.Header.Get("Idempotency-Key")
	var opts []tasks.Enqueue
	if key != "" {
		if p := checkKey(key); p != nil {
			writeProblem(w, r, p)
			return
		}
		if p := s.idem.check(r.Context(), taskType, key, r.URL.Path, canonical); p != nil {
			writeProblem(w, r, p)
			return
		}
		opts = append(opts, tasks.Enqueue{IdempotencyKey: key})
	}
	id, err := do(r.Context(), opts...)
	if err != nil {
		writeProblem(w, r, enqueueProblem(err))
		return
	}
	w.Header().Set("Location", linksOf(id).Self)
	writeJSON(w, http.StatusAccepted, enqueued{TaskID: id, Links: linksOf(id)})
}

// checkKey bounds an Idempotency-Key as tasks does: printable ASCII without spaces.
func checkKey(key string) *Problem {
	bad := len(key) > wire.MaxIdempotencyKeyLen
	for i := 0; i < len(key) && !bad; i++ {
		bad = key[i] <= ' ' || key[i] >= 0x7f
	}
	if !bad {
		return nil
	}
	return invalid(InvalidParam{Name: "Idempotency-Key",
		Reason: "must be 1 to 128 printable ASCII characters without spaces"})
}

// enqueueProblem is the answer to a failed enqueue. The request was
// validated before, so what is left is Redis or the server's setup.
func enqueueProblem(err error) *Problem {
	if errors.Is(err, tasks.ErrNoKeyring) {
		return internal(err)
	}
	return unavailable(err)
}

func (s *Server) createConnection(w http.ResponseWriter, r *http.Request) {
	var b createConnectionBody
	if p := decodeBody(w, r, s.opts.MaxBody, &b); p != nil {
		writeProblem(w, r, p)
		return
	}
	if p := b.validate(); len(p) > 0 {
		writeProblem(w, r, invalid(p...))
		return
	}
	s.enqueue(w, r, tasks.TypeCreateConnection, b, func(ctx context.Context, o ...tasks.Enqueue) (string, error) {
		return s.opts.Tasks.CreateConnection(ctx, b.request(), o...)
	})
}

func (s *Server) refreshAll(w http.ResponseWriter, r *http.Request) {
	req := tasks.RefreshAll{UserID: r.PathValue("userId")}
	if p := s.noBody(w, r, func(p *params) { p.id("userId", req.UserID) }); p != nil {
		writeProblem(w, r, p)
		return
	}
	s.enqueue(w, r, tasks.TypeRefreshAll, req, func(ctx context.Context, o ...tasks.Enqueue) (string, error) {
		return s.opts.Tasks.RefreshAll(ctx, req, o...)
	})
}

func (s *Server) refreshConnection(w http.ResponseWriter, r *http.Request) {
	req := tasks.RefreshConnection{UserID: r.PathValue("userId"), ConnectionID: r.PathValue("connectionId")}
	if p := s.noBody(w, r, func(p *params) { p.id("userId", req.UserID); p.id("connectionId", req.ConnectionID) }); p != nil {
		writeProblem(w, r, p)
		return
	}
	s.enqueue(w, r, tasks.TypeRefreshConnection, req, func(ctx context.Context, o ...tasks.Enqueue) (string, error) {
		return s.opts.Tasks.RefreshConnection(ctx, req, o...)
	})
}

func (s *Server) answerMFA(w http.ResponseWriter, r *http.Request) {
	var b mfaBody
	if p := decodeBody(w, r, s.opts.MaxBody, &b); p != nil {
		writeProblem(w, r, p)
		return
	}
	jobID := r.PathValue("jobId")
	p := b.validate()
	p.id("jobId", jobID)
	if len(p) > 0 {
		writeProblem(w, r, invalid(p...))
		return
	}
	req := tasks.AnswerMFA{UserID: b.UserID, JobID: jobID, Answers: b.Answers}
	s.enqueue(w, r, tasks.TypeAnswerMFA, b, func(ctx context.Context, o ...tasks.Enqueue) (string, error) {
		return s.opts.Tasks.AnswerMFA(ctx, req, o...)
	})
}

// noBody checks the path parameters of a request without a body; an
// empty JSON object is accepted as no body.
func (s *Server) noBody(w http.ResponseWriter, r *http.Request, check func(*params)) *Problem {
	if r.ContentLength != 0 {
		var empty struct{}
		if p := decodeBody(w, r, s.opts.MaxBody, &empty); p != nil {
			return p
		}
	}
	var p params
	check(&p)
	if len(p) > 0 {
		return invalid(p...)
	}
	return nil
}

// followJobs enqueues a follow of the jobs the Consent UI handed back:
// one result per job, each carrying the task id (see GET /v1/events?task=).
func (s *Server) followJobs(w http.ResponseWriter, r *http.Request) {
	var b followBody
	if p := decodeBody(w, r, s.opts.MaxBody, &b); p != nil {
		writeProblem(w, r, p)
		return
	}
	if p := b.validate(); len(p) > 0 {
		writeProblem(w, r, invalid(p...))
		return
	}
	req := tasks.FollowJobs{UserID: b.UserID, JobIDs: b.JobIDs}
	s.enqueue(w, r, tasks.TypeFollowJobs, b, func(ctx context.Context, o ...tasks.Enqueue) (string, error) {
		return s.opts.Tasks.FollowJobs(ctx, req, o...)
	})
}
