package admin

import (
	"context"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
)

// readyTimeout bounds the Redis PING of /readyz.
const readyTimeout = time.Second

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok"))
}

// readyz answers 200 when Redis answers PING within readyTimeout, else 503 with the reason.
// The reason is go-redis's error, which names the address but never the password.
func readyz(rdb redis.UniversalClient) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := rdb.Ping(ctx).Err(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("redis: " + err.Error()))
			return
		}
		w.Write([]byte("ok"))
	})
}
