package main

import (
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
	closers    []func()
}

// startStack starts Redis (unless REDIS_URL is set) and the fake Basiq API,
// and builds the worker process on them; run it with st.proc.Run.
func startStack(o options, getenv func(string) string, stderr io.Writer) (*stack, error) {
	if err := checkUIAuth(o.httpAddr, getenv); err != nil {
		return nil, err
	}
	st := &stack{}
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
	st.fake = basiqtest.NewServer(basiqtest.WithStepDurations(basiqtest.StepDurations{
		Credentials: o.steps[0], Accounts: o.steps[1], Transactions: o.steps[2]}), basiqtest.WithJitter(o.jitter))
	st.closers = append(st.closers, st.fake.Close)
	api, err := sdk.New(devAPIKey, sdk.WithBaseURL(st.fake.URL), sdk.WithAPIVersion("2.0"))
	if err != nil {
		return nil, err
	}
	st.api = api
	opts, err := st.appOptions(o, getenv, stderr)
	if err != nil {
		return nil, err
	}
	if st.proc, err = app.New(opts); err != nil {
		opts.Listener.Close()
		return nil, err
	}
	if err := st.startAPI(o, getenv, opts.Logger); err != nil {
		opts.Listener.Close()
		return nil, err
	}
	ok = true
	return st, nil
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
	cfg.APIKey, cfg.BaseURL, cfg.APIVersion = devAPIKey, st.fake.URL, "2.0"
	cfg.Concurrency = devConcurrency
	cfg.JobDeadline, cfg.StepRetryDelay = 2*time.Minute, 2*time.Second
	cfg.DelayedTaskCheckInterval, cfg.TaskCheckInterval = 100*time.Millisecond, 100*time.Millisecond
	cfg.ShutdownTimeout = 3 * time.Second
	return cfg
}

// appOptions are the dev process's: basiq-worker's wiring on the embedded
// Redis and the fake, its logs on stderr, the web UI on -http and, when
// WEBHOOK_URL is set, the webhooks.
func (st *stack) appOptions(o options, getenv func(string) string, stderr io.Writer) (app.Options, error) {
	level, err := zerolog.ParseLevel(o.logLevel)
	if err != nil {
		return app.Options{}, fmt.Errorf("-log-level: %w", err)
	}
	log := zerolog.New(zerolog.ConsoleWriter{Out: stderr, TimeFormat: "15:04:05", NoColor: !isTerminal(stderr)}).Level(level).With().Timestamp().Logger()
	var wo webhook.Options
	if url := getenv("WEBHOOK_URL"); url != "" {
		secret, err := tasks.ParseWebhookSecret(getenv("WEBHOOK_SECRET"))
		if err != nil {
			return app.Options{}, fmt.Errorf("WEBHOOK_SECRET: %w", err)
		}
		wo, st.webhookURL = webhook.Options{URL: url, Secret: secret}, url
	}
	ln, err := listenNear(o.httpAddr)
	if err != nil {
		return app.Options{}, err
	}
	if ln.Addr().String() != o.httpAddr && !isPortZero(o.httpAddr) {
		st.portNote = fmt.Sprintf("(%s was taken, using %s)", o.httpAddr, ln.Addr())
	}
	st.uiURL = "http://" + ln.Addr().String()
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
	fmt.Fprintln(w, "basiq-dev is running")
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
