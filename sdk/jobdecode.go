package sdk

// A job answer decoded without reflection: a follower reads one per look,
// and encoding/json spent about 6 % of the worker's CPU on them (a
// validity scan of the whole body, then reflection per field). fastJob
// reads the job answers that hold only the fields Job has, spelled as
// its tags; anything else (other fields, escapes, non-ASCII, an MFA
// challenge) goes through encoding/json, so what a Job holds does not
// change.

import (
	"time"

	"github.com/basiq-worker/basiq-worker/internal/jsonscan"
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
	s := jsonscan.New(data)
	ok := s.Object(func(key []byte) bool {
		switch string(key) {
		case "type":
			return s.String(&j.Type)
		case "id":
			return s.String(&j.ID)
		case "created":
			return s.Time(&j.Created)
		case "updated":
			return s.Time(&j.Updated)
		case "steps":
			if s.Null() {
				j.Steps = nil
				return true
			}
			if j.Steps != nil { // a second steps: json.Unmarshal decodes into the first one's items
				return false
			}
			j.Steps = make([]Step, 0, 3)
			return s.Array(func() bool {
				var st Step
				ok := s.Object(func(key []byte) bool { return stepField(s, &st, key) })
				j.Steps = append(j.Steps, st)
				return ok
			})
		case "links":
			return s.Object(func(key []byte) bool {
				switch string(key) {
				case "self":
					return s.String(&j.Links.Self)
				case "source":
					return s.String(&j.Links.Source)
				}
				return false
			})
		}
		return false
	})
	return ok && s.End()
}

func stepField(s *jsonscan.Scanner, st *Step, key []byte) bool {
	switch string(key) {
	case "title":
		return s.String(&st.Title)
	case "status":
		return s.String(&st.Status)
	case "result":
		if s.Null() {
			st.Result = nil
			return true
		}
		if st.Result != nil {
			return false
		}
		r := &StepResult{}
		st.Result = r
		return s.Object(func(key []byte) bool {
			switch string(key) {
			case "type":
				return s.String(&r.Type)
			case "url":
				return s.String(&r.URL)
			case "code":
				var c string
				ok := s.String(&c)
				r.Code = ErrorCode(c)
				return ok
			case "title":
				return s.String(&r.Title)
			case "detail":
				return s.String(&r.Detail)
			}
			return false
		})
	}
	return false
}

// zero reports whether l is the zero list.
func (l *list[T]) zero() bool { return l.Type == "" && l.Count == 0 && l.Data == nil }

// fastAccountRefs decodes data into l, a zero list, when data is in the
// subset fastJob reads, the accounts' other fields skipped as
// json.Unmarshal skips them: AccountIDs reads one list per job.
func fastAccountRefs(data []byte, l *list[*accountRef]) bool {
	s := jsonscan.New(data)
	ok := s.Object(func(key []byte) bool {
		switch string(key) {
		case "type":
			return s.String(&l.Type)
		case "count":
			return s.Int(&l.Count)
		case "data":
			if s.Null() {
				l.Data = nil
				return true
			}
			if l.Data != nil {
				return false
			}
			l.Data = make([]*accountRef, 0, 4)
			return s.Array(func() bool {
				if s.Null() {
					l.Data = append(l.Data, nil)
					return true
				}
				a := &accountRef{}
				l.Data = append(l.Data, a)
				return s.Object(func(key []byte) bool {
					switch string(key) {
					case "type":
						return s.String(&a.Type)
					case "id":
						return s.String(&a.ID)
					}
					return s.SkipUnknown(key, "type", "id")
				})
			})
		}
		return s.SkipUnknown(key, "type", "count", "data")
	})
	return ok && s.End()
}
