package tasks

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/basiq-worker/basiq-worker/internal/sealing"
)

// Keyring holds the AES-256 keys used to seal secrets into task payloads.
// The current key seals; every key opens, so keys can be rotated: put the new
// key first and keep the old ones until no task sealed with them remains.
// A Keyring is safe for concurrent use. Apps only pass it to NewClient,
// which seals with it; the worker opens with it.
type Keyring sealing.Keyring

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
	r, err := sealing.New(current, keys)
	return (*Keyring)(r), err
}

// CurrentKeyID returns the id of the key that seals.
func (k *Keyring) CurrentKeyID() string { return k.ring().CurrentKeyID() }

// String names the current key id only.
func (k *Keyring) String() string { return k.ring().String() }

// ring is k with its sealing and opening methods (the worker converts a
// *Keyring the same way).
func (k *Keyring) ring() *sealing.Keyring { return (*sealing.Keyring)(k) }
