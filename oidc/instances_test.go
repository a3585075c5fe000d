package oidc_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store/storetest"
	"golang.org/x/oauth2/clientcredentials"
)

// Two instances on one database behind a load balancer that sends each
// request to the other one: every step of a sign-in (authorize, the
// sign-in form, the hand-off, the code, the token, userinfo, refresh,
// introspection, JWKS) may land on either, because everything the
// provider keeps is in the database.
func TestEveryStepOnEitherInstance(t *testing.T) {
	db := storetest.DSN(t)
	var backends [2]*url.URL
	var next atomic.Int64
	lb := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(backends[next.Add(1)%2])
		r.Out.Host = r.In.Host // the issuer's host, as a load balancer keeps it
	}})
	defer lb.Close()
	clock := &testsupport.ShiftedClock{}
	first := serve(t, db, lb.URL, clock)
	g := &gh{url: lb.URL, db: db, svc: first.Service, clock: clock}
	g.seed(t)
	// Users are made before the second instance starts: on SQLite (one
	// instance in production) the instances do not tell each other of
	// new users.
	robot := g.user(t, g.orgA, "robot@acme.test")
	robotApp, robotSecret := g.app(t, g.orgA, service.OIDCClientInput{Name: "Robot", Confidential: true,
		GrantTypes: []string{gatehouse.GrantClientCredentials}, ServiceUserID: robot.ID})
	second := serve(t, db, lb.URL, clock)
	for i, r := range []string{first.URL, second.URL} {
		backends[i], _ = url.Parse(r)
	}

	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true, Scopes: []string{"email", "offline_access"}})
	r := newRP(t, g, app.ID, secret, "email", oidc.ScopeOfflineAccess)
	b := newBrowser(t)
	p, verifier := r.authorize(b)
	tok, id := r.exchange(r.code(b.signIn(g.url, p, "bob@acme.test", password)), verifier)
	if id.Subject != g.bob.ID {
		t.Fatalf("sub %s, want bob", id.Subject)
	}
	for range 2 { // on each instance
		if info, err := r.provider.UserInfo(context.Background(), oauth2StaticSource(tok)); err != nil || info.Email != "bob@acme.test" {
			t.Fatalf("userinfo: %v %v", info, err)
		}
		if got := introspect(t, g, app.ID, secret, tok.AccessToken); got["active"] != true {
			t.Fatalf("introspection: %v", got)
		}
	}
	second_, err := r.refresh(tok.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if _, err := r.refresh(tok.RefreshToken); err == nil {
		t.Fatal("reuse of a rotated refresh token accepted on the other instance")
	}
	if _, err := r.refresh(second_.RefreshToken); err == nil {
		t.Fatal("the family survived a reuse detected by the other instance")
	}
	// Deactivation through one instance: both answer inactive at once.
	b = newBrowser(t)
	p, verifier = r.authorize(b)
	tok, _ = r.exchange(r.code(b.signIn(g.url, p, "bob@acme.test", password)), verifier)
	if _, _, err := first.Service.DeactivateUser(context.Background(), gatehouse.SystemActor(g.orgA), g.bob.ID); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if got := introspect(t, g, app.ID, secret, tok.AccessToken); got["active"] != false {
			t.Errorf("introspection after deactivation: %v", got)
		}
		if _, err := r.provider.UserInfo(context.Background(), oauth2StaticSource(tok)); err == nil {
			t.Error("userinfo after deactivation on the other instance succeeded")
		}
	}
	if _, err := r.refresh(tok.RefreshToken); err == nil {
		t.Error("refresh after deactivation through the other instance succeeded")
	}

	// An application's access token at the API, revoked through one
	// instance: refused by both at the next request.
	robotTok, err := (&clientcredentials.Config{ClientID: robotApp.ID, ClientSecret: robotSecret, TokenURL: g.url + "/oauth/token"}).Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if status := bearerStatus(t, g.url+"/api/v1/me", robotTok.AccessToken); status != http.StatusOK {
			t.Fatalf("the robot's token at the API: %d", status)
		}
	}
	revoke(t, g, robotApp.ID, robotSecret, robotTok.AccessToken)
	for range 2 {
		if status := bearerStatus(t, g.url+"/api/v1/me", robotTok.AccessToken); status != http.StatusUnauthorized {
			t.Errorf("a revoked access token at the API on either instance: %d, want 401", status)
		}
	}
	resp, err := http.Get(lb.URL + "/.well-known/openid-configuration")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("discovery through the load balancer: %v %v", resp, err)
	}
	resp.Body.Close()
}
