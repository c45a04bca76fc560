package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
)

// States of a task beyond asynq's (pending, scheduled, active, retry,
// archived, completed, aggregating).
const (
	// stateFollowing: asynq finished the task (Basiq answered with a job)
	// and the worker follows that job; no result yet.
	stateFollowing = "following"
	// stateDone: the result is published.
	stateDone = "done"
	// stateExpired: asynq no longer holds the task (past its retention)
	// but its result is still stored.
	stateExpired = "expired"
)

// taskView is the answer of GET /v1/tasks/{id}.
type taskView struct {
	TaskID    string `json:"taskId"`
	Type      string `json:"type,omitempty"`
	Queue     string `json:"queue,omitempty"`
	State     string `json:"state"`
	Done      bool   `json:"done"`
	Retried   int    `json:"retried"`
	LastError string `json:"lastError,omitempty"`
	// Progress is the latest step change the worker saw (tasks.Client.
	// Progress), null before the first or once expired.
	Progress *tasks.Progress `json:"progress"`
	Result   *tasks.Result   `json:"result"`
	Links    taskLinks       `json:"links"`
}

// findTask returns the asynq record of id in whichever queue holds it, or nil.
func (s *Server) findTask(id string) (*asynq.TaskInfo, error) {
	queues, err := s.opts.Inspector.Queues()
	if err != nil {
		return nil, fmt.Errorf("list queues: %w", err)
	}
	for _, q := range queues {
		info, err := s.opts.Inspector.GetTaskInfo(q, id)
		switch {
		case err == nil:
			return info, nil
		case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
			continue
		}
		return nil, fmt.Errorf("task %s in queue %s: %w", id, q, err)
	}
	return nil, nil
}

// view reads task id's asynq record, latest progress and result; nil when
// none of them exists.
func (s *Server) view(ctx context.Context, id string, res *tasks.Result) (*taskView, error) {
	info, err := s.findTask(id)
	if err != nil {
		return nil, err
	}
	if res == nil {
		if res, err = s.opts.Tasks.Result(ctx, id); err != nil {
			return nil, err
		}
	}
	prog, err := s.opts.Tasks.Progress(ctx, id)
	if err != nil {
		return nil, err
	}
	if info == nil && res == nil && prog == nil {
		return nil, nil
	}
	v := &taskView{TaskID: id, Progress: prog, Result: res, Done: res != nil, Links: linksOf(id)}
	if info != nil {
		v.Type, v.Queue, v.State, v.Retried = info.Type, info.Queue, info.State.String(), info.Retried
		// The worker's errors name what failed, never a credential.
		v.LastError = info.LastErr
	}
	switch {
	case res != nil && info == nil:
		v.State = stateExpired
	case res != nil:
		v.State = stateDone
	case info == nil, info.State == asynq.TaskStateCompleted:
		// asynq finished the task (or holds it no more: no retention)
		// and its job is followed: its progress is stored.
		v.State = stateFollowing
	}
	return v, nil
}

func unknownTask(id string) *Problem {
	return problem(http.StatusNotFound, "unknown-task", "Not Found",
		"no task "+id+" in any queue and no stored result (mistyped, or older than the retention)")
}

func (s *Server) getTask(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("taskId")
	v, err := s.view(r.Context(), id, nil)
	switch {
	case err != nil:
		writeProblem(w, r, unavailable(err))
	case v == nil:
		writeProblem(w, r, unknownTask(id))
	default:
		writeJSON(w, http.StatusOK, v)
	}
}

// getResult answers the result (200) as soon as it is published, waiting
// up to ?wait= (at most MaxWait); when none came in time, 202 with the
// task's state.
func (s *Server) getResult(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("taskId")
	wait, p := s.waitParam(r)
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	v, err := s.view(r.Context(), id, nil)
	switch {
	case err != nil:
		writeProblem(w, r, unavailable(err))
		return
	case v == nil:
		writeProblem(w, r, unknownTask(id))
		return
	}
	if v.Result == nil && wait > 0 {
		if v, err = s.awaitResult(r.Context(), id, wait); err != nil {
			writeProblem(w, r, unavailable(err))
			return
		}
	}
	if v.Result != nil {
		writeJSON(w, http.StatusOK, v.Result)
		return
	}
	w.Header().Set("Retry-After", "1")
	writeJSON(w, http.StatusAccepted, v)
}

// awaitResult waits up to wait for id's result, then reads its view.
func (s *Server) awaitResult(ctx context.Context, id string, wait time.Duration) (*taskView, error) {
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	res, err := s.opts.Tasks.Wait(wctx, id)
	if err != nil && ctx.Err() == nil && wctx.Err() == nil {
		return nil, err
	}
	v, err := s.view(ctx, id, res)
	if err == nil && v == nil {
		v = &taskView{TaskID: id, State: stateExpired, Links: linksOf(id)}
	}
	return v, err
}

// waitParam reads ?wait= (a Go duration such as 30s, 0 to MaxWait).
func (s *Server) waitParam(r *http.Request) (time.Duration, *Problem) {
	raw := r.URL.Query().Get("wait")
	if raw == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d < 0 || d > s.opts.MaxWait {
		return 0, invalid(InvalidParam{Name: "wait",
			Reason: fmt.Sprintf("must be a duration from 0s to %s, such as 30s", s.opts.MaxWait)})
	}
	return d, nil
}
