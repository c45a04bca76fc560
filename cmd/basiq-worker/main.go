// Command basiq-worker runs the basiq-worker pipeline: it processes the
// connection tasks applications enqueue in Redis, follows each Basiq job to
// its end and publishes one result per job. It serves Prometheus metrics,
// health probes and the asynq web UI on HTTP_ADDR.
//
// Configuration is read from the environment; run basiq-worker -h for the
// list of variables and their defaults.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/basiq-worker/basiq-worker/config"
	"github.com/basiq-worker/basiq-worker/internal/app"
	"github.com/basiq-worker/basiq-worker/internal/cmdline"
	"github.com/basiq-worker/basiq-worker/internal/exitcode"
	"github.com/basiq-worker/basiq-worker/worker/admin"
	"github.com/basiq-worker/basiq-worker/worker/basiqhooks"
	"github.com/basiq-worker/basiq-worker/worker/webhook"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.LookupEnv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "basiq-worker:", err)
		os.Exit(exitcode.Of(err))
	}
}

// run is the whole program: it returns when ctx is done (a signal) and
// the worker has shut down, or on a configuration or startup error.
func run(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	if help, err := cmdline.Parse(args, stdout, stderr, usage); help || err != nil {
		return err
	}
	cfg, err := config.LoadWorker(lookupEnv)
	if err != nil {
		return exitcode.Usage(fmt.Errorf("configuration: %w", err))
	}
	return serve(ctx, cfg, newLogger(cfg, stdout))
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: basiq-worker [-h]

basiq-worker processes Basiq connection tasks from Redis (asynq), follows each
Basiq job without holding a worker slot, and publishes one result per job.
It serves /metrics, /healthz, /readyz and the web UI on HTTP_ADDR and stops
gracefully on SIGTERM or SIGINT.

Environment variables:

`)
	_ = config.Usage(w, config.DefaultWorker())
}

// newLogger builds the process logger: JSON lines, or console on request.
func newLogger(cfg *config.Worker, stdout io.Writer) zerolog.Logger {
	var out io.Writer = stdout
	if cfg.LogFormat == "console" {
		out = zerolog.ConsoleWriter{Out: stdout, TimeFormat: time.RFC3339}
	}
	return zerolog.New(out).Level(cfg.ZerologLevel()).With().Timestamp().Str("service", "basiq-worker").Logger()
}

// serve opens the process's one Redis client and the admin listener, and
// runs the process (internal/app) until ctx is done.
func serve(ctx context.Context, cfg *config.Worker, log zerolog.Logger) error {
	rdb := cfg.RedisClient()
	defer rdb.Close()
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: %w", err)
	}
	opts, err := appOptions(cfg, rdb, ln, log)
	if err != nil {
		ln.Close()
		return exitcode.Usage(fmt.Errorf("configuration: %w", err))
	}
	p, err := app.New(opts)
	if err != nil {
		ln.Close()
		return exitcode.Usage(fmt.Errorf("configuration: %w", err))
	}
	log.Info().Object("config", cfg).Msg("starting")
	return p.Run(ctx)
}

// appOptions are the process's options: the worker.Config the variables
// were parsed onto (how to reach Basiq included), the admin server and the
// webhooks.
func appOptions(cfg *config.Worker, rdb redis.UniversalClient, ln net.Listener, log zerolog.Logger) (app.Options, error) {
	secret, err := cfg.WebhookSecretBytes()
	if err != nil {
		return app.Options{}, err
	}
	return app.Options{
		Redis: rdb, Worker: cfg.Config, Logger: log, Listener: ln,
		Admin: admin.Options{UIEnabled: cfg.UIEnabled, UIPath: cfg.UIPath, UIReadOnly: cfg.UIReadOnly,
			Username: cfg.UIUsername, Password: cfg.UIPassword},
		Webhook:    webhook.Options{URL: cfg.WebhookURL, Secret: secret},
		BasiqHooks: basiqhooks.Options{Secrets: cfg.BasiqWebhookSecrets()}, BasiqHooksPath: cfg.BasiqWebhookPath,
		BasiqHooksURL: cfg.BasiqWebhookURL,
	}, nil
}
