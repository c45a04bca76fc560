// Package basiqtest is a stateful in-memory fake of the Basiq API, like stripe-mock for Stripe:
// it speaks the contract in docs/basiq-api.md (field names, status codes, error shapes),
// its jobs advance over time, outcomes are scripted by the login used, and faults (latency, 5xx,
// 429 with Retry-After, dropped connections) can be injected per path. It uses only the standard
// library and does not import package sdk, so it catches mismatches between the SDK and the
// contract.
//
//	srv := basiqtest.NewServer(basiqtest.WithStepDurations(basiqtest.StepDurations{
//		Credentials: 20 * time.Millisecond, Accounts: 20 * time.Millisecond, Transactions: 20 * time.Millisecond}))
//	defer srv.Close()
//	// point a client at srv.URL
//
// New returns an unstarted server to serve with Handler on your own listener (cmd/basiq-mock
// does); Close stops the webhook dispatcher of either. GET /_mock/stats returns Stats as JSON
// and POST /_mock/faults replaces the faults with a JSON array like [{"path":"/jobs/",
// "latency":"50ms","errorRate":0.1,"errorStatus":503,"rateLimit":20,"throttleRate":0.05,
// "retryAfter":"2s","dropRate":0.01}]; no /_mock/ route needs a token.
//
// # Routes
//
//	POST   /token                                      Basic <API key>; basiq-version required
//	POST   /users                                      201
//	GET    /users/{uid}                                with connections and accounts lists
//	POST   /users/{uid}                                update given fields
//	DELETE /users/{uid}                                204
//	POST   /users/{uid}/connections                    202 job stub
//	GET    /users/{uid}/connections[?filter=]          id, status, institution.id
//	POST   /users/{uid}/connections/refresh            202 list of job stubs
//	GET    /users/{uid}/connections/{cid}
//	POST   /users/{uid}/connections/{cid}              new credentials: 202 job stub
//	DELETE /users/{uid}/connections/{cid}              204; accounts and transactions stay
//	POST   /users/{uid}/connections/{cid}/refresh      202 new job, or 200 with the running one
//	GET    /users/{uid}/jobs[?filter=connection.id.eq('C')]
//	GET    /jobs/{id}
//	POST   /jobs/{id}/mfa                              {"mfa-response":["1234"]}: 202 job stub
//	GET    /users/{uid}/accounts[?filter=]             connection.id, institution.id, account.id
//	GET    /users/{uid}/accounts/{aid}
//	GET    /users/{uid}/transactions[?filter=&limit=]  paged by an absolute links.next
//	GET    /users/{uid}/transactions/{tid}
//	GET    /institutions[?filter=]                     id, name, shortName, country, tier, ...
//	GET    /institutions/{id}
//
// API 3.0 routes (docs/basiq-api.md, section "API 3.0", has every shape and choice):
//
//	GET    /users/{uid}/jobs[?filter=&limit=&next=]    newest first, last 7 days, paged
//	POST   /users/{uid}/connections/{cid}/purge        204; active connections only
//	POST   /users/{uid}/statements                     multipart institutionId + statement (PDF/CSV): 202 job stub
//	GET    /users/{uid}/consents                       newest first
//	DELETE /users/{uid}/consents/{id}                  204; revokes
//	POST   /users/{uid}/auth_link                      201; a new one cancels the old
//	GET    /users/{uid}/auth_link                      404 none, 410 expired, cancelled or used
//	DELETE /users/{uid}/auth_link                      204
//	GET    /connectors[?filter=]                       connector.id, .method, .stage, .status, ...
//	GET    /connectors/{id}/{method}                   web, openbanking, pdf, csv
//	GET    /events[?filter=&limit=&next=]              user.id, event.entity, event.type; last 7 days
//	GET    /events/{id}
//	GET    /events/types, /events/types/{id}
//	POST   /notifications/webhooks                     201 with the secret (whsec_...), only here
//	GET    /notifications/webhooks[/{id}]
//	POST   /notifications/webhooks/{id}                given fields replace
//	DELETE /notifications/webhooks/{id}                204; pending deliveries dropped
//	GET    /notifications/webhooks/{id}/messages[/{mid}]  its deliveries and their attempts
//	GET    /consent?token=|authLink=[&state&institutionId&action&connectionId]   the Consent UI (HTML)
//	POST   /consent, /consent/mfa, /consent/done       its form, MFA prompt, end; 303 to WithConsentRedirect
//	POST   /consent/revoke, /consent/extend            action=manage's (or extend's) buttons
//	POST   /_mock/consent                              the Consent UI as JSON: 201 {consentId, connectionId, jobId, jobIds, state, redirect}
//	POST   /_mock/users/{uid}/consents/{id}/expire     as Server.ExpireConsent
//
// The basiq-version header (1.0, 2.0, 2.1 or 3.0) is required on /token and accepted on every
// route; any other value is 400 parameter-not-valid everywhere. Unknown routes are 404 and wrong
// methods 405 (code method-not-allowed), in Basiq's error shape like every other error.
//
// # Jobs
//
// A job has the steps verify-credentials, mfa-challenge (MFA institutions only), retrieve-accounts
// and retrieve-transactions (a statement upload's job adds retrieve-statements). The first step starts when the job is created; each step runs for its
// duration (WithStepDurations, default 1s, 2s, 3s; WithJitter varies it deterministically per job)
// and the next starts when it ends. After a failure the later steps stay pending. Statuses are
// computed lazily from the clock (WithClock), so idle jobs cost only memory, and Stats/Job report
// the exact instant each step reached its final status.
//
// A connection is pending until a job verifies its credentials, then active; a user-side failure
// (invalid-credentials, account-not-accessible-requires-user-action, user-action-required) makes
// it invalid; institution-side failures (maintenance, service-unavailable, connector-error,
// unknown-error, job-timed-out) leave the status as it was. Refreshing an invalid connection is
// 400 parameter-not-valid (source parameter connectionId) until new credentials are posted;
// refresh-all skips invalid connections. Accounts (2 or 3 per connection) appear once
// retrieve-accounts succeeded, transactions once retrieve-transactions succeeded.
//
// # Institutions and MFA
//
// AU00000 Hooli Bank (shortName Hooli) is the sandbox. AU00001 challenges with a token (answer
// ["1234"]), AU00002 with a security question (answer ["Hooli"]); a few realistic banks follow
// (AU00201 CommBank, AU00301 Westpac, AU00401 ANZ, AU00501 NAB, AU01101 ING, NZ00001 ASB). Every
// institution follows the same login script below. While mfa-challenge is in-progress its result
// is the challenge; a right answer makes the step succeed (after StepDurations.MFA), a wrong one
// fails it with invalid-credentials, and no answer within WithMFAExpiry (default 2m) fails it with
// job-timed-out. An answer when no challenge is open is 400 parameter-not-valid.
//
// # Logins
//
// Sandbox logins:
//
//	gavinBelson/hooli2016, jared/django, richard/tabsnotspaces,
//	Whistler/ShowBox, Gilfoyle/PiedPiper        success, 2-3 accounts, a few hundred transactions
//	known login, wrong password                 verify-credentials fails: invalid-credentials
//	bighead/password                            verify-credentials fails: invalid-credentials
//	erlich/aviato                               verify-credentials fails: account-not-accessible-requires-user-action
//	jianYang/nothotdog                          verify-credentials fails: service-unavailable
//
// Magic logins (any non-empty password); any other unknown login fails with invalid-credentials:
//
//	maintenance-credentials-N   the first N (1..9) jobs of the connection fail at verify-credentials,
//	maintenance-accounts-N      retrieve-accounts or retrieve-transactions with maintenance
//	maintenance-transactions-N  (institution-side: refresh allowed); job N+1 succeeds
//	fail-accounts               retrieve-accounts fails with connector-error
//	fail-transactions           retrieve-transactions fails with unknown-error
//	never-ends                  verify-credentials succeeds, retrieve-accounts stays in-progress
//	slow-S                      every step takes S seconds (1..600) instead of the configured time
//	user-action                 verify-credentials fails with user-action-required
//
// Updating a connection's credentials starts a new job with the new password, so a connection
// created with a wrong password becomes active after an update with the right one.
//
// # Transactions
//
// Sorted by account, then pending first, then postDate descending; money is a string. limit is
// 1..500 (default 500); links.next is an absolute URL <base>/users/U/transactions?next=CURSOR
// whose cursor keeps the filter and limit; count is the page's size and size the total. Filters
// take connection.id, account.id, institution.id, transaction.postDate (eq, gt, gteq, lt, lteq,
// bt; dates as YYYY-MM-DD), transaction.status, transaction.direction and transaction.class.
// Data is generated deterministically from WithSeed.
//
// # Faults
//
// See Fault, WithFaults and Server.SetFaults: latency, a share of 500/503 answers, a real rate
// limit per API key (token bucket; its bearer tokens share it) and a share of 429 answers, both
// with Retry-After, and a share of connections dropped without an answer. Random choices follow
// the seed.
//
// # API 3.0
//
// A request speaks its basiq-version header, or else the version its token was issued under.
// Under 3.0 the credentials routes (POST /users/{uid}/connections and .../connections/{cid})
// are 403 forbidden-access and create nothing; connections come from the Consent UI (or
// POST /_mock/consent), which records the user's consent (one active at a time), makes the
// connection and its job exactly as a credentials create would (same logins, same steps), and
// for the MFA banks records the MFA answer for the job. Ending a consent (revoked, expired by
// WithConsentTTL or on request) makes its connections invalid until the user re-authorises them
// (connectionId). AU00201, AU00301, AU00401, AU00501 and AU01101 make openbanking connections,
// limited to WithRefreshLimit refreshes a day (default 20; 429 too-many-requests with
// Retry-After); statement uploads make pdf or csv ones, which cannot be refreshed.
//
// # Events and webhooks
//
// Every state change emits Basiq's event: user.created/updated/deleted, connection.created,
// connection.activated and connection.invalidated (when a job's credentials settle, or a consent
// ends), connection.deleted, account.updated and transactions.updated (when a job's steps
// succeed), consent.created/updated (extended)/revoked/expired. Job-driven events are found lazily, like job
// statuses: a heap holds each running job's next change and is settled before every event, on
// GET /events and Stats, and by the dispatcher, so their createdDate is the exact instant of the
// step's end. The first webhook subscription starts one dispatcher goroutine that delivers each
// event to each subscription that wants it, signed as Basiq does (Standard Webhooks: webhook-id,
// webhook-timestamp, webhook-signature "v1,"+Sign(secret, id, timestamp, body)), retried after
// BasiqWebhookRetries (WithWebhookRetries for tests); Stats().Deliveries shows every attempt.
// The newest WithEventLimit events (default 100,000) are kept.
//
// # Auth
//
// POST /token takes "Authorization: Basic <key>" (any non-empty key, or only the WithAPIKey
// one: another is 404 parameter-not-valid); no header is 400 parameter-not-supplied and a
// malformed one 400 parameter-not-valid. Under 1.0-2.x the body may be empty or form-encoded
// scope (SERVER_ACCESS, CLIENT_ACCESS with userId); under 3.0 the scope is required (400
// parameter-not-supplied) and CLIENT_ACCESS needs the userId of a live user. Tokens live
// WithTokenTTL (default 1h); each key may ask WithTokenLimit of them (default 1,500 per 5
// minutes; then 429 too-many-requests with Retry-After). An unknown bearer is 401
// invalid-authorization-token and an expired one 403 access-denied "Token has expired". A
// CLIENT_ACCESS token reaches only its own user's routes and jobs, /institutions, /connectors and
// the Consent UI (else 403 forbidden-access); under 3.0 an MFA answer needs it. JSON bodies sent
// with a Content-Type other than application/json are 415 unsupported-content-type.
package basiqtest
