package worker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
)

// outcomeCompact is the first element of a job outcome as the follower
// record stores it (see encodeOutcome).
const outcomeCompact = 2

// encodeOutcome is o as the follower record stores it (its done field,
// kept with the record for startTTL), a JSON array:
//
//	[2, outcome, jobId, connectionId, polls, [account ids], [[step title, status, unix ms], ...], error]
//
// where error is a tasks.ErrorInfo object or null. The record keeps the
// outcome for the tasks that attach after the job ended and for a re-run
// of the last poll; jobOutcome's own JSON spent half of its bytes on the
// field names of each step and on times with nanoseconds (a three-step
// job's 765 bytes are 468 here). The steps' times are kept to the
// millisecond, as the published result keeps them. An older worker reading
// this array fails to decode it (its task retries) instead of reading an
// empty outcome; decodeOutcome reads both forms.
func encodeOutcome(o jobOutcome) ([]byte, error) {
	steps := make([][3]any, len(o.Steps))
	for i, st := range o.Steps {
		steps[i] = [3]any{st.Title, st.Status, st.ObservedAt.UnixMilli()}
	}
	accounts := o.Accounts
	if accounts == nil {
		accounts = []string{}
	}
	return json.Marshal([]any{outcomeCompact, o.Outcome, o.JobID, o.ConnectionID, o.Polls, accounts, steps, o.Error})
}

// decodeOutcome reads a job outcome as encodeOutcome writes it, or as the
// JSON object of jobOutcome that older workers stored.
func decodeOutcome(b []byte) (jobOutcome, error) {
	var o jobOutcome
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		err := json.Unmarshal(b, &o)
		return o, err
	}
	var a []json.RawMessage
	if err := json.Unmarshal(b, &a); err != nil {
		return o, err
	}
	var format int
	if len(a) < 8 || json.Unmarshal(a[0], &format) != nil || format != outcomeCompact {
		return o, fmt.Errorf("outcome: unknown form %.20q", b)
	}
	var steps [][3]json.RawMessage
	err := errors.Join(json.Unmarshal(a[1], &o.Outcome), json.Unmarshal(a[2], &o.JobID), json.Unmarshal(a[3], &o.ConnectionID),
		json.Unmarshal(a[4], &o.Polls), json.Unmarshal(a[5], &o.Accounts), json.Unmarshal(a[6], &steps), json.Unmarshal(a[7], &o.Error))
	if err != nil {
		return jobOutcome{}, fmt.Errorf("outcome: %w", err)
	}
	if len(steps) > 0 {
		o.Steps = make([]tasks.StepObservation, len(steps))
		for i, st := range steps {
			var ms int64
			s := &o.Steps[i]
			if err := errors.Join(json.Unmarshal(st[0], &s.Title), json.Unmarshal(st[1], &s.Status), json.Unmarshal(st[2], &ms)); err != nil {
				return jobOutcome{}, fmt.Errorf("outcome: step %d: %w", i, err)
			}
			s.ObservedAt = time.UnixMilli(ms).UTC()
		}
	}
	return o, nil
}
