package oidc_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// An admin's "sign out everywhere", through the API over HTTP, ends the
// user's application tokens at once: introspection answers inactive and
// the refresh token is refused. An admin of another organization cannot
// reach the user at all.
func TestSignOutEverywhereEndsApplicationTokens(t *testing.T) {
	g := startGatehouse(t)
	ctx := context.Background()
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true, Scopes: []string{"offline_access"}})
	r := newRP(t, g, app.ID, secret, oidc.ScopeOfflineAccess)
	b := newBrowser(t)
	p, verifier := r.authorize(b)
	tok, _ := r.exchange(r.code(b.signIn(g.url, p, "bob@acme.test", password)), verifier)

	signOut := func(admin *gatehouse.User) int {
		t.Helper()
		key, err := g.svc.CreateAPIKey(ctx, gatehouse.Actor{OrgID: admin.OrgID, UserID: admin.ID}, "ops")
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, g.url+"/api/v1/users/"+g.bob.ID+"/sign-out-everywhere", nil)
		req.Header.Set("Authorization", "Bearer "+key.Secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if status := signOut(g.carl); status != http.StatusNotFound {
		t.Fatalf("another organization's admin: %d, want 404", status)
	}
	if got := introspect(t, g, app.ID, secret, tok.AccessToken); got["active"] != true {
		t.Fatalf("introspection before: %v", got)
	}
	if status := signOut(g.ada); status != http.StatusNoContent {
		t.Fatalf("sign out everywhere: %d, want 204", status)
	}
	if got := introspect(t, g, app.ID, secret, tok.AccessToken); got["active"] != false {
		t.Errorf("introspection after sign out everywhere: %v", got)
	}
	if _, err := r.refresh(tok.RefreshToken); err == nil {
		t.Error("refresh after sign out everywhere succeeded")
	}
	events, err := g.svc.AuditEvents(ctx, gatehouse.Actor{OrgID: g.orgA, UserID: g.ada.ID},
		gatehouse.AuditFilter{OrgID: g.orgA, Action: "user.signed_out_everywhere"})
	if err != nil || len(events) != 1 || events[0].TargetID != g.bob.ID {
		t.Fatalf("audit = %+v, %v", events, err)
	}
}
