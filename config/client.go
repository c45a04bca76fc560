package config

import (
	"errors"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Client is the configuration of applications and the CLI that enqueue work
// and read results.
type Client struct {
	RedisURL       string
	RedisNamespace string
	// RedisWait is what WaitOption gives tasks.WithReplicaWait.
	RedisWait      ReplicaWait
	BasiqSecretKey string
}

// DefaultClient returns the client configuration when no variable is set.
func DefaultClient() *Client {
	return &Client{RedisURL: DefaultRedisURL, RedisNamespace: tasks.DefaultNamespace, RedisWait: DefaultReplicaWait()}
}

func (c *Client) variables() []variable {
	return append(append([]variable{
		{"REDIS_URL", &c.RedisURL, "Redis: redis://, rediss://, redis-sentinel:// or redis-cluster:// URL", 0},
		{"REDIS_NAMESPACE", &c.RedisNamespace, "prefix of the results keys in Redis", 0},
	}, c.RedisWait.variables()...), variable{"BASIQ_SECRET_KEY", &c.BasiqSecretKey, "keyring sealing credentials (kid:BASE64KEY32,...); needed only to enqueue credentials or MFA answers", secret})
}

// ErrNoSecretKey is returned by Client.Keyring when BASIQ_SECRET_KEY is unset.
var ErrNoSecretKey = errors.New("BASIQ_SECRET_KEY: required to seal credentials")

// LoadClient parses the variables getenv returns onto DefaultClient and
// validates the result; an empty variable is taken as unset. The error, an
// *Error, names every bad variable.
func LoadClient(getenv func(string) string) (*Client, error) {
	c := DefaultClient()
	errs, bad := parse(c.variables(), func(k string) (string, bool) {
		v := getenv(k)
		return v, v != ""
	})
	for _, err := range c.problems() {
		if !bad[nameOf(err)] {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, newError(errs, c.variables())
	}
	return c, nil
}

// Validate checks every rule; the error, an *Error, names each bad variable.
func (c *Client) Validate() error {
	if p := c.problems(); len(p) > 0 {
		return &Error{Problems: p}
	}
	return nil
}

func (c *Client) problems() []error {
	errs := c.RedisWait.problems()
	for _, err := range []error{checkRedisURL(c.RedisURL), checkNamespace(c.RedisNamespace)} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if c.BasiqSecretKey != "" {
		if _, err := parseKeyring(c.BasiqSecretKey); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// WaitOption is the tasks.Client option of REDIS_WAIT_REPLICAS and
// REDIS_WAIT_TIMEOUT: an enqueue returns once the task is on the replicas.
func (c *Client) WaitOption() tasks.ClientOption {
	return tasks.WithReplicaWait(c.RedisWait.Count(c.RedisURL), c.RedisWait.Timeout)
}

// RedisConnOpt returns the asynq connection options of REDIS_URL.
func (c *Client) RedisConnOpt() asynq.RedisConnOpt { return redisConnOpt(c.RedisURL) }

// RedisClient returns a new go-redis client for REDIS_URL; the caller closes it.
func (c *Client) RedisClient() redis.UniversalClient { return redisClient(c.RedisURL, 0) }

// Keyring parses BASIQ_SECRET_KEY; ErrNoSecretKey when it is unset.
func (c *Client) Keyring() (*tasks.Keyring, error) {
	if c.BasiqSecretKey == "" {
		return nil, ErrNoSecretKey
	}
	return parseKeyring(c.BasiqSecretKey)
}

// Redacted returns a copy with secrets masked as "****".
func (c Client) Redacted() Client {
	c.RedisURL = redactURL(c.RedisURL)
	c.BasiqSecretKey = mask(c.BasiqSecretKey)
	return c
}

// String prints every variable of the redacted configuration, NAME=value.
func (c Client) String() string {
	r := c.Redacted()
	return listVars(r.variables())
}

// GoString prints the redacted configuration.
func (c Client) GoString() string { return c.String() }
