// Package testkeyring gives tests a tasks.Keyring of one random key, the
// keyring the workers and the app share in a test.
package testkeyring

import (
	"crypto/rand"
	"testing"

	"github.com/basiq-worker/basiq-worker/tasks"
)

// New returns a keyring of one random key, id "k1".
func New(t testing.TB) *tasks.Keyring {
	t.Helper()
	key := make([]byte, tasks.KeySize)
	rand.Read(key)
	kr, err := tasks.NewKeyring("k1", map[string][]byte{"k1": key})
	if err != nil {
		t.Fatal(err)
	}
	return kr
}
