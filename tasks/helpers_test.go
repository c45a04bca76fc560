package tasks

import "testing"

func testKeyring(t *testing.T) *Keyring {
	t.Helper()
	k, err := NewKeyring("k1", map[string][]byte{"k1": make32(1)})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func make32(b byte) []byte {
	key := make([]byte, KeySize)
	for i := range key {
		key[i] = b
	}
	return key
}
