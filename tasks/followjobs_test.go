package tasks

import (
	"strings"
	"testing"

	"github.com/basiq-worker/basiq-worker/internal/wire"
)

func TestFollowJobs_Validate(t *testing.T) {
	many := make([]string, wire.MaxFollowJobs+1)
	for i := range many {
		many[i] = "j" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	for _, tc := range []struct {
		name string
		r    FollowJobs
		want string // "" for valid
	}{
		{"ok", FollowJobs{UserID: "u1", JobIDs: []string{"j1", "j2"}}, ""},
		{"no user", FollowJobs{JobIDs: []string{"j1"}}, "field UserID: required"},
		{"no jobs", FollowJobs{UserID: "u1"}, "field JobIDs: at least one job id is required"},
		{"empty job", FollowJobs{UserID: "u1", JobIDs: []string{"j1", ""}}, "field JobIDs[1]: required"},
		{"bad job", FollowJobs{UserID: "u1", JobIDs: []string{"j/1"}}, "field JobIDs[0]: byte '/'"},
		{"twice", FollowJobs{UserID: "u1", JobIDs: []string{"j1", "j1"}}, `field JobIDs[1]: job id "j1" given twice`},
		{"too many", FollowJobs{UserID: "u1", JobIDs: many}, "field JobIDs: 65 job ids, at most 64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.r.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}
