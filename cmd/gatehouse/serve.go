package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/api"
	"github.com/gatehouse/gatehouse/mailer"
	"github.com/gatehouse/gatehouse/metrics"
	"github.com/gatehouse/gatehouse/requestinfo"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/ui"
)

// serveConfig is everything serve needs, from flags and GATEHOUSE_* variables.
type serveConfig struct {
	addr       string
	db         string
	baseURL    string
	mailDir    string
	mailFrom   string
	smtpURL    string
	inviteTTL  time.Duration
	trustProxy bool
	proxies    requestinfo.Networks // the reverse proxies whose forwarded headers count, with trustProxy
	metrics    string               // address of the metrics listener, or "" for none
}

func (c *serveConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&c.db, "db", "gatehouse.db", "database: an SQLite file path, or a postgres:// URL")
	fs.StringVar(&c.baseURL, "base-url", "", "public URL of this server, for links in emails (default http://<addr>)")
	fs.StringVar(&c.mailDir, "mail-dir", "mail", "folder for outgoing mail as .eml files, when no SMTP server is set")
	fs.StringVar(&c.mailFrom, "mail-from", "Gatehouse <gatehouse@localhost>", "sender of outgoing mail")
	fs.StringVar(&c.smtpURL, "smtp-url", "", "send mail through this server: smtp://user:pass@host:587 (STARTTLS where offered) or smtps://host:465")
	fs.DurationVar(&c.inviteTTL, "invite-ttl", 7*24*time.Hour, "how long an invitation link stays valid")
	fs.BoolVar(&c.trustProxy, "trust-proxy", false, "behind a reverse proxy: take the client address from X-Forwarded-For and TLS from X-Forwarded-Proto, sent by a proxy in --trusted-proxies")
	c.proxies = requestinfo.MustParseNetworks(requestinfo.Loopback)
	fs.Var(&c.proxies, "trusted-proxies", "with --trust-proxy: the networks (CIDR,CIDR,…) of the reverse proxies whose forwarded headers count")
	fs.StringVar(&c.metrics, "metrics-addr", "", "serve Prometheus metrics at http://<this address>/metrics, e.g. 127.0.0.1:9090 (off when empty)")
}

// sender picks SMTP when a server is given, else a folder of .eml files.
func (c *serveConfig) sender() (gatehouse.Mailer, error) {
	if c.smtpURL != "" {
		return mailer.NewSMTP(c.smtpURL, c.mailFrom)
	}
	return mailer.Dir{Path: c.mailDir, From: c.mailFrom}, nil
}

func runServe(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "serve [--addr ADDR] [--db DSN] [--base-url URL] [--mail-dir DIR]",
		"Serves the API under /api/v1 (and /healthz, /readyz) until SIGINT or SIGTERM,\n"+
			"then finishes the requests in flight.")
	var cfg serveConfig
	cfg.register(fs)
	if err := parse(env, fs, args); err != nil {
		return err
	}
	return serve(ctx, env, cfg, nil)
}

// serve opens storage, builds the server and runs it. ready, when not nil,
// runs once the listener is open, with the service (demo uses it to seed).
func serve(ctx context.Context, env *environment, cfg serveConfig, ready func(*service.Service, string) error) error {
	logger := slog.New(slog.NewTextHandler(env.stderr, nil))
	slog.SetDefault(logger)
	st, err := store.Open(ctx, cfg.db)
	if err != nil {
		return err
	}
	defer st.Close()
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	if cfg.baseURL == "" {
		cfg.baseURL = url
	}
	sender, err := cfg.sender()
	if err != nil {
		return err
	}
	outbox := mailer.NewOutbox(st, sender, logger)
	svc := service.New(st)
	svc.Logger, svc.BaseURL, svc.InviteTTL, svc.MailQueued = logger, cfg.baseURL, cfg.inviteTTL, outbox.Kick
	workers, stopWorkers := context.WithCancel(context.Background())
	defer stopWorkers()
	go outbox.Run(workers)
	// Password-reset requests are answered at once and handled here, after
	// the answer (docs/accounts.md).
	go svc.RunResetRequests(workers, 5*time.Second)
	// Other instances on the same PostgreSQL database: catch up with their
	// writes as they commit.
	go st.Listen(workers, logger, func(orgID string, revision int64, ch *gatehouse.AccessChange) {
		svc.Changed(workers, orgID, revision, ch)
	})

	requests := requestinfo.New(nil, nil)
	if cfg.trustProxy {
		requests = requestinfo.New(cfg.proxies, logger)
		logger.Info("trusting X-Forwarded-For and X-Forwarded-Proto from reverse proxies", "trusted_proxies", cfg.proxies.String())
	}
	handler, err := routes(svc, st, logger, requests)
	if err != nil {
		return err
	}
	if cfg.metrics != "" {
		m := metrics.New(svc.Engine())
		handler = m.Middleware(handler)
		stopMetrics, err := serveMetrics(cfg.metrics, m, logger)
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
	logger.Info("gatehouse serving", "url", url, "db", store.Redact(cfg.db), "mail_dir", cfg.mailDir, "smtp", cfg.smtpURL != "")
	if ready != nil {
		if err := ready(svc, url); err != nil {
			srv.Close()
			return err
		}
	} else {
		fmt.Fprintf(env.stdout, "Gatehouse is serving at %s\n", url)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing requests in flight")
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// routes joins the API and the health endpoints, with request logging.
// Both surfaces read where requests come from with the same reader.
func routes(svc *service.Service, st *store.DB, logger *slog.Logger, requests *requestinfo.Reader) (http.Handler, error) {
	web, err := ui.New(svc, logger, ui.RequestInfo(requests))
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", api.New(svc, logger, api.RequestInfo(requests)))
	mux.Handle("/", web)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := st.Ping(r.Context()); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, `{"status":"unavailable","reason":"database"}`)
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

// logRequests logs one line per request, without bodies or secrets.
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := metrics.NewRecorder(w)
		next.ServeHTTP(rec, r)
		logger.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.Status, "duration", time.Since(start))
		if rec.Status >= 500 {
			logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "status", rec.Status)
		}
	})
}
