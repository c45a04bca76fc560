package sdk

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"
)

// Step titles, in the order a connection job runs them.
const (
	StepVerifyCredentials    = "verify-credentials"
	StepMFAChallenge         = "mfa-challenge"
	StepRetrieveAccounts     = "retrieve-accounts"
	StepRetrieveTransactions = "retrieve-transactions"
	StepRetrieveStatements   = "retrieve-statements"
)

// Step statuses.
const (
	StatusPending    = "pending"
	StatusInProgress = "in-progress"
	StatusSuccess    = "success"
	StatusFailed     = "failed"
)

// JobsService reads and follows jobs: c.Jobs.
type JobsService service

// Job is the asynchronous work a connection create, update or refresh
// started. Find steps by title (Step), never by index.
type Job struct {
	Type    string    `json:"type"`
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	Steps   []Step    `json:"steps"`
	Links   JobLinks  `json:"links"`
	// Institution is the job's institution, as a user's job list shows it.
	Institution *Resource `json:"institution,omitempty"`
}

// JobLinks are a job's links; Source is its connection, once known.
type JobLinks struct {
	Self   string `json:"self,omitempty"`
	Source string `json:"source,omitempty"`
}

// Step is one stage of a job.
type Step struct {
	Title  string      `json:"title"`
	Status string      `json:"status"`
	Result *StepResult `json:"result"`
}

// StepResult is a step's outcome: a link (Type "link", URL) on success,
// an error (Type "error", Code, Title, Detail) on failure, or an MFA
// challenge (Type "mfa", Method, Description, Input, ExpiryMs, Links
// "response") while mfa-challenge is in progress.
type StepResult struct {
	Type        string            `json:"type"`
	URL         string            `json:"url,omitempty"`
	Code        ErrorCode         `json:"code,omitempty"`
	Title       string            `json:"title,omitempty"`
	Detail      string            `json:"detail,omitempty"`
	Method      string            `json:"method,omitempty"`
	Description string            `json:"description,omitempty"`
	Input       []string          `json:"input,omitempty"`
	ExpiryMs    int64             `json:"expiryMs,omitempty"`
	Links       map[string]string `json:"links,omitempty"`
}

// Step returns the step titled title.
func (j *Job) Step(title string) (*Step, bool) {
	for i := range j.Steps {
		if j.Steps[i].Title == title {
			return &j.Steps[i], true
		}
	}
	return nil, false
}

// CurrentStep is the first step that has not succeeded (the failed one,
// if any), or the last step when all succeeded; nil without steps.
func (j *Job) CurrentStep() *Step {
	for i := range j.Steps {
		if j.Steps[i].Status != StatusSuccess {
			return &j.Steps[i]
		}
	}
	if len(j.Steps) == 0 {
		return nil
	}
	return &j.Steps[len(j.Steps)-1]
}

// FailedStep returns the step that failed.
func (j *Job) FailedStep() (*Step, bool) {
	for i := range j.Steps {
		if j.Steps[i].Status == StatusFailed {
			return &j.Steps[i], true
		}
	}
	return nil, false
}

// Done reports whether the job has ended: every step is final, or a step
// failed (the later ones then stay pending).
func (j *Job) Done() bool {
	if _, failed := j.FailedStep(); failed {
		return true
	}
	for _, s := range j.Steps {
		if s.Status != StatusSuccess {
			return false
		}
	}
	return len(j.Steps) > 0
}

// CanFetchAccounts reports whether retrieve-accounts succeeded.
func (j *Job) CanFetchAccounts() bool { return j.succeeded(StepRetrieveAccounts) }

// CanFetchTransactions reports whether retrieve-transactions succeeded.
func (j *Job) CanFetchTransactions() bool { return j.succeeded(StepRetrieveTransactions) }

func (j *Job) succeeded(title string) bool {
	s, ok := j.Step(title)
	return ok && s.Status == StatusSuccess
}

// ConnectionID is the id of the job's connection, from links.source or
// else from the credentials step's result link; "" when not yet known.
func (j *Job) ConnectionID() string { return j.segmentAfter("connections") }

// UserID is the id of the job's user, from the same links.
func (j *Job) UserID() string { return j.segmentAfter("users") }

func (j *Job) segmentAfter(name string) string {
	links := []string{j.Links.Source}
	if s, ok := j.Step(StepVerifyCredentials); ok && s.Result != nil {
		links = append(links, s.Result.URL)
	}
	for _, l := range links {
		if id := segmentAfter(l, name); id != "" {
			return id
		}
	}
	return ""
}

// segmentAfter returns the path segment after the segment name in link.
func segmentAfter(link, name string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := 0; i+1 < len(segs); i++ {
		if segs[i] == name {
			id, err := url.PathUnescape(segs[i+1])
			if err != nil {
				return ""
			}
			return id
		}
	}
	return ""
}

// Get reads a job.
func (s *JobsService) Get(ctx context.Context, id string) (*Job, error) {
	p, err := pathf("/jobs/%s", id)
	if err != nil {
		return nil, err
	}
	return getOne[Job](ctx, s.c, p)
}

// For returns a handle on a job, like the Node SDK's Job object. It
// sends no request.
func (s *JobsService) For(id string) *JobHandle { return &JobHandle{c: s.c, id: id} }

// ErrNoConnection is returned by Connection for a job whose connection is
// not known yet.
var ErrNoConnection = errors.New("sdk: job has no connection yet")

// Connection reads the job's connection.
func (s *JobsService) Connection(ctx context.Context, j *Job) (*Connection, error) {
	uid, cid := j.UserID(), j.ConnectionID()
	if uid == "" || cid == "" {
		return nil, ErrNoConnection
	}
	return s.c.Connections.Get(ctx, uid, cid)
}

// JobHandle is one job.
type JobHandle struct {
	c  *Client
	id string
}

// ID is the job's id.
func (h *JobHandle) ID() string { return h.id }

// Get reads the job.
func (h *JobHandle) Get(ctx context.Context) (*Job, error) { return h.c.Jobs.Get(ctx, h.id) }

// SubmitMFA answers the job's MFA challenge.
func (h *JobHandle) SubmitMFA(ctx context.Context, answers ...string) (*Job, error) {
	return h.c.Jobs.SubmitMFA(ctx, h.id, answers...)
}

// Connection reads the job's connection.
func (h *JobHandle) Connection(ctx context.Context) (*Connection, error) {
	j, err := h.Get(ctx)
	if err != nil {
		return nil, err
	}
	return h.c.Jobs.Connection(ctx, j)
}

// WaitForCredentials waits until the job verified the credentials.
func (h *JobHandle) WaitForCredentials(ctx context.Context, o WaitOptions) (*Connection, error) {
	return h.c.Jobs.WaitForCredentials(ctx, h.id, o)
}

// WaitForTransactions waits until the job retrieved the transactions.
func (h *JobHandle) WaitForTransactions(ctx context.Context, o WaitOptions) (*Connection, error) {
	return h.c.Jobs.WaitForTransactions(ctx, h.id, o)
}
