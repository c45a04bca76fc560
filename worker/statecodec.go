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
	"bytes"
	"encoding/json"
	"strconv"
	"time"

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
	s := stateScanner{b: b}
	if !s.object(func(key []byte) bool { return s.field(p, key) }) {
		return false
	}
	s.ws()
	return s.i == len(s.b)
}

// stateScanner reads JSON from b at i.
type stateScanner struct {
	b []byte
	i int
}

func (s *stateScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next skips white space and consumes c.
func (s *stateScanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// object reads an object, calling member for each key with the scanner
// at its value.
func (s *stateScanner) object(member func(key []byte) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		key, ok := s.str()
		if !ok || !s.next(':') || !member(key) {
			return false
		}
		if s.next('}') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// array reads an array, calling item for each element.
func (s *stateScanner) array(item func() bool) bool {
	if !s.next('[') {
		return false
	}
	if s.next(']') {
		return true
	}
	for {
		if !item() {
			return false
		}
		if s.next(']') {
			return true
		}
		if !s.next(',') {
			return false
		}
	}
}

// str reads a string of the subset and returns its bytes (within b).
func (s *stateScanner) str() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
		s.i++
	}
	return nil, false
}

func (s *stateScanner) stringInto(dst *string) bool {
	v, ok := s.str()
	if ok {
		*dst = string(v)
	}
	return ok
}

// intInto reads an integer as json.Unmarshal does into an int: digits
// with an optional minus, no fraction or exponent.
func (s *stateScanner) intInto(dst *int) bool {
	s.ws()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	digits := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	n := s.i - digits
	if n == 0 || (n > 1 && s.b[digits] == '0') {
		return false
	}
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case '.', 'e', 'E':
			return false
		}
	}
	v, err := strconv.Atoi(string(s.b[start:s.i]))
	if err != nil {
		return false
	}
	*dst = v
	return true
}

// null consumes a null.
func (s *stateScanner) null() bool {
	s.ws()
	if bytes.HasPrefix(s.b[s.i:], []byte("null")) {
		s.i += 4
		return true
	}
	return false
}

func (s *stateScanner) boolInto(dst *bool) bool {
	s.ws()
	switch {
	case bytes.HasPrefix(s.b[s.i:], []byte("true")):
		*dst, s.i = true, s.i+4
	case bytes.HasPrefix(s.b[s.i:], []byte("false")):
		*dst, s.i = false, s.i+5
	default:
		return false
	}
	return true
}

// timeInto reads a time as time.Time's UnmarshalJSON does.
func (s *stateScanner) timeInto(dst *time.Time) bool {
	s.ws()
	start := s.i
	if _, ok := s.str(); !ok {
		return false
	}
	var t time.Time
	if t.UnmarshalJSON(s.b[start:s.i]) != nil {
		return false
	}
	*dst = t
	return true
}

// field reads the value of key into p.
func (s *stateScanner) field(p *pollPayload, key []byte) bool {
	switch string(key) {
	case "v":
		return s.intInto(&p.V)
	case "taskId":
		return s.stringInto(&p.TaskID)
	case "idempotencyKey":
		return s.stringInto(&p.IdempotencyKey)
	case "kind":
		return s.stringInto(&p.Kind)
	case "userId":
		return s.stringInto(&p.UserID)
	case "institutionId":
		return s.stringInto(&p.InstitutionID)
	case "connectionId":
		return s.stringInto(&p.ConnectionID)
	case "startedAt":
		return s.timeInto(&p.StartedAt)
	case "jobId":
		return s.stringInto(&p.JobID)
	case "n":
		return s.intInto(&p.N)
	case "action":
		return s.stringInto(&p.Action)
	case "polls":
		return s.intInto(&p.Polls)
	case "retries":
		return s.intInto(&p.Retries)
	case "steps":
		if s.null() { // as the worker writes a chain without steps yet
			p.Steps = nil
			return true
		}
		if p.Steps != nil { // a second steps: json.Unmarshal decodes into the first one's items
			return false
		}
		p.Steps = make([]tasks.StepObservation, 0, 4)
		return s.array(func() bool {
			var o tasks.StepObservation
			ok := s.object(func(key []byte) bool {
				switch string(key) {
				case "title":
					return s.stringInto(&o.Title)
				case "status":
					return s.stringInto(&o.Status)
				case "observedAt":
					return s.timeInto(&o.ObservedAt)
				}
				return false
			})
			p.Steps = append(p.Steps, o)
			return ok
		})
	case "step":
		return s.stringInto(&p.Step)
	case "stepSince":
		return s.timeInto(&p.StepSince)
	case "stepBy":
		return s.timeInto(&p.StepBy)
	case "looks":
		return s.intInto(&p.Looks)
	case "lastLook":
		return s.timeInto(&p.LastLook)
	case "prev":
		if s.null() {
			p.Prev = nil
			return true
		}
		if p.Prev != nil {
			return false
		}
		p.Prev = make([]string, 0, 1)
		return s.array(func() bool {
			var id string
			ok := s.stringInto(&id)
			p.Prev = append(p.Prev, id)
			return ok
		})
	case "shared":
		return s.boolInto(&p.Shared)
	case "mfaSent":
		return s.boolInto(&p.MFASent)
	case "deadline":
		return s.timeInto(&p.Deadline)
	case "errs":
		return s.intInto(&p.Errs)
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
