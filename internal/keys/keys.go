// Package keys builds the Redis keys the worker keeps for itself, the
// "{ns}:worker:..." family and the shared Basiq token, in one place. Every
// key of a namespace starts with the hash tag "{ns}", so the worker's
// scripts and pipelines work on Redis Cluster.
//
// The strings are a stored format: workers of an older version read and
// write the same keys, so never change one (TestKeys pins each of them).
//
//	{ns}:worker:start:<taskID>                   start record of a task
//	{ns}:worker:mfa:<taskID>                     MFA answer handed over to a task
//	{ns}:worker:follow:<jobID>                   follower record of a Basiq job
//	{ns}:worker:follow:<jobID>:waiters           tasks waiting on that job
//	{ns}:worker:followed                         due times of the followed Basiq jobs (ZSET)
//	{ns}:worker:followed:state                   their poll state by member (hash)
//	{ns}:worker:basiq-hook:<webhookID>           a Basiq webhook delivery already taken
//	{ns}:worker:ratelimit:<fingerprint>:<bucket> the shared rate limiter's state
//	{ns}:worker:consent:<userID>                 what the worker knows of a user's consent
//	{ns}:worker:refreshes:<connectionID>         the connection's refreshes of the last 24 h
//	{ns}:worker:purged:<eventID>                 connections deleted after a consent ended
//	{ns}:worker:basiq-webhook:<fingerprint>      the webhook subscription registered for a URL
//	{ns}:worker:basiq-webhook:<fingerprint>:lock held while one worker registers it
//	{ns}:basiq:token:<fingerprint>               the shared Basiq access token
//
// The keys of results and schedules, which apps read too, are in
// internal/wire.
package keys

import (
	"crypto/sha256"
	"encoding/hex"
)

// worker is "{ns}:worker:" + kind + ":" + id.
func worker(ns, kind, id string) string { return "{" + ns + "}:worker:" + kind + ":" + id }

// Start is the start record of task taskID: "{ns}:worker:start:<taskID>".
func Start(ns, taskID string) string { return worker(ns, "start", taskID) }

// MFA holds the MFA answer for task taskID: "{ns}:worker:mfa:<taskID>".
func MFA(ns, taskID string) string { return worker(ns, "mfa", taskID) }

// Follow is the follower record of Basiq job jobID:
// "{ns}:worker:follow:<jobID>".
func Follow(ns, jobID string) string { return worker(ns, "follow", jobID) }

// Followed is the ZSET of the Basiq jobs being followed: member the job
// id, score when it is next due (unix ms), or when its lease ends while a
// process looks at it.
func Followed(ns string) string { return "{" + ns + "}:worker:followed" }

// FollowedState is the hash of the followed jobs' poll state, by member of Followed.
func FollowedState(ns string) string { return Followed(ns) + ":state" }

// Waiters is the hash of tasks waiting on Basiq job jobID:
// "{ns}:worker:follow:<jobID>:waiters".
func Waiters(ns, jobID string) string { return Follow(ns, jobID) + ":waiters" }

// BasiqHook remembers a Basiq webhook delivery by its webhook-id:
// "{ns}:worker:basiq-hook:<id>".
func BasiqHook(ns, id string) string { return worker(ns, "basiq-hook", id) }

// RateLimit is the prefix of the rate limiter's keys of one API key, ending
// in ":": "{ns}:worker:ratelimit:<fingerprint>:".
func RateLimit(ns, apiKey string) string { return worker(ns, "ratelimit", Fingerprint(apiKey)) + ":" }

// Consent is what the worker knows of user userID's consent (its state
// from Basiq's consent events or from GET /users/{id}/consents):
// "{ns}:worker:consent:<userID>".
func Consent(ns, userID string) string { return worker(ns, "consent", userID) }

// Refreshes are the refreshes of connection connID sent in the last 24
// hours, the ledger of its daily budget: "{ns}:worker:refreshes:<connID>".
func Refreshes(ns, connID string) string { return worker(ns, "refreshes", connID) }

// Purged are the connections deleted after the consent event eventID
// ended a consent: "{ns}:worker:purged:<eventID>".
func Purged(ns, eventID string) string { return worker(ns, "purged", eventID) }

// BasiqWebhook is the webhook subscription the worker registered with
// Basiq for a public URL (its id and sealed secret), named by the URL's
// fingerprint: "{ns}:worker:basiq-webhook:<fingerprint>".
func BasiqWebhook(ns, url string) string { return worker(ns, "basiq-webhook", Fingerprint(url)) }

// BasiqWebhookLock is held by the one worker registering the subscription
// for url: BasiqWebhook(ns, url) + ":lock".
func BasiqWebhookLock(ns, url string) string { return BasiqWebhook(ns, url) + ":lock" }

// Token is the shared Basiq access token of one API key:
// "{ns}:basiq:token:<fingerprint>" (its lock is that plus ":lock").
func Token(ns, apiKey string) string { return "{" + ns + "}:basiq:token:" + Fingerprint(apiKey) }

// Fingerprint is what names an API key in Redis: the first 8 bytes of its
// SHA-256, in hex. The key itself never reaches Redis.
func Fingerprint(apiKey string) string {
	sum := sha256.Sum256([]byte(apiKey))
	return hex.EncodeToString(sum[:8])
}
