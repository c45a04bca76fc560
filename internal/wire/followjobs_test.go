package wire

import (
	"strings"
	"testing"
)

func TestFollowJobsPayload_Validate(t *testing.T) {
	p := FollowJobsPayload{V: PayloadVersion, UserID: "u1", JobIDs: []string{"j1"}}
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	p.V = 0
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "field v") {
		t.Errorf("Validate() without a version = %v, want field v", err)
	}
}
