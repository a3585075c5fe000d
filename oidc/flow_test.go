package oidc_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gatehouse/gatehouse"
	ghoidc "github.com/gatehouse/gatehouse/oidc"
	"github.com/gatehouse/gatehouse/service"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// rp is a relying party built with go-oidc and x/oauth2, libraries nobody
// here wrote, against a real Gatehouse.
type rp struct {
	t        testing.TB
	g        *gh
	provider *oidc.Provider
	config   oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func newRP(t testing.TB, g *gh, clientID, secret string, scopes ...string) *rp {
	t.Helper()
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, g.url) // discovery: the issuer is the base URL
	if err != nil {
		t.Fatal(err)
	}
	return &rp{t: t, g: g, provider: provider, verifier: provider.Verifier(&oidc.Config{ClientID: clientID}),
		config: oauth2.Config{ClientID: clientID, ClientSecret: secret, Endpoint: provider.Endpoint(),
			RedirectURL: redirectURI, Scopes: append([]string{oidc.ScopeOpenID}, scopes...)}}
}

// authorize sends the browser to the authorize endpoint and returns where
// it ends up, with the PKCE verifier used.
func (r *rp) authorize(b *browser, extra ...oauth2.AuthCodeOption) (page, string) {
	verifier := oauth2.GenerateVerifier()
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oidc.Nonce("n-0S6_WzA2Mj")}, extra...)
	return b.get(r.config.AuthCodeURL("state-xyz", opts...)), verifier
}

// code reads the code the browser brought back to the relying party.
func (r *rp) code(p page) string {
	r.t.Helper()
	if p.location == nil || p.location.Query().Get("code") == "" {
		r.t.Fatalf("not sent back with a code: status %d, location %v, %.300s", p.status, p.location, p.body)
	}
	if got := p.location.Query().Get("state"); got != "state-xyz" {
		r.t.Fatalf("state %q, want state-xyz", got)
	}
	return p.location.Query().Get("code")
}

// exchange trades a code for tokens and verifies the ID token.
func (r *rp) exchange(code, verifier string) (*oauth2.Token, *oidc.IDToken) {
	r.t.Helper()
	tok, err := r.config.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		r.t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	id, err := r.verifier.Verify(context.Background(), raw)
	if err != nil {
		r.t.Fatalf("verify the ID token: %v", err)
	}
	return tok, id
}

// refresh uses a refresh token once.
func (r *rp) refresh(refreshToken string) (*oauth2.Token, error) {
	return r.config.TokenSource(context.Background(), &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Unix(1, 0)}).Token()
}

// introspect asks the introspection endpoint about a token, as the client.
func introspect(t testing.TB, g *gh, clientID, secret, token string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("POST", g.url+"/oauth/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("introspection: status %d: %v", resp.StatusCode, err)
	}
	return out
}

func revoke(t testing.TB, g *gh, clientID, secret, token string) {
	t.Helper()
	req, _ := http.NewRequest("POST", g.url+"/oauth/revoke", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: status %d", resp.StatusCode)
	}
}

// The whole code flow with PKCE, as a platform runs it: discovery, the
// sign-in page of the client's organization, code, token, the ID token
// verified against JWKS with the claims the scopes allow, userinfo,
// introspection; refresh with rotation, where reusing a rotated token
// revokes the family; then deactivation ends everything at once.
func TestCodeFlowWithPKCE(t *testing.T) {
	g := startGatehouse(t)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true, Scopes: []string{"profile", "email", "phone", "offline_access"}})
	r := newRP(t, g, app.ID, secret, "profile", "email", oidc.ScopeOfflineAccess)
	b := newBrowser(t)

	signInPage, verifier := r.authorize(b)
	if signInPage.status != http.StatusOK || !strings.Contains(signInPage.body, "Acme Facilities") || !strings.Contains(signInPage.body, "Platform") {
		t.Fatalf("sign-in page: status %d, want one naming the application and its organization: %.500s", signInPage.status, signInPage.body)
	}
	tok, id := r.exchange(r.code(b.signIn(g.url, signInPage, "bob@acme.test", password)), verifier)

	var claims struct {
		Subject       string   `json:"sub"`
		OrgID         string   `json:"org_id"`
		Email         string   `json:"email"`
		EmailVerified bool     `json:"email_verified"`
		GivenName     string   `json:"given_name"`
		FamilyName    string   `json:"family_name"`
		AMR           []string `json:"amr"`
		AuthTime      int64    `json:"auth_time"`
		Nonce         string   `json:"nonce"`
	}
	if err := id.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims.Subject != g.bob.ID || claims.OrgID != g.orgA || claims.Email != "bob@acme.test" || claims.GivenName != "Bob" ||
		claims.FamilyName != "Builder" || claims.Nonce != "n-0S6_WzA2Mj" || !slices.Equal(claims.AMR, []string{"pwd"}) || claims.AuthTime == 0 {
		t.Errorf("ID token claims %+v", claims)
	}

	info, err := r.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	if info.Subject != g.bob.ID || info.Email != "bob@acme.test" {
		t.Errorf("userinfo %+v", info)
	}
	if got := introspect(t, g, app.ID, secret, tok.AccessToken); got["active"] != true || got["sub"] != g.bob.ID || got["org_id"] != g.orgA {
		t.Errorf("introspection of a fresh access token: %v", got)
	}

	// Refresh rotates: the new refresh token works, the old one is
	// refused, and presenting it revokes the new one too.
	first := tok.RefreshToken
	if first == "" {
		t.Fatal("no refresh token for offline_access")
	}
	second, err := r.refresh(first)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if second.RefreshToken == "" || second.RefreshToken == first {
		t.Fatalf("refresh did not rotate: %q", second.RefreshToken)
	}
	if _, err := r.refresh(first); err == nil {
		t.Fatal("a rotated refresh token was accepted again")
	}
	if _, err := r.refresh(second.RefreshToken); err == nil {
		t.Fatal("after reuse of its predecessor, the newest refresh token still works: the family is not revoked")
	}
	if got := introspect(t, g, app.ID, secret, second.AccessToken); got["active"] != false {
		t.Errorf("an access token of a revoked family is still active: %v", got)
	}

	// A new sign-in: the browser's session skips the form.
	p, verifier := r.authorize(b)
	tok, _ = r.exchange(r.code(p), verifier)
	if got := introspect(t, g, app.ID, secret, tok.AccessToken); got["active"] != true {
		t.Fatalf("introspection: %v", got)
	}

	// Deactivation: introspection says inactive and refresh fails, at once.
	if _, _, err := g.svc.DeactivateUser(context.Background(), gatehouse.SystemActor(g.orgA), g.bob.ID); err != nil {
		t.Fatal(err)
	}
	if got := introspect(t, g, app.ID, secret, tok.AccessToken); got["active"] != false {
		t.Errorf("introspection after deactivation: %v, want inactive", got)
	}
	if _, err := r.refresh(tok.RefreshToken); err == nil {
		t.Error("refresh after deactivation succeeded")
	}
	if _, err := r.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok)); err == nil {
		t.Error("userinfo after deactivation succeeded")
	}
}

// A public client (a single-page app) must use PKCE; a redirect URI must
// match exactly; an unknown client is refused.
func TestAuthorizeRefusals(t *testing.T) {
	g := startGatehouse(t)
	public, _ := g.app(t, g.orgA, service.OIDCClientInput{Name: "SPA"})
	r := newRP(t, g, public.ID, "")
	b := newBrowser(t)

	// Without PKCE: back to the application with an error, no sign-in page.
	p := b.get(r.config.AuthCodeURL("state-xyz"))
	if p.location == nil || p.location.Query().Get("error") != "invalid_request" {
		t.Errorf("public client without PKCE: status %d, location %v, want a redirect with error=invalid_request", p.status, p.location)
	}
	// With plain PKCE: refused too.
	p = b.get(r.config.AuthCodeURL("state-xyz", oauth2.SetAuthURLParam("code_challenge", "abc"), oauth2.SetAuthURLParam("code_challenge_method", "plain")))
	if p.location == nil || p.location.Query().Get("error") == "" {
		t.Errorf("plain PKCE: status %d, location %v, want an error", p.status, p.location)
	}
	// A redirect URI not registered: never sent there.
	wrong := r.config
	wrong.RedirectURL = "http://127.0.0.1:9/elsewhere"
	p = b.get(wrong.AuthCodeURL("state-xyz", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if p.location != nil || p.status < 400 {
		t.Errorf("wrong redirect URI: status %d, location %v, want an error page", p.status, p.location)
	}
	// With PKCE, the public client signs in, and the code needs the verifier.
	p, _ = r.authorize(b)
	code := r.code(b.signIn(g.url, p, "ada@acme.test", password))
	if _, err := r.config.Exchange(context.Background(), code, oauth2.VerifierOption("wrong-verifier-wrong-verifier-wrong-verifier")); err == nil {
		t.Error("a code was exchanged with the wrong PKCE verifier")
	}
	p, verifier := r.authorize(b)
	r.exchange(r.code(p), verifier)
}

// A client of organization A never signs in a user of B, with B's right
// password; and sign-in through the provider is throttled like any.
func TestSignInStaysInTheClientsOrganization(t *testing.T) {
	g := startGatehouse(t)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true})
	r := newRP(t, g, app.ID, secret)
	b := newBrowser(t)
	p, _ := r.authorize(b)
	if got := b.signIn(g.url, p, "carl@beta.test", password); got.location != nil || got.status != http.StatusUnauthorized {
		t.Fatalf("B's user through A's client: status %d, location %v, want 401 on the sign-in page", got.status, got.location)
	}
	// Signed in to B in this browser (the web UI), A's client still asks.
	form := url.Values{"email": {"carl@beta.test"}, "password": {password}}
	req, _ := http.NewRequest("POST", g.url+"/sign-in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	b.do(req)
	p, _ = r.authorize(b)
	if p.location != nil || !strings.Contains(p.body, `name="auth_request"`) {
		t.Fatalf("with a session of B, A's client got status %d, location %v, want its sign-in form", p.status, p.location)
	}

	throttled := false
	for range 6 {
		if got := b.signIn(g.url, p, "bob@acme.test", "wrong password"); got.status == http.StatusTooManyRequests {
			throttled = true
			break
		}
	}
	if !throttled {
		t.Error("six wrong passwords through the provider's sign-in were never throttled")
	}
}

// prompt=login asks for the password again despite a session; max_age
// too once the session is older.
func TestPromptLoginAndMaxAge(t *testing.T) {
	g := startGatehouse(t)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true})
	r := newRP(t, g, app.ID, secret)
	b := newBrowser(t)
	p, verifier := r.authorize(b)
	_, first := r.exchange(r.code(b.signIn(g.url, p, "bob@acme.test", password)), verifier)

	p, _ = r.authorize(b, oauth2.SetAuthURLParam("prompt", "login"))
	if p.location != nil || !strings.Contains(p.body, `name="auth_request"`) {
		t.Fatalf("prompt=login: status %d, location %v, want the sign-in form", p.status, p.location)
	}
	p, verifier = r.authorize(b, oauth2.SetAuthURLParam("max_age", "3600"))
	r.exchange(r.code(p), verifier) // a session younger than max_age is enough

	g.clock.Set(2 * time.Minute)
	p, verifier = r.authorize(b, oauth2.SetAuthURLParam("max_age", "60"))
	if p.location != nil {
		t.Fatalf("max_age=60 with a two-minute-old session: sent back without a sign-in")
	}
	_, second := r.exchange(r.code(b.signIn(g.url, p, "bob@acme.test", password)), verifier)
	if authTime(t, second) <= authTime(t, first) {
		t.Errorf("auth_time %d after a new sign-in, first %d", authTime(t, second), authTime(t, first))
	}
}

// Client credentials: a confidential service client gets a token for
// itself, which introspection describes; revocation ends it.
func TestClientCredentials(t *testing.T) {
	g := startGatehouse(t)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true, GrantTypes: []string{gatehouse.GrantClientCredentials}})
	provider, err := oidc.NewProvider(context.Background(), g.url)
	if err != nil {
		t.Fatal(err)
	}
	cc := clientcredentials.Config{ClientID: app.ID, ClientSecret: secret, TokenURL: provider.Endpoint().TokenURL}
	tok, err := cc.Token(context.Background())
	if err != nil {
		t.Fatalf("client credentials: %v", err)
	}
	if got := introspect(t, g, app.ID, secret, tok.AccessToken); got["active"] != true || got["client_id"] != app.ID || got["org_id"] != g.orgA {
		t.Errorf("introspection: %v", got)
	}
	// A client of another organization learns nothing of it.
	other, otherSecret := g.app(t, g.orgB, service.OIDCClientInput{Confidential: true, GrantTypes: []string{gatehouse.GrantClientCredentials}})
	if got := introspect(t, g, other.ID, otherSecret, tok.AccessToken); got["active"] != false {
		t.Errorf("B's client introspecting A's token: %v", got)
	}
	revoke(t, g, app.ID, secret, tok.AccessToken)
	if got := introspect(t, g, app.ID, secret, tok.AccessToken); got["active"] != false {
		t.Errorf("introspection after revocation: %v", got)
	}
	wrong := cc
	wrong.ClientSecret = "ghc_wrong"
	if _, err := wrong.Token(context.Background()); err == nil {
		t.Error("a wrong secret got a token")
	}
}

// Revocation of a refresh token (RFC 7009) ends it and its access tokens;
// RP-initiated logout goes back to the registered URI and ends the
// browser's Gatehouse session.
func TestRevocationAndLogout(t *testing.T) {
	g := startGatehouse(t)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true, Scopes: []string{"offline_access"},
		PostLogoutRedirectURIs: []string{logoutURI}})
	r := newRP(t, g, app.ID, secret, oidc.ScopeOfflineAccess)
	b := newBrowser(t)
	p, verifier := r.authorize(b)
	tok, _ := r.exchange(r.code(b.signIn(g.url, p, "bob@acme.test", password)), verifier)
	revoke(t, g, app.ID, secret, tok.RefreshToken)
	if _, err := r.refresh(tok.RefreshToken); err == nil {
		t.Error("a revoked refresh token still works")
	}
	if got := introspect(t, g, app.ID, secret, tok.AccessToken); got["active"] != false {
		t.Errorf("the access token of a revoked refresh token: %v", got)
	}

	p, verifier = r.authorize(b)
	tok, _ = r.exchange(r.code(p), verifier)
	var endSession struct {
		URL string `json:"end_session_endpoint"`
	}
	if err := r.provider.Claims(&endSession); err != nil || endSession.URL == "" {
		t.Fatalf("discovery names no end_session_endpoint: %v", err)
	}
	logout := endSession.URL + "?" + url.Values{"id_token_hint": {tok.Extra("id_token").(string)},
		"post_logout_redirect_uri": {logoutURI}, "state": {"bye"}}.Encode()
	p = b.get(logout)
	if p.location == nil || !strings.HasPrefix(p.location.String(), logoutURI) || p.location.Query().Get("state") != "bye" {
		t.Fatalf("end_session: status %d, location %v, want %s?state=bye", p.status, p.location, logoutURI)
	}
	if got := introspect(t, g, app.ID, secret, tok.AccessToken); got["active"] != false {
		t.Errorf("access token after logout: %v", got)
	}
	p, _ = r.authorize(b)
	if p.location != nil {
		t.Error("after logout, the browser's session still signs in without a password")
	}
	// An unregistered post-logout URI is refused.
	p = b.get(endSession.URL + "?" + url.Values{"client_id": {app.ID}, "post_logout_redirect_uri": {"http://127.0.0.1:9/evil"}}.Encode())
	if p.location != nil && strings.Contains(p.location.String(), "evil") {
		t.Error("end_session redirected to an unregistered URI")
	}
}

func authTime(t testing.TB, id *oidc.IDToken) int64 {
	t.Helper()
	var c struct {
		AuthTime int64 `json:"auth_time"`
	}
	if err := id.Claims(&c); err != nil {
		t.Fatal(err)
	}
	return c.AuthTime
}

// Key rotation (gatehouse keys rotate): new tokens are signed with the new
// key at once; tokens signed before stay verifiable while the old key is
// published, which it is for oidc.KeyOverlap.
func TestKeyRotationKeepsOldTokensVerifiable(t *testing.T) {
	g := startGatehouse(t)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true})
	r := newRP(t, g, app.ID, secret)
	b := newBrowser(t)
	p, verifier := r.authorize(b)
	before, _ := r.exchange(r.code(b.signIn(g.url, p, "bob@acme.test", password)), verifier)
	if n := len(jwks(t, g)); n != 1 {
		t.Fatalf("JWKS before rotation: %d keys, want 1", n)
	}

	rotated, err := ghoidc.RotateSigningKey(context.Background(), g.openStore(t), g.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	p, verifier = r.authorize(b)
	after, _ := r.exchange(r.code(p), verifier)
	if kid := keyID(t, after.Extra("id_token").(string)); kid != rotated.ID {
		t.Errorf("a token after rotation is signed by %s, want the new key %s", kid, rotated.ID)
	}
	if keyID(t, before.Extra("id_token").(string)) == rotated.ID {
		t.Fatal("the token before rotation names the new key")
	}
	// A relying party that never saw the new key, and one that did: both
	// verify both tokens.
	for _, tok := range []*oauth2.Token{before, after} {
		if _, err := newRP(t, g, app.ID, secret).verifier.Verify(context.Background(), tok.Extra("id_token").(string)); err != nil {
			t.Errorf("verify after rotation: %v", err)
		}
		if _, err := r.verifier.Verify(context.Background(), tok.Extra("id_token").(string)); err != nil {
			t.Errorf("verify with cached keys after rotation: %v", err)
		}
	}
	if got := introspect(t, g, app.ID, secret, before.AccessToken); got["active"] != true {
		t.Errorf("an access token signed by the old key: %v", got)
	}
	if n := len(jwks(t, g)); n != 2 {
		t.Errorf("JWKS after rotation: %d keys, want the old and the new", n)
	}
	g.clock.Set(ghoidc.KeyOverlap + time.Minute)
	if keys := jwks(t, g); len(keys) != 1 || keys[0] != rotated.ID {
		t.Errorf("JWKS once the old key's tokens have expired: %v, want only %s", keys, rotated.ID)
	}
}

// jwks returns the key ids the JWKS endpoint publishes.
func jwks(t testing.TB, g *gh) []string {
	t.Helper()
	resp, err := http.Get(g.url + ghoidc.PathKeys)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			KID string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.KID)
	}
	return out
}

// keyID reads the kid of a JWT's header.
func keyID(t testing.TB, jwt string) string {
	t.Helper()
	header, err := base64.RawURLEncoding.DecodeString(strings.Split(jwt, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		KID string `json:"kid"`
	}
	json.Unmarshal(header, &h)
	return h.KID
}

// A password change ends the user's tokens at once, as it ends their
// sessions; deleting a user makes theirs inactive.
func TestPasswordChangeAndDeletionEndTokens(t *testing.T) {
	g := startGatehouse(t)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true, Scopes: []string{"offline_access"}})
	r := newRP(t, g, app.ID, secret, oidc.ScopeOfflineAccess)
	b := newBrowser(t)
	p, verifier := r.authorize(b)
	tok, _ := r.exchange(r.code(b.signIn(g.url, p, "bob@acme.test", password)), verifier)
	if err := g.svc.SetPassword(context.Background(), gatehouse.SystemActor(g.orgA), g.bob.ID, "another fine passphrase"); err != nil {
		t.Fatal(err)
	}
	if got := introspect(t, g, app.ID, secret, tok.AccessToken); got["active"] != false {
		t.Errorf("introspection after a password change: %v", got)
	}
	if _, err := r.refresh(tok.RefreshToken); err == nil {
		t.Error("refresh after a password change succeeded")
	}

	b = newBrowser(t)
	p, verifier = r.authorize(b)
	tok, _ = r.exchange(r.code(b.signIn(g.url, p, "bob@acme.test", "another fine passphrase")), verifier)
	if _, err := g.svc.DeleteUser(context.Background(), gatehouse.SystemActor(g.orgA), g.bob.ID); err != nil {
		t.Fatal(err)
	}
	if got := introspect(t, g, app.ID, secret, tok.AccessToken); got["active"] != false {
		t.Errorf("introspection after deletion: %v", got)
	}
	if _, err := r.refresh(tok.RefreshToken); err == nil {
		t.Error("refresh after deletion succeeded")
	}
}

// An application that acts as a service user: its client-credentials
// access token is accepted by the API as that user, like an API key, until
// it is revoked or the user deactivated — refused at once. A user's own
// access token (from a sign-in) is not API credentials.
func TestAPIAcceptsAccessTokensOfServiceApplications(t *testing.T) {
	g := startGatehouse(t)
	ctx := context.Background()
	service_ := g.user(t, g.orgA, "svc@acme.test")
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true, GrantTypes: []string{gatehouse.GrantClientCredentials},
		ServiceUserID: service_.ID})
	cc := clientcredentials.Config{ClientID: app.ID, ClientSecret: secret, TokenURL: g.url + ghoidc.PathToken}
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	me := func(token string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", g.url+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	status, body := me(tok.AccessToken)
	if user, _ := body["user"].(map[string]any); status != http.StatusOK || user["id"] != service_.ID {
		t.Fatalf("GET /api/v1/me with the access token: %d %v, want the service user", status, body)
	}
	revoke(t, g, app.ID, secret, tok.AccessToken)
	if status, _ := me(tok.AccessToken); status != http.StatusUnauthorized {
		t.Errorf("a revoked access token: %d, want 401", status)
	}
	tok, _ = cc.Token(ctx)
	if _, _, err := g.svc.DeactivateUser(ctx, gatehouse.SystemActor(g.orgA), service_.ID); err != nil {
		t.Fatal(err)
	}
	if status, _ := me(tok.AccessToken); status != http.StatusUnauthorized {
		t.Errorf("the token of a deactivated service user: %d, want 401", status)
	}

	// A signed-in user's access token is for the application only.
	web, webSecret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true})
	r := newRP(t, g, web.ID, webSecret)
	b := newBrowser(t)
	p, verifier := r.authorize(b)
	userTok, _ := r.exchange(r.code(b.signIn(g.url, p, "ada@acme.test", password)), verifier)
	if status, _ := me(userTok.AccessToken); status != http.StatusUnauthorized {
		t.Errorf("a user's access token at the API: %d, want 401", status)
	}

	// Only a user with full access may make an application act as
	// another user; one allowed manage_applications may make it act as
	// themselves.
	sys := gatehouse.SystemActor(g.orgA)
	editors, _, err := g.svc.CreateGroup(ctx, sys, service.GroupInput{Name: "Editors", Permissions: []string{"users.view", "users.edit"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.svc.UpdateUser(ctx, sys, g.bob.ID, service.UserPatch{GroupIDs: &[]string{editors.ID}}); err != nil {
		t.Fatal(err)
	}
	bob := gatehouse.Actor{OrgID: g.orgA, UserID: g.bob.ID}
	in := service.OIDCClientInput{Name: "x", Confidential: true, GrantTypes: []string{gatehouse.GrantClientCredentials}, ServiceUserID: g.ada.ID}
	if _, _, err := g.svc.CreateOIDCClient(ctx, bob, in); gatehouse.ErrorCode(err) != gatehouse.EFORBIDDEN {
		t.Errorf("a user without full access made an application act as the admin: %v, want forbidden", err)
	}
	in.ServiceUserID = g.bob.ID
	if _, _, err := g.svc.CreateOIDCClient(ctx, bob, in); err != nil {
		t.Errorf("an application acting as its maker: %v", err)
	}
}

func oauth2StaticSource(tok *oauth2.Token) oauth2.TokenSource { return oauth2.StaticTokenSource(tok) }
