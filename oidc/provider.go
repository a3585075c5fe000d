// Package oidc makes Gatehouse an OpenID Connect provider (docs/oidc.md),
// built on github.com/zitadel/oidc's op package: the library speaks the
// protocol, and storage keeps every request, code and token in Gatehouse's
// database, so that every instance serving it answers every step.
package oidc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// Lifetimes of the tokens the provider issues.
const (
	DefaultAccessTokenTTL  = 5 * time.Minute
	DefaultRefreshTokenTTL = 30 * 24 * time.Hour
	IDTokenTTL             = time.Hour
)

// Paths of the provider's endpoints, under the issuer. The web UI and the
// API use none of them.
const (
	PathDiscovery  = "/.well-known/openid-configuration"
	PathPrefix     = "/oauth/"
	PathAuthorize  = "/oauth/authorize"
	PathCallback   = "/oauth/authorize/callback" // where the sign-in page returns the browser (?id=)
	PathToken      = "/oauth/token"
	PathUserinfo   = "/oauth/userinfo"
	PathRevoke     = "/oauth/revoke"
	PathIntrospect = "/oauth/introspect"
	PathEndSession = "/oauth/end_session"
	PathKeys       = "/oauth/keys"
)

// Config is what the provider is built from.
type Config struct {
	Issuer          string // the server's --base-url
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	Logger          *slog.Logger
}

// New returns the provider's handler, for PathDiscovery and everything
// under PathPrefix. It makes the first signing key when there is none.
func New(ctx context.Context, svc *service.Service, st gatehouse.Store, cfg Config) (http.Handler, error) {
	if cfg.AccessTokenTTL == 0 {
		cfg.AccessTokenTTL = DefaultAccessTokenTTL
	}
	if cfg.RefreshTokenTTL == 0 {
		cfg.RefreshTokenTTL = DefaultRefreshTokenTTL
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if err := EnsureSigningKey(ctx, st, svc.Now()); err != nil {
		return nil, err
	}
	s := &storage{svc: svc, st: st, keys: &keyRing{st: st, now: svc.Now, parsed: map[string]*rsa.PrivateKey{}},
		accessTTL: cfg.AccessTokenTTL, refreshTTL: cfg.RefreshTokenTTL, idTokenTTL: IDTokenTTL, logger: cfg.Logger}
	// The library encrypts opaque tokens with this key; Gatehouse issues
	// none (access tokens are JWTs, refresh tokens and codes are random
	// and looked up by hash), so each instance may have its own.
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return nil, err
	}
	config := &op.Config{
		CryptoKey:                key,
		DefaultLogoutRedirectURI: "/sign-in",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		SupportedUILocales:       []language.Tag{language.English},
		SupportedScopes:          append([]string{"openid"}, gatehouse.OIDCScopes...),
		SupportedClaims:          append(append([]string{}, op.DefaultSupportedClaims...), claimOrgID),
	}
	opts := []op.Option{
		op.WithCustomEndpoints(endpoint(PathAuthorize), endpoint(PathToken), endpoint(PathUserinfo),
			endpoint(PathRevoke), endpoint(PathEndSession), endpoint(PathKeys)),
		op.WithCustomIntrospectionEndpoint(endpoint(PathIntrospect)),
	}
	if strings.HasPrefix(cfg.Issuer, "http://") {
		opts = append(opts, op.WithAllowInsecure()) // a development server; docs/oidc.md asks for https
	}
	provider, err := op.NewProvider(config, s, op.StaticIssuer(strings.TrimSuffix(cfg.Issuer, "/")), opts...)
	if err != nil {
		return nil, err
	}
	return withBrowser(provider), nil
}

func endpoint(path string) *op.Endpoint { return op.NewEndpoint(strings.TrimPrefix(path, "/")) }

// browser is the Gatehouse session cookie of a request to the end-session
// endpoint, so that logging out of an application can end it too.
type browser struct {
	sessionToken string
	signedOut    bool
}

type browserKey struct{}

func browserFrom(ctx context.Context) *browser {
	b, _ := ctx.Value(browserKey{}).(*browser)
	return b
}

// withBrowser hands the session cookie to RP-initiated logout, and clears
// it in the answer when the session was ended.
func withBrowser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(gatehouse.SessionCookie)
		if r.URL.Path != PathEndSession || err != nil {
			next.ServeHTTP(w, r)
			return
		}
		b := &browser{sessionToken: c.Value}
		next.ServeHTTP(&clearingWriter{ResponseWriter: w, browser: b}, r.WithContext(context.WithValue(r.Context(), browserKey{}, b)))
	})
}

type clearingWriter struct {
	http.ResponseWriter
	browser *browser
}

func (w *clearingWriter) WriteHeader(status int) {
	if w.browser.signedOut {
		http.SetCookie(w.ResponseWriter, &http.Cookie{Name: gatehouse.SessionCookie, Value: "", Path: "/", HttpOnly: true, MaxAge: -1})
	}
	w.ResponseWriter.WriteHeader(status)
}
