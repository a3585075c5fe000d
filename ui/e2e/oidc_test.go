package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// signInThroughProvider is a platform's "Sign in" in a real browser: the
// platform (a relying party on its own port) redirects to Gatehouse's
// authorize endpoint; Gatehouse's sign-in page names the application and
// the organization; the user types their password; the browser lands back
// on the platform with a code, which the platform exchanges and verifies
// with go-oidc.
func signInThroughProvider(t *testing.T, srv *server, parent context.Context) {
	var mu sync.Mutex
	var got url.Values
	rp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" { // Chromium asks for /favicon.ico too
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		got = r.URL.Query()
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><title>Platform</title><h1>Signed in to the platform</h1>"))
	}))
	defer rp.Close()

	ctx := context.Background()
	app, secret, err := srv.svc.CreateOIDCClient(ctx, gatehouse.SystemActor(srv.orgID), service.OIDCClientInput{Name: "Work orders",
		Confidential: true, RedirectURIs: []string{rp.URL + "/callback"}, Scopes: []string{"email"}})
	if err != nil {
		t.Fatal(err)
	}
	provider, err := oidc.NewProvider(ctx, srv.url)
	if err != nil {
		t.Fatal(err)
	}
	config := oauth2.Config{ClientID: app.ID, ClientSecret: secret, Endpoint: provider.Endpoint(),
		RedirectURL: rp.URL + "/callback", Scopes: []string{oidc.ScopeOpenID, "email"}}
	verifier := oauth2.GenerateVerifier()

	browser := openTab(t, parent, "platform user", srv.url, chromedp.WithNewBrowserContext())
	browser.follow(t, "the platform's Sign in", http.StatusOK,
		chromedp.Navigate(config.AuthCodeURL("st-1", oauth2.S256ChallengeOption(verifier))))
	browser.expectPath(t, "/sign-in")
	if body := browser.bodyText(t); !strings.Contains(body, "Work orders") || !strings.Contains(body, "Acme Facilities") {
		t.Fatalf("the sign-in page does not name the application and its organization: %q", body)
	}
	browser.fill(t, "email", adminEmail)
	browser.fill(t, "password", adminPassword)
	browser.follow(t, "Sign in", http.StatusOK, chromedp.Click(button("Sign in")))
	// The page after the password moves on by itself (a meta refresh) to
	// the provider, which redirects to the platform.
	waitFor(t, browser, `location.pathname === "/callback" && document.readyState === "complete"`, "the browser lands on the platform")
	if browser.h1(t) != "Signed in to the platform" {
		t.Fatalf("after signing in, the browser is at %s", browser.path(t))
	}
	mu.Lock()
	code, state := got.Get("code"), got.Get("state")
	mu.Unlock()
	if state != "st-1" || code == "" {
		t.Fatalf("the platform got state %q, code %q", state, code)
	}
	tok, err := config.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	id, err := provider.Verifier(&oidc.Config{ClientID: app.ID}).Verify(ctx, tok.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Email string `json:"email"`
		OrgID string `json:"org_id"`
	}
	id.Claims(&claims)
	if claims.Email != adminEmail || claims.OrgID != srv.orgID {
		t.Errorf("ID token claims %+v", claims)
	}
	for _, p := range browser.takeProblems() {
		if strings.Contains(p, "status of 404") && strings.HasSuffix(p, "/favicon.ico") {
			continue
		}
		t.Errorf("%s: %s", browser.name, p)
	}
}
