// Package sdk is a Go client for the Basiq open-banking API: the whole
// surface of the official Node SDK (basiq-sdk-nodejs 1.1.x), Go-shaped,
// and API 3.0's consent era (see "API 3.0" below).
//
// One Client holds services as fields, go-github style:
//
//	c, err := sdk.New(apiKey, sdk.WithAPIVersion("2.0"))
//	user, err := c.Users.Create(ctx, sdk.UserParams{Email: "gavin@hooli.com"})
//	job, err := c.Users.For(user.ID).CreateConnection(ctx, sdk.Credentials{
//		Institution: "AU00000", LoginID: "gavinBelson", Password: "hooli2016"})
//	conn, err := c.Jobs.WaitForCredentials(ctx, job.ID, sdk.WaitOptions{})
//	for tx, err := range c.Users.For(user.ID).Transactions(ctx, sdk.Filter().Eq("connection.id", conn.ID)) {
//		...
//	}
//
// # Authentication
//
// Services never see tokens. A transport layer, like golang.org/x/oauth2's,
// requests a SERVER_ACCESS token with the API key (POST /token), keeps it
// until shortly before its expires_in runs out, refreshes it one caller at
// a time, and re-authenticates once when the server answers 401
// invalid-authorization-token or 403 "Token has expired". WithTokenStore
// shares the token between processes; a store implementing TokenLocker
// also serialises their refreshes. Every request carries basiq-version,
// as the Node SDK's do.
//
// # Redirects
//
// Basiq documents no redirects. The client follows a redirect only when it
// stays on the base URL's scheme and host (then the token goes with it, and
// WithHTTPClient's CheckRedirect, if any, still has its say). A redirect to
// any other scheme or host is not followed, for the token request as for
// every call: nothing is sent there, neither the bearer token nor the API
// key. The 3xx answer itself is returned as an *Error with its status and
// Location (the target's scheme, host and path); it is not retried, and
// IsNotSent reports false for it, since the base host did get the request.
//
// # Errors and retries
//
// Every answer above 299 is an *Error (use errors.As); its Code is an
// ErrorCode, compared with the Code* constants (a failed job step's
// StepResult.Code is one too; ErrorCode.InstitutionSide tells the step
// failures worth a later refresh). IsNotFound, IsThrottled (429, or 403
// too-many-requests), IsRetryable and IsTokenExpired classify it; IsNotSent
// and IsNotApplied tell whether a failed request reached Basiq and whether
// it can have taken effect. A 2xx answer
// whose body is not the resource asked for (empty, null, not JSON, another
// type, no id, a list item that is not the listed resource, or a Basiq
// error list sent with a 2xx) is a *BodyError naming the status, the
// method and route (ids replaced by {id}; Path has them), the reason and
// the body's first 200 bytes; so is a body over the client's 32 MiB
// limit, which is not read further (and not retried). A 2xx means the
// server got the request: for a POST that failed so, whether it took
// effect is unknown.
//
// GETs and DELETEs are retried on 5xx, 408, network errors and a
// *BodyError with capped exponential backoff and full jitter; every
// request is retried when throttled; a retry after a throttled or 503 waits at least its
// Retry-After (RetryAfter reads it); a POST that may have reached the
// server is never resent (IsNotSent tells the ones that cannot have).
// WithRetryPolicy(sdk.RetryPolicy{MaxAttempts: 1}) turns retries off.
//
// Paged collections (transactions, a user's jobs, events) follow Basiq's
// next links exactly as given, adding Limit's limit only to a link without
// one; a next link to the page just read ends the iteration with an error.
//
// # From the Node SDK
//
// Every call of the Node SDK's README, and the Job helpers of its code, with its Go call
// (nodesdk_test.go compiles each of them). The Node services (BasiqSDK.User(session),
// new BasiqSDK.Connection(session, user), new BasiqSDK.Job(session, connService)) and its
// entities map to the same Go calls: services take ids, handles (For) carry them.
//
//	Node SDK (README)                              Go
//	BasiqSDK.Session(apiKey[, version])            sdk.Connect(ctx, apiKey, sdk.WithAPIVersion("2.0")) (sdk.New sends no request)
//	session.forUser(userId) / userService.for(id)  c.Users.For(id) (sends nothing)
//	session.createUser(data) / userService.new     c.Users.Create(ctx, sdk.UserParams{Email, Mobile})
//	session.getUser(id) / userService.get(id)      c.Users.Get(ctx, id) / c.Users.For(id).Get(ctx)
//	user.update(data) / userService.update         c.Users.Update(ctx, id, params) / c.Users.For(id).Update(ctx, params)
//	user.delete() / userService.delete             c.Users.Delete(ctx, id) / c.Users.For(id).Delete(ctx)
//	user.refreshAllConnections()                   c.Users.For(id).RefreshConnections(ctx) / c.Connections.RefreshAll(ctx, id)
//	user.getAllConnections(filter)                 c.Users.For(id).Connections(ctx, filter) / c.Connections.List(ctx, id, filter)
//	user.getAccounts(filter)                       c.Users.For(id).Accounts(ctx, filter)
//	user.getAccount(accountId)                     c.Users.For(id).Account(ctx, accountID)
//	user.getTransactions(filter)                   c.Users.For(id).ListTransactions(ctx, filter, sdk.Limit(n)) (one page),
//	                                               .Transactions(ctx, filter) (iter.Seq2 over all), .TransactionPages(...)
//	user.getTransaction(transactionId)             c.Users.For(id).Transaction(ctx, txID)
//	transactions.next()                            c.Users.For(id).NextTransactions(ctx, page) (nil, nil after the last page)
//	user.createConnection(institutionId, loginId,  c.Users.For(id).CreateConnection(ctx, sdk.Credentials{Institution,
//	  password[, securityCode, secondaryLoginId])    LoginID, Password, SecurityCode, SecondaryLoginID})
//	  / connService.new(...)                         / c.Connections.Create(ctx, id, cr)
//	connService.get(connectionId)                  c.Connections.Get(ctx, id, connID) / c.Users.For(id).Connection(connID).Get(ctx)
//	connService.for(connectionId)                  c.Connections.For(id, connID) / c.Users.For(id).Connection(connID) (sends nothing)
//	connection.refresh()                           c.Connections.Refresh(ctx, id, connID) / handle.Refresh(ctx)
//	connection.update(password[, securityCode,     c.Connections.Update(ctx, id, connID, sdk.Credentials{Password, SecurityCode,
//	  secondaryLoginId]) / connService.update        SecondaryLoginID}) / handle.Update(ctx, cr)
//	connection.delete() / connService.delete       c.Connections.Delete(ctx, id, connID) / handle.Delete(ctx)
//	jobService.get(jobId)                          c.Jobs.Get(ctx, jobID) / c.Jobs.For(jobID).Get(ctx)
//	jobService.for(jobId)                          c.Jobs.For(jobID) (sends nothing)
//	(a user's jobs, newest first)                  c.Jobs.List(ctx, id, filter) (every page) / c.Users.For(id).Jobs(ctx, filter),
//	                                               c.Jobs.ListPage(ctx, id, filter, sdk.Limit(n)) / .Next(ctx, page),
//	                                               c.Jobs.All(ctx, id, filter) / c.Users.For(id).AllJobs(ctx, filter) (iter.Seq2)
//	job.getConnectionId()                          job.ConnectionID() ("" while unknown); job.UserID()
//	job.getConnection() / jobService.getConnection c.Jobs.Connection(ctx, job) / c.Jobs.For(jobID).Connection(ctx)
//	job.getCurrentStep()                           job.CurrentStep(); job.Step(sdk.StepRetrieveAccounts) (by title)
//	job.canFetchAccounts() / canFetchTransactions  job.CanFetchAccounts() / job.CanFetchTransactions()
//	job.waitForCredentials(interval, timeout)      c.Jobs.WaitForCredentials(ctx, jobID, sdk.WaitOptions{Interval, MaxInterval, Timeout})
//	  / jobService.waitForCredentials(job, ...)      / c.Jobs.For(jobID).WaitForCredentials(ctx, o)
//	job.waitForTransactions(interval, timeout)     c.Jobs.WaitForTransactions(ctx, jobID, o) / c.Jobs.For(jobID).WaitForTransactions(ctx, o)
//	(job MFA answer)                               c.Jobs.SubmitMFA(ctx, jobID, "1234") / c.Jobs.For(jobID).SubmitMFA(ctx, "1234")
//	                                                 (3.0: with the job user's client token) / c.Users.For(id).SubmitMFA(ctx, jobID, "1234")
//	session.getInstitutions()                      c.Institutions.List(ctx, filter)
//	session.getInstitution(id)                     c.Institutions.Get(ctx, id)
//	new FilterBuilder().eq(field, value)           sdk.Filter().Eq(field, value)
//	  .gt / .gteq / .lt / .lteq                      .Gt / .Gteq / .Lt / .Lteq
//	  .bt(field, from, to)                           .Bt(field, from, to)
//	  .toString()                                    .String()
//	APIError .statusCode / .response / .message    errors.As(err, &apiErr): apiErr.StatusCode, .Details, .CorrelationID, .Error()
//
// Differences from the Node SDK: waits back off and end with *StepError or
// *TimeoutError; the token honours expires_in and refreshes are serialised;
// connection updates send what Basiq's spec asks (password and the optional
// fields), not institution.id; filter values are escaped (see FilterBuilder).
//
// # API 3.0
//
// The Node SDK predates Basiq's API 3.0, where a partner cannot post a
// bank login: the user connects in Basiq's hosted Consent UI, which hands
// back one job id per connection, and the partner follows those jobs
// (WithAPIVersion("3.0"); Basiq then refuses CreateConnection and
// Connections.Update, basiqtest with 403 forbidden-access). The token
// request always
// sends its form body, scope=SERVER_ACCESS or scope=CLIENT_ACCESS&userId=U.
//
//	Basiq 3.0 (docs, OpenAPI)                      Go
//	POST /token scope=CLIENT_ACCESS&userId=U       c.Users.For(id).ClientToken(ctx) (cached per user until shortly before
//	                                                 expires_in; fetched once however many goroutines ask)
//	consent.basiq.io/home?token&action&state       c.Users.For(id).ConsentURL(ctx, sdk.ConsentOptions{Action, State,
//	  &institutionId&connectionId                    InstitutionID, ConnectionID}); WithConsentURL for basiqtest's /consent
//	redirect ?jobId&jobIds&state                   sdk.ParseConsentRedirect(u) -> ConsentResult{JobIDs, State}, then
//	                                                 c.Jobs.WaitForTransactions(ctx, jobID, o) for each
//	POST/GET/DELETE /users/{id}/auth_link          c.Users.For(id).CreateAuthLink(ctx, params) / .AuthLink(ctx) / .DeleteAuthLink(ctx)
//	GET /users/{id}/consents, DELETE .../{cid}     c.Users.For(id).Consents(ctx) / .RevokeConsent(ctx, consentID)
//	GET /users/{id}/jobs                           c.Jobs.List / ListPage / All, c.Users.For(id).AllJobs (above)
//	POST /jobs/{id}/mfa (CLIENT_ACCESS)            c.Jobs.SubmitMFA (reads the job for its user) / c.Users.For(id).SubmitMFA
//	POST .../connections/{cid}/purge               c.Connections.Purge(ctx, id, connID) / handle.Purge(ctx)
//	POST /users/{id}/statements (multipart)        c.Users.For(id).UploadStatement(ctx, sdk.Statement{InstitutionID, FileName, Content}) -> *Job
//	GET /connectors, /connectors/{id}/{method}     c.Connectors.List(ctx, filter) / c.Connectors.Get(ctx, id, sdk.MethodWeb);
//	                                                 Stats.AverageDurationMs is nil while Basiq has no figures
//	GET /events, /events/{id}, /events/types       c.Events.List(ctx, filter, sdk.Limit(n)) / .Next / .All (iter.Seq2) / .Get(ctx, id) / .Types(ctx) / .Type(ctx, t)
//	/notifications/webhooks                        c.Webhooks.Create(ctx, sdk.WebhookParams{URL, SubscribedEvents}) / .List / .Get / .Update / .Delete
//	webhook delivery (Standard Webhooks)           v, _ := sdk.NewWebhookVerifier(secret, oldSecret); ev, err := v.Event(r)
//	                                                 (or v.Verify(header, body), then sdk.DecodeEvent(body))
//
// A WebhookVerifier accepts a delivery when webhook-timestamp is within 5
// minutes of now either way (WithTolerance) and any of the space-separated
// v1 signatures of webhook-signature is the HMAC-SHA256 of
// "id.timestamp.body" under any of its secrets (several during rotation),
// compared in constant time; its errors wrap ErrWebhookHeaders,
// ErrWebhookTimestamp or ErrWebhookSignature. Deduplicate on the event's ID
// (Basiq retries a delivery with the same webhook-id). SignWebhook signs as
// Basiq does, for a receiver's tests.
//
// Events decode into Event from either shape Basiq sends (the webhook
// message and the /events resource); Type is an EventType with a constant
// for each of the 15 types, and an unknown type decodes without error with
// Type.Known false. ConnectionID, ConsentID and UserID read the entity's
// link; DecodeData decodes the entity an event from c.Events.Get carries.
// On consent.revoked or consent.expired the partner must delete or
// de-identify the user's data.
package sdk
