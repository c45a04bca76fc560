package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/basiq-worker/basiq-worker/config"
	"github.com/basiq-worker/basiq-worker/internal/app"
	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/sdk/basiqtest"
	"github.com/basiq-worker/basiq-worker/tasks"
	appwebhook "github.com/basiq-worker/basiq-worker/tasks/webhook"
	"github.com/basiq-worker/basiq-worker/worker"
	"github.com/basiq-worker/basiq-worker/worker/admin"
	"github.com/basiq-worker/basiq-worker/worker/schedule"
	"github.com/basiq-worker/basiq-worker/worker/webhook"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// devAPIKey is the API key the dev worker uses against the fake server.
const devAPIKey = "dev-api-key"

// stack is everything basiq-dev runs: the embedded Redis, the fake Basiq
// API and the worker process (internal/app, as basiq-worker runs it).
type stack struct {
	redisDesc  string             // "embedded (miniredis) at ..." or the redacted REDIS_URL
	redisURL   string             // what to pass as REDIS_URL to basiqctl
	connOpt    asynq.RedisConnOpt // the demo's own enqueue client (an app, not the process)
	rdb        redis.UniversalClient
	ns         string
	keyring    *tasks.Keyring
	webhookURL string
	// secretSpec is the generated BASIQ_SECRET_KEY, "" when set by the user.
	secretSpec string
	fake       *basiqtest.Server
	api        *sdk.Client // the demo's client of the fake (creates users)
	proc       *app.Process
	uiURL      string
	portNote   string
	devAPI     *devAPI // the HTTP API, nil with -api ""
	version    string  // -api-version
	journeys   *journeys
	// streams ends the callback page's event streams (endStreams) when
	// basiq-dev stops, so that the admin server's shutdown is not held.
	streams    context.Context
	endStreams context.CancelFunc
	closers    []func()
}

// startStack starts Redis (unless REDIS_URL is set) and the fake Basiq API,
// and builds the worker process on them; run it with st.proc.Run. Under
// API 3.0 it also subscribes the worker to the fake's webhooks and makes
// the demo user's Consent UI link, whose redirect comes back to the
// callback page on the admin server.
func startStack(o options, getenv func(string) string, stderr io.Writer) (*stack, error) {
	if err := checkUIAuth(o.httpAddr, getenv); err != nil {
		return nil, err
	}
	st := &stack{version: o.apiVersion}
	st.streams, st.endStreams = context.WithCancel(context.Background())
	st.closers = append(st.closers, st.endStreams)
	ok := false
	defer func() {
		if !ok {
			st.close()
		}
	}()
	if err := st.startRedis(getenv); err != nil {
		return nil, err
	}
	if err := st.loadKeys(getenv); err != nil {
		return nil, err
	}
	ln, err := st.listenAdmin(o)
	if err != nil {
		return nil, err
	}
	st.closers = append(st.closers, func() { ln.Close() }) // after Run: already closed
	fo := []basiqtest.Option{basiqtest.WithStepDurations(basiqtest.StepDurations{
		Credentials: o.steps[0], Accounts: o.steps[1], Transactions: o.steps[2]}), basiqtest.WithJitter(o.jitter)}
	if st.consent3() {
		fo = append(fo, basiqtest.WithConsentRedirect(st.uiURL+callbackPath))
	}
	st.fake = basiqtest.NewServer(fo...)
	st.closers = append(st.closers, st.fake.Close)
	if st.api, err = sdk.New(devAPIKey, sdk.WithBaseURL(st.fake.URL), sdk.WithAPIVersion(o.apiVersion)); err != nil {
		return nil, err
	}
	consent, err := sdk.New(devAPIKey, sdk.WithBaseURL(st.fake.URL), sdk.WithAPIVersion("3.0"),
		sdk.WithConsentURL(st.fake.URL+"/consent"))
	if err != nil {
		return nil, err
	}
	st.journeys = newJourneys(consent)
	opts, err := st.appOptions(o, getenv, stderr, ln)
	if err != nil {
		return nil, err
	}
	log := opts.Logger
	apiHandler, err := st.buildAPI(o, getenv, log)
	if err != nil {
		return nil, err
	}
	if st.consent3() {
		if err := st.startJourneys(&opts, apiHandler, getenv, log); err != nil {
			return nil, err
		}
	}
	if st.proc, err = app.New(opts); err != nil {
		return nil, err
	}
	if err := st.startAPI(o, apiHandler); err != nil {
		return nil, err
	}
	ok = true
	return st, nil
}

// consent3 reports whether basiq-dev runs API 3.0's Consent UI journey
// (else the 1.0-2.x credential flow).
func (st *stack) consent3() bool { return st.version == "3.0" }

// startJourneys subscribes the worker's receiver to the fake's webhooks,
// makes the demo user and its link, and adds the callback's routes.
func (st *stack) startJourneys(opts *app.Options, api *apiHandler, getenv func(string) string, log zerolog.Logger) error {
	secret, err := st.journeys.start(context.Background(), st.uiURL+hookPath)
	if err != nil {
		return err
	}
	opts.BasiqHooks.Secrets = hookSecrets(secret, getenv)
	cb := &callback{j: st.journeys, tasks: tasks.NewClient(st.rdb, st.keyring, tasks.WithNamespace(st.ns)),
		rdb: st.rdb, ns: st.ns, api: api.handler, token: api.internalToken, streams: st.streams,
		log: log.With().Str("component", "callback").Logger()}
	opts.Admin.Routes = cb.routes()
	return nil
}

func (st *stack) startRedis(getenv func(string) string) error {
	st.ns = tasks.DefaultNamespace
	if ns := getenv("REDIS_NAMESPACE"); ns != "" {
		st.ns = ns
	}
	if url := getenv("REDIS_URL"); url != "" {
		c, err := config.LoadClient(func(k string) string {
			if k == "BASIQ_SECRET_KEY" {
				return "" // checked by loadKeys
			}
			return getenv(k)
		})
		if err != nil {
			return err
		}
		st.connOpt, st.rdb, st.redisDesc = c.RedisConnOpt(), c.RedisClient(), c.Redacted().RedisURL
		st.redisURL = "$REDIS_URL"
		st.closers = append(st.closers, func() { st.rdb.Close() })
		return nil
	}
	mr, err := miniredis.Run()
	if err != nil {
		return fmt.Errorf("embedded redis: %w", err)
	}
	st.closers = append(st.closers, mr.Close)
	st.connOpt = asynq.RedisClientOpt{Addr: mr.Addr()}
	st.rdb = redis.NewClient(&redis.Options{Addr: mr.Addr()})
	st.closers = append(st.closers, func() { st.rdb.Close() })
	st.redisURL = "redis://" + mr.Addr()
	st.redisDesc = "embedded (miniredis) at redis://" + mr.Addr() + " (set REDIS_URL to use a real Redis)"
	return nil
}

// loadKeys reads BASIQ_SECRET_KEY or generates a throw-away dev keyring.
func (st *stack) loadKeys(getenv func(string) string) error {
	if spec := getenv("BASIQ_SECRET_KEY"); spec != "" {
		k, err := tasks.ParseKeyring(spec)
		if err != nil {
			return fmt.Errorf("BASIQ_SECRET_KEY: %w", err)
		}
		st.keyring = k
		return nil
	}
	key := make([]byte, tasks.KeySize)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	// A throw-away key of a fake bank: printed so that basiqctl can enqueue too.
	st.secretSpec = "dev:" + base64.StdEncoding.EncodeToString(key)
	k, err := tasks.ParseKeyring(st.secretSpec)
	st.keyring = k
	return err
}

// devConcurrency is the dev worker's number of slots.
const devConcurrency = 10

// devConfig is worker.DefaultConfig with what suits a first look on a
// laptop: fewer slots, quick pickup, a short deadline, a quick refresh after
// maintenance and a quick Ctrl-C.
func devConfig(st *stack) worker.Config {
	cfg := worker.DefaultConfig()
	cfg.Namespace, cfg.Keyring = st.ns, st.keyring
	cfg.APIKey, cfg.BaseURL, cfg.APIVersion = devAPIKey, st.fake.URL, st.version
	cfg.Concurrency = devConcurrency
	cfg.JobDeadline, cfg.StepRetryDelay = 2*time.Minute, 2*time.Second
	cfg.DelayedTaskCheckInterval, cfg.TaskCheckInterval = 100*time.Millisecond, 100*time.Millisecond
	cfg.ShutdownTimeout = 3 * time.Second
	return cfg
}

// listenAdmin listens on -http (or a port near it) for the admin server.
func (st *stack) listenAdmin(o options) (net.Listener, error) {
	ln, err := listenNear(o.httpAddr)
	if err != nil {
		return nil, err
	}
	if ln.Addr().String() != o.httpAddr && !isPortZero(o.httpAddr) {
		st.portNote = fmt.Sprintf("(%s was taken, using %s)", o.httpAddr, ln.Addr())
	}
	st.uiURL = "http://" + ln.Addr().String()
	return ln, nil
}

// appOptions are the dev process's: basiq-worker's wiring on the embedded
// Redis and the fake, its logs on stderr, the admin server on ln and, when
// WEBHOOK_URL is set, the webhooks.
func (st *stack) appOptions(o options, getenv func(string) string, stderr io.Writer, ln net.Listener) (app.Options, error) {
	level, err := zerolog.ParseLevel(o.logLevel)
	if err != nil {
		return app.Options{}, fmt.Errorf("-log-level: %w", err)
	}
	log := zerolog.New(zerolog.ConsoleWriter{Out: stderr, TimeFormat: "15:04:05", NoColor: !isTerminal(stderr)}).Level(level).With().Timestamp().Logger()
	var wo webhook.Options
	if url := getenv("WEBHOOK_URL"); url != "" {
		secret, err := appwebhook.ParseSecret(getenv("WEBHOOK_SECRET"))
		if err != nil {
			return app.Options{}, fmt.Errorf("WEBHOOK_SECRET: %w", err)
		}
		wo, st.webhookURL = webhook.Options{URL: url, Secret: secret}, url
	}
	return app.Options{
		Redis: st.rdb, Worker: devConfig(st), Logger: log, Listener: ln,
		Admin:    admin.Options{UIEnabled: true, Username: getenv("UI_USERNAME"), Password: getenv("UI_PASSWORD")},
		Webhook:  wo,
		Schedule: schedule.Options{SyncInterval: 5 * time.Second},
	}, nil
}

// checkUIAuth refuses to serve the web UI beyond loopback without basic auth.
func checkUIAuth(addr string, getenv func(string) string) error {
	if admin.RequireAuth(addr) && (getenv("UI_USERNAME") == "" || getenv("UI_PASSWORD") == "") {
		return fmt.Errorf("-http %s is reachable beyond loopback: set UI_USERNAME and UI_PASSWORD (the web UI's basic auth)", addr)
	}
	return nil
}

// listenNear listens on addr or, when its port is taken, on one of the next
// 20 ports.
func listenNear(addr string) (net.Listener, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("-http: want host:port, got %q", addr)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("-http: bad port %q", portText)
	}
	for i := 0; ; i++ {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port+i)))
		if err == nil {
			return ln, nil
		}
		if !errors.Is(err, syscall.EADDRINUSE) || port == 0 || i == 20 {
			return nil, fmt.Errorf("-http %s: %w", addr, err)
		}
	}
}

func isPortZero(addr string) bool {
	_, p, _ := net.SplitHostPort(addr)
	return p == "0"
}

func (st *stack) printBanner(w io.Writer) {
	if st.consent3() {
		fmt.Fprintln(w, "basiq-dev is running: Basiq API 3.0, the Consent UI journey (-api-version 2.0 for the credential flow)")
		fmt.Fprintf(w, "  consent UI: %s\n", st.journeys.demoLink)
		fmt.Fprintf(w, "              open it in a browser and connect a sandbox bank (gavinBelson/hooli2016) for demo user %s:\n", st.journeys.demoUser)
		fmt.Fprintln(w, "              the Consent UI sends you back to the callback page, which follows the job and shows its result")
		fmt.Fprintf(w, "  callback:   %s%s (a fresh Consent UI link: %s%s)\n", st.uiURL, callbackPath, st.uiURL, connectPath)
		fmt.Fprintf(w, "  Basiq hooks: the fake sends Basiq's webhooks to %s%s (subscription %s)\n", st.uiURL, hookPath, st.journeys.hookID)
	} else {
		fmt.Fprintf(w, "basiq-dev is running: Basiq API %s, the credential flow (the default -api-version 3.0 runs the Consent UI journey)\n", st.version)
	}
	fmt.Fprintf(w, "  web UI:     %s/ui %s\n", st.uiURL, st.portNote)
	fmt.Fprintf(w, "  metrics:    %s/metrics\n", st.uiURL)
	fmt.Fprintf(w, "  fake Basiq: %s (sandbox login gavinBelson/hooli2016 on AU00000)\n", st.fake.URL)
	st.printAPI(w)
	fmt.Fprintf(w, "  redis:      %s, namespace %q\n", st.redisDesc, st.ns)
	fmt.Fprintln(w, "  scheduler:  on (basiqctl schedule add ...)")
	if st.webhookURL != "" {
		fmt.Fprintf(w, "  webhooks:   POST to %s\n", st.webhookURL)
	}
	key := st.secretSpec
	if key == "" {
		key = "$BASIQ_SECRET_KEY"
	}
	fmt.Fprintf(w, "  basiqctl:   REDIS_URL=%s REDIS_NAMESPACE=%s BASIQ_SECRET_KEY=%s go run ./cmd/basiqctl stats\n", st.redisURL, st.ns, key)
}

// close stops everything in reverse order of start.
func (st *stack) close() {
	for i := len(st.closers) - 1; i >= 0; i-- {
		st.closers[i]()
	}
	st.closers = nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
