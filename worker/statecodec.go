package worker

// The poll state's JSON on the follower's hot path: every look decodes
// the state its claim returned and encodes the next one (followed.go).
// encoding/json spent 9-12 % of the worker's CPU on it (a validity scan
// of the whole state, then reflection per field; on encode, a compaction
// of each time's output). unmarshalState reads the JSON that json.Marshal
// writes for a pollPayload in one pass without reflection, marshalState
// appends the same bytes as json.Marshal, and each hands what it does not
// cover to encoding/json: the stored format does not change, so a state
// any version wrote decodes as before, and an older worker reads what this
// one writes (a rolling upgrade, a rollback).

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/jsonscan"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// unmarshalState decodes b, a pollPayload's JSON, as json.Unmarshal does.
func unmarshalState(b []byte) (pollPayload, error) {
	var p pollPayload
	if fastState(b, &p) {
		return p, nil
	}
	p = pollPayload{}
	err := json.Unmarshal(b, &p)
	return p, err
}

// fastState decodes b into p when b is in the subset it reads: the keys
// of pollPayload spelled as its tags, strings without escapes, control
// or non-ASCII bytes, integers, booleans, no nulls but
// for the lists. Within that subset
// the result is json.Unmarshal's (TestFastState, FuzzFastState); false
// means b is outside it, p then holds a partial result.
func fastState(b []byte, p *pollPayload) bool {
	s := jsonscan.New(b)
	if !s.Object(func(key []byte) bool { return stateField(s, p, key) }) {
		return false
	}
	return s.End()
}

// field reads the value of key into p.
func stateField(s *jsonscan.Scanner, p *pollPayload, key []byte) bool {
	switch string(key) {
	case "v":
		return s.Int(&p.V)
	case "taskId":
		return s.String(&p.TaskID)
	case "idempotencyKey":
		return s.String(&p.IdempotencyKey)
	case "kind":
		return s.String(&p.Kind)
	case "userId":
		return s.String(&p.UserID)
	case "institutionId":
		return s.String(&p.InstitutionID)
	case "connectionId":
		return s.String(&p.ConnectionID)
	case "startedAt":
		return s.Time(&p.StartedAt)
	case "jobId":
		return s.String(&p.JobID)
	case "n":
		return s.Int(&p.N)
	case "action":
		return s.String(&p.Action)
	case "polls":
		return s.Int(&p.Polls)
	case "retries":
		return s.Int(&p.Retries)
	case "steps":
		if s.Null() { // as the worker writes a chain without steps yet
			p.Steps = nil
			return true
		}
		if p.Steps != nil { // a second steps: json.Unmarshal decodes into the first one's items
			return false
		}
		p.Steps = make([]tasks.StepObservation, 0, 4)
		return s.Array(func() bool {
			var o tasks.StepObservation
			ok := s.Object(func(key []byte) bool {
				switch string(key) {
				case "title":
					return s.String(&o.Title)
				case "status":
					return s.String(&o.Status)
				case "observedAt":
					return s.Time(&o.ObservedAt)
				}
				return false
			})
			p.Steps = append(p.Steps, o)
			return ok
		})
	case "step":
		return s.String(&p.Step)
	case "stepSince":
		return s.Time(&p.StepSince)
	case "stepBy":
		return s.Time(&p.StepBy)
	case "looks":
		return s.Int(&p.Looks)
	case "lastLook":
		return s.Time(&p.LastLook)
	case "prev":
		if s.Null() {
			p.Prev = nil
			return true
		}
		if p.Prev != nil {
			return false
		}
		p.Prev = make([]string, 0, 1)
		return s.Array(func() bool {
			var id string
			ok := s.String(&id)
			p.Prev = append(p.Prev, id)
			return ok
		})
	case "shared":
		return s.Bool(&p.Shared)
	case "mfaSent":
		return s.Bool(&p.MFASent)
	case "deadline":
		return s.Time(&p.Deadline)
	case "errs":
		return s.Int(&p.Errs)
	}
	return false
}

// marshalState encodes p as json.Marshal does, byte for byte
// (TestMarshalState): appended by hand when its strings need no escape,
// through encoding/json otherwise.
func marshalState(p pollPayload) ([]byte, error) {
	if b, ok := appendState(make([]byte, 0, 768), &p); ok {
		return b, nil
	}
	return json.Marshal(p)
}

// appendState appends p's JSON to b, in the order and with the omissions
// of pollPayload's tags; false when a string needs an escape or a time
// does not encode.
func appendState(b []byte, p *pollPayload) ([]byte, bool) {
	w := stateWriter{b: b, ok: true}
	w.b = append(w.b, `{"v":`...)
	w.b = strconv.AppendInt(w.b, int64(p.V), 10)
	w.str(`,"taskId":`, p.TaskID)
	if p.IdempotencyKey != "" {
		w.str(`,"idempotencyKey":`, p.IdempotencyKey)
	}
	w.str(`,"kind":`, p.Kind)
	w.str(`,"userId":`, p.UserID)
	if p.InstitutionID != "" {
		w.str(`,"institutionId":`, p.InstitutionID)
	}
	if p.ConnectionID != "" {
		w.str(`,"connectionId":`, p.ConnectionID)
	}
	w.time(`,"startedAt":`, p.StartedAt)
	w.str(`,"jobId":`, p.JobID)
	w.int(`,"n":`, p.N)
	if p.Action != "" {
		w.str(`,"action":`, p.Action)
	}
	w.int(`,"polls":`, p.Polls)
	if p.Retries != 0 {
		w.int(`,"retries":`, p.Retries)
	}
	if p.Steps == nil {
		w.b = append(w.b, `,"steps":null`...)
	} else {
		w.b = append(w.b, `,"steps":[`...)
		for i, o := range p.Steps {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.str(`{"title":`, o.Title)
			w.str(`,"status":`, o.Status)
			w.time(`,"observedAt":`, o.ObservedAt)
			w.b = append(w.b, '}')
		}
		w.b = append(w.b, ']')
	}
	if p.Step != "" {
		w.str(`,"step":`, p.Step)
	}
	w.time(`,"stepSince":`, p.StepSince)
	if !p.StepBy.IsZero() {
		w.time(`,"stepBy":`, p.StepBy)
	}
	w.int(`,"looks":`, p.Looks)
	if !p.LastLook.IsZero() {
		w.time(`,"lastLook":`, p.LastLook)
	}
	if len(p.Prev) > 0 {
		w.b = append(w.b, `,"prev":[`...)
		for i, id := range p.Prev {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.str("", id)
		}
		w.b = append(w.b, ']')
	}
	if p.Shared {
		w.b = append(w.b, `,"shared":true`...)
	}
	if p.MFASent {
		w.b = append(w.b, `,"mfaSent":true`...)
	}
	w.time(`,"deadline":`, p.Deadline)
	if p.Errs != 0 {
		w.int(`,"errs":`, p.Errs)
	}
	w.b = append(w.b, '}')
	return w.b, w.ok
}

// stateWriter appends JSON to b; ok turns false at the first value it
// cannot write as encoding/json would.
type stateWriter struct {
	b  []byte
	ok bool
}

func (w *stateWriter) str(key, v string) {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&':
			w.ok = false // escaped by encoding/json (HTML-safe, invalid UTF-8 replaced)
			return
		}
	}
	w.b = append(w.b, key...)
	w.b = append(w.b, '"')
	w.b = append(w.b, v...)
	w.b = append(w.b, '"')
}

func (w *stateWriter) int(key string, v int) {
	w.b = append(w.b, key...)
	w.b = strconv.AppendInt(w.b, int64(v), 10)
}

func (w *stateWriter) time(key string, t time.Time) {
	w.b = append(w.b, key...)
	w.b = append(w.b, '"')
	var err error
	if w.b, err = t.AppendText(w.b); err != nil {
		w.ok = false
	}
	w.b = append(w.b, '"')
}
