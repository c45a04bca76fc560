package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Worker is the configuration of the basiq-worker binary.
type Worker struct {
	RedisURL       string `envconfig:"REDIS_URL" default:"redis://127.0.0.1:6379/0" desc:"Redis: redis://[user:pass@]host:port/db, rediss:// (TLS) or redis-sentinel://[:pass@]host1:port,host2:port?master=NAME"`
	RedisNamespace string `envconfig:"REDIS_NAMESPACE" default:"basiq" desc:"prefix of the results keys in Redis"`

	BasiqAPIKey     string `envconfig:"BASIQ_API_KEY" required:"true" secret:"true" desc:"Basiq API key"`
	BasiqAPIVersion string `envconfig:"BASIQ_API_VERSION" default:"2.0" desc:"Basiq API version: 1.0, 2.0, 2.1 or 3.0"`
	BasiqBaseURL    string `envconfig:"BASIQ_BASE_URL" default:"https://au-api.basiq.io" desc:"Basiq API base URL (absolute http or https)"`
	BasiqSecretKey  string `envconfig:"BASIQ_SECRET_KEY" required:"true" secret:"true" desc:"keyring sealing credentials: kid1:BASE64KEY32[,kid2:BASE64KEY32]; the first key seals, all open"`

	Concurrency     int           `envconfig:"WORKER_CONCURRENCY" default:"20" desc:"tasks processed at once"`
	Queues          Queues        `envconfig:"WORKER_QUEUES" default:"default:1" desc:"queues to serve with their priority: name:priority,..."`
	ShutdownTimeout time.Duration `envconfig:"WORKER_SHUTDOWN_TIMEOUT" default:"25s" desc:"time given to running tasks on shutdown"`

	PollInitialDelay time.Duration `envconfig:"POLL_INITIAL_DELAY" default:"500ms" desc:"delay before the first poll of a Basiq job"`
	PollFactor       float64       `envconfig:"POLL_FACTOR" default:"1.5" desc:"growth factor of the poll delay (>= 1)"`
	PollMaxDelay     time.Duration `envconfig:"POLL_MAX_DELAY" default:"5s" desc:"largest delay between polls"`
	PollJitter       float64       `envconfig:"POLL_JITTER" default:"0.2" desc:"random fraction added to or removed from poll delays (>= 0, < 1)"`
	JobDeadline      time.Duration `envconfig:"JOB_DEADLINE" default:"10m" desc:"a Basiq job still running after this is reported timed_out"`
	PollMaxRetry     int           `envconfig:"POLL_MAX_RETRY" default:"10" desc:"retries of a poll whose Basiq call fails (5xx, network) before a failed result"`
	StepRetries      int           `envconfig:"STEP_RETRIES" default:"3" desc:"refreshes of a connection after an institution-side failure (maintenance, ...); 0 for none"`
	StepRetryDelay   time.Duration `envconfig:"STEP_RETRY_DELAY" default:"1m" desc:"wait before the first such refresh, doubling each time"`

	DelayedTaskCheckInterval time.Duration `envconfig:"DELAYED_TASK_CHECK_INTERVAL" default:"250ms" desc:"how often asynq moves due scheduled tasks (sub-second polls need < 1s)"`
	TaskCheckInterval        time.Duration `envconfig:"TASK_CHECK_INTERVAL" default:"200ms" desc:"how often an idle worker looks for tasks in an empty queue (bounds pickup latency)"`
	ResultsMaxLen            int64         `envconfig:"RESULTS_MAX_LEN" default:"100000" desc:"approximate maximum length of the results stream"`
	ResultRetention          time.Duration `envconfig:"RESULT_RETENTION" default:"24h" desc:"how long finished tasks and their results stay in asynq (and the UI)"`

	LogFormat string `envconfig:"LOG_FORMAT" default:"json" desc:"log format: json or console"`
	LogLevel  string `envconfig:"LOG_LEVEL" default:"info" desc:"log level: trace, debug, info, warn, error"`

	HTTPAddr   string `envconfig:"HTTP_ADDR" default:"127.0.0.1:8080" desc:"listen address of metrics, health and the UI"`
	UIPath     string `envconfig:"UI_PATH" default:"/ui" desc:"path of the asynq web UI"`
	UIEnabled  bool   `envconfig:"UI_ENABLED" default:"true" desc:"serve the asynq web UI"`
	UIReadOnly bool   `envconfig:"UI_READONLY" default:"false" desc:"UI without actions (delete, run, archive)"`
	UIUsername string `envconfig:"UI_USERNAME" desc:"UI basic-auth user; required when HTTP_ADDR is not loopback"`
	UIPassword string `envconfig:"UI_PASSWORD" secret:"true" desc:"UI basic-auth password; required when HTTP_ADDR is not loopback"`

	WebhookURL    string `envconfig:"WEBHOOK_URL" desc:"optional URL receiving a signed webhook per result"`
	WebhookSecret string `envconfig:"WEBHOOK_SECRET" secret:"true" desc:"webhook signing secret whsec_<base64>; required with WEBHOOK_URL"`
}

// Queues maps queue names to asynq priorities. It decodes "name:priority,...".
type Queues map[string]int

// Decode parses "name:priority,..." (a name alone has priority 1).
func (q *Queues) Decode(s string) error {
	out := Queues{}
	for _, part := range strings.Split(s, ",") {
		name, prio, hasPrio := strings.Cut(strings.TrimSpace(part), ":")
		if name == "" {
			return errors.New("empty queue name")
		}
		n := 1
		if hasPrio {
			var err error
			if n, err = strconv.Atoi(prio); err != nil || n <= 0 {
				return fmt.Errorf("queue %q: priority must be an integer > 0", name)
			}
		}
		out[name] = n
	}
	*q = out
	return nil
}

// String returns "name:priority,..." sorted by name.
func (q Queues) String() string {
	parts := make([]string, 0, len(q))
	for name, p := range q {
		parts = append(parts, name+":"+strconv.Itoa(p))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// LoadWorker loads and validates the worker configuration from getenv
// (os.Getenv in main). The error lists every bad variable by name.
func LoadWorker(getenv func(string) string) (*Worker, error) {
	var w Worker
	if err := load(&w, getenv); err != nil {
		return nil, err
	}
	if err := w.Validate(); err != nil {
		return nil, err
	}
	return &w, nil
}

// Validate checks every rule; each error names its variable.
func (w *Worker) Validate() error {
	return errors.Join(
		checkRedisURL(w.RedisURL),
		checkNamespace(w.RedisNamespace),
		w.checkBasiq(),
		positive("WORKER_CONCURRENCY", w.Concurrency),
		nonEmptyQueues(w.Queues),
		positiveDuration("WORKER_SHUTDOWN_TIMEOUT", w.ShutdownTimeout),
		w.checkPoll(),
		positiveDuration("JOB_DEADLINE", w.JobDeadline),
		positive("POLL_MAX_RETRY", w.PollMaxRetry),
		notNegative("STEP_RETRIES", w.StepRetries),
		positiveDuration("STEP_RETRY_DELAY", w.StepRetryDelay),
		positiveDuration("DELAYED_TASK_CHECK_INTERVAL", w.DelayedTaskCheckInterval),
		positiveDuration("TASK_CHECK_INTERVAL", w.TaskCheckInterval),
		positive("RESULTS_MAX_LEN", int(w.ResultsMaxLen)),
		positiveDuration("RESULT_RETENTION", w.ResultRetention),
		oneOf("LOG_FORMAT", w.LogFormat, "json", "console"),
		checkLogLevel(w.LogLevel),
		w.checkHTTP(),
		w.checkWebhook(),
	)
}

func (w *Worker) checkBasiq() error {
	var errs []error
	if w.BasiqAPIKey == "" {
		errs = append(errs, errors.New("BASIQ_API_KEY: required"))
	}
	errs = append(errs, oneOf("BASIQ_API_VERSION", w.BasiqAPIVersion, "1.0", "2.0", "2.1", "3.0"))
	if u, err := url.Parse(w.BasiqBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("BASIQ_BASE_URL: must be an absolute http(s) URL, got %q", w.BasiqBaseURL))
	}
	if _, err := parseKeyring(w.BasiqSecretKey); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (w *Worker) checkPoll() error {
	var errs []error
	errs = append(errs, positiveDuration("POLL_INITIAL_DELAY", w.PollInitialDelay))
	if w.PollFactor < 1 {
		errs = append(errs, fmt.Errorf("POLL_FACTOR: must be >= 1, got \"%g\"", w.PollFactor))
	}
	if w.PollMaxDelay < w.PollInitialDelay {
		errs = append(errs, fmt.Errorf("POLL_MAX_DELAY: must be >= POLL_INITIAL_DELAY (%s), got %q", w.PollInitialDelay, w.PollMaxDelay))
	}
	if w.PollJitter < 0 || w.PollJitter >= 1 {
		errs = append(errs, fmt.Errorf("POLL_JITTER: must be >= 0 and < 1, got \"%g\"", w.PollJitter))
	}
	return errors.Join(errs...)
}

func (w *Worker) checkHTTP() error {
	host, _, err := net.SplitHostPort(w.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: must be host:port, got %q", w.HTTPAddr)
	}
	var errs []error
	if !strings.HasPrefix(w.UIPath, "/") {
		errs = append(errs, fmt.Errorf("UI_PATH: must start with /, got %q", w.UIPath))
	}
	if w.UIEnabled && !isLoopback(host) {
		if w.UIUsername == "" {
			errs = append(errs, fmt.Errorf("UI_USERNAME: required when UI_ENABLED and HTTP_ADDR %q is not loopback", w.HTTPAddr))
		}
		if w.UIPassword == "" {
			errs = append(errs, fmt.Errorf("UI_PASSWORD: required when UI_ENABLED and HTTP_ADDR %q is not loopback", w.HTTPAddr))
		}
	}
	return errors.Join(errs...)
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

func (w *Worker) checkWebhook() error {
	if w.WebhookURL == "" {
		return nil
	}
	if u, err := url.Parse(w.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("WEBHOOK_URL: must be an absolute http(s) URL")
	}
	if w.WebhookSecret == "" {
		return errors.New("WEBHOOK_SECRET: required when WEBHOOK_URL is set")
	}
	if _, err := tasks.ParseWebhookSecret(w.WebhookSecret); err != nil {
		return fmt.Errorf("WEBHOOK_SECRET: %v", err)
	}
	return nil
}

// RedisConnOpt returns the asynq connection options of REDIS_URL.
func (w *Worker) RedisConnOpt() asynq.RedisConnOpt { return redisConnOpt(w.RedisURL) }

// RedisClient returns a new go-redis client for REDIS_URL; the caller closes it.
func (w *Worker) RedisClient() redis.UniversalClient { return redisClient(w.RedisURL) }

// Keyring parses BASIQ_SECRET_KEY.
func (w *Worker) Keyring() (*tasks.Keyring, error) { return parseKeyring(w.BasiqSecretKey) }

// WebhookSecretBytes decodes WEBHOOK_SECRET (nil when unset).
func (w *Worker) WebhookSecretBytes() ([]byte, error) {
	if w.WebhookSecret == "" {
		return nil, nil
	}
	b, err := tasks.ParseWebhookSecret(w.WebhookSecret)
	if err != nil {
		return nil, fmt.Errorf("WEBHOOK_SECRET: %v", err)
	}
	return b, nil
}

// ZerologLevel returns LOG_LEVEL as a zerolog level.
func (w *Worker) ZerologLevel() zerolog.Level {
	l, _ := zerolog.ParseLevel(w.LogLevel)
	return l
}

// Redacted returns a copy with every secret masked as "****" (including a
// password inside REDIS_URL), safe to print or log.
func (w Worker) Redacted() Worker {
	w.RedisURL = redactURL(w.RedisURL)
	w.BasiqAPIKey = mask(w.BasiqAPIKey)
	w.BasiqSecretKey = mask(w.BasiqSecretKey)
	w.UIPassword = mask(w.UIPassword)
	w.WebhookSecret = mask(w.WebhookSecret)
	return w
}

// String prints the redacted configuration.
func (w Worker) String() string {
	type plain Worker // drop the String method to avoid recursion
	return fmt.Sprintf("%+v", plain(w.Redacted()))
}

// GoString prints the redacted configuration.
func (w Worker) GoString() string { return w.String() }

// MarshalZerologObject logs the redacted configuration.
func (w Worker) MarshalZerologObject(e *zerolog.Event) {
	r := w.Redacted()
	e.Str("REDIS_URL", r.RedisURL).Str("REDIS_NAMESPACE", r.RedisNamespace).
		Str("BASIQ_API_KEY", r.BasiqAPIKey).Str("BASIQ_API_VERSION", r.BasiqAPIVersion).
		Str("BASIQ_BASE_URL", r.BasiqBaseURL).Str("BASIQ_SECRET_KEY", r.BasiqSecretKey).
		Int("WORKER_CONCURRENCY", r.Concurrency).Str("WORKER_QUEUES", r.Queues.String()).
		Dur("WORKER_SHUTDOWN_TIMEOUT", r.ShutdownTimeout).
		Dur("POLL_INITIAL_DELAY", r.PollInitialDelay).Float64("POLL_FACTOR", r.PollFactor).
		Dur("POLL_MAX_DELAY", r.PollMaxDelay).Float64("POLL_JITTER", r.PollJitter).
		Dur("JOB_DEADLINE", r.JobDeadline).Int("POLL_MAX_RETRY", r.PollMaxRetry).
		Int("STEP_RETRIES", r.StepRetries).Dur("STEP_RETRY_DELAY", r.StepRetryDelay).
		Dur("DELAYED_TASK_CHECK_INTERVAL", r.DelayedTaskCheckInterval).Dur("TASK_CHECK_INTERVAL", r.TaskCheckInterval).
		Int64("RESULTS_MAX_LEN", r.ResultsMaxLen).Dur("RESULT_RETENTION", r.ResultRetention).
		Str("LOG_FORMAT", r.LogFormat).Str("LOG_LEVEL", r.LogLevel).Str("HTTP_ADDR", r.HTTPAddr).
		Str("UI_PATH", r.UIPath).Bool("UI_ENABLED", r.UIEnabled).Bool("UI_READONLY", r.UIReadOnly).
		Str("UI_USERNAME", r.UIUsername).Str("UI_PASSWORD", r.UIPassword).
		Str("WEBHOOK_URL", r.WebhookURL).Str("WEBHOOK_SECRET", r.WebhookSecret)
}

func positive(name string, n int) error {
	if n <= 0 {
		return fmt.Errorf("%s: must be > 0, got \"%d\"", name, n)
	}
	return nil
}

func notNegative(name string, n int) error {
	if n < 0 {
		return fmt.Errorf("%s: must be >= 0, got \"%d\"", name, n)
	}
	return nil
}

func positiveDuration(name string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%s: must be > 0, got %q", name, d)
	}
	return nil
}

func nonEmptyQueues(q Queues) error {
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
