package wire

import (
	"fmt"
	"time"
)

// TypeFollowJobs follows Basiq jobs that the worker did not start: the
// jobs the Consent UI hands back (API 3.0), or the job of a connection
// Basiq's connection.created webhook announced (payload [FollowJobsPayload]).
const TypeFollowJobs = "jobs:follow"

// MaxFollowJobs bounds the job ids of one follow: a Consent UI journey
// hands back one per connection made.
const MaxFollowJobs = 64

// FollowJobsPayload is the payload of TypeFollowJobs.
type FollowJobsPayload struct {
	V              int       `json:"v"`
	UserID         string    `json:"userId"`
	JobIDs         []string  `json:"jobIds"`
	IdempotencyKey string    `json:"idempotencyKey,omitempty"`
	Deadline       time.Time `json:"deadline,omitzero"`
	EnqueuedAt     time.Time `json:"enqueuedAt"`
}

// Validate checks the version, the required fields and the bounds of every id.
func (p FollowJobsPayload) Validate() error {
	return FirstErr(checkVersion(p.V), ValidateID("userId", p.UserID), CheckJobIDs("jobIds", p.JobIDs),
		CheckIdempotencyKey("idempotencyKey", p.IdempotencyKey))
}

// CheckJobIDs checks a list of one to MaxFollowJobs job ids, none empty,
// none twice.
func CheckJobIDs(field string, ids []string) error {
	if len(ids) == 0 {
		return fmt.Errorf("field %s: at least one job id is required", field)
	}
	if len(ids) > MaxFollowJobs {
		return fmt.Errorf("field %s: %d job ids, at most %d", field, len(ids), MaxFollowJobs)
	}
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		if err := ValidateID(fmt.Sprintf("%s[%d]", field, i), id); err != nil {
			return err
		}
		if seen[id] {
			return fmt.Errorf("field %s[%d]: job id %s given twice", field, i, quoted(id))
		}
		seen[id] = true
	}
	return nil
}
