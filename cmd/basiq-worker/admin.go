package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/basiq-worker/basiq-worker/config"
	"github.com/basiq-worker/basiq-worker/worker/admin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// serveAdmin serves metrics, probes and the web UI on HTTP_ADDR. The
// returned stop shuts the server down.
func serveAdmin(cfg *config.Worker, rdb redis.UniversalClient, reg *prometheus.Registry, log zerolog.Logger) (stop func(), err error) {
	h, err := admin.New(admin.Options{
		Redis: rdb, Registry: reg,
		UIEnabled: cfg.UIEnabled, UIPath: cfg.UIPath, UIReadOnly: cfg.UIReadOnly,
		Username: cfg.UIUsername, Password: cfg.UIPassword,
	})
	if err != nil {
		return nil, fmt.Errorf("admin server: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("HTTP_ADDR: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error().Err(err).Msg("admin server stopped")
		}
	}()
	log.Info().Str("addr", ln.Addr().String()).Msg("admin server listening")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		h.Close()
	}, nil
}
