package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks/webhook"
	"github.com/rs/zerolog"
)

// Error is a configuration with bad variables: one problem per variable,
// each naming it.
type Error struct {
	Problems []error
}

// Error names every bad variable, one per line after the first when there
// are several.
func (e *Error) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d bad variables:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.Error())
	}
	return b.String()
}

// newError orders the problems as the variables are listed (-h), whether
// they failed to parse or to validate.
func newError(problems []error, vars []variable) *Error {
	pos := map[string]int{}
	for i, v := range vars {
		pos[v.name] = i
	}
	slices.SortStableFunc(problems, func(a, b error) int { return pos[nameOf(a)] - pos[nameOf(b)] })
	return &Error{Problems: problems}
}

// Unwrap returns the problems.
func (e *Error) Unwrap() []error { return e.Problems }

// nameOf returns the variable a problem names (its text up to the colon).
func nameOf(err error) string {
	name, _, _ := strings.Cut(err.Error(), ":")
	return name
}

// Validate checks every rule; the error, an *Error, names each bad variable.
func (w *Worker) Validate() error {
	if p := w.problems(); len(p) > 0 {
		return &Error{Problems: p}
	}
	return nil
}

func (w *Worker) problems() []error {
	var errs []error
	add := func(es ...error) {
		for _, e := range es {
			if e != nil {
				errs = append(errs, e)
			}
		}
	}
	add(checkRedisURL(w.RedisURL), checkNamespace(w.Namespace))
	add(w.RedisWait.problems()...)
	add(w.checkBasiq()...)
	add(w.checkRateLimits()...)
	add(positive("WORKER_CONCURRENCY", w.Concurrency), positive("WORKER_DEQUEUERS", w.Dequeuers), nonEmptyQueues(w.Queues),
		positiveDuration("WORKER_SHUTDOWN_TIMEOUT", w.ShutdownTimeout))
	add(w.checkPoll()...)
	add(positiveDuration("JOB_DEADLINE", w.JobDeadline), positive("POLL_MAX_RETRY", w.PollMaxRetry),
		positiveDuration("STEP_RETRY_DELAY", w.StepRetryDelay), positiveDuration("UNAVAILABLE_POLL_INTERVAL", w.UnavailablePoll),
		positiveDuration("RECONCILE_AFTER", w.ReconcileAfter), nonNegativeDuration("FOLLOW_BEHIND", w.FollowBehind, "never wait"),
		positiveDuration("DELAYED_TASK_CHECK_INTERVAL", w.DelayedTaskCheckInterval),
		positiveDuration("TASK_CHECK_INTERVAL", w.TaskCheckInterval),
		positive("RESULTS_MAX_LEN", int(w.ResultsMaxLen)), positiveDuration("RESULT_RETENTION", w.ResultRetention),
		oneOf("LOG_FORMAT", w.LogFormat, "json", "console"), checkLogLevel(w.LogLevel))
	add(w.checkRefresh()...)
	add(w.checkHTTP()...)
	add(w.checkWebhook()...)
	add(w.checkBasiqWebhook()...)
	return errs
}

func (w *Worker) checkBasiq() []error {
	errs := checkBasiqAPI(w.APIKey, w.APIVersion, w.BaseURL)
	if w.BasiqSecretKey == "" {
		errs = append(errs, errors.New("BASIQ_SECRET_KEY: required"))
	} else if _, err := parseKeyring(w.BasiqSecretKey); err != nil {
		errs = append(errs, err)
	}
	return errs
}

func (w *Worker) checkRateLimits() []error {
	var errs []error
	if w.RateLimit.Rate < 0 {
		errs = append(errs, fmt.Errorf("BASIQ_RATE_LIMIT: must be >= 0 (0 = no limit), got \"%g\"", w.RateLimit.Rate))
	}
	if w.RateLimit.Burst < 1 {
		errs = append(errs, fmt.Errorf("BASIQ_RATE_BURST: must be >= 1, got \"%d\"", w.RateLimit.Burst))
	}
	if w.TokenRateLimit.Rate <= 0 {
		errs = append(errs, fmt.Errorf("BASIQ_TOKEN_RATE_LIMIT: must be > 0, got \"%g\"", w.TokenRateLimit.Rate))
	}
	return errs
}

func (w *Worker) checkPoll() []error {
	p := w.Policy
	var errs []error
	if err := positiveDuration("POLL_INITIAL_DELAY", p.Initial); err != nil {
		errs = append(errs, err)
	}
	if p.Factor < 1 {
		errs = append(errs, fmt.Errorf("POLL_FACTOR: must be >= 1, got \"%g\"", p.Factor))
	}
	if p.Max < p.Initial {
		errs = append(errs, fmt.Errorf("POLL_MAX_DELAY: must be >= POLL_INITIAL_DELAY (%s), got %q", formatDuration(p.Initial), formatDuration(p.Max)))
	}
	if p.Jitter < 0 || p.Jitter >= 1 {
		errs = append(errs, fmt.Errorf("POLL_JITTER: must be >= 0 and < 1, got \"%g\"", p.Jitter))
	}
	if p.Near < 0 {
		errs = append(errs, fmt.Errorf("POLL_NEAR_INTERVAL: must be >= 0, got %q", formatDuration(p.Near)))
	}
	if p.Spread < 0 || p.Spread >= 1 {
		errs = append(errs, fmt.Errorf("POLL_STEP_SPREAD: must be >= 0 and < 1, got \"%g\"", p.Spread))
	}
	return errs
}

func (w *Worker) checkRefresh() []error {
	var errs []error
	if w.RefreshBudget < 1 {
		errs = append(errs, fmt.Errorf("REFRESH_DAILY_BUDGET: must be >= 1, got \"%d\"", w.RefreshBudget))
	}
	for _, err := range []error{nonNegativeDuration("REFRESH_MIN_INTERVAL", w.RefreshMinInterval, "no minimum"),
		nonNegativeDuration("CONSENT_LOOKUP_INTERVAL", w.ConsentLookup, "webhooks only")} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func (w *Worker) checkHTTP() []error {
	var errs []error
	if !strings.HasPrefix(w.UIPath, "/") {
		errs = append(errs, fmt.Errorf("UI_PATH: must start with /, got %q", w.UIPath))
	}
	host, _, err := net.SplitHostPort(w.HTTPAddr)
	if err != nil {
		return append(errs, fmt.Errorf("HTTP_ADDR: must be host:port, got %q", w.HTTPAddr))
	}
	if w.UIEnabled && !isLoopback(host) {
		if w.UIUsername == "" {
			errs = append(errs, fmt.Errorf("UI_USERNAME: required when UI_ENABLED and HTTP_ADDR %q is not loopback", w.HTTPAddr))
		}
		if w.UIPassword == "" {
			errs = append(errs, fmt.Errorf("UI_PASSWORD: required when UI_ENABLED and HTTP_ADDR %q is not loopback", w.HTTPAddr))
		}
	}
	return errs
}

func (w *Worker) checkWebhook() []error {
	if w.WebhookURL == "" {
		return nil
	}
	var errs []error
	if u, err := url.Parse(w.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, errors.New("WEBHOOK_URL: must be an absolute http(s) URL"))
	}
	if w.WebhookSecret == "" {
		errs = append(errs, errors.New("WEBHOOK_SECRET: required when WEBHOOK_URL is set"))
	} else if _, err := parseWebhookSecret(w.WebhookSecret); err != nil {
		errs = append(errs, err)
	}
	return errs
}

func parseWebhookSecret(s string) ([]byte, error) {
	b, err := webhook.ParseSecret(s)
	if err != nil {
		return nil, fmt.Errorf("WEBHOOK_SECRET: %v", err)
	}
	return b, nil
}

func positive(name string, n int) error {
	if n <= 0 {
		return fmt.Errorf("%s: must be > 0, got \"%d\"", name, n)
	}
	return nil
}

func positiveDuration(name string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%s: must be > 0, got %q", name, formatDuration(d))
	}
	return nil
}

// nonNegativeDuration refuses a negative d; zero means what zero says.
func nonNegativeDuration(name string, d time.Duration, zero string) error {
	if d < 0 {
		return fmt.Errorf("%s: must be >= 0 (0 = %s), got %q", name, zero, formatDuration(d))
	}
	return nil
}

func nonEmptyQueues(q map[string]int) error {
	if len(q) == 0 {
		return errors.New("WORKER_QUEUES: at least one queue required")
	}
	return nil
}

func oneOf(name, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("%s: must be one of %s, got %q", name, strings.Join(allowed, ", "), v)
}

func checkLogLevel(l string) error {
	if _, err := zerolog.ParseLevel(l); err != nil || l == "" {
		return fmt.Errorf("LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, panic, disabled, got %q", l)
	}
	return nil
}

// checkBasiqWebhook checks the receiver of Basiq's webhooks: every secret
// decodes (the error never quotes it) and the path is absolute.
func (w *Worker) checkBasiqWebhook() []error {
	var errs []error
	if !strings.HasPrefix(w.BasiqWebhookPath, "/") {
		errs = append(errs, fmt.Errorf("BASIQ_WEBHOOK_PATH: must start with /, got %q", w.BasiqWebhookPath))
	}
	if w.BasiqWebhookURL != "" {
		if u, err := url.Parse(w.BasiqWebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("BASIQ_WEBHOOK_URL: must be an absolute http(s) URL, got %q", w.BasiqWebhookURL))
		}
	}
	for i, s := range w.BasiqWebhookSecrets() {
		if _, err := sdk.NewWebhookVerifier(s); err != nil {
			errs = append(errs, fmt.Errorf("BASIQ_WEBHOOK_SECRET: secret %d is not whsec_<base64>", i+1))
		}
	}
	return errs
}
