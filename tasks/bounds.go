package tasks

import (
	"fmt"
	"strconv"

	"github.com/basiq-worker/basiq-worker/internal/wire"
)

// maxMFAAnswers bounds the number of MFA answers. The secrets in requests
// are checked by the Client before it seals them (and by the Keyring when it
// opens them); the bounds of ids and idempotency keys are those that the
// worker checks when it decodes a task.
const maxMFAAnswers = 16

// checkSecret checks the length of a credential field or an MFA answer
// without quoting it: it is a secret.
func checkSecret(field, v string) error {
	if len(v) > wire.MaxCredentialLen {
		return fmt.Errorf("field %s: %d bytes, longer than %d", field, len(v), wire.MaxCredentialLen)
	}
	return nil
}

// checkCredentials checks the lengths of c's fields.
func checkCredentials(prefix string, c Credentials) error {
	return wire.FirstErr(checkSecret(prefix+"LoginID", c.LoginID), checkSecret(prefix+"Password", c.Password),
		checkSecret(prefix+"SecurityCode", c.SecurityCode), checkSecret(prefix+"SecondaryLoginID", c.SecondaryLoginID))
}

// checkAnswers checks the number and lengths of MFA answers.
func checkAnswers(field string, answers []string) error {
	if len(answers) > maxMFAAnswers {
		return fmt.Errorf("field %s: %d answers, more than %d", field, len(answers), maxMFAAnswers)
	}
	for i, a := range answers {
		if err := checkSecret(field+"["+strconv.Itoa(i)+"]", a); err != nil {
			return err
		}
	}
	return nil
}
