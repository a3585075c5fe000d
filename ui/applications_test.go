package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var clientSecretRe = regexp.MustCompile(`id="new-secret" readonly value="(ghc_[^"]+)"`)

// The Applications page: register a confidential application (its secret
// shown once), a refused redirect URI beside its field, edit, a new
// secret, delete; audited.
func TestApplicationsPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	b := e.signIn("ada@acme.test")
	res := b.page("/applications", http.StatusOK)
	has(t, "applications", res, "Register an application", "No applications yet", "/.well-known/openid-configuration")
	has(t, "nav", b.page("/users", http.StatusOK), `href="/applications"`)

	form := url.Values{"name": {"Work orders"}, "type": {"confidential"}, "redirect_uris": {"http://app.acme.test/cb"},
		"scopes": {"email", "offline_access"}, "grant_types": {"authorization_code", "refresh_token"}}
	res = b.post("/applications", form)
	if res.status != http.StatusBadRequest {
		t.Fatalf("http redirect URI off localhost: %d", res.status)
	}
	lint(t, "/applications (error)", res)
	has(t, "refused", res, `id="redirect_uris-error"`, `value="Work orders"`)

	form.Set("redirect_uris", "https://app.acme.test/cb\nhttp://localhost:3000/cb")
	res = b.post("/applications", form)
	if res.status != http.StatusOK || !strings.HasPrefix(res.url.Path, "/applications") {
		t.Fatalf("create: %d at %s\n%s", res.status, res.url, res.body)
	}
	lint(t, "/applications (created)", res)
	m := clientSecretRe.FindStringSubmatch(res.body)
	if m == nil {
		t.Fatalf("the new secret is not shown:\n%s", res.body)
	}
	apps, err := e.svc.OIDCClients(e.ctx, e.admin)
	if err != nil || len(apps) != 1 {
		t.Fatalf("applications: %v %v", apps, err)
	}
	id := apps[0].ID
	res = b.page("/applications/"+id, http.StatusOK)
	has(t, "application", res, id, "https://app.acme.test/cb", "Make a new secret")
	hasNot(t, "application", res, m[1])

	res = b.post("/applications/"+id, url.Values{"action": {"save"}, "name": {"Orders"}, "redirect_uris": {"https://app.acme.test/cb"},
		"scopes": {"email"}, "grant_types": {"authorization_code"}})
	if res.status != http.StatusOK || res.url.Query().Get("done") != "application_saved" {
		t.Fatalf("save: %d at %s\n%s", res.status, res.url, res.body)
	}
	has(t, "saved", res, "<h1>Orders</h1>")
	res = b.post("/applications/"+id, url.Values{"action": {"regenerate"}})
	if n := clientSecretRe.FindStringSubmatch(res.body); n == nil || n[1] == m[1] {
		t.Fatalf("regenerate: no new secret shown")
	}
	res = b.post("/applications/"+id, url.Values{"action": {"delete"}})
	has(t, "deleted", res, "No applications yet")
	has(t, "audit", b.page("/audit", http.StatusOK), "application.created", "application.updated", "application.secret_regenerated", "application.deleted")
}
