package worker

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
)

// statePayloads are poll states as the follower stores them.
func statePayloads() map[string]pollPayload {
	at := time.Date(2026, 12, 2, 12, 30, 1, 123456789, time.UTC)
	syd := time.FixedZone("AEDT", 11*3600)
	full := pollPayload{V: 1,
		work: work{TaskID: "task-1", IdempotencyKey: "key-1", Kind: "connection:create", UserID: "u-1",
			InstitutionID: "AU00000", ConnectionID: "c-1", StartedAt: at},
		chain: chain{JobID: "j-1", N: 7, Action: actionRefresh, Polls: 12, Retries: 2,
			Steps: []tasks.StepObservation{{Title: "verify-credentials", Status: "success", ObservedAt: at.Add(time.Second)},
				{Title: "retrieve-accounts", Status: "in-progress", ObservedAt: at.Add(2 * time.Second).In(syd)}},
			Step: "retrieve-accounts", StepSince: at, StepBy: at.Add(time.Millisecond), Looks: 3, LastLook: at.Add(3 * time.Second),
			Prev: []string{"j-0", "j-00"}, Shared: true, MFASent: true, Deadline: at.Add(time.Hour), Errs: 4},
	}
	return map[string]pollPayload{
		"full":       full,
		"first look": {V: 1, work: work{TaskID: "t", Kind: "connection:create", UserID: "u", StartedAt: at}, chain: chain{JobID: "j", N: 1, StepSince: at, Deadline: at}},
		"no steps":   {V: 1, chain: chain{Steps: []tasks.StepObservation{}, Prev: []string{}}},
		"zero":       {},
		"negative":   {V: -1, chain: chain{N: -12, Polls: -9223372036854775808}},
	}
}

// TestFastState checks that the states the follower writes take the fast
// path and decode as json.Unmarshal decodes them.
func TestFastState(t *testing.T) {
	for name, p := range statePayloads() {
		t.Run(name, func(t *testing.T) {
			b, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			var fast pollPayload
			if !fastState(b, &fast) {
				t.Fatalf("fastState(%s) = false, want the fast path", b)
			}
			var want pollPayload
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fast, want) {
				t.Errorf("fastState(%s)\n= %+v\nwant %+v", b, fast, want)
			}
		})
	}
}

// stateInputs are stored states outside what the worker writes, or of
// other versions: each must decode (or fail) as json.Unmarshal does.
var stateInputs = map[string]struct {
	in   string
	fast bool // takes the fast path
}{
	"an older worker's state (no stepBy, lastLook)": {`{"v":1,"taskId":"t","kind":"connection:create","userId":"u","startedAt":"2026-11-01T10:00:00Z","jobId":"j","n":3,"polls":2,"steps":[{"title":"verify-credentials","status":"success","observedAt":"2026-11-01T10:00:01.5+11:00"}],"step":"retrieve-accounts","stepSince":"2026-11-01T10:00:01Z","looks":1,"deadline":"2026-11-01T11:00:00Z"}`, true},
	"white space":         {" {\n\t\"v\" : 1 , \"jobId\" : \"j\" , \"steps\" : [ ] , \"prev\" : [ \"a\" , \"b\" ] , \"shared\" : true } \r\n", true},
	"empty object":        {`{}`, true},
	"escaped string":      {`{"v":1,"taskId":"t\"1\u00e9"}`, false},
	"non-ASCII string":    {`{"taskId":"tâche"}`, false},
	"invalid UTF-8":       {"{\"taskId\":\"t\xff\"}", false},
	"null field":          {`{"jobId":null,"steps":null}`, false},
	"unknown field":       {`{"v":1,"future":{"x":[1,2]}}`, false},
	"key of another case": {`{"JOBID":"j"}`, false},
	"fraction":            {`{"n":1.0}`, false},
	"exponent":            {`{"n":1e3}`, false},
	"int overflow":        {`{"n":9223372036854775808}`, false},
	"leading zero":        {`{"n":01}`, false},
	"string for int":      {`{"n":"1"}`, false},
	"bad time":            {`{"deadline":"yesterday"}`, false},
	"time not a string":   {`{"deadline":1}`, false},
	"duplicate key":       {`{"jobId":"a","jobId":"b"}`, true},
	"duplicate steps":     {`{"steps":[{"title":"a","status":"x"}],"steps":[{"title":"b"}]}`, false},
	"trailing garbage":    {`{"v":1}x`, false},
	"two objects":         {`{"v":1}{"v":2}`, false},
	"truncated":           {`{"v":1,"jobId":"j`, false},
	"missing comma":       {`{"v":1 "n":2}`, false},
	"trailing comma":      {`{"v":1,}`, false},
	"not an object":       {`[1]`, false},
	"bool misspelt":       {`{"shared":tru}`, false},
	"bool then garbage":   {`{"shared":truex}`, false},
	"control char":        {"{\"taskId\":\"a\tb\"}", false},
	"step with extra key": {`{"steps":[{"title":"a","status":"b","result":1}]}`, false},
	"step not an object":  {`{"steps":["a"]}`, false},
	"empty input":         {``, false},
	"minus zero":          {`{"n":-0}`, true},
	"lone minus":          {`{"n":-}`, false},
}

// TestUnmarshalState checks unmarshalState against json.Unmarshal on
// input the worker does not write, and which of it takes the fast path.
func TestUnmarshalState(t *testing.T) {
	for name, c := range stateInputs {
		t.Run(name, func(t *testing.T) {
			var scratch pollPayload
			if got := fastState([]byte(c.in), &scratch); got != c.fast {
				t.Errorf("fastState(%s) = %v, want %v", c.in, got, c.fast)
			}
			sameAsJSON(t, []byte(c.in))
		})
	}
}

// sameAsJSON fails t unless unmarshalState(b) is json.Unmarshal's result.
func sameAsJSON(t *testing.T, b []byte) {
	t.Helper()
	got, gotErr := unmarshalState(b)
	var want pollPayload
	wantErr := json.Unmarshal(b, &want)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("unmarshalState(%q): error %v, json.Unmarshal's %v", b, gotErr, wantErr)
	}
	if wantErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("unmarshalState(%q)\n= %+v\nwant %+v", b, got, want)
	}
}

func FuzzUnmarshalState(f *testing.F) {
	for _, p := range statePayloads() {
		b, _ := json.Marshal(p)
		f.Add(b)
	}
	for _, c := range stateInputs {
		f.Add([]byte(c.in))
	}
	f.Fuzz(sameAsJSON)
}

// BenchmarkDecodeState is the decode of one look's state: the fast path
// against encoding/json.
func BenchmarkDecodeState(b *testing.B) {
	p := statePayloads()["full"]
	p.Shared, p.Action, p.Prev = false, "", nil
	state, _ := json.Marshal(p)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeState(state); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var q pollPayload
			if err := json.Unmarshal(state, &q); err != nil || q.Validate() != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestMarshalState checks marshalState's bytes against json.Marshal's.
func TestMarshalState(t *testing.T) {
	cases := statePayloads()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	escaped := cases["full"]
	escaped.TaskID, escaped.Steps = `t"<&>\`+"\n\u2028é\xff", []tasks.StepObservation{{Title: "a<b", ObservedAt: at}}
	cases["escaped strings"] = escaped
	cases["odd zone"] = pollPayload{V: 1, chain: chain{Deadline: at.In(time.FixedZone("", -(9*3600 + 30*60 + 15)))}}
	cases["year out of range"] = pollPayload{V: 1, chain: chain{Deadline: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}
	cases["zone out of range"] = pollPayload{V: 1, chain: chain{Deadline: at.In(time.FixedZone("", 24*3600))}}
	cases["prev empty"] = pollPayload{V: 1, chain: chain{Prev: []string{}, Steps: []tasks.StepObservation{}}}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			got, gotErr := marshalState(p)
			want, wantErr := json.Marshal(p)
			if (gotErr == nil) != (wantErr == nil) || string(got) != string(want) {
				t.Errorf("marshalState = %s, %v\njson.Marshal = %s, %v", got, gotErr, want, wantErr)
			}
		})
	}
}

func FuzzMarshalState(f *testing.F) {
	f.Add("t", "j", "s", "u", int64(0), 1)
	f.Add(`a"<`, "\xff", "\u2028", "", int64(-1)<<62, -3)
	f.Fuzz(func(t *testing.T, task, job, step, prev string, unixNano int64, n int) {
		at := time.Unix(0, unixNano).In(time.FixedZone("", n%100*900))
		p := pollPayload{V: n, work: work{TaskID: task, StartedAt: at}, chain: chain{JobID: job, N: n, Step: step, Prev: []string{prev},
			Steps: []tasks.StepObservation{{Title: step, Status: task, ObservedAt: at}}, StepBy: at, Deadline: at, Errs: n}}
		got, gotErr := marshalState(p)
		want, wantErr := json.Marshal(p)
		if (gotErr == nil) != (wantErr == nil) || string(got) != string(want) {
			t.Fatalf("marshalState = %s, %v\njson.Marshal = %s, %v", got, gotErr, want, wantErr)
		}
		if gotErr == nil {
			sameAsJSON(t, got) // and what it writes decodes as encoding/json decodes it
		}
	})
}

// BenchmarkEncodeState is the encode of one look's new state.
func BenchmarkEncodeState(b *testing.B) {
	p := statePayloads()["full"]
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = mustJSON(p)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
