package tasks

// ErrorCode is the code of the error that ended a job ([ErrorInfo].Code):
// Basiq's own code when Basiq gave one (a failed step's or an API error's,
// such as "resource-not-found"), "http-<status>" for a Basiq error status
// without a code, or one of the codes below, which the worker gives.
type ErrorCode string

// Error codes of results that Basiq did not give.
const (
	// CodeTimedOut: the job was still running at its deadline
	// (outcome timed_out; ErrorInfo.Step is the step it was in).
	CodeTimedOut ErrorCode = "job-deadline-exceeded"
	// CodeExpiredBeforeSend: the task's deadline passed before its call was
	// sent (it waited in the queue too long); nothing was sent to Basiq
	// (outcome timed_out, no job).
	CodeExpiredBeforeSend ErrorCode = "deadline-exceeded-before-send"
	// CodeOutcomeUnknown: a create may have reached Basiq but its answer
	// was lost; it is not sent twice (outcome failed).
	CodeOutcomeUnknown ErrorCode = "outcome-unknown"
	// CodeInvalidPayload: the task's payload could not be decoded or opened,
	// or holds a value out of bounds (outcome failed).
	CodeInvalidPayload ErrorCode = "invalid-payload"
	// CodeNetwork: Basiq could not be reached within the task's retries
	// (outcome failed).
	CodeNetwork ErrorCode = "network-error"
	// CodeConsentFlowRequired: under Basiq API 3.0 a credentials create or
	// update was refused without calling Basiq; connect the user through
	// the Consent UI and follow the jobs it hands back (Client.FollowJobs).
	CodeConsentFlowRequired ErrorCode = "consent-flow-required"
)
