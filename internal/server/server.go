// Package server assembles Gatehouse's server from its parts — storage,
// the service, the API, the web UI, mail, metrics — and runs it. The serve
// command runs it from its flags, and the browser test boots the very same.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/api"
	"github.com/gatehouse/gatehouse/mailer"
	"github.com/gatehouse/gatehouse/metrics"
	"github.com/gatehouse/gatehouse/oidc"
	"github.com/gatehouse/gatehouse/requestinfo"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/ui"
)

// Config is everything a server is built from: serve's flags, and what a
// test chooses for it.
type Config struct {
	Addr      string // where to listen; port 0 picks one
	DB        string // an SQLite file, or a postgres:// URL
	BaseURL   string // public URL, for links in mail; default http://<the listener's address>
	MailDir   string // without SMTPURL, mail is written here as .eml files
	MailFrom  string
	SMTPURL   string
	InviteTTL time.Duration
	// MailClaim is how long an instance's claim on an outbox message lasts
	// (mailer.Outbox.Lease); default mailer.DefaultClaim. It must be longer
	// than mailer.SMTPTimeout.
	MailClaim   time.Duration
	TrustProxy  bool
	Proxies     requestinfo.Networks // the reverse proxies whose forwarded headers count, with TrustProxy
	MetricsAddr string               // address of the metrics listener, or "" for none
	Logger      *slog.Logger
	// Passwords hashes passwords; nil is the production argon2id. Tests
	// give cheap parameters.
	Passwords service.PasswordHasher
	// Clock is the time of the service and its store; nil is the real
	// time. Tests move it rather than wait (an invitation's expiry).
	Clock func() time.Time
	// AccessTokenTTL is how long the OpenID provider's access tokens
	// live; 0 is oidc.DefaultAccessTokenTTL.
	AccessTokenTTL time.Duration
}

// sender picks SMTP when a server is given, else a folder of .eml files.
func (c *Config) sender() (gatehouse.Mailer, error) {
	if c.SMTPURL != "" {
		return mailer.NewSMTP(c.SMTPURL, c.MailFrom)
	}
	return mailer.Dir{Path: c.MailDir, From: c.MailFrom}, nil
}

// Running is a server that listens, as ready is given it.
type Running struct {
	Service *service.Service
	URL     string    // where it listens, http://host:port
	BaseURL string    // what mailed links start with
	Store   *store.DB // its database, which tests close to see an outage answered
}

// Run opens storage, builds the server and serves until ctx ends, then
// finishes the requests in flight (for up to 30 s) and stops its workers.
// ready, when not nil, runs once the listener is open; an error from it
// stops the server.
func Run(ctx context.Context, cfg Config, ready func(Running) error) error {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MailClaim == 0 {
		cfg.MailClaim = mailer.DefaultClaim
	}
	if cfg.MailClaim <= mailer.SMTPTimeout {
		return gatehouse.Invalid("mail_claim", "mail-claim must be longer than one SMTP send may take (%s), not %s", mailer.SMTPTimeout, cfg.MailClaim)
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	if cfg.Clock != nil {
		st.Now = cfg.Clock
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	if cfg.BaseURL == "" {
		cfg.BaseURL = url
	}
	sender, err := cfg.sender()
	if err != nil {
		ln.Close()
		return err
	}
	outbox := mailer.NewOutbox(st, sender, logger)
	outbox.Lease = cfg.MailClaim
	// On PostgreSQL, the instance takes part in the lease protocol
	// between instances (docs/architecture.md); on SQLite it is alone.
	var presence *store.Presence
	var svc *service.Service
	if st.Engine() == "postgres" {
		presence = store.NewPresence(st, gatehouse.NewID("ins_"), logger, func(orgID string) (int64, bool) {
			return svc.Engine().Revision(orgID)
		})
	}
	svcCfg := service.Config{
		Logger:     logger,
		Passwords:  cfg.Passwords,
		InviteTTL:  cfg.InviteTTL,
		Links:      ui.Links(cfg.BaseURL),
		MailQueued: outbox.Kick,
		Clock:      cfg.Clock,
	}
	if presence != nil {
		svcCfg.Presence = presence
	}
	svc = service.New(st, svcCfg)
	workers, stopWorkers := context.WithCancel(context.Background())
	var running workGroup
	defer running.wait()
	defer stopWorkers()
	running.start(func() { outbox.Run(workers) })
	// Password-reset requests are answered at once and handled here, after
	// the answer (docs/accounts.md).
	running.start(func() { svc.RunResetRequests(workers, 5*time.Second) })
	// Starts and expiries of time-bound grants take effect on their own
	// (checks compare the clock); this audits each once (docs/decision.md).
	running.start(func() { svc.RunGrantBoundaries(workers, 30*time.Second) })
	// Other instances on the same PostgreSQL database: catch up with their
	// writes as they commit, and hold the lease (before answering: until
	// then decisions answer 503). It stops before the other workers, on
	// shutdown, so that the lease is given up first.
	listening, stopListening := context.WithCancel(workers)
	listened := make(chan struct{})
	go func() {
		defer close(listened)
		st.ListenPresent(listening, logger, presence, func(orgID string, revision int64, ch *gatehouse.AccessChange) error {
			return svc.Changed(listening, orgID, revision, ch)
		})
	}()
	var left sync.Once
	leave := func() {
		left.Do(func() {
			stopListening()
			<-listened
			if presence != nil {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				if err := presence.Leave(ctx); err != nil {
					logger.Warn("giving up the lease", "err", err)
				}
			}
		})
	}
	defer leave()

	requests := requestinfo.New(nil, nil)
	if cfg.TrustProxy {
		requests = requestinfo.New(cfg.Proxies, logger)
		logger.Info("trusting X-Forwarded-For and X-Forwarded-Proto from reverse proxies", "trusted_proxies", cfg.Proxies.String())
	}
	provider, err := oidc.New(ctx, svc, st, oidc.Config{Issuer: cfg.BaseURL, AccessTokenTTL: cfg.AccessTokenTTL, Logger: logger})
	if err != nil {
		ln.Close()
		return err
	}
	handler, err := routes(svc, st, presence, logger, requests, provider)
	if err != nil {
		ln.Close()
		return err
	}
	if cfg.MetricsAddr != "" {
		m := metrics.New(svc.Engine())
		handler = m.Middleware(handler)
		stopMetrics, err := serveMetrics(cfg.MetricsAddr, m, logger)
		if err != nil {
			ln.Close()
			return err
		}
		defer stopMetrics()
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("gatehouse serving", "url", url, "db", store.Redact(cfg.DB), "mail_dir", cfg.MailDir, "smtp", cfg.SMTPURL != "")
	if ready != nil {
		if err := ready(Running{Service: svc, URL: url, BaseURL: cfg.BaseURL, Store: st}); err != nil {
			srv.Close()
			return err
		}
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing requests in flight")
	leave()
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// workGroup waits for the background workers before storage closes.
type workGroup struct{ done []chan struct{} }

func (g *workGroup) start(f func()) {
	done := make(chan struct{})
	g.done = append(g.done, done)
	go func() { defer close(done); f() }()
}

func (g *workGroup) wait() {
	for _, d := range g.done {
		<-d
	}
}

// routes joins the API, the web UI and the health endpoints, with request
// logging. Both surfaces read where requests come from with the same
// reader.
func routes(svc *service.Service, st *store.DB, presence *store.Presence, logger *slog.Logger, requests *requestinfo.Reader, provider *oidc.Provider) (http.Handler, error) {
	web, err := ui.New(svc, logger, ui.RequestInfo(requests))
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	apiOpts := []api.Option{api.RequestInfo(requests)}
	if provider != nil {
		apiOpts = append(apiOpts, api.AccessTokens(provider.AuthenticateAccessToken))
	}
	mux.Handle("/api/", api.New(svc, logger, apiOpts...))
	mux.Handle("/", web)
	// The OpenID provider (docs/oidc.md): discovery, and its endpoints
	// under /oauth/.
	if provider != nil {
		mux.Handle(oidc.PathDiscovery, provider)
		mux.Handle(oidc.PathPrefix, provider)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// Not ready while the database does not answer, nor, on
		// PostgreSQL, while this instance may miss other instances' writes
		// (its LISTEN connection is down, or it is catching up after one).
		if err := st.Ping(r.Context()); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, `{"status":"unavailable","reason":"database"}`)
			return
		}
		if !st.Listening() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, `{"status":"unavailable","reason":"listening"}`)
			return
		}
		// Nor while its lease may have lapsed: it answers no decision then.
		if presence != nil && !presence.Answering() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, `{"status":"unavailable","reason":"lease"}`)
			return
		}
		fmt.Fprintln(w, `{"status":"ready"}`)
	})
	return logRequests(logger, mux), nil
}

// serveMetrics serves /metrics on its own listener, so that the public
// address never shows them; the returned function stops it.
func serveMetrics(addr string, m *metrics.Metrics, logger *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	logger.Info("metrics serving", "url", "http://"+ln.Addr().String()+"/metrics")
	return func() { srv.Close() }, nil
}

// logRequests logs one line per request (at debug level), without bodies
// or secrets, with the request id the API or the UI answered with.
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := metrics.NewRecorder(w)
		next.ServeHTTP(rec, r)
		id := rec.Header().Get("X-Request-ID")
		logger.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.Status, "duration", time.Since(start), "request_id", id)
		if rec.Status >= 500 {
			logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", rec.Status, "request_id", id)
		}
	})
}
