package tasks

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/basiq-worker/basiq-worker/internal/wire"
)

// Keyring holds the AES-256 keys used to seal secrets into task payloads.
// The current key seals; every key opens, so keys can be rotated: put the new
// key first and keep the old ones until no task sealed with them remains.
// A Keyring is safe for concurrent use.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
}

// ParseKeyring parses "kid1:BASE64KEY,kid2:BASE64KEY" (standard or raw, padded
// or URL-safe base64 of 32 bytes). The first key is the current one. Errors
// name the entry that is wrong, never the key material.
func ParseKeyring(spec string) (*Keyring, error) {
	keys := map[string][]byte{}
	current := ""
	for i, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		kid, b64, ok := strings.Cut(entry, ":")
		kid = strings.TrimSpace(kid)
		if !ok || kid == "" {
			return nil, fmt.Errorf("keyring entry %d: want kid:base64key", i+1)
		}
		key, err := decodeKey(strings.TrimSpace(b64))
		if err != nil {
			return nil, fmt.Errorf("keyring key %q: %v", kid, err)
		}
		if _, dup := keys[kid]; dup {
			return nil, fmt.Errorf("keyring key %q: duplicate key id", kid)
		}
		keys[kid] = key
		if current == "" {
			current = kid
		}
	}
	return NewKeyring(current, keys)
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			if len(key) != KeySize {
				return nil, fmt.Errorf("key must be %d bytes, got %d", KeySize, len(key))
			}
			return key, nil
		}
	}
	return nil, errors.New("key is not valid base64")
}

// NewKeyring returns a keyring sealing with keys[current] and opening with any key.
func NewKeyring(current string, keys map[string][]byte) (*Keyring, error) {
	if current == "" {
		return nil, errors.New("keyring: empty current key id")
	}
	if _, ok := keys[current]; !ok {
		return nil, fmt.Errorf("keyring: current key %q not in keys", current)
	}
	k := &Keyring{current: current, aeads: make(map[string]cipher.AEAD, len(keys))}
	for kid, key := range keys {
		if kid == "" || strings.ContainsAny(kid, ":,") {
			return nil, fmt.Errorf("keyring: invalid key id %q", kid)
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("keyring key %q: key must be %d bytes, got %d", kid, KeySize, len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("keyring key %q: %v", kid, err)
		}
		if k.aeads[kid], err = cipher.NewGCM(block); err != nil {
			return nil, fmt.Errorf("keyring key %q: %v", kid, err)
		}
	}
	return k, nil
}

// CurrentKeyID returns the id of the key that seals.
func (k *Keyring) CurrentKeyID() string { return k.current }

// String names the current key id only.
func (k *Keyring) String() string {
	return fmt.Sprintf("Keyring{current:%s keys:%d}", k.current, len(k.aeads))
}

// Seal encrypts plaintext with the current key; aad must be given again to Open.
func (k *Keyring) Seal(plaintext, aad []byte) (wire.Sealed, error) {
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return wire.Sealed{}, fmt.Errorf("seal: %w", err)
	}
	return wire.Sealed{KeyID: k.current, Nonce: nonce, Data: aead.Seal(nil, nonce, plaintext, k.aad(k.current, aad))}, nil
}

// Open decrypts s with the key it names. It fails for an unknown key id
// (wrapping ErrUnknownKey), tampered data or a different aad.
func (k *Keyring) Open(s wire.Sealed, aad []byte) ([]byte, error) {
	aead, ok := k.aeads[s.KeyID]
	if !ok {
		return nil, fmt.Errorf("open: key id %q: %w", s.KeyID, ErrUnknownKey)
	}
	if len(s.Nonce) != aead.NonceSize() {
		return nil, fmt.Errorf("open: nonce must be %d bytes, got %d", aead.NonceSize(), len(s.Nonce))
	}
	out, err := aead.Open(nil, s.Nonce, s.Data, k.aad(s.KeyID, aad))
	if err != nil {
		return nil, fmt.Errorf("open with key %q: message authentication failed (wrong key, aad or tampered data)", s.KeyID)
	}
	return out, nil
}

// aad binds the ciphertext to its key id as well as to the caller's data.
func (k *Keyring) aad(kid string, aad []byte) []byte {
	return append([]byte(kid+"\x00"), aad...)
}

type sealedCredentials struct {
	LoginID          string `json:"loginId"`
	Password         string `json:"password"`
	SecurityCode     string `json:"securityCode,omitempty"`
	SecondaryLoginID string `json:"secondaryLoginId,omitempty"`
}

// SealCredentials seals c bound to aad (use the user id).
func (k *Keyring) SealCredentials(c Credentials, aad string) (wire.Sealed, error) {
	b, err := json.Marshal(sealedCredentials(c))
	if err != nil {
		return wire.Sealed{}, fmt.Errorf("seal credentials: %w", err)
	}
	return k.Seal(b, []byte(aad))
}

// OpenCredentials opens credentials sealed by SealCredentials with the same
// aad. Fields longer than MaxCredentialLen are refused (by size, never quoted).
func (k *Keyring) OpenCredentials(s wire.Sealed, aad string) (Credentials, error) {
	b, err := k.Open(s, []byte(aad))
	if err != nil {
		return Credentials{}, err
	}
	var c sealedCredentials
	if err := json.Unmarshal(b, &c); err != nil {
		return Credentials{}, fmt.Errorf("open credentials: %w", err)
	}
	if err := checkCredentials("", Credentials(c)); err != nil {
		return Credentials{}, fmt.Errorf("open credentials: %w", err)
	}
	return Credentials(c), nil
}

// SealStrings seals a list of strings (MFA answers) bound to aad.
func (k *Keyring) SealStrings(v []string, aad string) (wire.Sealed, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return wire.Sealed{}, fmt.Errorf("seal: %w", err)
	}
	return k.Seal(b, []byte(aad))
}

// OpenStrings opens a list sealed by SealStrings with the same aad.
func (k *Keyring) OpenStrings(s wire.Sealed, aad string) ([]string, error) {
	b, err := k.Open(s, []byte(aad))
	if err != nil {
		return nil, err
	}
	var v []string
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	if err := checkAnswers("answers", v); err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	return v, nil
}

// SealMFAAnswers seals the answers to an MFA challenge bound to the user
// and to the job they answer: sealed for one job, they do not open for
// another job, even of the same user.
func (k *Keyring) SealMFAAnswers(answers []string, userID, jobID string) (wire.Sealed, error) {
	return k.SealStrings(answers, mfaAAD(userID, jobID))
}

// OpenMFAAnswers opens answers sealed by SealMFAAnswers for the same user and job.
func (k *Keyring) OpenMFAAnswers(s wire.Sealed, userID, jobID string) ([]string, error) {
	return k.OpenStrings(s, mfaAAD(userID, jobID))
}

// mfaAAD is the aad of MFA answers: a purpose (so that no other sealed
// value of the user opens as answers), then the user id, length-prefixed so
// that no (user, job) pair reads as another, then the job id.
func mfaAAD(userID, jobID string) string {
	return "mfa-answers\x00" + strconv.Itoa(len(userID)) + ":" + userID + "\x00" + jobID
}
