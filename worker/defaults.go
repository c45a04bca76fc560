package worker

import (
	"errors"
	"fmt"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/basiqclient"
	"github.com/basiq-worker/basiq-worker/internal/ratelimit"
	"github.com/basiq-worker/basiq-worker/internal/results"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
)

// DefaultConfig returns the worker's defaults, the one source of them: the
// binary's variables (config.Worker) are parsed onto it, basiq-dev and
// basiq-bench start from it, and New fills any zero field of a Config from
// it. Set Redis, APIKey and Keyring before passing it to New.
//
// Where earlier sources disagreed, the values basiq-worker documented
// (its -h listing and docker-compose) won: 25 s to shut down (under
// compose's 30 s stop_grace_period), a 250 ms delayed-task check.
func DefaultConfig() Config {
	return Config{
		Namespace:    tasks.DefaultNamespace,
		BaseURL:      sdk.DefaultBaseURL,
		APIVersion:   apiConsent,
		BasiqTimeout: basiqclient.DefaultTimeout,
		// No limit of the calls until BASIQ_RATE_LIMIT sets a rate; then 5
		// may go at once above it.
		RateLimit:      RateLimit{Burst: 5},
		TokenRateLimit: RateLimit(ratelimit.DefaultTokenLimit),
		// A slot holds a task for one short Basiq call (a create, a
		// refresh) and a few Redis writes: the follower does the waiting.
		// 20 made creates the makespan's limit (10,000 at once: the last
		// sent 9.7 s after the enqueue); with Basiq's own latency (bench
		// -create-latency 200ms, n=2,000) 20/64/128/256 slots sent the
		// last create after 22/13/8.8/5.6 s (README, "Create slots").
		Concurrency: 128,
		// Creates start from 4 dequeue loops (doc.go, "Dequeuers").
		Dequeuers: 4,
		Queues:    map[string]int{tasks.DefaultQueue: 1},
		// Looks are one GET each: 128 at once keep up with ~10,000 jobs
		// in flight on a local Basiq (doc.go, "Waiting").
		FollowConcurrency: 128,
		FollowLease:       30 * time.Second,
		FollowPeek:        250 * time.Millisecond,
		// New work waits while the looks are claimed over 100 ms late
		// (doc.go, "Polls ahead of new work").
		FollowBehind: 100 * time.Millisecond,
		// Looks every 900 ms around each step's expected end (doc.go,
		// "Waiting": the sweeps behind it).
		Policy: PollPolicy{Initial: 500 * time.Millisecond, Factor: 1.5, Max: 5 * time.Second, Jitter: 0.2,
			Near: 900 * time.Millisecond, Spread: 0.2},
		JobDeadline:              10 * time.Minute,
		StepRetries:              3,
		StepRetryDelay:           time.Minute,
		UnavailablePoll:          5 * time.Minute,
		RefreshBudget:            20,
		RefreshMinInterval:       time.Hour,
		PollMaxRetry:             10,
		ReconcileAfter:           time.Minute,
		DelayedTaskCheckInterval: 250 * time.Millisecond,
		TaskCheckInterval:        200 * time.Millisecond,
		ShutdownTimeout:          25 * time.Second,
		ResultRetention:          tasks.DefaultRetention,
		ResultsMaxLen:            results.DefaultMaxLen,
		WaitTimeout:              time.Second,
	}
}

// withDefaults validates c and fills its zero fields from DefaultConfig.
func (c Config) withDefaults() (Config, error) {
	if err := c.checkRequired(); err != nil {
		return c, err
	}
	d := DefaultConfig()
	if c.Policy == (PollPolicy{}) {
		c.Policy = d.Policy
	}
	if err := c.Policy.Validate(); err != nil {
		return c, fmt.Errorf("worker: %w", err)
	}
	orDefault(&c.JobDeadline, d.JobDeadline)
	orDefault(&c.StepRetryDelay, d.StepRetryDelay)
	orDefault(&c.DelayedTaskCheckInterval, d.DelayedTaskCheckInterval)
	orDefault(&c.TaskCheckInterval, d.TaskCheckInterval)
	orDefault(&c.ShutdownTimeout, d.ShutdownTimeout)
	orDefault(&c.ResultRetention, d.ResultRetention)
	orDefault(&c.Concurrency, d.Concurrency)
	orDefault(&c.Dequeuers, d.Dequeuers)
	c.Dequeuers = min(c.Dequeuers, c.Concurrency) // each needs a slot
	orDefault(&c.FollowConcurrency, d.FollowConcurrency)
	orDefault(&c.FollowLease, d.FollowLease)
	orDefault(&c.FollowPeek, d.FollowPeek)
	orDefault(&c.ResultsMaxLen, d.ResultsMaxLen)
	orDefault(&c.WaitTimeout, d.WaitTimeout)
	orDefault(&c.PollMaxRetry, d.PollMaxRetry)
	orDefault(&c.ReconcileAfter, d.ReconcileAfter)
	orDefault(&c.BasiqTimeout, d.BasiqTimeout)
	if c.Namespace == "" {
		c.Namespace = d.Namespace
	}
	if c.BaseURL == "" {
		c.BaseURL = d.BaseURL
	}
	orDefault(&c.RateLimit.Burst, d.RateLimit.Burst)
	if c.TokenRateLimit == (RateLimit{}) {
		c.TokenRateLimit = d.TokenRateLimit
	}
	if c.APIVersion == "" {
		c.APIVersion = d.APIVersion
	}
	if err := checkAPIVersion(c.APIVersion); err != nil {
		return c, err
	}
	if len(c.Queues) == 0 {
		c.Queues = d.Queues
	}
	c.RefreshBudget = zeroDefaultNegativeNone(c.RefreshBudget, d.RefreshBudget)
	c.RefreshMinInterval = zeroDefaultNegativeNone(c.RefreshMinInterval, d.RefreshMinInterval)
	if c.ConsentLookup < 0 {
		c.ConsentLookup = 0
	}
	switch {
	case c.UnavailablePoll == 0:
		c.UnavailablePoll = d.UnavailablePoll
	case c.UnavailablePoll < 0:
		c.UnavailablePoll = 0
	}
	switch {
	case c.FollowBehind == 0:
		c.FollowBehind = d.FollowBehind
	case c.FollowBehind < 0:
		c.FollowBehind = 0
	}
	switch {
	case c.StepRetries == 0:
		c.StepRetries = d.StepRetries
	case c.StepRetries < 0:
		c.StepRetries = 0
	}
	return c, nil
}

func (c Config) checkRequired() error {
	switch {
	case c.Redis == nil:
		return errors.New("worker: Config.Redis is required")
	case c.Basiq == nil && c.APIKey == "":
		return errors.New("worker: Config.APIKey is required")
	case c.Keyring == nil:
		return errors.New("worker: Config.Keyring is required")
	}
	return nil
}

// zeroDefaultNegativeNone is def for zero, 0 (none) for a negative v, else v.
func zeroDefaultNegativeNone[T int | time.Duration](v, def T) T {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// orDefault sets *v to def when it is zero or negative.
func orDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
