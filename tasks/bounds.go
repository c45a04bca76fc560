package tasks

import "github.com/basiq-worker/basiq-worker/internal/sealing"

// The secrets in requests are checked by the Client before it seals them
// (and by the Keyring when it opens them: package sealing); the bounds of
// ids and idempotency keys are those that the worker checks when it
// decodes a task.

// checkCredentials checks the lengths of c's fields.
func checkCredentials(prefix string, c Credentials) error {
	return sealing.CheckCredentials(prefix, sealing.Credentials(c))
}

// checkAnswers checks the number and lengths of MFA answers.
func checkAnswers(field string, answers []string) error { return sealing.CheckAnswers(field, answers) }
