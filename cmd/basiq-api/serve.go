package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/basiq-worker/basiq-worker/config"
	"github.com/basiq-worker/basiq-worker/internal/exitcode"
	"github.com/basiq-worker/basiq-worker/internal/httpapi"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// shutdownGrace bounds how long requests in flight may finish at shutdown.
const shutdownGrace = 10 * time.Second

// serve opens the process's one Redis client and the listener, and serves
// until ctx is done.
func serve(ctx context.Context, cfg *config.API, log zerolog.Logger) error {
	rdb := cfg.RedisClient()
	defer rdb.Close()
	h, err := handler(cfg, rdb, log)
	if err != nil {
		return exitcode.Usage(fmt.Errorf("configuration: %w", err))
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("API_ADDR: %w", err)
	}
	log.Info().Object("config", cfg).Str("addr", ln.Addr().String()).Msg("starting")
	return serveOn(ctx, ln, h)
}

// serveOn serves h on ln until ctx is done; open event streams end at
// once (their clients resume with Last-Event-ID), other requests get
// shutdownGrace.
func serveOn(ctx context.Context, ln net.Listener, h http.Handler) error {
	streams, endStreams := context.WithCancel(context.Background())
	defer endStreams()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return streams }}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	endStreams()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

// handler is the process's whole HTTP surface: the API under /v1/, and
// /metrics, /healthz and /readyz without a token.
func handler(cfg *config.API, rdb redis.UniversalClient, log zerolog.Logger) (http.Handler, error) {
	keyring, err := cfg.Keyring()
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	opts := httpapi.Options{
		Tasks:     tasks.NewClient(rdb, keyring, tasks.WithNamespace(cfg.RedisNamespace), tasks.WithDefaultQueue(cfg.Queue)),
		Inspector: asynq.NewInspectorFromRedisClient(rdb), Redis: rdb, Namespace: cfg.RedisNamespace,
		TokenHashes: cfg.TokenHashes(), IdempotencySecret: cfg.IdempotencySecret(),
		MaxBody: cfg.MaxBody, MaxWait: cfg.MaxWait, Heartbeat: cfg.Heartbeat,
		Logger: log, Metrics: httpapi.NewMetrics(reg),
	}
	if cfg.BasiqKey != "" {
		bc, err := sdk.New(cfg.BasiqKey, cfg.SDKOptions()...)
		if err != nil {
			return nil, fmt.Errorf("BASIQ_API_KEY: %w", err)
		}
		opts.Consent = httpapi.SDKConsent(bc)
	}
	api, err := httpapi.New(opts)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", api)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := rdb.Ping(r.Context()).Err(); err != nil {
			http.Error(w, "redis: unreachable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	return mux, nil
}
