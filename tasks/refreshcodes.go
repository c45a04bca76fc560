package tasks

// Error codes of refreshes the worker did not send (API 3.0 consent rules
// and Basiq's refresh limits). Nothing reached Basiq for any of them.
const (
	// CodeConsentRevoked: the user revoked their consent (Basiq's
	// consent.revoked), so the refresh was not sent (outcome failed). The
	// user must consent again in the Consent UI.
	CodeConsentRevoked ErrorCode = "consent-revoked"
	// CodeConsentExpired: the user's consent expired (consent.expired), so
	// the refresh was not sent (outcome failed).
	CodeConsentExpired ErrorCode = "consent-expired"
	// CodeRefreshBudgetSpent: a scheduled refresh of a connection that
	// already had its daily budget of refreshes in the last 24 hours
	// (outcome skipped; Basiq allows about 20 a day for Open Banking).
	CodeRefreshBudgetSpent ErrorCode = "refresh-budget-spent"
	// CodeRefreshTooSoon: a scheduled refresh of a connection refreshed
	// within the worker's minimum interval (outcome skipped).
	CodeRefreshTooSoon ErrorCode = "refresh-too-soon"
	// CodeJobNotOfUser: a follow named a job of another user than its
	// UserID (outcome failed); it is not followed.
	CodeJobNotOfUser ErrorCode = "job-not-of-user"
)
