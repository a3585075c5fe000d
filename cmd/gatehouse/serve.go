package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/mailer"
	"github.com/gatehouse/gatehouse/oidc"
	"github.com/gatehouse/gatehouse/requestinfo"
)

// serveConfig is everything serve needs, from flags and GATEHOUSE_* variables.
type serveConfig struct {
	server.Config
	logLevel slog.Level
}

func (c *serveConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&c.DB, "db", "gatehouse.db", "database: an SQLite file path, or a postgres:// URL")
	fs.StringVar(&c.BaseURL, "base-url", "", "public URL of this server, for links in emails (default http://<addr>)")
	fs.StringVar(&c.MailDir, "mail-dir", "mail", "folder for outgoing mail as .eml files, when no SMTP server is set")
	fs.StringVar(&c.MailFrom, "mail-from", "Gatehouse <gatehouse@localhost>", "sender of outgoing mail")
	fs.StringVar(&c.SMTPURL, "smtp-url", "", "send mail through this server: smtp://user:pass@host:587 (STARTTLS where offered) or smtps://host:465")
	fs.DurationVar(&c.InviteTTL, "invite-ttl", 7*24*time.Hour, "how long an invitation link stays valid")
	fs.DurationVar(&c.MailClaim, "mail-claim", mailer.DefaultClaim, "how long an instance's claim on an outgoing mail lasts: a crashed instance's mail goes out this long after it claimed it (longer than an SMTP send's "+mailer.SMTPTimeout.String()+")")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", false, "behind a reverse proxy: take the client address from X-Forwarded-For and TLS from X-Forwarded-Proto, sent by a proxy in --trusted-proxies")
	c.Proxies = requestinfo.MustParseNetworks(requestinfo.Loopback)
	fs.Var(&c.Proxies, "trusted-proxies", "with --trust-proxy: the networks (CIDR,CIDR,…) of the reverse proxies whose forwarded headers count")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://<this address>/metrics, e.g. 127.0.0.1:9090 (off when empty)")
	fs.DurationVar(&c.AccessTokenTTL, "access-token-ttl", oidc.DefaultAccessTokenTTL, "how long the OpenID provider's access tokens live (docs/oidc.md)")
	fs.TextVar(&c.logLevel, "log-level", slog.LevelInfo, "least level logged: debug (one line per request), info, warn or error")
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

// serve runs the server with the logger on stderr. ready, when not nil,
// runs once the listener is open (demo uses it to seed and to say how to
// sign in); without it, serve says where it serves on stdout.
func serve(ctx context.Context, env *environment, cfg serveConfig, ready func(server.Running) error) error {
	cfg.Logger = slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	// The OpenID library logs through the default logger: into serve's log.
	slog.SetDefault(cfg.Logger)
	if ready == nil {
		ready = func(r server.Running) error {
			_, err := fmt.Fprintf(env.stdout, "Gatehouse is serving at %s\n", r.URL)
			return err
		}
	}
	return server.Run(ctx, cfg.Config, ready)
}
