package httpapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// FuzzDecodeBodies feeds arbitrary bytes to the decoders of every request
// body: they never panic; a refusal is a 400 or 413 problem naming a
// field, that never quotes a credential or an answer; an accepted body
// encodes and decodes back to the same value.
func FuzzDecodeBodies(f *testing.F) {
	for _, seed := range []string{
		`{"userId":"u-1","institutionId":"AU00000","credentials":{"loginId":"l","password":"hooli2016"}}`,
		`{"userId":"u-1","answers":["1234"]}`, `{"userId":"u-1","jobIds":["j-1","j-2"]}`,
		`{"userId":5}`, `{"credentials":{"password":7}}`, `{"x":1}`, `[]`, `{}`, ``, `{"userId":"u"}{}`,
		`{"userId":"\u0000"}`, `{"credentials":{"password":"secret-pw"},"bogus":`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var cc createConnectionBody
		checkDecode(t, data, &cc, func() { _ = cc.validate() }, secretsOf(data, "password", "securityCode"))
		var mb mfaBody
		checkDecode(t, data, &mb, func() { _ = mb.validate() }, secretsOf(data, "answers"))
		var fb followBody
		checkDecode(t, data, &fb, func() { _ = fb.validate() }, nil)
	})
}

func checkDecode[T any](t *testing.T, data []byte, dst *T, validate func(), secrets []string) {
	t.Helper()
	p := decodeJSON(bytes.NewReader(data), DefaultMaxBody, dst)
	if p == nil {
		validate()
		b, err := json.Marshal(dst)
		if err != nil {
			t.Fatalf("accepted body does not encode: %v", err)
		}
		var again T
		if q := decodeJSON(bytes.NewReader(b), DefaultMaxBody, &again); q != nil || !reflect.DeepEqual(*dst, again) {
			t.Fatalf("accepted body %q does not round-trip: %+v, %+v vs %+v", data, q, *dst, again)
		}
		return
	}
	if p.Status != 400 && p.Status != 413 {
		t.Fatalf("status %d for %q", p.Status, data)
	}
	if p.Status == 400 && (len(p.InvalidParams) == 0 || p.InvalidParams[0].Name == "") {
		t.Fatalf("400 without a named field for %q: %+v", data, p)
	}
	out, _ := json.Marshal(p)
	for _, s := range secrets {
		if len(s) >= 4 && strings.Contains(string(out), s) {
			t.Fatalf("problem %s quotes the secret %q", out, s)
		}
	}
}

// secretsOf returns the string values under keys (at any depth) of data,
// when it is JSON at all.
func secretsOf(data []byte, keys ...string) []string {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any, bool)
	walk = func(v any, secret bool) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(e, secret || contains(keys, k))
			}
		case []any:
			for _, e := range x {
				walk(e, secret)
			}
		case string:
			if secret {
				out = append(out, x)
			}
		}
	}
	walk(v, false)
	return out
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
