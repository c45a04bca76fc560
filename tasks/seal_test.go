package tasks

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/basiq-worker/basiq-worker/internal/sealing"
	"github.com/basiq-worker/basiq-worker/internal/wire"
)

func TestKeyring_roundTrip(t *testing.T) {
	k := testKeyring(t)
	creds := Credentials{LoginID: "gavinBelson", Password: "hooli2016", SecurityCode: "42", SecondaryLoginID: "x"}
	s, err := k.ring().SealCredentials(sealing.Credentials(creds), "user-1")
	if err != nil {
		t.Fatal(err)
	}
	if s.KeyID != "k1" || bytes.Contains(s.Data, []byte("hooli2016")) {
		t.Fatalf("sealed %+v: want kid k1 and no plaintext", s)
	}
	got, err := k.ring().OpenCredentials(s, "user-1")
	if err != nil {
		t.Fatal(err)
	}
	if Credentials(got) != creds {
		t.Fatalf("got %#v, want %#v", got, creds)
	}
}

func TestKeyring_rotation(t *testing.T) {
	old := testKeyring(t)
	s, err := old.ring().Seal([]byte("secret"), []byte("u"))
	if err != nil {
		t.Fatal(err)
	}
	spec := "k2:" + base64.StdEncoding.EncodeToString(make32(2)) + ",k1:" + base64.RawStdEncoding.EncodeToString(make32(1))
	rotated, err := ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.ring().Open(s, []byte("u")); err != nil || string(got) != "secret" {
		t.Fatalf("open old: got %q, %v", got, err)
	}
	s2, _ := rotated.ring().Seal([]byte("new"), []byte("u"))
	if s2.KeyID != "k2" {
		t.Fatalf("got kid %q, want k2", s2.KeyID)
	}
	if _, err := old.ring().Open(s2, []byte("u")); !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), `"k2"`) {
		t.Fatalf("got %v, want unknown key naming k2", err)
	}
}

func TestKeyring_Open_fails(t *testing.T) {
	k := testKeyring(t)
	s, _ := k.ring().Seal([]byte("secret"), []byte("user-1"))
	tampered := s
	tampered.Data = append([]byte(nil), s.Data...)
	tampered.Data[0] ^= 1
	otherKid := s
	otherKid.KeyID = "nope"
	for name, tc := range map[string]struct {
		s   wire.Sealed
		aad string
	}{
		"tampered":     {tampered, "user-1"},
		"aad mismatch": {s, "user-2"},
		"unknown kid":  {otherKid, "user-1"},
		"short nonce":  {wire.Sealed{KeyID: "k1", Nonce: []byte{1}, Data: s.Data}, "user-1"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := k.ring().Open(tc.s, []byte(tc.aad)); err == nil {
				t.Fatal("got nil error, want failure")
			}
		})
	}
}

func TestParseKeyring_errors(t *testing.T) {
	good := base64.StdEncoding.EncodeToString(make32(7))
	short := base64.StdEncoding.EncodeToString([]byte("short"))
	for _, tc := range []struct{ spec, want string }{
		{"", "entry 1"},
		{good, "entry 1"},
		{"k1:" + short, `"k1": key must be 32 bytes, got 5`},
		{"k1:!!!", `"k1": key is not valid base64`},
		{"k1:" + good + ",k1:" + good, "duplicate"},
		{"k1:" + good + ",:" + good, "entry 2"},
	} {
		_, err := ParseKeyring(tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseKeyring(%q): got %v, want error containing %q", tc.spec, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), good) {
			t.Errorf("error reveals key: %v", err)
		}
	}
}

func TestCredentials_redacted(t *testing.T) {
	c := Credentials{LoginID: "gavin", Password: "hooli2016", SecurityCode: "9876"}
	req := CreateConnection{UserID: "u", Credentials: c}
	for _, s := range []string{
		c.String(), c.GoString(), fmt.Sprint(c), fmt.Sprintf("%v|%+v|%#v|%s|%q|%x", c, c, c, c, c, c),
		fmt.Sprintf("%v %+v %#v", req, req, req), fmt.Sprintf("%v", &c),
	} {
		if strings.Contains(s, "hooli2016") || strings.Contains(s, "9876") {
			t.Errorf("formatted credentials reveal a secret: %s", s)
		}
		if !strings.Contains(s, "gavin") {
			t.Errorf("formatted credentials lost the login id: %s", s)
		}
	}
	if b, err := json.Marshal(req); err == nil || bytes.Contains(b, []byte("hooli")) {
		t.Errorf("json.Marshal: got %s, %v; want an error", b, err)
	}
}

// TestKeyring_MFAAnswers: answers sealed for one job open for that job
// only, not for another job of the same user, nor as the user's other
// sealed values.
func TestKeyring_MFAAnswers(t *testing.T) {
	k := testKeyring(t)
	s, err := k.ring().SealMFAAnswers([]string{"1234"}, "user-1", "job-A")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k.ring().OpenMFAAnswers(s, "user-1", "job-A"); err != nil || len(got) != 1 || got[0] != "1234" {
		t.Fatalf("open for job-A: got %q, %v; want [1234]", got, err)
	}
	for _, tt := range []struct{ user, job string }{
		{"user-1", "job-B"},
		{"user-2", "job-A"},
		{"user-1", ""},
		{"user-1\x00job-A", ""},
	} {
		if got, err := k.ring().OpenMFAAnswers(s, tt.user, tt.job); err == nil {
			t.Errorf("open for user %q job %q: got %q, want an error", tt.user, tt.job, got)
		}
	}
	if got, err := k.ring().OpenStrings(s, "user-1"); err == nil {
		t.Errorf("open with the user id alone: got %q, want an error", got)
	}
	user, _ := k.ring().SealStrings([]string{"1234"}, "user-1")
	if got, err := k.ring().OpenMFAAnswers(user, "user-1", "job-A"); err == nil {
		t.Errorf("strings sealed for the user alone open as job-A's answers: %q", got)
	}
}
