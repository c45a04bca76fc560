package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
)

// finish settles the outcome of the job followed by p (the first one
// stored wins: see follow.go), answers the tasks waiting on it and
// publishes the result of p's task.
func (h *handlers) finish(ctx context.Context, t *asynq.Task, p pollPayload, outcome tasks.Outcome, e *tasks.ErrorInfo, accounts []string) error {
	o := jobOutcome{Outcome: outcome, Error: e, JobID: p.JobID, ConnectionID: p.ConnectionID, Steps: p.Steps,
		Accounts: accounts, Polls: p.Polls}
	var ws []waiter
	if p.JobID != "" && !p.Shared { // a chain of an earlier version (Shared) has no record
		var stored jobOutcome
		var err error
		stored, ws, err = h.settle(ctx, p, o)
		if err == nil {
			err = h.answerWaiters(ctx, stored, ws)
		}
		if err != nil {
			return h.retry(ctx, attemptOf(ctx), err)
		}
		o = stored
	}
	if isWebhookFollow(p.TaskID) && len(ws) > 0 {
		return nil // the application's tasks waiting on the job have its result
	}
	return h.publish(ctx, t, p.eventSuffix(), o.resultFor(p.work))
}

// publish publishes r once (see emit) and returns nil for a completed job
// or a skipped refresh, else an error wrapping SkipRetry. idSuffix is appended to the event id.
func (h *handlers) publish(ctx context.Context, t *asynq.Task, idSuffix string, r tasks.Result) error {
	if err := h.emit(ctx, t, idSuffix, r); err != nil {
		return h.retry(ctx, attemptOf(ctx), err)
	}
	if r.Outcome == tasks.OutcomeCompleted || r.Outcome == tasks.OutcomeSkipped {
		return nil // skipped: the refresh was not due, no failure to archive
	}
	return &finalError{r.Outcome, r.Error}
}

// emit publishes r once (the Publisher's dedupe key makes a second run of
// the same handler a no-op), writes it as the asynq result of t when t is
// not nil, and logs it.
func (h *handlers) emit(ctx context.Context, t *asynq.Task, idSuffix string, r tasks.Result) error {
	r.FinishedAt = h.now()
	if r.StartedAt.IsZero() {
		r.StartedAt = r.FinishedAt
	}
	if r.Accounts == nil {
		r.Accounts = []string{}
	}
	if r.Steps == nil {
		r.Steps = []tasks.StepObservation{}
	}
	ev := results.NewResultEvent(r)
	ev.ID += idSuffix
	published, err := h.pub.Publish(ctx, ev)
	if err == nil && t != nil {
		err = writeResult(t, ev.Result)
	}
	if err != nil {
		return err
	}
	total := r.FinishedAt.Sub(r.StartedAt)
	l := zerolog.Ctx(ctx).Info()
	if r.Outcome != tasks.OutcomeCompleted {
		l = zerolog.Ctx(ctx).Warn()
	}
	if r.Error != nil {
		l = l.Str("code", string(r.Error.Code)).Str("failed_step", r.Error.Step)
	}
	if t == nil {
		l = l.Str("waiter_task_id", r.TaskID) // answered by the chain that followed its job
	}
	l.Str("outcome", string(r.Outcome)).Int("polls", r.Polls).Int("accounts", len(r.Accounts)).
		Dur("duration", total).Bool("duplicate", !published).Msg("result published")
	if published {
		h.obs.ResultPublished(string(r.Outcome), r.Polls, total)
	}
	return nil
}

// finalError is returned after a failed or timed-out result was published:
// asynq archives the task (SkipRetry) and the ErrorHandler stays quiet.
type finalError struct {
	outcome tasks.Outcome
	info    *tasks.ErrorInfo
}

func (e *finalError) Error() string {
	if e.info == nil {
		return string(e.outcome)
	}
	s := fmt.Sprintf("%s: %s", e.outcome, e.info.Code)
	if e.info.Step != "" {
		s += " at " + e.info.Step
	}
	if e.info.Title != "" {
		s += ": " + e.info.Title
	}
	return s
}

func (e *finalError) Unwrap() error { return asynq.SkipRetry }

// writeResult stores v as the asynq task result (shown by the web UI for
// retained tasks). Tasks built outside a server have no writer.
func writeResult(t *asynq.Task, v any) error {
	w := t.ResultWriter()
	if w == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode task result: %w", err)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write task result: %w", err)
	}
	return nil
}

// timedOut is the error of a job still running at its deadline.
func timedOut(p pollPayload) *tasks.ErrorInfo {
	return &tasks.ErrorInfo{
		Code: tasks.CodeTimedOut, Title: "Job still running at its deadline",
		Detail: fmt.Sprintf("step %s still running at %s", p.Step, p.Deadline.UTC().Format("2006-01-02T15:04:05.000Z")),
		Step:   p.Step,
	}
}

// expiredBeforeSend is the error of a task whose deadline passed before
// its call was sent.
func expiredBeforeSend(p pollPayload) *tasks.ErrorInfo {
	return &tasks.ErrorInfo{
		Code: tasks.CodeExpiredBeforeSend, Title: "Deadline passed before the call was sent",
		Detail: fmt.Sprintf("the task's deadline %s passed while it waited; nothing was sent to Basiq",
			p.Deadline.UTC().Format("2006-01-02T15:04:05.000Z")),
	}
}

// stepError is the error of a failed job step, as Basiq gave it.
func stepError(s *sdk.Step) *tasks.ErrorInfo {
	e := &tasks.ErrorInfo{Step: s.Title, Code: tasks.ErrorCode(sdk.CodeUnknownError)}
	if r := s.Result; r != nil {
		e.Title, e.Detail = r.Title, r.Detail
		if r.Code != "" {
			e.Code = tasks.ErrorCode(r.Code)
		}
	}
	return e
}

// callError is the error of a Basiq call that failed for good.
func callError(err error, code tasks.ErrorCode) *tasks.ErrorInfo {
	var apiErr *sdk.Error
	if errors.As(err, &apiErr) {
		e := &tasks.ErrorInfo{Code: tasks.ErrorCode(apiErr.Code()), CorrelationID: apiErr.CorrelationID, Detail: apiErr.Error()}
		if len(apiErr.Details) > 0 {
			e.Title, e.Detail = apiErr.Details[0].Title, apiErr.Details[0].Detail
		}
		if e.Code == "" {
			e.Code = tasks.ErrorCode(fmt.Sprintf("http-%d", apiErr.StatusCode))
		}
		return e
	}
	if code == "" {
		code = tasks.CodeNetwork
	}
	return &tasks.ErrorInfo{Code: code, Title: "Basiq call failed", Detail: err.Error()}
}
