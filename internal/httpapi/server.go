package httpapi

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"time"

	"github.com/basiq-worker/basiq-worker/sdk"
	"github.com/basiq-worker/basiq-worker/tasks"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Queue is what the API needs of *tasks.Client: enqueue, and read results.
type Queue interface {
	CreateConnection(ctx context.Context, r tasks.CreateConnection, opts ...tasks.Enqueue) (string, error)
	RefreshConnection(ctx context.Context, r tasks.RefreshConnection, opts ...tasks.Enqueue) (string, error)
	RefreshAll(ctx context.Context, r tasks.RefreshAll, opts ...tasks.Enqueue) (string, error)
	AnswerMFA(ctx context.Context, r tasks.AnswerMFA, opts ...tasks.Enqueue) (string, error)
	FollowJobs(ctx context.Context, r tasks.FollowJobs, opts ...tasks.Enqueue) (string, error)
	Result(ctx context.Context, taskID string) (*tasks.Result, error)
	Progress(ctx context.Context, taskID string) (*tasks.Progress, error)
	Wait(ctx context.Context, taskID string) (*tasks.Result, error)
	Results(ctx context.Context, after string) iter.Seq2[tasks.Event, error]
	Follow(ctx context.Context, taskID string) iter.Seq2[tasks.Event, error]
}

// Inspector is what the API needs of *asynq.Inspector: a task's state.
type Inspector interface {
	Queues() ([]string, error)
	GetTaskInfo(queue, id string) (*asynq.TaskInfo, error)
}

// ConsentLinker builds a user's Consent UI link, as
// sdk.Client.Users.For(userID).ConsentURL does.
type ConsentLinker func(ctx context.Context, userID string, o sdk.ConsentOptions) (string, error)

// SDKConsent is the ConsentLinker of c, the real one: c's Consent UI
// (sdk.WithConsentURL) with a CLIENT_ACCESS token bound to the user.
func SDKConsent(c *sdk.Client) ConsentLinker {
	return func(ctx context.Context, userID string, o sdk.ConsentOptions) (string, error) {
		return c.Users.For(userID).ConsentURL(ctx, o)
	}
}

// Defaults of Options.
const (
	DefaultMaxWait   = 60 * time.Second
	DefaultHeartbeat = 15 * time.Second
)

// Options are the dependencies and settings of the API.
type Options struct {
	// Tasks enqueues work and reads results (a *tasks.Client). Required.
	Tasks Queue
	// Inspector reads task states (an *asynq.Inspector on the same Redis). Required.
	Inspector Inspector
	// Redis keeps the Idempotency-Key body hashes under Namespace. Required.
	Redis     redis.UniversalClient
	Namespace string
	// TokenHashes are the hashes of the accepted bearer API tokens
	// (ParseTokenHashes). At least one is required.
	TokenHashes []TokenHash
	// IdempotencySecret keys the HMAC of request bodies kept per
	// Idempotency-Key; every replica of the API needs the same one. Required.
	IdempotencySecret []byte
	// IdempotencyTTL is how long a key's body hash is kept (default
	// tasks.DefaultRetention, the window in which tasks honours the key).
	IdempotencyTTL time.Duration
	// Consent builds Consent UI links; nil answers 503 on consent-url.
	Consent ConsentLinker
	// MaxBody bounds request bodies (default DefaultMaxBody).
	MaxBody int64
	// MaxWait bounds the long poll of a result (default DefaultMaxWait).
	MaxWait time.Duration
	// Heartbeat is the interval of SSE comments on an idle stream (default DefaultHeartbeat).
	Heartbeat time.Duration
	// Logger logs one line per request (never a body) and every 5xx cause.
	Logger zerolog.Logger
	// Metrics records requests by route and status; nil records nothing.
	Metrics *Metrics
}

// Server is the HTTP API; it is an http.Handler serving /v1/.
type Server struct {
	opts Options
	idem *idempotency
	mux  *http.ServeMux
}

// New checks opts and returns the API.
func New(opts Options) (*Server, error) {
	switch {
	case opts.Tasks == nil:
		return nil, errors.New("httpapi: Options.Tasks is required")
	case opts.Inspector == nil:
		return nil, errors.New("httpapi: Options.Inspector is required")
	case opts.Redis == nil:
		return nil, errors.New("httpapi: Options.Redis is required")
	case len(opts.TokenHashes) == 0:
		return nil, errors.New("httpapi: at least one API token hash is required")
	case len(opts.IdempotencySecret) < 16:
		return nil, errors.New("httpapi: Options.IdempotencySecret of at least 16 bytes is required")
	}
	setDefaults(&opts)
	s := &Server{opts: opts, mux: http.NewServeMux(),
		idem: &idempotency{rdb: opts.Redis, ns: opts.Namespace, secret: opts.IdempotencySecret, ttl: opts.IdempotencyTTL}}
	s.routes()
	return s, nil
}

func setDefaults(o *Options) {
	if o.Namespace == "" {
		o.Namespace = tasks.DefaultNamespace
	}
	if o.IdempotencyTTL <= 0 {
		o.IdempotencyTTL = tasks.DefaultRetention
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultMaxWait
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = DefaultHeartbeat
	}
}

// routes binds every operation of openapi.json.
func (s *Server) routes() {
	s.handle("POST /v1/connections", s.createConnection)
	s.handle("POST /v1/follows", s.followJobs)
	s.handle("POST /v1/users/{userId}/refresh", s.refreshAll)
	s.handle("POST /v1/users/{userId}/connections/{connectionId}/refresh", s.refreshConnection)
	s.handle("POST /v1/jobs/{jobId}/mfa", s.answerMFA)
	s.handle("GET /v1/users/{userId}/consent-url", s.consentURL)
	s.handle("GET /v1/tasks/{taskId}", s.getTask)
	s.handle("GET /v1/tasks/{taskId}/result", s.getResult)
	s.handle("GET /v1/events", s.events)
	s.handle("GET /v1/openapi.json", serveOpenAPI)
}

// handle registers h behind the token check.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.mux.Handle(pattern, requireToken(s.opts.TokenHashes, h))
}

// ServeHTTP serves the API, answering unknown routes and methods with problem+json.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	start := time.Now()
	var h http.Handler = s.mux // it sets the path values
	_, pattern := s.mux.Handler(r)
	if pattern == "" {
		h = requireToken(s.opts.TokenHashes, http.HandlerFunc(s.noRoute))
	}
	h.ServeHTTP(rec, r)
	s.observe(r, pattern, rec, time.Since(start))
}

// noRoute answers 405 when the path exists under another method, else 404.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := s.mux.Handler(probe); p != "" {
			w.Header().Set("Allow", m)
			writeProblem(w, r, problem(http.StatusMethodNotAllowed, "method-not-allowed", "Method Not Allowed",
				r.Method+" is not allowed here; use "+m))
			return
		}
	}
	writeProblem(w, r, problem(http.StatusNotFound, "not-found", "Not Found", "no such route; see /v1/openapi.json"))
}
