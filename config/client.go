package config

import (
	"errors"
	"fmt"

	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Client is the configuration of applications and the CLI that enqueue work
// and read results.
type Client struct {
	RedisURL       string `envconfig:"REDIS_URL" default:"redis://127.0.0.1:6379/0" desc:"Redis: redis://, rediss:// or redis-sentinel:// URL"`
	RedisNamespace string `envconfig:"REDIS_NAMESPACE" default:"basiq" desc:"prefix of the results keys in Redis"`
	BasiqSecretKey string `envconfig:"BASIQ_SECRET_KEY" secret:"true" desc:"keyring sealing credentials (kid:BASE64KEY32,...); needed only to enqueue credentials or MFA answers"`
}

// ErrNoSecretKey is returned by Client.Keyring when BASIQ_SECRET_KEY is unset.
var ErrNoSecretKey = errors.New("BASIQ_SECRET_KEY: required to seal credentials")

// LoadClient loads and validates the client configuration from getenv.
func LoadClient(getenv func(string) string) (*Client, error) {
	var c Client
	if err := load(&c, getenv); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks every rule; each error names its variable.
func (c *Client) Validate() error {
	var errKeyring error
	if c.BasiqSecretKey != "" {
		_, errKeyring = parseKeyring(c.BasiqSecretKey)
	}
	return errors.Join(checkRedisURL(c.RedisURL), checkNamespace(c.RedisNamespace), errKeyring)
}

// RedisConnOpt returns the asynq connection options of REDIS_URL.
func (c *Client) RedisConnOpt() asynq.RedisConnOpt { return redisConnOpt(c.RedisURL) }

// RedisClient returns a new go-redis client for REDIS_URL; the caller closes it.
func (c *Client) RedisClient() redis.UniversalClient { return redisClient(c.RedisURL) }

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

// String prints the redacted configuration.
func (c Client) String() string {
	type plain Client
	return fmt.Sprintf("%+v", plain(c.Redacted()))
}

// GoString prints the redacted configuration.
func (c Client) GoString() string { return c.String() }
