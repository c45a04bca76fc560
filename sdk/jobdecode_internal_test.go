package sdk

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// jobAnswers are job answers: fast says whether fastJob reads them (the
// rest goes through encoding/json).
var jobAnswers = map[string]struct {
	in   string
	fast bool
}{
	"running": {`{"type":"job","id":"j-1","created":"2026-01-02T03:04:05Z","updated":"2026-01-02T03:04:09Z",
 "steps":[
  {"title":"verify-credentials","status":"success","result":{"type":"link","url":"/users/u-1/connections/c-1"}},
  {"title":"retrieve-accounts","status":"in-progress","result":null},
  {"title":"retrieve-transactions","status":"pending","result":null}],
 "links":{"self":"https://au-api.basiq.io/jobs/j-1","source":"https://au-api.basiq.io/users/u-1/connections/c-1"}}`, true},
	"failed":              {`{"type":"job","id":"j","created":"2026-01-02T03:04:05+10:00","updated":"2026-01-02T03:04:05.123Z","steps":[{"title":"verify-credentials","status":"failed","result":{"type":"error","code":"invalid-credentials","title":"Cannot login","detail":"Wrong password"}}],"links":{"self":"/jobs/j"}}`, true},
	"stub":                {`{"type":"job","id":"j-1","links":{"self":".../jobs/ID"}}`, true},
	"no steps":            {`{"type":"job","id":"j","steps":[],"links":{}}`, true},
	"null steps":          {`{"type":"job","id":"j","steps":null}`, true},
	"mfa challenge":       {`{"type":"job","id":"j","steps":[{"title":"mfa-challenge","status":"in-progress","result":{"type":"mfa","method":"token","input":["x"],"expiryMs":120000,"links":{"response":"/jobs/j/mfa"}}}]}`, false},
	"institution":         {`{"type":"job","id":"j","institution":{"type":"institution","id":"AU00000"}}`, false},
	"unknown field":       {`{"type":"job","id":"j","partnerId":"p"}`, false},
	"key of another case": {`{"Type":"job","ID":"j"}`, false},
	"escaped":             {`{"type":"job","id":"j\u002d1"}`, false},
	"non-ASCII":           {`{"type":"job","id":"é"}`, false},
	"bad time":            {`{"type":"job","id":"j","created":"2026-01-02"}`, false},
	"null time":           {`{"type":"job","id":"j","created":null}`, false},
	"null links":          {`{"type":"job","id":"j","links":null}`, false},
	"number id":           {`{"type":"job","id":1}`, false},
	"duplicate result":    {`{"steps":[{"result":{"type":"a","url":"u"},"result":{"type":"b"}}]}`, false},
	"duplicate steps":     {`{"steps":[{"title":"a","status":"s"}],"steps":[{"title":"b"}]}`, false},
	"duplicate links":     {`{"links":{"self":"a"},"links":{"source":"b"}}`, true},
	"trailing garbage":    {`{"type":"job"}]`, false},
	"truncated":           {`{"type":"job","id":"j`, false},
	"white space":         {" { \"type\" : \"job\" ,\n\"id\":\"j\" , \"steps\" : [ { \"title\" : \"t\" , \"result\" : null } ] } ", true},
}

// TestFastJob checks which answers fastJob reads, and that decodeBody
// decodes each as json.Unmarshal does.
func TestFastJob(t *testing.T) {
	for name, c := range jobAnswers {
		t.Run(name, func(t *testing.T) {
			var j Job
			if got := fastJob([]byte(c.in), &j); got != c.fast {
				t.Errorf("fastJob = %v, want %v", got, c.fast)
			}
			sameJob(t, []byte(c.in))
		})
	}
}

// TestDecodeBodyMerges checks that a Job that is not zero (a retried
// attempt decodes into the first one's) is decoded by encoding/json,
// which merges.
func TestDecodeBodyMerges(t *testing.T) {
	j := Job{Type: "job", ID: "old", Steps: []Step{{Title: "a", Status: "s", Result: &StepResult{Type: "link", URL: "u"}}}}
	want := Job{Type: "job", ID: "old", Steps: []Step{{Title: "a", Status: "s", Result: &StepResult{Type: "link", URL: "u"}}}}
	in := []byte(`{"id":"new","steps":[{"status":"t"}]}`)
	if err := decodeBody(in, &j); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(in, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(j, want) {
		t.Errorf("decodeBody = %+v, want %+v", j, want)
	}
}

// sameJob fails t unless decodeBody(b) into a new Job is json.Unmarshal's result.
func sameJob(t *testing.T, b []byte) {
	t.Helper()
	var got, want Job
	gotErr, wantErr := decodeBody(b, &got), json.Unmarshal(b, &want)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("decodeBody(%q): error %v, json.Unmarshal's %v", b, gotErr, wantErr)
	}
	if wantErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeBody(%q)\n= %+v\nwant %+v", b, got, want)
	}
}

func FuzzJobDecode(f *testing.F) {
	for _, c := range jobAnswers {
		f.Add([]byte(c.in))
	}
	f.Fuzz(sameJob)
}

// BenchmarkJobDecode is one look's job answer: decodeBody against encoding/json.
func BenchmarkJobDecode(b *testing.B) {
	in := []byte(jobAnswers["running"].in)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var j Job
			if unexpected(in, &j) != "" {
				b.Fatal("unexpected")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var j Job
			if json.Unmarshal(in, &j) != nil || checkResource(&j) != "" {
				b.Fatal("unexpected")
			}
		}
	})
}

// accountLists are accounts answers: fast says whether fastAccountRefs
// reads them.
var accountLists = map[string]struct {
	in   string
	fast bool
}{
	"accounts":              {`{"type":"list","count":2,"data":[{"type":"account","id":"a-1","accountNo":"123","name":"Savings \u00e9","balance":"10.50","availableFunds":1e2,"class":{"type":"savings","product":"Saver"},"transactionIntervals":[{"from":"2026-01-01","to":"2026-02-01"}],"lastUpdated":null,"open":true,"links":{"self":"/users/u/accounts/a-1"}},{"type":"account","id":"a-2","currency":"AUD","x":[-0.5,0,12.25E-3,false]}],"links":{"self":"/users/u/accounts"}}`, true},
	"empty":                 {`{"type":"list","count":0,"data":[]}`, true},
	"null item":             {`{"type":"list","data":[null,{"type":"account","id":"a"}]}`, true},
	"null data":             {`{"type":"list","data":null}`, true},
	"key of another case":   {`{"type":"list","data":[{"type":"account","ID":"a"}]}`, false},
	"top key of other case": {`{"TYPE":"list","data":[]}`, false},
	"escaped key":           {`{"type":"list","data":[{"i\u0064":"a"}]}`, false},
	"count fraction":        {`{"type":"list","count":1.5,"data":[]}`, false},
	"count overflow":        {`{"type":"list","count":99999999999999999999,"data":[]}`, false},
	"bad skipped number":    {`{"type":"list","data":[{"id":"a","n":01}]}`, false},
	"bad skipped number 2":  {`{"type":"list","data":[{"id":"a","n":1.}]}`, false},
	"bad skipped escape":    {`{"type":"list","data":[{"id":"a","s":"\x"}]}`, false},
	"short skipped unicode": {`{"type":"list","data":[{"id":"a","s":"\u12"}]}`, false},
	"control in skipped":    {"{\"type\":\"list\",\"data\":[{\"id\":\"a\",\"s\":\"a\nb\"}]}", false},
	"invalid UTF-8 skipped": {"{\"type\":\"list\",\"data\":[{\"id\":\"a\",\"s\":\"\xff\"}]}", true},
	"deep skipped":          {`{"type":"list","x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, false},
	"truncated":             {`{"type":"list","data":[{"id":"a"`, false},
	"duplicate data":        {`{"data":[{"id":"a"}],"data":[{"type":"b"}]}`, false},
	"item not an object":    {`{"type":"list","data":["a"]}`, false},
}

// TestFastAccountRefs checks which lists fastAccountRefs reads, and that
// decodeBody decodes each as json.Unmarshal does.
func TestFastAccountRefs(t *testing.T) {
	for name, c := range accountLists {
		t.Run(name, func(t *testing.T) {
			var l list[*accountRef]
			if got := fastAccountRefs([]byte(c.in), &l); got != c.fast {
				t.Errorf("fastAccountRefs = %v, want %v", got, c.fast)
			}
			sameAccountRefs(t, []byte(c.in))
		})
	}
}

func sameAccountRefs(t *testing.T, b []byte) {
	t.Helper()
	var got, want list[*accountRef]
	gotErr, wantErr := decodeBody(b, &got), json.Unmarshal(b, &want)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("decodeBody(%q): error %v, json.Unmarshal's %v", b, gotErr, wantErr)
	}
	if wantErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeBody(%q)\n= %+v\nwant %+v", b, got, want)
	}
}

func FuzzAccountRefsDecode(f *testing.F) {
	for _, c := range accountLists {
		f.Add([]byte(c.in))
	}
	f.Fuzz(sameAccountRefs)
}

// BenchmarkAccountRefsDecode is one job's accounts list: decodeBody
// against encoding/json.
func BenchmarkAccountRefsDecode(b *testing.B) {
	in := []byte(accountLists["accounts"].in)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var l list[*accountRef]
			if unexpected(in, &l) != "" {
				b.Fatal("unexpected")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var l list[*accountRef]
			if json.Unmarshal(in, &l) != nil || l.check() != "" {
				b.Fatal("unexpected")
			}
		}
	})
}
