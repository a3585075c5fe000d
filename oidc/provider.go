// Package oidc makes Gatehouse an OpenID Connect provider (docs/oidc.md),
// built on github.com/zitadel/oidc's op package: the library speaks the
// protocol, and storage keeps every request, code and token in Gatehouse's
// database, so that every instance serving it answers every step.
package oidc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
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
	// MaxAccessTokenTTL is the longest --access-token-ttl: as long as an
	// ID token, which KeyOverlap outlasts.
	MaxAccessTokenTTL = IDTokenTTL
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

// A Provider is the OpenID provider: its handler, for PathDiscovery and
// everything under PathPrefix, and the check of its access tokens for the
// API (AuthenticateAccessToken).
type Provider struct {
	http.Handler
	op      *op.Provider
	storage *storage
	issuer  string
}

// New returns the provider. It makes the first signing key when there is
// none.
func New(ctx context.Context, svc *service.Service, st gatehouse.Store, cfg Config) (*Provider, error) {
	if cfg.AccessTokenTTL == 0 {
		cfg.AccessTokenTTL = DefaultAccessTokenTTL
	}
	// A replaced signing key stays published for KeyOverlap: a token must
	// not outlive the key that verifies it.
	if cfg.AccessTokenTTL < 0 || cfg.AccessTokenTTL > MaxAccessTokenTTL {
		return nil, fmt.Errorf("oidc: the access token lifetime must be positive and at most %v, not %v", MaxAccessTokenTTL, cfg.AccessTokenTTL)
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
	issuer := strings.TrimSuffix(cfg.Issuer, "/")
	provider, err := op.NewProvider(config, s, op.StaticIssuer(issuer), opts...)
	if err != nil {
		return nil, err
	}
	return &Provider{Handler: guard(s.sameBrowser(provider)), op: provider, storage: s, issuer: issuer}, nil
}

func endpoint(path string) *op.Endpoint { return op.NewEndpoint(strings.TrimPrefix(path, "/")) }

// requestState is what the storage learns of a request that its answer
// needs: the Gatehouse session cookie sent to the end-session endpoint
// (logging out of an application ends it too, and the answer clears it),
// and whether the database was unavailable (the answer is 503, not the
// library's 500).
type requestState struct {
	sessionToken string
	signedOut    bool
	unavailable  bool
}

type stateKey struct{}

func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	return st
}

// guard gives every request its requestState and answers by it.
func guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A form that cannot be parsed is the caller's mistake; the
		// end-session endpoint would answer it 500.
		if err := r.ParseForm(); err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"invalid_request","error_description":"the request's parameters cannot be parsed"}`))
			return
		}
		st := &requestState{}
		if c, err := r.Cookie(gatehouse.SessionCookie); err == nil && r.URL.Path == PathEndSession {
			st.sessionToken = c.Value
		}
		next.ServeHTTP(&stateWriter{ResponseWriter: w, state: st}, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
	})
}

type stateWriter struct {
	http.ResponseWriter
	state   *requestState
	written bool // the status is sent
	dropped bool // the library's body is replaced by the 503's
}

// WriteHeader sends the library's status, unless the database did not
// answer during the request: then whatever the library made of it — a
// server error, but also an inactive token (introspection) or a client
// that cannot be authenticated — is 503, as the answer says nothing of
// the token or the client.
func (w *stateWriter) WriteHeader(status int) {
	if w.written {
		return
	}
	w.written = true
	if w.state.signedOut {
		http.SetCookie(w.ResponseWriter, &http.Cookie{Name: gatehouse.SessionCookie, Value: "", Path: "/", HttpOnly: true, MaxAge: -1})
	}
	if w.state.unavailable {
		w.dropped = true
		h := w.Header()
		h.Del("Location")
		h.Set("Content-Type", "application/json")
		h.Set("Retry-After", "1")
		w.ResponseWriter.WriteHeader(http.StatusServiceUnavailable)
		w.ResponseWriter.Write([]byte(`{"error":"temporarily_unavailable","error_description":"the database is unavailable; try again"}`))
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *stateWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.dropped {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}
