package sdk

// ErrorCode is a Basiq error code: the code of an error answer
// ((*Error).Code) or of a failed job step (StepResult.Code, StepError.Code).
// Compare it with the constants below; Basiq may add codes, so treat an
// unknown one by its status (an answer) or as final (a step).
type ErrorCode string

// Codes of error answers, by status.
const (
	CodeParameterNotSupplied   ErrorCode = "parameter-not-supplied"      // 400
	CodeParameterNotValid      ErrorCode = "parameter-not-valid"         // 400
	CodeInvalidContent         ErrorCode = "invalid-content"             // 400
	CodeUnsupportedAccept      ErrorCode = "unsupported-accept"          // 400
	CodeInvalidAuthorization   ErrorCode = "invalid-authorization-token" // 401
	CodeUnauthorizedAccess     ErrorCode = "unauthorized-access"         // 401
	CodeAccessDenied           ErrorCode = "access-denied"               // 403, "Token has expired"
	CodeForbiddenAccess        ErrorCode = "forbidden-access"            // 403, wrong scope
	CodeResourceNotFound       ErrorCode = "resource-not-found"          // 404
	CodeUnsupportedContentType ErrorCode = "unsupported-content-type"    // 415
	CodeTooManyRequests        ErrorCode = "too-many-requests"           // 429 (or 403)
	CodeInternalServerError    ErrorCode = "internal-server-error"       // 500
	CodeServiceUnavailable     ErrorCode = "service-unavailable"         // 503, and a failed step
)

// Codes of failed job steps (CodeServiceUnavailable is one too).
const (
	CodeInvalidCredentials      ErrorCode = "invalid-credentials"
	CodeAccountRequiresAction   ErrorCode = "account-not-accessible-requires-user-action"
	CodeUserActionRequired      ErrorCode = "user-action-required"
	CodeSystemUnavailable       ErrorCode = "system-unavailable"
	CodeMaintenance             ErrorCode = "maintenance"
	CodeInstitutionNotAvailable ErrorCode = "institution-not-available"
	CodeInstitutionDisabled     ErrorCode = "institution-disabled"
	CodeConnectorError          ErrorCode = "connector-error"
	CodeMissingRequiredField    ErrorCode = "missing-required-field"
	CodeInvalidFieldValue       ErrorCode = "invalid-field-value"
	CodeUnknownError            ErrorCode = "unknown-error"
	CodeJobTimedOut             ErrorCode = "job-timed-out" // an MFA challenge left unanswered
)

// InstitutionSide reports whether a job step that failed with c failed on
// the institution's side (unavailable, maintenance, a connector fault), so
// that refreshing the connection later may succeed; Basiq itself retries
// those. User-side codes (credentials, user action), institution-disabled,
// field errors, unknown-error and job-timed-out are final until the user
// acts.
func (c ErrorCode) InstitutionSide() bool {
	switch c {
	case CodeMaintenance, CodeSystemUnavailable, CodeServiceUnavailable,
		CodeInstitutionNotAvailable, CodeConnectorError:
		return true
	}
	return false
}
