// Package sealing is the AES-256-GCM keyring behind tasks.Keyring: the
// sealing and opening of the secrets in task payloads (credentials, MFA
// answers) and of the worker's own secrets in Redis (the Basiq token,
// webhook secrets).
//
// Apps only ever seal, through tasks.Client, so package tasks keeps these
// operations out of its API: tasks.Keyring is defined as a Keyring without
// its methods, and the worker converts one to use them:
//
//	ring := (*sealing.Keyring)(k) // k is a *tasks.Keyring
//	creds, err := ring.OpenCredentials(p.Credentials, p.UserID)
package sealing

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/basiq-worker/basiq-worker/internal/wire"
)

// KeySize is the size of a key in bytes (AES-256).
const KeySize = 32

// ErrUnknownKey is wrapped by Open when the sealing key is not in the
// keyring.
var ErrUnknownKey = errors.New("unknown key id")

// Keyring holds the AES-256 keys that seal secrets. The current key seals;
// every key opens. A Keyring is safe for concurrent use.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
}

// New returns a keyring sealing with keys[current] and opening with any key.
// Errors name the key id that is wrong, never the key material.
func New(current string, keys map[string][]byte) (*Keyring, error) {
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

// String names the current key id and the number of keys only.
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

// Credentials are Basiq login credentials in plaintext, as they are sealed.
// They convert to and from tasks.Credentials (the same fields), which is
// what code that holds them should keep: it never prints the secrets.
type Credentials struct {
	LoginID          string `json:"loginId"`
	Password         string `json:"password"`
	SecurityCode     string `json:"securityCode,omitempty"`
	SecondaryLoginID string `json:"secondaryLoginId,omitempty"`
}

// SealCredentials seals c bound to aad (use the user id).
func (k *Keyring) SealCredentials(c Credentials, aad string) (wire.Sealed, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return wire.Sealed{}, fmt.Errorf("seal credentials: %w", err)
	}
	return k.Seal(b, []byte(aad))
}

// OpenCredentials opens credentials sealed by SealCredentials with the same
// aad. Fields longer than wire.MaxCredentialLen are refused (by size, never
// quoted).
func (k *Keyring) OpenCredentials(s wire.Sealed, aad string) (Credentials, error) {
	b, err := k.Open(s, []byte(aad))
	if err != nil {
		return Credentials{}, err
	}
	var c Credentials
	if err := json.Unmarshal(b, &c); err != nil {
		return Credentials{}, fmt.Errorf("open credentials: %w", err)
	}
	if err := CheckCredentials("", c); err != nil {
		return Credentials{}, fmt.Errorf("open credentials: %w", err)
	}
	return c, nil
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
	if err := CheckAnswers("answers", v); err != nil {
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
