package testkeyring

import "testing"

func TestNew(t *testing.T) {
	if kr := New(t); kr == nil || kr.CurrentKeyID() != "k1" {
		t.Fatalf("New = %v, want a keyring sealing with k1", kr)
	}
}
