// Command basiq-mock serves the fake Basiq API of package basiqtest on a TCP address.
//
//	go run ./cmd/basiq-mock -addr 127.0.0.1:8090 -step-credentials 1s -error-rate 0.05
//
// When ready it prints one line, "listening on http://ADDR", to stdout. SIGINT or SIGTERM shut
// it down gracefully.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Stdout)
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0) // -h: the usage is printed already
		}
		fmt.Fprintln(os.Stderr, "basiq-mock:", err)
		os.Exit(1)
	}
}

type options struct {
	addr, apiKey string
	baseURL      string
	steps        basiqtest.StepDurations
	jitter       float64
	seed         int64
	tokenTTL     time.Duration
	mfaExpiry    time.Duration
	txPerAccount int
	fault        basiqtest.Fault

	// API 3.0
	consentRedirect string
	consentTTL      time.Duration
	tokenLimit      int
	tokenWindow     time.Duration
	refreshLimit    int
	hookRetries     durations
	hookTimeout     time.Duration
	eventLimit      int
}

// durations is a comma-separated list of durations as a flag.
type durations []time.Duration

func (d *durations) String() string {
	parts := make([]string, len(*d))
	for i, x := range *d {
		parts[i] = x.String()
	}
	return strings.Join(parts, ",")
}

func (d *durations) Set(s string) error {
	*d = nil
	if strings.TrimSpace(s) == "" {
		return nil
	}
	for _, p := range strings.Split(s, ",") {
		x, err := time.ParseDuration(strings.TrimSpace(p))
		if err != nil || x < 0 {
			return fmt.Errorf("%q is not a duration", p)
		}
		*d = append(*d, x)
	}
	return nil
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8090", "listen address (port 0 picks a free port)")
	fs.StringVar(&o.apiKey, "api-key", "", "accept only this API key on POST /token (default: any)")
	fs.StringVar(&o.baseURL, "base-url", "", "absolute base of links (default: the listen address, or each request's Host when listening on all interfaces)")
	fs.DurationVar(&o.steps.Credentials, "step-credentials", time.Second, "duration of verify-credentials")
	fs.DurationVar(&o.steps.MFA, "step-mfa", 0, "time mfa-challenge runs after a right answer")
	fs.DurationVar(&o.steps.Accounts, "step-accounts", 2*time.Second, "duration of retrieve-accounts")
	fs.DurationVar(&o.steps.Transactions, "step-transactions", 3*time.Second, "duration of retrieve-transactions")
	fs.Float64Var(&o.jitter, "jitter", 0, "vary step durations by up to ± this fraction")
	fs.Int64Var(&o.seed, "seed", 1, "seed of ids, jitter, data and random faults")
	fs.DurationVar(&o.tokenTTL, "token-ttl", time.Hour, "access token lifetime")
	fs.DurationVar(&o.mfaExpiry, "mfa-expiry", 2*time.Minute, "how long an MFA challenge waits")
	fs.IntVar(&o.txPerAccount, "transactions-per-account", 150, "transactions generated per account")
	fs.StringVar(&o.fault.Path, "fault-path", "", "request path pattern the faults apply to (default all)")
	fs.DurationVar(&o.fault.Latency, "latency", 0, "latency added to every request")
	fs.Float64Var(&o.fault.ErrorRate, "error-rate", 0, "share of requests answered 5xx")
	fs.IntVar(&o.fault.ErrorStatus, "error-status", 500, "status of injected errors: 500 or 503")
	fs.Float64Var(&o.fault.ThrottleRate, "throttle-rate", 0, "share of requests answered 429")
	fs.IntVar(&o.fault.RateLimit, "rate-limit", 0, "requests per second per API key before 429 (0 = none)")
	fs.DurationVar(&o.fault.RetryAfter, "retry-after", 0, "Retry-After of 429 answers (whole seconds)")
	fs.Float64Var(&o.fault.DropRate, "drop-rate", 0, "share of connections closed without an answer")
	fs.StringVar(&o.consentRedirect, "consent-redirect", "", "URL the Consent UI redirects to with jobId, jobIds and state (default: a page of its own)")
	fs.DurationVar(&o.consentTTL, "consent-ttl", 365*24*time.Hour, "how long a consent lasts before it expires")
	fs.IntVar(&o.tokenLimit, "token-limit", 1500, "token requests per -token-window per API key before 429 (0 = none)")
	fs.DurationVar(&o.tokenWindow, "token-window", 5*time.Minute, "window of -token-limit")
	fs.IntVar(&o.refreshLimit, "refresh-limit", 20, "refreshes per Open Banking connection per 24h before 429 (0 = none)")
	o.hookRetries = append(durations(nil), basiqtest.BasiqWebhookRetries...)
	fs.Var(&o.hookRetries, "webhook-retries", "comma-separated waits before each webhook delivery retry (default Basiq's)")
	fs.DurationVar(&o.hookTimeout, "webhook-timeout", 10*time.Second, "how long a webhook delivery attempt waits for its answer")
	fs.IntVar(&o.eventLimit, "event-limit", 100_000, "newest events kept for GET /events (0 = all)")
	if err := fs.Parse(args[1:]); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return o, nil
}

func (o options) serverOptions(baseURL string) []basiqtest.Option {
	opts := []basiqtest.Option{
		basiqtest.WithStepDurations(o.steps), basiqtest.WithJitter(o.jitter),
		basiqtest.WithSeed(o.seed), basiqtest.WithTokenTTL(o.tokenTTL), basiqtest.WithMFAExpiry(o.mfaExpiry),
		basiqtest.WithTransactionsPerAccount(o.txPerAccount),
		basiqtest.WithConsentTTL(o.consentTTL), basiqtest.WithTokenLimit(o.tokenLimit, o.tokenWindow),
		basiqtest.WithRefreshLimit(o.refreshLimit), basiqtest.WithWebhookRetries(o.hookRetries...),
		basiqtest.WithWebhookTimeout(o.hookTimeout), basiqtest.WithEventLimit(o.eventLimit),
	}
	if o.consentRedirect != "" {
		opts = append(opts, basiqtest.WithConsentRedirect(o.consentRedirect))
	}
	if baseURL != "" {
		opts = append(opts, basiqtest.WithBaseURL(baseURL))
	}
	if o.apiKey != "" {
		opts = append(opts, basiqtest.WithAPIKey(o.apiKey))
	}
	if f := o.fault; f.Latency > 0 || f.ErrorRate > 0 || f.ThrottleRate > 0 || f.RateLimit > 0 || f.DropRate > 0 {
		opts = append(opts, basiqtest.WithFaults(f))
	}
	return opts
}

// linkBase is the base of the links the server writes: -base-url when set; else the listen
// address, unless that is a wildcard (0.0.0.0, ::) that no client can reach, in which case ""
// makes the server take each request's Host (as a client behind "basiq-mock:8090" expects).
func linkBase(flagValue string, addr net.Addr) string {
	if flagValue != "" {
		return flagValue
	}
	if ta, ok := addr.(*net.TCPAddr); ok && ta.IP.IsUnspecified() {
		return ""
	}
	return "http://" + addr.String()
}

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parseFlags(args, os.Stderr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	srv := basiqtest.New(o.serverOptions(linkBase(o.baseURL, ln.Addr()))...)
	defer srv.Close() // stops the webhook dispatcher
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Fprintln(stdout, "listening on "+base)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
