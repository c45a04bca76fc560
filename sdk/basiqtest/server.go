package basiqtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"
)

// Server is a stateful in-memory fake of the Basiq API. It is safe for concurrent use.
type Server struct {
	// URL is the base URL of a server started by NewServer (empty for New).
	URL string

	cfg   config
	mux   *http.ServeMux
	ts    *httptest.Server
	store *store
	auth  *tokens
	stats *statsRecorder
	flt   *faultSet
	corr  atomic.Uint64

	tokenLimit   *windowLimit
	refreshLimit *windowLimit
	track        *tracker
	events       *eventLog
	hooks        *webhooks
	lastBase     atomic.Pointer[string]
	baseReq      atomic.Pointer[linkRequest]
	insts        []institution
}

// New returns a Server that is not listening; serve it with Handler. Links use the base URL set
// by WithBaseURL, or else the scheme and Host of each request.
func New(opts ...Option) *Server {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux()}
	s.store = newStore(cfg)
	s.auth = newTokens()
	s.stats = newStatsRecorder()
	s.flt = newFaultSet(cfg.seed, cfg.faults)
	s.insts = institutions(cfg.steps)
	s.tokenLimit = newWindowLimit(cfg.tokenLimit, cfg.tokenWindow)
	s.refreshLimit = newWindowLimit(cfg.refreshLimit, 24*time.Hour)
	s.track, s.events, s.hooks = newTracker(), newEventLog(), newWebhooks(cfg)
	s.routes()
	return s
}

// NewServer starts a Server on 127.0.0.1 with a random port, like httptest.NewServer.
// Call Close when done.
func NewServer(opts ...Option) *Server {
	s := New(opts...)
	s.ts = httptest.NewUnstartedServer(s.Handler())
	s.URL = "http://" + s.ts.Listener.Addr().String()
	if s.cfg.baseURL == "" {
		s.cfg.baseURL = s.URL
	}
	s.ts.Start()
	return s
}

// Close stops the webhook dispatcher (started by the first webhook subscription) and a server
// started by NewServer.
func (s *Server) Close() {
	s.stopDispatcher()
	if s.ts != nil {
		s.ts.CloseClientConnections()
		s.ts.Close()
	}
}

// Handler returns the http.Handler serving the whole API, for your own listener.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// now is the server's clock as wall time only. The timer heap of the tracker keys on Unix
// nanoseconds while step states compare times; a monotonic reading would make those two disagree
// by the few nanoseconds the wall clock is slewed (NTP), and a job due by its key but not by its
// states was scheduled again at the same key: settle evaluated it forever under store.mu.
func (s *Server) now() time.Time { return s.cfg.clock().Round(0) }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.writeError(w, newError(500, "internal-server-error", fmt.Sprintf("internal error: %v", v), nil))
		}
	}()
	s.mux.ServeHTTP(w, r)
}

// baseURL is the absolute base of links for this request.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.baseURL != "" {
		return s.cfg.baseURL
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// handlerFunc is a route handler; a returned *apiError is written in Basiq's shape.
type handlerFunc func(w http.ResponseWriter, r *http.Request) *apiError

type routeKind int

const (
	public routeKind = iota
	bearer
	tokenRoute
	mockRoute
)

func (s *Server) handle(pattern string, kind routeKind, h handlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, route: pattern, stats: s.stats}
		defer sw.count()
		if kind != mockRoute && s.applyFaults(sw, r) {
			return
		}
		if err := s.checkRequest(r, kind); err != nil {
			s.writeError(sw, err)
			return
		}
		if err := h(sw, r); err != nil {
			s.writeError(sw, err)
		}
	})
}

func (s *Server) checkRequest(r *http.Request, kind routeKind) *apiError {
	if kind == mockRoute {
		return nil
	}
	if err := checkVersion(r, kind == tokenRoute); err != nil {
		return err
	}
	if kind == bearer {
		return s.authorize(r)
	}
	return nil
}

// unmatched answers 404 or 405 in Basiq's shape.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) *apiError {
	for _, m := range []string{"GET", "POST", "DELETE", "PUT", "PATCH"} {
		if m == r.Method {
			continue
		}
		c := r.Clone(r.Context())
		c.Method = m
		if _, p := s.mux.Handler(c); p != "/" && p != "" {
			return newError(405, "method-not-allowed", "Method "+r.Method+" is not allowed on "+r.URL.Path+".", &errSource{})
		}
	}
	return newError(404, "resource-not-found", "Route "+r.Method+" "+r.URL.Path+" does not exist.", &errSource{})
}

func (s *Server) routes() {
	s.handle("POST /token", tokenRoute, s.postToken)
	s.handle("POST /users", bearer, s.createUser)
	s.handle("GET /users/{uid}", bearer, s.getUser)
	s.handle("POST /users/{uid}", bearer, s.updateUser)
	s.handle("DELETE /users/{uid}", bearer, s.deleteUser)
	s.handle("POST /users/{uid}/connections", bearer, s.createConnection)
	s.handle("GET /users/{uid}/connections", bearer, s.listConnections)
	s.handle("POST /users/{uid}/connections/refresh", bearer, s.refreshAll)
	s.handle("GET /users/{uid}/connections/{cid}", bearer, s.getConnection)
	s.handle("POST /users/{uid}/connections/{cid}", bearer, s.updateConnection)
	s.handle("DELETE /users/{uid}/connections/{cid}", bearer, s.deleteConnection)
	s.handle("POST /users/{uid}/connections/{cid}/refresh", bearer, s.refreshConnection)
	s.handle("GET /users/{uid}/jobs", bearer, s.listJobs)
	s.handle("POST /users/{uid}/connections/{cid}/purge", bearer, s.purgeConnection)
	s.handle("POST /users/{uid}/statements", bearer, s.uploadStatement)
	s.handle("GET /users/{uid}/consents", bearer, s.listConsents)
	s.handle("DELETE /users/{uid}/consents/{id}", bearer, s.revokeConsent)
	s.handle("POST /users/{uid}/auth_link", bearer, s.createAuthLink)
	s.handle("GET /users/{uid}/auth_link", bearer, s.getAuthLink)
	s.handle("DELETE /users/{uid}/auth_link", bearer, s.deleteAuthLink)
	s.handle("GET /connectors", bearer, s.listConnectors)
	s.handle("GET /connectors/{id}/{method}", bearer, s.getConnector)
	s.handle("GET /events", bearer, s.listEvents)
	s.handle("GET /events/types", bearer, s.listEventTypes)
	s.handle("GET /events/types/{id}", bearer, s.getEventType)
	s.handle("GET /events/{id}", bearer, s.getEvent)
	s.handle("POST /notifications/webhooks", bearer, s.createWebhook)
	s.handle("GET /notifications/webhooks", bearer, s.listWebhooks)
	s.handle("GET /notifications/webhooks/{id}", bearer, s.getWebhook)
	s.handle("POST /notifications/webhooks/{id}", bearer, s.updateWebhook)
	s.handle("DELETE /notifications/webhooks/{id}", bearer, s.deleteWebhook)
	s.handle("GET /notifications/webhooks/{id}/messages", bearer, s.listMessages)
	s.handle("GET /notifications/webhooks/{id}/messages/{mid}", bearer, s.getMessage)
	s.handle("GET /consent", public, s.getConsentUI)
	s.handle("POST /consent", public, s.postConsentUI)
	s.handle("POST /consent/mfa", public, s.postConsentMFA)
	s.handle("POST /consent/done", public, s.postConsentDone)
	s.handle("POST /consent/revoke", public, s.postConsentRevoke)
	s.handle("POST /consent/extend", public, s.postConsentExtend)
	s.handle("POST /_mock/consent", mockRoute, s.postMockConsent)
	s.handle("POST /_mock/users/{uid}/consents/{id}/expire", mockRoute, s.postExpireConsent)
	s.handle("GET /jobs/{id}", bearer, s.getJob)
	s.handle("POST /jobs/{id}/mfa", bearer, s.postMFA)
	s.handle("GET /users/{uid}/accounts", bearer, s.listAccounts)
	s.handle("GET /users/{uid}/accounts/{aid}", bearer, s.getAccount)
	s.handle("GET /users/{uid}/transactions", bearer, s.listTransactions)
	s.handle("GET /users/{uid}/transactions/{tid}", bearer, s.getTransaction)
	s.handle("GET /institutions", bearer, s.listInstitutions)
	s.handle("GET /institutions/{id}", bearer, s.getInstitution)
	s.handle("GET /_mock/stats", mockRoute, s.getStats)
	s.handle("POST /_mock/faults", mockRoute, s.postFaults)
	s.handle("/", public, s.unmatched)
}

// statusWriter records the status code and lets http.ResponseController reach the connection.
type statusWriter struct {
	http.ResponseWriter
	status int
	route  string
	stats  *statsRecorder
	done   bool // counted already
}

// count records the answer in the stats, once: a dropped connection is counted before it is
// closed, so that a client that saw the drop also sees it in Stats. (A flag, not sync.OnceFunc:
// one goroutine serves a request, and OnceFunc cost two allocations per request.)
func (w *statusWriter) count() {
	if !w.done {
		w.done = true
		w.stats.count(w.route, w.status)
	}
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
