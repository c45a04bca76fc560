package sdk

// A job answer decoded without reflection: a follower reads one per look,
// and encoding/json spent about 6 % of the worker's CPU on them (a
// validity scan of the whole body, then reflection per field). fastJob
// reads the job answers that hold only the fields Job has, spelled as
// its tags; anything else (other fields, escapes, non-ASCII, an MFA
// challenge) goes through encoding/json, so what a Job holds does not
// change.

import (
	"bytes"
	"strconv"
	"time"
)

// zero reports whether j is the zero Job.
func (j *Job) zero() bool {
	return j.Type == "" && j.ID == "" && j.Created == (time.Time{}) && j.Updated == (time.Time{}) &&
		j.Steps == nil && j.Links == (JobLinks{}) && j.Institution == nil
}

// fastJob decodes data into j, a zero Job, when data is in the subset it
// reads; within it the result is json.Unmarshal's (TestFastJob,
// FuzzJobDecode). false: j holds a partial result.
func fastJob(data []byte, j *Job) bool {
	s := scanner{b: data}
	ok := s.object(func(key []byte) bool {
		switch string(key) {
		case "type":
			return s.stringInto(&j.Type)
		case "id":
			return s.stringInto(&j.ID)
		case "created":
			return s.timeInto(&j.Created)
		case "updated":
			return s.timeInto(&j.Updated)
		case "steps":
			if s.null() {
				j.Steps = nil
				return true
			}
			if j.Steps != nil { // a second steps: json.Unmarshal decodes into the first one's items
				return false
			}
			j.Steps = make([]Step, 0, 3)
			return s.array(func() bool {
				var st Step
				ok := s.object(func(key []byte) bool { return s.stepField(&st, key) })
				j.Steps = append(j.Steps, st)
				return ok
			})
		case "links":
			return s.object(func(key []byte) bool {
				switch string(key) {
				case "self":
					return s.stringInto(&j.Links.Self)
				case "source":
					return s.stringInto(&j.Links.Source)
				}
				return false
			})
		}
		return false
	})
	s.ws()
	return ok && s.i == len(s.b)
}

func (s *scanner) stepField(st *Step, key []byte) bool {
	switch string(key) {
	case "title":
		return s.stringInto(&st.Title)
	case "status":
		return s.stringInto(&st.Status)
	case "result":
		if s.null() {
			st.Result = nil
			return true
		}
		if st.Result != nil {
			return false
		}
		r := &StepResult{}
		st.Result = r
		return s.object(func(key []byte) bool {
			switch string(key) {
			case "type":
				return s.stringInto(&r.Type)
			case "url":
				return s.stringInto(&r.URL)
			case "code":
				var c string
				ok := s.stringInto(&c)
				r.Code = ErrorCode(c)
				return ok
			case "title":
				return s.stringInto(&r.Title)
			case "detail":
				return s.stringInto(&r.Detail)
			}
			return false
		})
	}
	return false
}

// scanner reads JSON from b at i: the subset of fastJob.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
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
func (s *scanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// null consumes a null.
func (s *scanner) null() bool {
	s.ws()
	if bytes.HasPrefix(s.b[s.i:], []byte("null")) {
		s.i += 4
		return true
	}
	return false
}

// object reads an object, calling member for each key with the scanner
// at its value.
func (s *scanner) object(member func(key []byte) bool) bool {
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
func (s *scanner) array(item func() bool) bool {
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

// str reads a string without escapes, control or non-ASCII bytes and
// returns its bytes (within b).
func (s *scanner) str() ([]byte, bool) {
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

func (s *scanner) stringInto(dst *string) bool {
	v, ok := s.str()
	if ok {
		*dst = string(v)
	}
	return ok
}

// timeInto reads a time as time.Time's UnmarshalJSON does.
func (s *scanner) timeInto(dst *time.Time) bool {
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

// zero reports whether l is the zero list.
func (l *list[T]) zero() bool { return l.Type == "" && l.Count == 0 && l.Data == nil }

// fastAccountRefs decodes data into l, a zero list, when data is in the
// subset fastJob reads, the accounts' other fields skipped as
// json.Unmarshal skips them: AccountIDs reads one list per job.
func fastAccountRefs(data []byte, l *list[*accountRef]) bool {
	s := scanner{b: data}
	ok := s.object(func(key []byte) bool {
		switch string(key) {
		case "type":
			return s.stringInto(&l.Type)
		case "count":
			return s.intInto(&l.Count)
		case "data":
			if s.null() {
				l.Data = nil
				return true
			}
			if l.Data != nil {
				return false
			}
			l.Data = make([]*accountRef, 0, 4)
			return s.array(func() bool {
				if s.null() {
					l.Data = append(l.Data, nil)
					return true
				}
				a := &accountRef{}
				l.Data = append(l.Data, a)
				return s.object(func(key []byte) bool {
					switch string(key) {
					case "type":
						return s.stringInto(&a.Type)
					case "id":
						return s.stringInto(&a.ID)
					}
					return s.skipUnknown(key, "type", "id")
				})
			})
		}
		return s.skipUnknown(key, "type", "count", "data")
	})
	s.ws()
	return ok && s.i == len(s.b)
}

// skipUnknown skips the value of key, one json.Unmarshal ignores: false
// when key matches one of fields but for case (json.Unmarshal would take
// it) or the value is not valid JSON.
func (s *scanner) skipUnknown(key []byte, fields ...string) bool {
	for _, f := range fields {
		if bytes.EqualFold(key, []byte(f)) {
			return false
		}
	}
	return s.skip(0)
}

// skip skips a valid JSON value, at most 64 levels deep.
func (s *scanner) skip(depth int) bool {
	if depth > 64 {
		return false
	}
	s.ws()
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(func([]byte) bool { return s.skip(depth + 1) })
	case c == '[':
		return s.array(func() bool { return s.skip(depth + 1) })
	case c == '"':
		return s.skipString()
	case c == '-' || (c >= '0' && c <= '9'):
		return s.skipNumber()
	}
	for _, lit := range []string{"true", "false", "null"} {
		if bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
			s.i += len(lit)
			return true
		}
	}
	return false
}

// skipString skips a string, escapes and any bytes from 0x20 up allowed
// (json.Unmarshal replaces invalid UTF-8 rather than fail).
func (s *scanner) skipString() bool {
	s.i++ // the quote
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			s.i++
			if s.i >= len(s.b) {
				return false
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if s.i+4 >= len(s.b) {
					return false
				}
				for _, h := range s.b[s.i+1 : s.i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false
					}
				}
				s.i += 4
			default:
				return false
			}
		}
		s.i++
	}
	return false
}

// skipNumber skips a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) skipNumber() bool {
	if s.b[s.i] == '-' {
		s.i++
	}
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	start := s.i
	n := digits()
	if n == 0 || (n > 1 && s.b[start] == '0') {
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return false
		}
	}
	return true
}

// intInto reads an integer as json.Unmarshal does into an int.
func (s *scanner) intInto(dst *int) bool {
	s.ws()
	start := s.i
	if s.i >= len(s.b) || !(s.b[s.i] == '-' || (s.b[s.i] >= '0' && s.b[s.i] <= '9')) || !s.skipNumber() {
		return false
	}
	v, err := strconv.Atoi(string(s.b[start:s.i]))
	if err != nil { // a fraction, an exponent, out of range
		return false
	}
	*dst = v
	return true
}
