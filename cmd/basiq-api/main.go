// Command basiq-api serves the HTTP API over tasks (internal/httpapi):
// applications in any language enqueue Basiq connection work, read task
// states and results and follow the results stream as Server-Sent Events.
// It serves /v1/ (bearer API tokens), /metrics, /healthz and /readyz on
// API_ADDR and stops gracefully on SIGTERM or SIGINT.
//
// Configuration is read from the environment; run basiq-api -h for the
// list of variables and their defaults.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/basiq-worker/basiq-worker/config"
	"github.com/basiq-worker/basiq-worker/internal/cmdline"
	"github.com/basiq-worker/basiq-worker/internal/exitcode"
	"github.com/rs/zerolog"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "basiq-api:", err)
		os.Exit(exitcode.Of(err))
	}
}

// run is the whole program: it returns when ctx is done and the server
// has shut down, or on a configuration or startup error.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if help, err := cmdline.Parse(args, stdout, stderr, usage); help || err != nil {
		return err
	}
	cfg, err := config.LoadAPI(getenv)
	if err != nil {
		return exitcode.Usage(fmt.Errorf("configuration: %w", err))
	}
	return serve(ctx, cfg, newLogger(cfg, stdout))
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: basiq-api [-h]

basiq-api serves the HTTP API over basiq-worker's tasks: JSON over HTTP to
enqueue connection work, task states, result long polls and an SSE event
stream, described by /v1/openapi.json. Every /v1/ request needs a bearer
token of API_TOKENS. It serves /metrics, /healthz and /readyz on API_ADDR.

Environment variables:

`)
	_ = config.Usage(w, config.DefaultAPI())
}

// newLogger builds the process logger: JSON lines, or console on request.
func newLogger(cfg *config.API, stdout io.Writer) zerolog.Logger {
	var out io.Writer = stdout
	if cfg.LogFormat == "console" {
		out = zerolog.ConsoleWriter{Out: stdout, TimeFormat: time.RFC3339}
	}
	return zerolog.New(out).Level(cfg.ZerologLevel()).With().Timestamp().Str("service", "basiq-api").Logger()
}
