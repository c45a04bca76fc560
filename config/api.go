package config

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/basiq-worker/basiq-worker/internal/httpapi"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// API is the configuration of basiq-api, the HTTP API over tasks.
type API struct {
	RedisURL       string
	RedisNamespace string
	BasiqSecretKey string
	// APITokens are the accepted bearer tokens (API_TOKENS), as hashes.
	APITokens  apiTokens
	Addr       string
	Queue      string
	MaxBody    int64
	MaxWait    time.Duration
	Heartbeat  time.Duration
	LogFormat  string
	LogLevel   string
	BasiqKey   string
	APIVersion string
	BaseURL    string
	ConsentURL string
}

// apiTokens is API_TOKENS: only the hashes are kept.
type apiTokens struct {
	hashes []httpapi.TokenHash
}

// Decode parses the tokens (httpapi.ParseTokenHashes) and keeps their hashes.
func (a *apiTokens) Decode(s string) error {
	h, err := httpapi.ParseTokenHashes(s)
	if err != nil {
		return err
	}
	a.hashes = h
	return nil
}

// String shows how many tokens there are, never a token or a hash.
func (a apiTokens) String() string {
	if len(a.hashes) == 0 {
		return ""
	}
	return fmt.Sprintf("%d tokens", len(a.hashes))
}

// DefaultAPI returns the configuration of basiq-api when no variable is set.
func DefaultAPI() *API {
	b := DefaultBasiqAPI()
	return &API{RedisURL: DefaultRedisURL, RedisNamespace: tasks.DefaultNamespace, Addr: "127.0.0.1:8090",
		Queue: tasks.DefaultQueue, MaxBody: httpapi.DefaultMaxBody, MaxWait: httpapi.DefaultMaxWait,
		Heartbeat: httpapi.DefaultHeartbeat, LogFormat: "json", LogLevel: "info",
		APIVersion: b.APIVersion, BaseURL: b.BaseURL, ConsentURL: sdk.DefaultConsentURL}
}

func (a *API) variables() []variable {
	return []variable{
		{"API_TOKENS", &a.APITokens, "bearer API tokens, comma-separated (rotation): each a token of 16+ characters or sha256:HEX of one", required | secret},
		{"API_ADDR", &a.Addr, "listen address of the API, /metrics, /healthz and /readyz", 0},
		{"REDIS_URL", &a.RedisURL, "Redis: redis://, rediss:// or redis-sentinel:// URL", 0},
		{"REDIS_NAMESPACE", &a.RedisNamespace, "prefix of the results keys in Redis", 0},
		{"BASIQ_SECRET_KEY", &a.BasiqSecretKey, "keyring sealing credentials (kid:BASE64KEY32,...), as the worker's", required | secret},
		{"API_QUEUE", &a.Queue, "asynq queue the API enqueues into", 0},
		{"API_MAX_BODY", &a.MaxBody, "largest request body in bytes", 0},
		{"API_MAX_WAIT", &a.MaxWait, "longest ?wait= of a result long poll", 0},
		{"API_HEARTBEAT", &a.Heartbeat, "interval of heartbeats on an idle event stream", 0},
		{"LOG_FORMAT", &a.LogFormat, "log format: json or console", 0},
		{"LOG_LEVEL", &a.LogLevel, "log level: trace, debug, info, warn, error", 0},
		{"BASIQ_API_KEY", &a.BasiqKey, "Basiq API key, for Consent UI links (consent-url answers 503 without it)", secret},
		{"BASIQ_API_VERSION", &a.APIVersion, "Basiq API version: 1.0, 2.0, 2.1 or 3.0", 0},
		{"BASIQ_BASE_URL", &a.BaseURL, "Basiq API base URL (absolute http or https)", 0},
		{"BASIQ_CONSENT_URL", &a.ConsentURL, "page of Basiq's Consent UI the links point at", 0},
	}
}

// LoadAPI parses the variables getenv returns onto DefaultAPI and
// validates the result; an empty variable is taken as unset. The error, an
// *Error, names every bad variable.
func LoadAPI(getenv func(string) string) (*API, error) {
	a := DefaultAPI()
	errs, bad := parse(a.variables(), func(k string) (string, bool) {
		v := getenv(k)
		return v, v != ""
	})
	for _, err := range a.problems() {
		if !bad[nameOf(err)] {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, newError(errs, a.variables())
	}
	return a, nil
}

func (a *API) problems() []error {
	errs := []error{checkRedisURL(a.RedisURL), checkNamespace(a.RedisNamespace),
		oneOf("LOG_FORMAT", a.LogFormat, "json", "console"), checkLogLevel(a.LogLevel)}
	if len(a.APITokens.hashes) == 0 {
		errs = append(errs, errors.New("API_TOKENS: required"))
	}
	if a.BasiqSecretKey == "" {
		errs = append(errs, errors.New("BASIQ_SECRET_KEY: required"))
	} else if _, err := parseKeyring(a.BasiqSecretKey); err != nil {
		errs = append(errs, err)
	}
	if _, _, err := net.SplitHostPort(a.Addr); err != nil {
		errs = append(errs, fmt.Errorf("API_ADDR: must be host:port, got %q", a.Addr))
	}
	if a.Queue == "" {
		errs = append(errs, errors.New("API_QUEUE: required"))
	}
	errs = append(errs, positive("API_MAX_BODY", int(min(a.MaxBody, 1<<30))), positiveDuration("API_MAX_WAIT", a.MaxWait),
		positiveDuration("API_HEARTBEAT", a.Heartbeat))
	if a.BasiqKey != "" {
		errs = append(errs, checkBasiqAPI(a.BasiqKey, a.APIVersion, a.BaseURL)...)
	}
	if u, err := url.Parse(a.ConsentURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("BASIQ_CONSENT_URL: must be an absolute http(s) URL, got %q", a.ConsentURL))
	}
	var out []error
	for _, err := range errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// TokenHashes returns the hashes of API_TOKENS.
func (a *API) TokenHashes() []httpapi.TokenHash { return a.APITokens.hashes }

// Keyring parses BASIQ_SECRET_KEY.
func (a *API) Keyring() (*tasks.Keyring, error) { return parseKeyring(a.BasiqSecretKey) }

// IdempotencySecret derives the key of the Idempotency-Key body HMACs
// from BASIQ_SECRET_KEY, so that every replica shares it.
func (a *API) IdempotencySecret() []byte {
	sum := sha256.Sum256([]byte("basiq-api idempotency\x00" + a.BasiqSecretKey))
	return sum[:]
}

// RedisClient returns a new go-redis client for REDIS_URL; the caller closes it.
func (a *API) RedisClient() redis.UniversalClient { return redisClient(a.RedisURL, 0) }

// SDKOptions returns the options of sdk.New for the Consent UI links.
func (a *API) SDKOptions() []sdk.Option {
	return []sdk.Option{sdk.WithBaseURL(a.BaseURL), sdk.WithAPIVersion(a.APIVersion), sdk.WithConsentURL(a.ConsentURL)}
}

// ZerologLevel returns LOG_LEVEL as a zerolog level.
func (a *API) ZerologLevel() zerolog.Level {
	l, _ := zerolog.ParseLevel(a.LogLevel)
	return l
}

// Redacted returns a copy with secrets masked as "****".
func (a API) Redacted() API {
	a.RedisURL = redactURL(a.RedisURL)
	a.BasiqSecretKey = mask(a.BasiqSecretKey)
	a.BasiqKey = mask(a.BasiqKey)
	return a
}

// String prints every variable of the redacted configuration, NAME=value.
func (a API) String() string {
	r := a.Redacted()
	return listVars(r.variables())
}

// GoString prints the redacted configuration.
func (a API) GoString() string { return a.String() }

// MarshalZerologObject logs every variable of the redacted configuration.
func (a API) MarshalZerologObject(e *zerolog.Event) {
	r := a.Redacted()
	logVars(e, r.variables())
}
