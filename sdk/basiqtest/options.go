package basiqtest

import "time"

// Option configures a Server built by New or NewServer.
type Option func(*config)

// StepDurations sets how long each step of a connection job takes. The values are used as
// given: a zero duration makes that step finish the instant it starts.
type StepDurations struct {
	// Credentials is the duration of verify-credentials.
	Credentials time.Duration
	// MFA is the time mfa-challenge keeps running after a right answer (default 0).
	MFA time.Duration
	// Accounts is the duration of retrieve-accounts.
	Accounts time.Duration
	// Transactions is the duration of retrieve-transactions.
	Transactions time.Duration
	// Statements is the duration of retrieve-statements, the last step of a statement upload's
	// job (default 1s).
	Statements time.Duration
}

type config struct {
	apiKey     string
	baseURL    string
	tokenTTL   time.Duration
	steps      StepDurations
	jitter     float64
	spread     Spread
	seed       int64
	clock      func() time.Time
	ownClock   bool // clock came from WithClock
	faults     []Fault
	txPerAcct  int
	mfaExpiry  time.Duration
	jobShards  int
	allowedVer map[string]bool

	tokenLimit   int // token requests per tokenWindow per API key; <= 0: none
	tokenWindow  time.Duration
	refreshLimit int // Open Banking refreshes per connection per 24 h; <= 0: none

	consentTTL      time.Duration
	consentRedirect string
	hookRetries     []time.Duration // waits before each retry of a webhook delivery
	hookTimeout     time.Duration
	eventLimit      int
}

func defaultConfig() config {
	return config{
		tokenTTL:  time.Hour,
		steps:     StepDurations{Credentials: time.Second, Accounts: 2 * time.Second, Transactions: 3 * time.Second, Statements: time.Second},
		seed:      1,
		clock:     time.Now,
		txPerAcct: 150,
		mfaExpiry: 2 * time.Minute,
		jobShards: 64,

		tokenLimit:   1500,
		tokenWindow:  5 * time.Minute,
		refreshLimit: 20,

		consentTTL:  365 * 24 * time.Hour,
		hookRetries: BasiqWebhookRetries,
		hookTimeout: 10 * time.Second,
		eventLimit:  100_000,
	}
}

// WithAPIKey makes the server accept only this API key (the value after "Basic " on
// POST /token). Without it any non-empty key is accepted.
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// WithBaseURL sets the absolute base URL used in links (self, next, source). NewServer sets it
// to its own URL; a Server from New without it takes the base from each request's Host.
func WithBaseURL(u string) Option { return func(c *config) { c.baseURL = trimSlash(u) } }

// WithTokenTTL sets the lifetime of access tokens (default 1h).
func WithTokenTTL(d time.Duration) Option { return func(c *config) { c.tokenTTL = d } }

// WithStepDurations sets the duration of each job step (default 1s, 0, 2s, 3s).
func WithStepDurations(d StepDurations) Option { return func(c *config) { c.steps = d } }

// WithJitter varies each step duration by up to ±fraction (0.2 = ±20%), deterministically
// from the seed and the job id.
func WithJitter(fraction float64) Option { return func(c *config) { c.jitter = fraction } }

// Spread is the distribution WithJitter draws step durations from.
type Spread int

const (
	// SpreadUniform varies a step duration d uniformly in d·(1±jitter): the default.
	SpreadUniform Spread = iota
	// SpreadLogNormal draws d·exp(σZ-σ²/2) with σ = the jitter and Z standard normal: the
	// same mean d, a long right tail (σ 0.6: 5th percentile 0.33·d, 95th 2.2·d), as real
	// bank connections are (Basiq: 3 to 30 s a job). Capped at 10·d.
	SpreadLogNormal
)

// WithSpread sets the distribution of WithJitter (default SpreadUniform).
func WithSpread(s Spread) Option { return func(c *config) { c.spread = s } }

// WithSeed seeds ids, jitter, generated data and random faults (default 1).
func WithSeed(seed int64) Option { return func(c *config) { c.seed = seed } }

// WithClock replaces time.Now: jobs, tokens and rate limits all follow this clock.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.clock, c.ownClock = now, true }
}

// WithFaults sets the initial faults (see Server.SetFaults).
func WithFaults(f ...Fault) Option { return func(c *config) { c.faults = append([]Fault(nil), f...) } }

// WithTransactionsPerAccount sets how many transactions each account gets (default 150;
// connections have 2 or 3 accounts).
func WithTransactionsPerAccount(n int) Option { return func(c *config) { c.txPerAcct = n } }

// WithMFAExpiry sets how long an MFA challenge waits for its answer (default 2m); past it the
// mfa-challenge step fails with job-timed-out.
func WithMFAExpiry(d time.Duration) Option { return func(c *config) { c.mfaExpiry = d } }

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

// WithTokenLimit sets Basiq's limit on POST /token: at most n token requests per API key in any
// window (default 1,500 per 5 minutes); past it the answer is 429 too-many-requests with
// Retry-After. n <= 0 removes the limit.
func WithTokenLimit(n int, window time.Duration) Option {
	return func(c *config) { c.tokenLimit, c.tokenWindow = n, window }
}

// WithRefreshLimit sets how many refresh jobs an Open Banking connection may start in any 24 hours
// (default 20); past it a refresh is 429 too-many-requests. n <= 0 removes the limit.
func WithRefreshLimit(n int) Option { return func(c *config) { c.refreshLimit = n } }

// WithConsentTTL sets how long a consent lasts before it expires by itself (default 365 days).
func WithConsentTTL(d time.Duration) Option { return func(c *config) { c.consentTTL = d } }

// WithConsentRedirect sets the URL the Consent UI redirects to (303) when the user is done, with
// jobId, jobIds and state added to its query. Without it the UI ends on a page of its own.
func WithConsentRedirect(url string) Option { return func(c *config) { c.consentRedirect = url } }

// BasiqWebhookRetries is Basiq's schedule of webhook delivery retries: the waits after the first
// failed attempt, the second, and so on.
var BasiqWebhookRetries = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// WithWebhookRetries replaces the waits between webhook delivery attempts (default
// BasiqWebhookRetries); tests pass short ones. No waits means a single attempt.
func WithWebhookRetries(waits ...time.Duration) Option {
	return func(c *config) { c.hookRetries = append([]time.Duration(nil), waits...) }
}

// WithWebhookTimeout sets how long a webhook delivery attempt waits for its answer (default 10s).
func WithWebhookTimeout(d time.Duration) Option { return func(c *config) { c.hookTimeout = d } }

// WithEventLimit sets how many of the newest events the server keeps for GET /events (default
// 100,000; Basiq keeps 7 days, which a busy fake could not hold in memory). n <= 0 keeps all.
func WithEventLimit(n int) Option { return func(c *config) { c.eventLimit = n } }
