package ratelimit_test

import (
	"net/http"

	"github.com/basiq-worker/basiq-worker/internal/ratelimit"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/redis/go-redis/v9"
)

// Every worker process of an API key builds its limiter on the shared Redis
// and puts it in its Basiq client's transport: together they make at most
// 20 calls a second (bursts of 5) and 4 token requests a second.
func Example() {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
	defer rdb.Close()
	lim, err := ratelimit.New(ratelimit.Config{Redis: rdb, Namespace: "basiq", APIKey: "API-KEY",
		API: ratelimit.Limit{Rate: 20, Burst: 5}, Token: ratelimit.DefaultTokenLimit})
	if err != nil {
		panic(err)
	}
	hc := &http.Client{Transport: lim.Transport(http.DefaultTransport)}
	c, err := sdk.New("API-KEY", sdk.WithHTTPClient(hc))
	if err != nil {
		panic(err)
	}
	_ = c // a call sent back has ratelimit.Delay(err) true and sdk.IsNotSent(err) true
}
