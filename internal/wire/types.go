package wire

// Task type names. They are stored in Redis with every task: never change them
// after release, add new ones instead.
const (
	// TypeCreateConnection creates a Basiq connection (payload [CreateConnectionPayload]).
	TypeCreateConnection = "connection:create"
	// TypeUpdateConnection updates a connection's credentials (payload [UpdateConnectionPayload]).
	TypeUpdateConnection = "connection:update"
	// TypeRefreshConnection refreshes one connection (payload [RefreshConnectionPayload]).
	TypeRefreshConnection = "connection:refresh"
	// TypeRefreshAll refreshes all of a user's connections (payload [RefreshAllPayload]).
	TypeRefreshAll = "user:refresh-all"
	// TypePollJob is the worker-internal follow-up that polls a Basiq job;
	// its payload is defined by the worker package.
	TypePollJob = "job:poll"
	// TypeAnswerMFA answers a Basiq MFA challenge (payload [AnswerMFAPayload]).
	TypeAnswerMFA = "job:mfa-answer"
	// TypeDeliverWebhook delivers one signed webhook; its payload is defined by
	// the package that delivers it.
	TypeDeliverWebhook = "webhook:deliver"
)

// PayloadVersion is the version ("v") written into every payload and result.
// Decode rejects any other version.
const PayloadVersion = 1
