package oidc_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	ghoidc "github.com/gatehouse/gatehouse/oidc"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store/storetest"
	"golang.org/x/oauth2/clientcredentials"
)

// While the database does not answer, the token and introspection
// endpoints answer 503 with Retry-After: not 500, not invalid_grant (a
// refresh token is not dead because the database is), not active:false
// (which a resource server would take as the token's end), not
// invalid_client.
func TestTokenAndIntrospectionAnswer503WhileTheDatabaseIsDown(t *testing.T) {
	db, clock := storetest.DSN(t), &testsupport.ShiftedClock{}
	running := serve(t, db, "", clock)
	g := &gh{url: running.URL, db: db, svc: running.Service, clock: clock}
	g.seed(t)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true, Scopes: []string{"offline_access"}, RedirectURIs: []string{redirectURI},
		GrantTypes: []string{gatehouse.GrantAuthorizationCode, gatehouse.GrantRefreshToken, gatehouse.GrantClientCredentials}})
	r := newRP(t, g, app.ID, secret, oidc.ScopeOfflineAccess)
	b := newBrowser(t)
	p, verifier := r.authorize(b)
	tok, _ := r.exchange(r.code(b.signIn(g.url, p, "bob@acme.test", password)), verifier)

	robot := g.user(t, g.orgA, "robot@acme.test")
	_, robotSecret := g.app(t, g.orgA, service.OIDCClientInput{Name: "Robot", Confidential: true,
		GrantTypes: []string{gatehouse.GrantClientCredentials}, ServiceUserID: robot.ID})
	robotApp, _ := g.svc.OIDCClients(t.Context(), gatehouse.SystemActor(g.orgA))
	cc := clientcredentials.Config{ClientID: robotApp[len(robotApp)-1].ID, ClientSecret: robotSecret, TokenURL: g.url + ghoidc.PathToken}
	robotTok, err := cc.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	running.Store.Close()
	for _, call := range []struct {
		name, path string
		form       url.Values
	}{
		{"refresh", ghoidc.PathToken, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}},
		{"client credentials", ghoidc.PathToken, url.Values{"grant_type": {"client_credentials"}}},
		{"introspection", ghoidc.PathIntrospect, url.Values{"token": {tok.AccessToken}}},
		{"revocation", ghoidc.PathRevoke, url.Values{"token": {tok.RefreshToken}}},
	} {
		req, _ := http.NewRequest("POST", g.url+call.path, strings.NewReader(call.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(app.ID, secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "active") {
			t.Errorf("%s with the database down said %s", call.name, body)
		}
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s with the database down: status %d, Retry-After %q, want 503 with Retry-After", call.name, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	for path, token := range map[string]string{ghoidc.PathKeys: "", ghoidc.PathUserinfo: tok.AccessToken, "/api/v1/me": robotTok.AccessToken} {
		req, _ := http.NewRequest("GET", g.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("GET %s with the database down: status %d, want 503", path, resp.StatusCode)
		}
	}
}
