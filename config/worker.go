package config

import (
	"net"
	"slices"
	"strings"

	"github.com/basiq-worker/basiq-worker/internal/ratelimit"
	"github.com/basiq-worker/basiq-worker/worker"
	"github.com/basiq-worker/basiq-worker/worker/admin"
	"github.com/basiq-worker/basiq-worker/worker/basiqhooks"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// DefaultRedisURL is REDIS_URL when it is not set.
const DefaultRedisURL = "redis://127.0.0.1:6379/0"

// Worker is the configuration of the basiq-worker binary: worker.Config,
// starting from worker.DefaultConfig with the worker's variables parsed
// onto it (and Keyring from BASIQ_SECRET_KEY), plus the process's own
// settings. The Basiq settings (BASIQ_API_KEY, BASIQ_BASE_URL,
// BASIQ_API_VERSION and the rate limits) are parsed straight onto Config,
// from which worker.New builds its Basiq client. The caller sets
// Config.Redis, Logger and Observer.
type Worker struct {
	worker.Config

	RedisURL string
	// RedisWait sets Config.WaitReplicas and WaitTimeout (LoadWorker).
	RedisWait      ReplicaWait
	BasiqSecretKey string

	LogFormat string
	LogLevel  string

	HTTPAddr   string
	UIPath     string
	UIEnabled  bool
	UIReadOnly bool
	UIUsername string
	UIPassword string

	WebhookURL    string
	WebhookSecret string

	// BasiqWebhookSecret enables the receiver of Basiq's own webhooks at
	// BasiqWebhookPath on the HTTP server (BasiqWebhookSecrets splits it).
	BasiqWebhookSecret string
	BasiqWebhookPath   string
	// BasiqWebhookURL, when set, is registered with Basiq at start as the
	// subscription delivering to this receiver (app.Options.BasiqHooksURL).
	BasiqWebhookURL string
}

// DefaultWorker returns the configuration of basiq-worker when no variable
// is set: worker.DefaultConfig and the process's defaults.
func DefaultWorker() *Worker {
	return &Worker{
		Config:   worker.DefaultConfig(),
		RedisURL: DefaultRedisURL, RedisWait: DefaultReplicaWait(),
		LogFormat: "json", LogLevel: "info",
		HTTPAddr: "127.0.0.1:8080", UIPath: admin.DefaultUIPath, UIEnabled: true,
		BasiqWebhookPath: basiqhooks.DefaultPath,
	}
}

// variables names every variable of the worker and the field it sets.
func (w *Worker) variables() []variable {
	c := &w.Config
	return slices.Concat([]variable{
		{"REDIS_URL", &w.RedisURL, "Redis: redis://[user:pass@]host:port/db, rediss:// (TLS) redis-sentinel://[:pass@]host1:port,host2:port?master=NAME or redis-cluster://[user:pass@]host1:port,host2:port", 0},
		{"REDIS_NAMESPACE", &c.Namespace, "prefix of the results keys in Redis", 0},
	}, w.RedisWait.variables(), basiqVariables(&c.APIKey, &c.APIVersion, &c.BaseURL), []variable{
		{"BASIQ_WEBHOOK_SECRET", &w.BasiqWebhookSecret, "Basiq's webhook signing secrets whsec_<base64>[,whsec_...] (several during rotation); receives Basiq's webhooks at BASIQ_WEBHOOK_PATH when set", secret},
		{"BASIQ_WEBHOOK_PATH", &w.BasiqWebhookPath, "path of the HTTP server receiving Basiq's webhooks", 0},
		{"BASIQ_WEBHOOK_URL", &w.BasiqWebhookURL, "public URL at which Basiq reaches BASIQ_WEBHOOK_PATH: registered with Basiq at start (an existing subscription of that URL is kept; one is created otherwise, its secret kept sealed in Redis for every worker), receiving Basiq's webhooks even without BASIQ_WEBHOOK_SECRET", 0},
		{"BASIQ_SECRET_KEY", &w.BasiqSecretKey, "keyring sealing credentials: kid1:BASE64KEY32[,kid2:BASE64KEY32]; the first key seals, all open", required | secret},
		{"BASIQ_RATE_LIMIT", &c.RateLimit.Rate, "Basiq calls per second of all workers of the API key together, shared through Redis; lowered for a while after each 429 (0 = no limit)", 0},
		{"BASIQ_RATE_BURST", &c.RateLimit.Burst, "Basiq calls that may go at once above BASIQ_RATE_LIMIT (>= 1)", 0},
		{"BASIQ_TOKEN_RATE_LIMIT", &c.TokenRateLimit.Rate, "POST /token per second of all workers together, burst 10 (Basiq allows 1,500 per 5 minutes)", 0},
		{"WORKER_CONCURRENCY", &c.Concurrency, "tasks processed at once", 0},
		{"WORKER_DEQUEUERS", &c.Dequeuers, "asynq servers sharing WORKER_CONCURRENCY in the process, each taking tasks from Redis one at a time (capped at WORKER_CONCURRENCY)", 0},
		{"WORKER_QUEUES", (*Queues)(&c.Queues), "queues to serve with their priority: name:priority,...", 0},
		{"FOLLOW_CONCURRENCY", &c.FollowConcurrency, "looks at followed Basiq jobs run at once, beside WORKER_CONCURRENCY", 0},
		{"FOLLOW_LEASE", &c.FollowLease, "how long a process holds the followed jobs it claimed: the longest a look may take, and how long a dead process's jobs wait", 0},
		{"FOLLOW_PEEK", &c.FollowPeek, "how often the follower looks for jobs other processes added, when nothing of its own is due sooner", 0},
		{"FOLLOW_BEHIND", &c.FollowBehind, "how late the follower's looks may run before tasks that start new Basiq jobs wait for it (each at most 2s), so that a saturated worker sees running jobs first (0 = never wait)", 0},
		{"WORKER_SHUTDOWN_TIMEOUT", &c.ShutdownTimeout, "time given to running tasks on shutdown", 0},
		{"POLL_INITIAL_DELAY", &c.Policy.Initial, "delay before the first poll of a Basiq job", 0},
		{"POLL_FACTOR", &c.Policy.Factor, "growth factor of the poll delay (>= 1)", 0},
		{"POLL_MAX_DELAY", &c.Policy.Max, "largest delay between polls", 0},
		{"POLL_JITTER", &c.Policy.Jitter, "random fraction added to or removed from poll delays (>= 0, < 1)", 0},
		{"POLL_NEAR_INTERVAL", &c.Policy.Near, "interval of the polls around a step's expected end, from the institution's average step times (0 = one poll at it, then back-off)", 0},
		{"POLL_STEP_SPREAD", &c.Policy.Spread, "how far a step's duration may fall from the institution's average, as a fraction of it (>= 0, < 1): the polls every POLL_NEAR_INTERVAL span it", 0},
		{"JOB_DEADLINE", &c.JobDeadline, "a Basiq job still running after this is reported timed_out", 0},
		{"POLL_MAX_RETRY", &c.PollMaxRetry, "retries of a poll whose Basiq call fails (5xx, network) before a failed result", 0},
		{"STEP_RETRIES", (*stepRetries)(&c.StepRetries), "refreshes of a connection after an institution-side failure (maintenance, ...); 0 for none", 0},
		{"STEP_RETRY_DELAY", &c.StepRetryDelay, "wait before the first such refresh, doubling each time", 0},
		{"UNAVAILABLE_POLL_INTERVAL", &c.UnavailablePoll, "how often a job whose step failed with service-unavailable (Basiq retries it itself for days) is looked at again until the task's deadline, instead of refreshed", 0},
		{"REFRESH_DAILY_BUDGET", &c.RefreshBudget, "refreshes a connection may have in any 24 hours before its scheduled refreshes are skipped (Basiq allows about 20 Open Banking refreshes a day)", 0},
		{"REFRESH_MIN_INTERVAL", &c.RefreshMinInterval, "a scheduled refresh of a connection refreshed less than this ago is skipped (0 = no minimum)", 0},
		{"CONSENT_LOOKUP_INTERVAL", &c.ConsentLookup, "API 3.0: a refresh reads the user's consents from Basiq when what the worker knows is older than this (0 = only Basiq's consent webhooks, no call)", 0},
		{"CONSENT_PURGE", &c.PurgeOnConsentEnd, "on consent.revoked or consent.expired also delete the user's connections at Basiq (listed in the consent_revoked event)", 0},
		{"RECONCILE_AFTER", &c.ReconcileAfter, "wait after a create whose answer was lost before it is looked up at Basiq (more than a Basiq call may take)", 0},
		{"DELAYED_TASK_CHECK_INTERVAL", &c.DelayedTaskCheckInterval, "how often asynq moves due scheduled tasks (sub-second polls need < 1s)", 0},
		{"TASK_CHECK_INTERVAL", &c.TaskCheckInterval, "how often an idle worker looks for tasks in an empty queue (bounds pickup latency)", 0},
		{"RESULTS_MAX_LEN", &c.ResultsMaxLen, "approximate maximum length of the results stream", 0},
		{"RESULT_RETENTION", &c.ResultRetention, "how long finished tasks and their results stay in asynq (and the UI)", 0},
		{"LOG_FORMAT", &w.LogFormat, "log format: json or console", 0},
		{"LOG_LEVEL", &w.LogLevel, "log level: trace, debug, info, warn, error", 0},
		{"HTTP_ADDR", &w.HTTPAddr, "listen address of metrics, health and the UI", 0},
		{"UI_PATH", &w.UIPath, "path of the asynq web UI", 0},
		{"UI_ENABLED", &w.UIEnabled, "serve the asynq web UI", 0},
		{"UI_READONLY", &w.UIReadOnly, "UI without actions (delete, run, archive)", 0},
		{"UI_USERNAME", &w.UIUsername, "UI basic-auth user; required when HTTP_ADDR is not loopback", 0},
		{"UI_PASSWORD", &w.UIPassword, "UI basic-auth password; required when HTTP_ADDR is not loopback", secret},
		{"WEBHOOK_URL", &w.WebhookURL, "optional URL receiving a signed webhook per result", 0},
		{"WEBHOOK_SECRET", &w.WebhookSecret, "webhook signing secret whsec_<base64>; required with WEBHOOK_URL", secret},
	})
}

// LoadWorker parses the variables lookupEnv finds (os.LookupEnv in main)
// onto DefaultWorker and validates the result. A variable that is set is
// parsed even when empty: WORKER_QUEUES= is an error, not the default. The
// error, an *Error, names every bad variable.
func LoadWorker(lookupEnv func(string) (string, bool)) (*Worker, error) {
	w := DefaultWorker()
	errs, bad := parse(w.variables(), lookupEnv)
	for _, err := range w.problems() {
		if !bad[nameOf(err)] {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, newError(errs, w.variables())
	}
	w.Keyring, _ = parseKeyring(w.BasiqSecretKey)
	w.WaitReplicas, w.WaitTimeout = w.RedisWait.Count(w.RedisURL), w.RedisWait.Timeout
	if w.RefreshMinInterval == 0 {
		w.RefreshMinInterval = -1 // REFRESH_MIN_INTERVAL=0: none (worker.Config's zero is the default)
	}
	if w.FollowBehind == 0 {
		w.FollowBehind = -1 // FOLLOW_BEHIND=0: never wait
	}
	return w, nil
}

// RedisClient returns a new go-redis client for REDIS_URL, the one client
// of the process, with a pool sized for the worker's slots plus asynq's,
// the scheduler's and the webhooks' own loops; the caller closes it.
func (w *Worker) RedisClient() redis.UniversalClient {
	return redisClient(w.RedisURL, 2*w.Concurrency+16)
}

// RateLimits returns the shared rate limiter's limits (worker.Config's
// RateLimit and TokenRateLimit): every call, and POST /token.
func (w *Worker) RateLimits() (api, token ratelimit.Limit) {
	return ratelimit.Limit(w.RateLimit), ratelimit.Limit(w.TokenRateLimit)
}

// IsLoopback reports whether HTTP_ADDR listens on loopback only.
func (w *Worker) IsLoopback() bool {
	host, _, _ := net.SplitHostPort(w.HTTPAddr)
	return isLoopback(host)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// WebhookSecretBytes decodes WEBHOOK_SECRET (nil when unset).
func (w *Worker) WebhookSecretBytes() ([]byte, error) {
	if w.WebhookSecret == "" {
		return nil, nil
	}
	return parseWebhookSecret(w.WebhookSecret)
}

// BasiqWebhookSecrets returns the secrets of BASIQ_WEBHOOK_SECRET (nil when unset).
func (w *Worker) BasiqWebhookSecrets() []string {
	var out []string
	for _, s := range strings.Split(w.BasiqWebhookSecret, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ZerologLevel returns LOG_LEVEL as a zerolog level.
func (w *Worker) ZerologLevel() zerolog.Level {
	l, _ := zerolog.ParseLevel(w.LogLevel)
	return l
}
