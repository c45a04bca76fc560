// Command basiq-dev runs the whole system in one process, for a first look
// on a fresh machine with nothing installed but Go:
//
//	go run ./cmd/basiq-dev
//
// It starts an embedded Redis (miniredis; set REDIS_URL to use a real one),
// the fake Basiq API of package basiqtest, a worker, the HTTP API for apps
// in any language on 127.0.0.1:8090 (-api; API_TOKENS, or a throw-away
// token printed at start), and the admin HTTP server (asynq web UI at /ui,
// Prometheus /metrics, /healthz, /readyz) on 127.0.0.1:8080 (-http; when
// that port is taken the next free one is used and printed).
//
// By default it runs Basiq's API 3.0 journey (-api-version 3.0): the banner
// prints a Consent UI link for a demo user; the fake's Consent UI
// redirects to basiq-dev's callback page (/callback on the admin server),
// which enqueues a follow of each job handed back (tasks.Client.FollowJobs)
// and shows its progress and result. The worker is subscribed to the fake's
// webhooks (/basiq/webhooks; BASIQ_WEBHOOK_SECRET adds secrets of one's own),
// so a journey whose user never comes back is followed through
// connection.created. The demo (-demo N) drives journeys through the fake's
// JSON Consent UI (POST /_mock/consent) and the callback page.
//
// With -api-version 2.0 (or 1.0, 2.1) it runs the credential flow instead:
// the demo sends connections with the sandbox logins.
//
// Either way it prints one line per result until Ctrl-C (or, with
// -exit-after-demo, until every demo result is in).
//
// The worker process is wired as basiq-worker's (internal/app): dev mode
// only adds the embedded Redis, the fake, the callback page and the banner.
// It also runs the refresh scheduler (worker/schedule) and, when
// WEBHOOK_URL and WEBHOOK_SECRET are set, the webhook deliveries
// (worker/webhook). BASIQ_SECRET_KEY and REDIS_NAMESPACE are honoured when
// set; otherwise a throw-away keyring is generated and the namespace is
// "basiq".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/basiq-worker/basiq-worker/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "basiq-dev:", err)
		os.Exit(1)
	}
}

// options are the command-line flags.
type options struct {
	httpAddr      string
	apiAddr       string
	demo          int
	exitAfterDemo bool
	apiVersion    string
	logLevel      string
	steps         [3]time.Duration
	jitter        float64
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.httpAddr, "http", config.DefaultWorker().HTTPAddr, "listen address of the web UI and /metrics (next free port if taken; port 0 picks one)")
	fs.StringVar(&o.apiAddr, "api", "127.0.0.1:8090", "listen address of the HTTP API (internal/httpapi; next free port if taken; \"\" for none)")
	fs.StringVar(&o.apiVersion, "api-version", "3.0", "Basiq API version: 3.0 runs the Consent UI journey; 1.0, 2.0 or 2.1 the credential flow")
	fs.IntVar(&o.demo, "demo", 5, "number of demo connections to send (0 for none)")
	fs.BoolVar(&o.exitAfterDemo, "exit-after-demo", false, "exit once every demo result is in")
	fs.StringVar(&o.logLevel, "log-level", "error", "worker log level on stderr: debug, info, warn, error")
	fs.DurationVar(&o.steps[0], "step-credentials", time.Second, "fake Basiq: duration of verify-credentials")
	fs.DurationVar(&o.steps[1], "step-accounts", 2*time.Second, "fake Basiq: duration of retrieve-accounts")
	fs.DurationVar(&o.steps[2], "step-transactions", 2*time.Second, "fake Basiq: duration of retrieve-transactions")
	fs.Float64Var(&o.jitter, "jitter", 0.3, "fake Basiq: vary step durations by up to ± this fraction")
	if err := fs.Parse(args[1:]); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	switch o.apiVersion {
	case "1.0", "2.0", "2.1", "3.0":
	default:
		return o, fmt.Errorf("-api-version: want 1.0, 2.0, 2.1 or 3.0, got %q", o.apiVersion)
	}
	if o.demo < 0 {
		return o, fmt.Errorf("-demo: must be >= 0, got %d", o.demo)
	}
	return o, nil
}

// run starts the stack, runs the demo and blocks until ctx is done (or the
// demo is over with -exit-after-demo), then shuts everything down.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	st, err := startStack(o, getenv, stderr)
	if err != nil {
		return err
	}
	defer st.close()
	ctx, cancel := context.WithCancel(ctx)
	context.AfterFunc(ctx, st.endStreams) // the callback page's streams, before the admin server's shutdown
	procErr := make(chan error, 1)
	go func() { procErr <- st.proc.Run(ctx) }()
	err = runUntilDone(ctx, st, o, stdout, procErr)
	cancel()
	if perr := <-procErr; err == nil { // the graceful shutdown, before Redis and the fake close
		err = perr
	}
	return err
}

// runUntilDone prints the banner and runs the demo until ctx is done, the
// demo is over with -exit-after-demo, or the process fails.
func runUntilDone(ctx context.Context, st *stack, o options, stdout io.Writer, procErr <-chan error) error {
	st.printBanner(stdout)
	demoDone := make(chan struct{})
	demoErr := make(chan error, 1)
	demo := runDemo
	if st.consent3() {
		demo = runConsentDemo
	}
	go func() { demoErr <- demo(ctx, st, o.demo, stdout, demoDone) }()
	select {
	case <-ctx.Done():
	case err := <-procErr:
		return processFailed(err)
	case <-demoDone:
		if o.exitAfterDemo {
			return nil
		}
		fmt.Fprintln(stdout, "still running: results of other work are printed here too (Ctrl-C to stop)")
		select {
		case <-ctx.Done():
		case err := <-procErr:
			return processFailed(err)
		case err := <-demoErr:
			return demoFailed(ctx, err)
		}
	case err := <-demoErr:
		return demoFailed(ctx, err)
	}
	fmt.Fprintln(stdout, "shutting down")
	return nil
}

// processFailed is the error of a process that stopped before ctx was done.
func processFailed(err error) error {
	if err == nil {
		err = errors.New("stopped")
	}
	return fmt.Errorf("worker process: %w", err)
}

func demoFailed(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("demo: %w", err)
}
