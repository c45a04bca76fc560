package tasks

import "testing"

// TestTypeNames: the task type names are stored with every task and named
// in every result (Result.Kind): they never change.
func TestTypeNames(t *testing.T) {
	for got, want := range map[string]string{
		TypeCreateConnection: "connection:create", TypeUpdateConnection: "connection:update",
		TypeRefreshConnection: "connection:refresh", TypeRefreshAll: "user:refresh-all",
		TypeAnswerMFA: "job:mfa-answer", TypeFollowJobs: "jobs:follow",
	} {
		if got != want {
			t.Errorf("got type %q, want %q", got, want)
		}
	}
}
