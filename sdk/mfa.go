package sdk

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// ErrNoUser is returned by SubmitMFA under API 3.0 for a job whose user
// cannot be told from its links yet; answer through
// c.Users.For(userID).SubmitMFA instead.
var ErrNoUser = errors.New("sdk: job names no user yet")

// SubmitMFA answers the job's MFA challenge (a token, or the answers to
// the security questions in order). Under API 3.0 Basiq takes the answer
// only with a CLIENT_ACCESS token of the job's user: the client then reads
// the job first to learn its user from its links (ErrNoUser when they name
// none) and answers with that user's client token. Earlier versions answer
// with the server token and send no extra request.
func (s *JobsService) SubmitMFA(ctx context.Context, jobID string, answers ...string) (*Job, error) {
	if s.c.cfg.version != "3.0" {
		return s.submitMFA(ctx, jobID, answers)
	}
	j, err := s.Get(ctx, jobID)
	if err != nil {
		return nil, err
	}
	uid := j.UserID()
	if uid == "" {
		return nil, ErrNoUser
	}
	return s.submitMFA(asUser(ctx, uid), jobID, answers)
}

// SubmitMFA answers the MFA challenge of one of the user's jobs with the
// user's CLIENT_ACCESS token, as API 3.0 asks, without reading the job
// first.
func (h *UserHandle) SubmitMFA(ctx context.Context, jobID string, answers ...string) (*Job, error) {
	if strings.TrimSpace(h.id) == "" {
		return nil, errors.New("sdk: MFA answer: empty user id")
	}
	return h.c.Jobs.submitMFA(asUser(ctx, h.id), jobID, answers)
}

func (s *JobsService) submitMFA(ctx context.Context, jobID string, answers []string) (*Job, error) {
	p, err := pathf("/jobs/%s/mfa", jobID)
	if err != nil {
		return nil, err
	}
	return callOne[Job](ctx, s.c, http.MethodPost, p, map[string][]string{"mfa-response": answers})
}
