package sealing

import (
	"fmt"
	"strconv"

	"github.com/basiq-worker/basiq-worker/internal/wire"
)

// MaxMFAAnswers bounds the number of MFA answers. The secrets are checked
// by tasks.Client before it seals them, and by the Keyring when it opens
// them.
const MaxMFAAnswers = 16

// CheckSecret checks the length of a credential field or an MFA answer
// without quoting it: it is a secret.
func CheckSecret(field, v string) error {
	if len(v) > wire.MaxCredentialLen {
		return fmt.Errorf("field %s: %d bytes, longer than %d", field, len(v), wire.MaxCredentialLen)
	}
	return nil
}

// CheckCredentials checks the lengths of c's fields, named prefix+field.
func CheckCredentials(prefix string, c Credentials) error {
	return wire.FirstErr(CheckSecret(prefix+"LoginID", c.LoginID), CheckSecret(prefix+"Password", c.Password),
		CheckSecret(prefix+"SecurityCode", c.SecurityCode), CheckSecret(prefix+"SecondaryLoginID", c.SecondaryLoginID))
}

// CheckAnswers checks the number and lengths of MFA answers.
func CheckAnswers(field string, answers []string) error {
	if len(answers) > MaxMFAAnswers {
		return fmt.Errorf("field %s: %d answers, more than %d", field, len(answers), MaxMFAAnswers)
	}
	for i, a := range answers {
		if err := CheckSecret(field+"["+strconv.Itoa(i)+"]", a); err != nil {
			return err
		}
	}
	return nil
}
