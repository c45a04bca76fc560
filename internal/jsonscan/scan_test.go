package jsonscan

import (
	"encoding/json"
	"testing"
	"time"
)

// TestScanner: each reader accepts what json.Unmarshal decodes to the
// same value within the subset, and refuses the rest (the caller then
// falls back to encoding/json).
func TestScanner(t *testing.T) {
	for _, tc := range []struct {
		in   string
		read func(s *Scanner) (any, bool)
		ok   bool
	}{
		{` "abc" `, str, true},
		{`"a\"b"`, str, false},   // an escape
		{`"é"`, str, false},      // non-ASCII
		{"\"a\tb\"", str, false}, // a control byte
		{`12`, integer, true},
		{`-0`, integer, true},
		{`012`, integer, false},
		{`1.5`, integer, false},
		{`1e3`, integer, false},
		{`-`, integer, false},
		{`true`, boolean, true},
		{`nul`, boolean, false},
		{`"2026-12-02T13:00:00.123Z"`, when, true},
		{`"yesterday"`, when, false},
		{`{"a":[1,{"b":null}],"c":"\u00e9"}`, skip, true},
		{`{"a":01}`, skip, false},
		{`[1,2`, skip, false},
	} {
		s := New([]byte(tc.in))
		got, ok := tc.read(s)
		ok = ok && s.End()
		if ok != tc.ok {
			t.Errorf("%s: ok = %v, want %v", tc.in, ok, tc.ok)
			continue
		}
		if !ok || got == nil {
			continue
		}
		want := zeroOf(got)
		if err := json.Unmarshal([]byte(tc.in), want); err != nil {
			t.Errorf("%s: json.Unmarshal: %v", tc.in, err)
			continue
		}
		if g, w := mustJSON(got), mustJSON(want); g != w {
			t.Errorf("%s: read %s, json.Unmarshal %s", tc.in, g, w)
		}
	}
}

// TestScanner_objectAndArray: Object hands each key to member with the
// scanner at its value; Array calls item per element; End refuses
// trailing bytes.
func TestScanner_objectAndArray(t *testing.T) {
	s := New([]byte(` {"n": 3, "xs": ["a","b"], "skip": {"deep": [true]}} `))
	var n int
	var xs []string
	ok := s.Object(func(key []byte) bool {
		switch string(key) {
		case "n":
			return s.Int(&n)
		case "xs":
			return s.Array(func() bool {
				var x string
				ok := s.String(&x)
				xs = append(xs, x)
				return ok
			})
		}
		return s.SkipUnknown(key, "n", "xs")
	})
	if !ok || !s.End() || n != 3 || len(xs) != 2 || xs[1] != "b" {
		t.Fatalf("ok %v, n %d, xs %v", ok, n, xs)
	}
	if s := New([]byte(`{"N": 1}`)); s.Object(func(key []byte) bool { return s.SkipUnknown(key, "n") }) {
		t.Error(`SkipUnknown took "N": json.Unmarshal would decode it into "n"`)
	}
	if s := New([]byte(`{} x`)); !s.Object(func([]byte) bool { return false }) || s.End() {
		t.Error("End accepted trailing bytes")
	}
}

func str(s *Scanner) (any, bool) {
	var v string
	ok := s.String(&v)
	return &v, ok
}

func integer(s *Scanner) (any, bool) {
	var v int
	ok := s.Int(&v)
	return &v, ok
}

func boolean(s *Scanner) (any, bool) {
	var v bool
	ok := s.Bool(&v)
	return &v, ok
}

func when(s *Scanner) (any, bool) {
	var v time.Time
	ok := s.Time(&v)
	return &v, ok
}

func skip(s *Scanner) (any, bool) { return nil, s.Skip() }

func zeroOf(v any) any {
	switch v.(type) {
	case *string:
		return new(string)
	case *int:
		return new(int)
	case *bool:
		return new(bool)
	case *time.Time:
		return new(time.Time)
	}
	return nil
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
