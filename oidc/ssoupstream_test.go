package oidc_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// Single sign-on against a real provider that is Gatehouse itself (issue
// 15): Beta Works, an organization of the running server, is the upstream
// OpenID provider of Acme's connection. Dora, a Beta user, signs in to
// Acme through it and becomes Acme's user; Beta's session is Beta's and
// Acme's is Acme's.
func TestSSOWithGatehouseAsTheUpstreamProvider(t *testing.T) {
	g := startGatehouse(t)
	ctx := context.Background()
	app, secret := g.app(t, g.orgB, service.OIDCClientInput{Name: "Acme single sign-on", Confidential: true,
		RedirectURIs: []string{g.url + "/sso/callback"}, Scopes: []string{"email", "profile"}})
	dora := g.user(t, g.orgB, "dora@acme-corp.example") // Beta's directory: her email verified by her invitation
	conn, _, err := g.svc.CreateSSOConnection(ctx, gatehouse.SystemActor(g.orgA), service.SSOConnectionInput{Name: "Beta directory",
		Issuer: g.url, ClientID: app.ID, ClientSecret: secret, Domains: []string{"acme-corp.example"}, CreateUsers: true})
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t)
	// Acme's sign-in form without an organization: Dora is a user of Beta
	// only, which has no connection for her domain, so the form asks for
	// her password rather than send her to Acme's provider.
	req, _ := http.NewRequest("POST", g.url+"/sign-in", strings.NewReader(url.Values{"email": {"dora@acme-corp.example"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p := b.do(req); p.status != http.StatusUnauthorized {
		t.Fatalf("Dora without an organization: %d %.300s", p.status, p.body)
	}
	// Signing in to Acme (organization_id) sends her there: Gatehouse's
	// authorize, its sign-in page for Beta's application, her Beta
	// password, and back to Acme's callback, which creates her in Acme.
	req, _ = http.NewRequest("POST", g.url+"/sign-in", strings.NewReader(url.Values{"email": {"dora@acme-corp.example"},
		"organization_id": {g.orgA}, "next": {"/account"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	p := b.do(req) // the provider's sign-in page, after the page that moves on
	p = b.signIn(g.url, p, "dora@acme-corp.example", password)
	if p.status != http.StatusOK || !strings.Contains(p.body, "dora@acme-corp.example") {
		t.Fatalf("after the provider: %d %.600s", p.status, p.body)
	}
	users, err := g.svc.ListUsers(ctx, gatehouse.SystemActor(g.orgA), gatehouse.UserFilter{OrgID: g.orgA, Query: "dora@acme-corp.example"})
	if err != nil || len(users) != 1 || users[0].ID == dora.ID || users[0].Status != gatehouse.StatusActive {
		t.Fatalf("Acme's Dora: %+v, %v", users, err)
	}
	sessions, err := g.svc.Sessions(ctx, gatehouse.Actor{OrgID: g.orgA, UserID: users[0].ID})
	if err != nil || len(sessions) != 1 || !slices.Equal(sessions[0].AMR, []string{"pwd"}) {
		t.Fatalf("Acme's Dora's sessions (amr from Beta's ID token): %+v, %v", sessions, err)
	}
	events, err := g.svc.AuditEvents(ctx, gatehouse.SystemActor(g.orgA), gatehouse.AuditFilter{OrgID: g.orgA, Action: "user.created_by_sso"})
	if err != nil || len(events) != 1 || events[0].Changes["sso_connection"].After != conn.ID {
		t.Fatalf("audit: %+v, %v", events, err)
	}
}
