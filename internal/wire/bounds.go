package wire

import (
	"fmt"
	"regexp"

	"github.com/basiq-worker/basiq-worker/internal/clip"
)

// Bounds of the values in payloads and requests. A task is whatever its
// enqueuer wrote; these are checked by Decode (the worker side) and by
// tasks.Client before it enqueues, so an out-of-bounds value is refused with a
// clear error instead of being logged on every line, stored in the results
// stream and sent to Basiq in a URL.
const (
	// MaxIDLen bounds user, connection and job ids. Basiq's ids are UUIDs
	// (36 characters) or shorter hex strings.
	MaxIDLen = 64
	// MaxIdempotencyKeyLen bounds idempotency keys (the task id is
	// "<type>:<key>").
	MaxIdempotencyKeyLen = 128
	// MaxCredentialLen bounds each credential field (login id, password,
	// security code, secondary login id) and each MFA answer.
	MaxCredentialLen = 512
	// MaxSealedLen bounds the ciphertext of a sealed value.
	MaxSealedLen = 8 << 10
	// maxKeyIDLen bounds a sealed value's key id.
	maxKeyIDLen = 64
	// shown is how much of a bad value an error quotes.
	shown = 16
)

// InstitutionIDPattern is the shape of a Basiq institution id, e.g. AU00000.
var InstitutionIDPattern = regexp.MustCompile(`^[A-Z]{2}[0-9]{5}$`)

// idByte reports whether c may appear in an id: letters, digits, '-' and
// '_'. Ids go into URL paths and Redis keys, so no '/', '.', ':' or space.
func idByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// keyByte reports whether c may appear in an idempotency key or a key id:
// printable ASCII other than space.
func keyByte(c byte) bool { return c > ' ' && c < 0x7f }

// quoted is a bounded, quoted copy of a bad value for an error message.
func quoted(v string) string { return clip.Quote(v, shown) }

// checkChars checks the length and bytes of an optional value.
func checkChars(field, v string, maxLen int, ok func(byte) bool, want string) error {
	if len(v) > maxLen {
		return fmt.Errorf("field %s: %d bytes, longer than %d (starts %s)", field, len(v), maxLen, quoted(v))
	}
	for i := 0; i < len(v); i++ {
		if !ok(v[i]) {
			return fmt.Errorf("field %s: byte %q at offset %d is not allowed (want %s) in %s", field, v[i], i, want, quoted(v))
		}
	}
	return nil
}

// ValidateID returns an error naming field (and quoting at most a few bytes
// of id) when id is empty, longer than MaxIDLen, or holds a byte other than
// ASCII letters, digits, '-' and '_'. It is the check Decode applies to the
// user, connection and job ids of the payloads of this package, for the
// payloads that other packages define and for tasks' requests.
func ValidateID(field, id string) error {
	return FirstErr(Required(field, id), checkChars(field, id, MaxIDLen, idByte, "letters, digits, '-' and '_'"))
}

// OptionalInstitution checks an institution id that may be empty.
func OptionalInstitution(field, v string) error {
	if v == "" || InstitutionIDPattern.MatchString(v) {
		return nil
	}
	if len(v) > MaxIDLen {
		return fmt.Errorf("field %s: %d bytes, want a Basiq institution id like AU00000 (starts %s)", field, len(v), quoted(v))
	}
	return fmt.Errorf("field %s: %s is not a Basiq institution id (want two capital letters and five digits, like AU00000)", field, quoted(v))
}

// RequiredInstitution checks an institution id that must be present.
func RequiredInstitution(field, v string) error {
	return FirstErr(Required(field, v), OptionalInstitution(field, v))
}

// CheckIdempotencyKey checks an optional idempotency key.
func CheckIdempotencyKey(field, v string) error {
	return checkChars(field, v, MaxIdempotencyKeyLen, keyByte, "printable ASCII without spaces")
}

// checkSealed checks the size of a sealed value that must be present.
func checkSealed(field string, s Sealed) error {
	switch {
	case s.KeyID == "" || len(s.Nonce) == 0 || len(s.Data) == 0:
		return fmt.Errorf("field %s: required sealed value (kid, nonce, data)", field)
	case len(s.Data) > MaxSealedLen:
		return fmt.Errorf("field %s: sealed data of %d bytes, longer than %d", field, len(s.Data), MaxSealedLen)
	case len(s.Nonce) > 32:
		return fmt.Errorf("field %s: nonce of %d bytes, longer than 32", field, len(s.Nonce))
	}
	return checkChars(field+".kid", s.KeyID, maxKeyIDLen, keyByte, "printable ASCII without spaces")
}
