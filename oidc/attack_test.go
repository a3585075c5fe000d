package oidc_test

import (
	"encoding/json"
	"errors"
	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/store/storetest"
	"golang.org/x/oauth2/clientcredentials"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	ghoidc "github.com/gatehouse/gatehouse/oidc"
	"github.com/gatehouse/gatehouse/service"
	"golang.org/x/oauth2"
)

// Attack: the attacker starts a sign-in at the platform in their own
// browser (the platform keeps the state and PKCE verifier there), sends
// the victim the sign-in page's link (/sign-in?auth_request=ID), and once
// the victim has signed in there, opens the provider's callback with that
// ID themselves. The code must not be handed to a browser that does not
// hold the session of the user who completed the request.
func TestCallbackOnlyForTheBrowserThatSignedIn(t *testing.T) {
	g := startGatehouse(t)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true})
	r := newRP(t, g, app.ID, secret)
	attacker := newBrowser(t)
	p, verifier := r.authorize(attacker)
	m := authRequestField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no sign-in page: %d %.300s", p.status, p.body)
	}
	id := m[1]

	// The victim signs in on the lured page; the attacker, polling the
	// callback, is there before the victim's browser follows the "Signing
	// you in" page's meta refresh.
	victim := newBrowser(t)
	if lured := victim.get(g.url + "/sign-in?auth_request=" + id); !strings.Contains(lured.body, "Acme Facilities") {
		t.Fatalf("lured page: %d %.300s", lured.status, lured.body)
	}
	form := url.Values{"email": {"bob@acme.test"}, "password": {password}, "auth_request": {id}}
	req, _ := http.NewRequest("POST", g.url+"/sign-in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p := victim.once(req); p.status != http.StatusOK || !metaRefresh.MatchString(p.body) {
		t.Fatalf("the victim's sign-in: status %d, want the page that moves on to the callback: %.300s", p.status, p.body)
	}

	for _, who := range []struct {
		name string
		b    *browser
	}{{"a browser signed in as another user", signedIn(t, g, "ada@acme.test")}, {"a browser without a session", attacker}} {
		got := who.b.get(g.url + ghoidc.PathCallback + "?id=" + id)
		if got.location != nil && got.location.Query().Get("code") != "" {
			if _, err := r.config.Exchange(t.Context(), got.location.Query().Get("code"), oauth2.VerifierOption(verifier)); err == nil {
				t.Fatalf("%s opened the callback of bob's sign-in and exchanged its code for bob's tokens", who.name)
			}
			t.Errorf("%s was given a code for bob's sign-in", who.name)
		}
	}
	// The victim's own browser still finishes the sign-in.
	if got := victim.get(g.url + ghoidc.PathCallback + "?id=" + id); got.location == nil || got.location.Query().Get("code") == "" {
		t.Errorf("the browser that signed in: status %d, location %v, want the code", got.status, got.location)
	}
}

// signedIn is a browser signed in to Gatehouse's web UI.
func signedIn(t *testing.T, g *gh, email string) *browser {
	t.Helper()
	b := newBrowser(t)
	req, _ := http.NewRequest("POST", g.url+"/sign-in", strings.NewReader("email="+email+"&password="+strings.ReplaceAll(password, " ", "+")))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p := b.do(req); p.status != http.StatusOK {
		t.Fatalf("sign in %s: status %d", email, p.status)
	}
	return b
}

// Attack: a limited admin (allowed manage_applications, not full access)
// may not make an application act as the full-access admin — but could
// give such an application, made by the admin, a new secret, take it, and
// call the API with the admin's access through client credentials.
func TestLimitedAdminCannotTakeOverAnApplicationActingAsAnother(t *testing.T) {
	g := startGatehouse(t)
	ctx := t.Context()
	sys := gatehouse.SystemActor(g.orgA)
	adas, _ := g.app(t, g.orgA, service.OIDCClientInput{Name: "Ada's robot", Confidential: true,
		GrantTypes: []string{gatehouse.GrantClientCredentials}, ServiceUserID: g.ada.ID})
	editors, _, err := g.svc.CreateGroup(ctx, sys, service.GroupInput{Name: "Editors", Permissions: []string{"users.view", "users.edit"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.svc.UpdateUser(ctx, sys, g.bob.ID, service.UserPatch{GroupIDs: &[]string{editors.ID}}); err != nil {
		t.Fatal(err)
	}
	bob := gatehouse.Actor{OrgID: g.orgA, UserID: g.bob.ID}
	if _, err := g.svc.OIDCClients(ctx, bob); err != nil {
		t.Fatalf("bob may not manage applications at all: %v", err)
	}

	_, secret, err := g.svc.RegenerateOIDCClientSecret(ctx, bob, adas.ID)
	if err == nil {
		cc := clientcredentials.Config{ClientID: adas.ID, ClientSecret: secret, TokenURL: g.url + ghoidc.PathToken}
		if tok, err := cc.Token(ctx); err == nil {
			req, _ := http.NewRequest("GET", g.url+"/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
				t.Errorf("GET /api/v1/me as Ada with the secret bob regenerated: %d", resp.StatusCode)
			}
		}
		t.Fatal("bob, without full access, regenerated the secret of an application that acts as Ada")
	}
	if gatehouse.ErrorCode(err) != gatehouse.EFORBIDDEN {
		t.Fatalf("regenerate: %v, want forbidden", err)
	}
	// Ada herself, and an application acting as bob, are bob's to renew.
	if _, _, err := g.svc.RegenerateOIDCClientSecret(ctx, gatehouse.Actor{OrgID: g.orgA, UserID: g.ada.ID}, adas.ID); err != nil {
		t.Errorf("Ada renewing her own application's secret: %v", err)
	}
	bobs, _, err := g.svc.CreateOIDCClient(ctx, bob, service.OIDCClientInput{Name: "Bob's robot", Confidential: true,
		GrantTypes: []string{gatehouse.GrantClientCredentials}, ServiceUserID: g.bob.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.svc.RegenerateOIDCClientSecret(ctx, bob, bobs.ID); err != nil {
		t.Errorf("bob renewing his own robot's secret: %v", err)
	}
}

// Malformed or unknown input at every endpoint is the caller's mistake
// (4xx, or a redirect), never a server error.
func TestMalformedRequestsAreNotServerErrors(t *testing.T) {
	g := startGatehouse(t)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true})
	authorize := "/oauth/authorize?client_id=" + app.ID + "&redirect_uri=" + url.QueryEscape(redirectURI) + "&scope=openid&response_type=code"
	creds := "&client_id=" + app.ID + "&client_secret=" + secret
	for _, r := range []struct{ method, path, body string }{
		{"GET", "/oauth/end_session?%zz", ""},
		{"GET", "/oauth/end_session?client_id=nope&post_logout_redirect_uri=https%3A%2F%2Fevil.test", ""},
		{"GET", "/oauth/end_session?id_token_hint=abc", ""},
		{"GET", "/oauth/authorize?%zz", ""},
		{"GET", authorize + "&max_age=abc", ""},
		{"GET", authorize + "&prompt=none+login", ""},
		{"GET", "/oauth/authorize?client_id=nope&redirect_uri=https%3A%2F%2Fevil.test&scope=openid&response_type=code", ""},
		{"GET", ghoidc.PathCallback + "?id=nope", ""},
		{"GET", ghoidc.PathCallback, ""},
		{"POST", "/oauth/token", "%zz"},
		{"POST", "/oauth/token", "grant_type=refresh_token&refresh_token=x"},
		{"POST", "/oauth/token", "grant_type=refresh_token&refresh_token=x&client_id=nope"},
		{"POST", "/oauth/token", "grant_type=authorization_code&code=x&client_id=nope&client_secret=x"},
		{"POST", "/oauth/token", "grant_type=client_credentials&client_id=nope&client_secret=x"},
		{"POST", "/oauth/token", "grant_type=authorization_code&code=x" + creds},
		{"POST", "/oauth/token", "grant_type=password" + creds},
		{"POST", "/oauth/introspect", "%zz"},
		{"POST", "/oauth/introspect", "token=abc&client_id=nope&client_secret=x"},
		{"POST", "/oauth/introspect", "token=abc" + creds},
		{"POST", "/oauth/revoke", "%zz"},
		{"POST", "/oauth/revoke", "token=abc&client_id=nope&client_secret=x"},
		{"GET", "/oauth/userinfo", ""},
	} {
		req, _ := http.NewRequest(r.method, g.url+r.path, strings.NewReader(r.body))
		if r.method == "POST" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Errorf("%s %s %s: status %d, want a client error", r.method, r.path, r.body, resp.StatusCode)
		}
	}
}

// Attack: anyone may start a sign-in, and each one is stored; a request
// with a huge state (up to the 10 MB of a form) filled the database, and
// expired requests stayed for ever. Now a request's parameters are bounded
// and requests older than service.OIDCRequestTTL are pruned.
func TestAuthorizeRequestsAreBounded(t *testing.T) {
	g := startGatehouse(t)
	app, _ := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true})
	form := url.Values{"client_id": {app.ID}, "redirect_uri": {redirectURI}, "scope": {"openid"}, "response_type": {"code"},
		"state": {strings.Repeat("s", 1<<20)}}
	req, _ := http.NewRequest("POST", g.url+ghoidc.PathAuthorize, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	p := newBrowser(t).once(req)
	if p.location == nil || p.location.Query().Get("error") != "invalid_request" {
		t.Errorf("a sign-in request with a 1 MB state: status %d, location %.100v, want error=invalid_request", p.status, p.location)
	}

	r := newRP(t, g, app.ID, "")
	old := authRequestField.FindStringSubmatch(r.authorizePage(t))
	g.clock.Set(service.OIDCRequestTTL + time.Minute)
	r.authorizePage(t)
	var err error
	g.openStore(t).View(t.Context(), func(tx gatehouse.Tx) error {
		_, err = tx.FindOIDCAuthRequest(old[1])
		return nil
	})
	if gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
		t.Errorf("an expired sign-in request is still stored after a new one: %v", err)
	}
}

// authorizePage starts a sign-in in a new browser and returns the sign-in
// page.
func (r *rp) authorizePage(t *testing.T) string {
	t.Helper()
	p, _ := r.authorize(newBrowser(t))
	if !authRequestField.MatchString(p.body) {
		t.Fatalf("no sign-in page: %d", p.status)
	}
	return p.body
}

// Attack: a stolen refresh token raced against its owner. Of parallel
// uses of one refresh token, exactly one gets tokens, no one a server
// error, and the family ends (the rest count as reuse): the winner's new
// refresh token is refused too. Run with GATEHOUSE_TEST_DB=postgres for
// the engine with real concurrent transactions.
func TestParallelRefreshesOfOneToken(t *testing.T) {
	g := startGatehouse(t)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true, Scopes: []string{"offline_access"}})
	r := newRP(t, g, app.ID, secret, oidc.ScopeOfflineAccess)
	b := newBrowser(t)
	p, verifier := r.authorize(b)
	tok, _ := r.exchange(r.code(b.signIn(g.url, p, "bob@acme.test", password)), verifier)

	const parallel = 8
	counts, bodies := parallelPosts(t, g.url+ghoidc.PathToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}},
		app.ID, secret, parallel)
	if counts[http.StatusOK] != 1 || counts[http.StatusBadRequest] != parallel-1 {
		t.Fatalf("parallel refreshes of one token answered %v, want one 200 and %d 400", counts, parallel-1)
	}
	var won struct {
		RefreshToken string `json:"refresh_token"`
	}
	json.Unmarshal([]byte(bodies[http.StatusOK]), &won)
	if _, err := r.refresh(won.RefreshToken); err == nil {
		t.Error("after parallel reuse of its predecessor, the winner's refresh token still works")
	}
}

// Attack: an intercepted code raced against the application. Of parallel
// exchanges of one code, exactly one gets tokens; the others are told
// invalid_grant, not a server error.
func TestParallelExchangesOfOneCode(t *testing.T) {
	g := startGatehouse(t)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true})
	r := newRP(t, g, app.ID, secret)
	b := newBrowser(t)
	p, verifier := r.authorize(b)
	code := r.code(b.signIn(g.url, p, "bob@acme.test", password))
	const parallel = 8
	counts, _ := parallelPosts(t, g.url+ghoidc.PathToken, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirectURI}, "code_verifier": {verifier}}, app.ID, secret, parallel)
	if counts[http.StatusOK] != 1 || counts[http.StatusBadRequest] != parallel-1 {
		t.Fatalf("parallel exchanges of one code answered %v, want one 200 and %d 400", counts, parallel-1)
	}
}

// parallelPosts sends the form n times at once as the client and counts
// the statuses; bodies holds one body of each status.
func parallelPosts(t *testing.T, target string, form url.Values, clientID, secret string, n int) (map[int]int, map[int]string) {
	t.Helper()
	var mu sync.Mutex
	counts, bodies := map[int]int{}, map[int]string{}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", target, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(clientID, secret)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			mu.Lock()
			defer mu.Unlock()
			counts[resp.StatusCode]++
			bodies[resp.StatusCode] = string(raw)
		}()
	}
	wg.Wait()
	return counts, bodies
}

// Attack: a code or refresh token issued to one application, presented by
// another (of the same organization, or of another, with its own valid
// secret; or a public client without one), gets nothing.
func TestGrantsStayWithTheirApplication(t *testing.T) {
	g := startGatehouse(t)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true, Scopes: []string{"offline_access"}})
	sibling, siblingSecret := g.app(t, g.orgA, service.OIDCClientInput{Name: "Sibling", Confidential: true, Scopes: []string{"offline_access"}})
	foreign, foreignSecret := g.app(t, g.orgB, service.OIDCClientInput{Name: "Foreign", Confidential: true, Scopes: []string{"offline_access"}})
	public, _ := g.app(t, g.orgA, service.OIDCClientInput{Name: "SPA", Scopes: []string{"offline_access"}})
	r := newRP(t, g, app.ID, secret, oidc.ScopeOfflineAccess)
	b := newBrowser(t)
	p, verifier := r.authorize(b)
	code := r.code(b.signIn(g.url, p, "bob@acme.test", password))
	thieves := []struct{ name, id, secret string }{{"sibling", sibling.ID, siblingSecret}, {"foreign", foreign.ID, foreignSecret}, {"public", public.ID, ""}}
	for _, thief := range thieves {
		counts, _ := parallelPosts(t, g.url+ghoidc.PathToken, url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {redirectURI}, "code_verifier": {verifier}, "client_id": {thief.id}}, thief.id, thief.secret, 1)
		if counts[http.StatusOK] != 0 {
			t.Errorf("the %s application exchanged another's code", thief.name)
		}
	}
	tok, _ := r.exchange(code, verifier)
	for _, thief := range thieves {
		counts, _ := parallelPosts(t, g.url+ghoidc.PathToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken},
			"client_id": {thief.id}}, thief.id, thief.secret, 1)
		if counts[http.StatusOK] != 0 {
			t.Errorf("the %s application used another's refresh token", thief.name)
		}
	}
	if _, err := r.refresh(tok.RefreshToken); err != nil {
		t.Errorf("the owner's refresh after the thieves' attempts: %v", err)
	}
}

// Attack: a confidential application's code (with its PKCE verifier, as
// a browser-side part of the application may hold it) exchanged without
// the application's secret, or with a wrong one. RFC 6749 (3.2.1): a
// confidential client authenticates at the token endpoint, PKCE or not.
func TestConfidentialClientsAuthenticateEvenWithPKCE(t *testing.T) {
	g := startGatehouse(t)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true})
	r := newRP(t, g, app.ID, secret)
	b := newBrowser(t)
	p, verifier := r.authorize(b)
	code := r.code(b.signIn(g.url, p, "bob@acme.test", password))
	for name, wrong := range map[string]string{"no secret": "", "a wrong secret": "ghc_wrong"} {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI},
			"code_verifier": {verifier}, "client_id": {app.ID}}
		if wrong != "" {
			form.Set("client_secret", wrong)
		}
		req, _ := http.NewRequest("POST", g.url+ghoidc.PathToken, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatalf("a confidential application's code was exchanged with %s", name)
		}
	}
	r.exchange(code, verifier) // the application itself still can
}

// A server whose access tokens would outlive the publication of the key
// that signed them (KeyOverlap after a rotation) does not start.
func TestAccessTokenLifetimeIsBoundedByKeyOverlap(t *testing.T) {
	if ghoidc.MaxAccessTokenTTL >= ghoidc.KeyOverlap {
		t.Fatalf("MaxAccessTokenTTL %v is not shorter than KeyOverlap %v", ghoidc.MaxAccessTokenTTL, ghoidc.KeyOverlap)
	}
	for _, ttl := range []time.Duration{ghoidc.KeyOverlap + time.Hour, -time.Minute} {
		err := server.Run(t.Context(), server.Config{Addr: "127.0.0.1:0", DB: storetest.DSN(t), MailDir: t.TempDir(),
			Passwords: testsupport.Passwords(), AccessTokenTTL: ttl}, func(server.Running) error { return errors.New("started") })
		if err == nil || err.Error() == "started" {
			t.Errorf("--access-token-ttl %v: the server started (%v)", ttl, err)
		}
	}
}

// Attack: RP-initiated logout with an ID token of another organization's
// user as id_token_hint, in a browser signed in to organization A: with
// A's client_id it is refused; without one it ends nothing of A's user —
// neither the browser's Gatehouse session nor their tokens — and never
// redirects to a URI A's application did not register.
func TestEndSessionWithAnotherOrganizationsHint(t *testing.T) {
	g := startGatehouse(t)
	appA, secretA := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true, PostLogoutRedirectURIs: []string{logoutURI}})
	appB, secretB := g.app(t, g.orgB, service.OIDCClientInput{Name: "Beta app", Confidential: true})
	rA, rB := newRP(t, g, appA.ID, secretA), newRP(t, g, appB.ID, secretB)
	bobs := newBrowser(t)
	p, verifier := rA.authorize(bobs)
	bobTok, _ := rA.exchange(rA.code(bobs.signIn(g.url, p, "bob@acme.test", password)), verifier)
	carls := newBrowser(t)
	p, verifier = rB.authorize(carls)
	carlTok, _ := rB.exchange(rB.code(carls.signIn(g.url, p, "carl@beta.test", password)), verifier)
	hint := carlTok.Extra("id_token").(string)

	p = bobs.get(g.url + ghoidc.PathEndSession + "?" + url.Values{"id_token_hint": {hint}, "client_id": {appA.ID},
		"post_logout_redirect_uri": {logoutURI}}.Encode())
	if p.status != http.StatusBadRequest {
		t.Errorf("B's hint with A's client_id: status %d, location %v, want 400", p.status, p.location)
	}
	p = bobs.get(g.url + ghoidc.PathEndSession + "?" + url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {logoutURI}}.Encode())
	if p.location != nil && strings.HasPrefix(p.location.String(), logoutURI) {
		t.Errorf("B's hint sent the browser to A's post-logout URI: %v", p.location)
	}
	if got := introspect(t, g, appA.ID, secretA, bobTok.AccessToken); got["active"] != true {
		t.Errorf("bob's token after a logout with carl's hint: %v", got)
	}
	if p, _ := rA.authorize(bobs); p.location == nil {
		t.Error("bob's Gatehouse session ended by a logout with carl's hint")
	}
}

// Attack: clickjacking. The application's sign-in page (and the page that
// moves on to the application) may not be framed by another site.
func TestSignInPagesRefuseFraming(t *testing.T) {
	g := startGatehouse(t)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true})
	r := newRP(t, g, app.ID, secret)
	resp, err := http.Get(r.config.AuthCodeURL("state-xyz", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(resp.Request.URL.Path, "/sign-in") || resp.StatusCode != http.StatusOK {
		t.Fatalf("authorize ended at %s (%d), want the sign-in page", resp.Request.URL, resp.StatusCode)
	}
	if resp.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("the application's sign-in page may be framed: X-Frame-Options %q, CSP %q", resp.Header.Get("X-Frame-Options"), resp.Header.Get("Content-Security-Policy"))
	}
}

// PKCE downgrade: a code whose request carried a code_challenge is
// exchanged only with its verifier — even by the confidential application
// with its secret (RFC 7636 4.6: the server verifies whenever a challenge
// was sent), so a stolen code injected into another session of the
// application is refused.
func TestCodeWithChallengeNeedsItsVerifier(t *testing.T) {
	g := startGatehouse(t)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true})
	r := newRP(t, g, app.ID, secret)
	b := newBrowser(t)
	p, verifier := r.authorize(b)
	code := r.code(b.signIn(g.url, p, "bob@acme.test", password))
	if _, err := r.config.Exchange(t.Context(), code); err == nil {
		t.Fatal("a code with a challenge was exchanged without its verifier")
	}
	r.exchange(code, verifier)
}

// Attack: a leaked secret's fruits. Whoever took an application's secret
// got client-credentials access tokens; once the secret is regenerated,
// those tokens end at once (API and introspection), not 5 minutes later.
func TestRegeneratingTheSecretEndsTheApplicationsOwnTokens(t *testing.T) {
	g := startGatehouse(t)
	robot := g.user(t, g.orgA, "robot@acme.test")
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true, GrantTypes: []string{gatehouse.GrantClientCredentials},
		ServiceUserID: robot.ID})
	stolen, err := (&clientcredentials.Config{ClientID: app.ID, ClientSecret: secret, TokenURL: g.url + ghoidc.PathToken}).Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, renewed, err := g.svc.RegenerateOIDCClientSecret(t.Context(), gatehouse.SystemActor(g.orgA), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if status := bearerStatus(t, g.url+"/api/v1/me", stolen.AccessToken); status != http.StatusUnauthorized {
		t.Errorf("a token got with the replaced secret at the API: %d, want 401", status)
	}
	if got := introspect(t, g, app.ID, renewed, stolen.AccessToken); got["active"] != false {
		t.Errorf("a token got with the replaced secret: %v", got)
	}
	fresh, err := (&clientcredentials.Config{ClientID: app.ID, ClientSecret: renewed, TokenURL: g.url + ghoidc.PathToken}).Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if status := bearerStatus(t, g.url+"/api/v1/me", fresh.AccessToken); status != http.StatusOK {
		t.Errorf("a token of the new secret at the API: %d", status)
	}
}

// An admin who narrows an application's scopes narrows the sign-ins it
// keeps alive by refresh too: a rotated refresh token carried its scopes
// on for ever. Taking offline_access away ends refresh.
func TestRefreshFollowsTheApplicationsScopes(t *testing.T) {
	g := startGatehouse(t)
	sys := gatehouse.SystemActor(g.orgA)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true, Scopes: []string{"email", "offline_access"}})
	r := newRP(t, g, app.ID, secret, "email", oidc.ScopeOfflineAccess)
	b := newBrowser(t)
	p, verifier := r.authorize(b)
	tok, _ := r.exchange(r.code(b.signIn(g.url, p, "bob@acme.test", password)), verifier)

	if _, err := g.svc.UpdateOIDCClient(t.Context(), sys, app.ID, service.OIDCClientPatch{Scopes: &[]string{"offline_access"}}); err != nil {
		t.Fatal(err)
	}
	next, err := r.refresh(tok.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if info, err := r.provider.UserInfo(t.Context(), oauth2StaticSource(next)); err != nil || info.Email != "" {
		t.Errorf("userinfo after the application lost the email scope: %+v %v, want no email", info, err)
	}
	if got := introspect(t, g, app.ID, secret, next.AccessToken); got["email"] != nil {
		t.Errorf("introspection after the application lost the email scope: %v", got)
	}

	if _, err := g.svc.UpdateOIDCClient(t.Context(), sys, app.ID, service.OIDCClientPatch{Scopes: &[]string{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.refresh(next.RefreshToken); err == nil {
		t.Error("refresh after the application lost offline_access succeeded")
	}
}
