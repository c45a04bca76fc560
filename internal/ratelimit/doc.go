// Package ratelimit is the limiter that every worker process of one Basiq
// API key passes before it calls Basiq, shared through Redis so that N
// processes together stay under the account's limits instead of finding
// them by 429s.
//
// # Limits
//
// Two limits per API key, each a GCRA (generic cell rate algorithm, the
// token bucket's exact form: github.com/go-redis/redis_rate on the
// process's go-redis v9 client, one Lua script and one key per limit, the
// clock being Redis's TIME so that process clocks do not matter): "api" for
// every call, in requests per second with a burst (BASIQ_RATE_LIMIT,
// BASIQ_RATE_BURST; a rate of 0 leaves calls unlimited), and "token" for
// POST /token, which passes both (BASIQ_TOKEN_RATE_LIMIT; Basiq allows
// 1,500 token requests per 5 minutes). The keys hold a fingerprint of the
// API key (the first 8 bytes of its SHA-256 in hex), never the key
// (built by internal/keys):
//
//	rate:{ns}:worker:ratelimit:<fingerprint>:api      GCRA state (redis_rate's prefix "rate:")
//	{ns}:worker:ratelimit:<fingerprint>:api:adapt     the shared factor after 429s
//
// # Waiting: in the handler, within a bound
//
// A call reserves the next free instant of its limit. When that instant is
// at most Config.MaxWait away (default DefaultMaxWait, 10s) the call sleeps
// until then and goes; otherwise nothing is reserved and the call fails at
// once with a *DelayError (sdk.IsNotSent is true: nothing reached Basiq)
// saying when to come back, and the worker gives the task back to asynq
// as a throttled retry with that delay. A fleet whose calls outrun the
// limit thus queues them in the GCRA, each slot sleeping for its own
// reserved turn, rather than in asynq's retry set: a deferred call costs a
// dozen Redis commands each time it comes back, a sleeping one none.
//
// # 429s lower the shared rate
//
// Each 429 answer multiplies the limit's shared factor (in Redis, read by
// every process at most every 250ms) by Adapt.Decrease, no lower than
// Adapt.Floor and at most once per cooldown (the answer's Retry-After, at
// least a second: the 429s of one overload count once). After the cooldown
// the factor grows back by Adapt.Recover per second to 1. The request that
// got the 429 is retried by its caller no sooner than its Retry-After; the
// other calls go on at the lowered rate. A limit whose rate is 0 has no
// factor: its 429s only delay their own requests.
//
// # Redis away
//
// When Redis does not answer, calls go unlimited (a limiter error never
// fails a call): Basiq's own 429s still protect the account.
package ratelimit
