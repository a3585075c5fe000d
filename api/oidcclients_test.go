package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// Applications (OIDC clients): created with a secret shown once, read,
// changed, given a new secret, deleted; bad input changes nothing; only
// users allowed manage_applications, and only in their organization.
func TestOIDCClients(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	created := apps(t, o.admin, http.StatusCreated, "POST", "/api/v1/oidc-clients", obj{"name": "Work orders", "confidential": true,
		"redirect_uris": []string{"https://app.acme.test/callback", "http://localhost:3000/cb"}, "scopes": []string{"email", "offline_access"}})
	id, secret := str(created, "id"), str(created, "client_secret")
	if !strings.HasPrefix(id, "app_") || !strings.HasPrefix(secret, "ghc_") || strings.Join(strs(created["grant_types"]), " ") != "authorization_code refresh_token" {
		t.Fatalf("created: %v", created)
	}
	got := o.admin.get("/api/v1/oidc-clients/" + id)
	if _, shown := got["client_secret"]; shown || got["name"] != "Work orders" || got["confidential"] != true {
		t.Fatalf("get: %v (the secret is shown once only)", got)
	}
	if list := items(t, o.admin.get("/api/v1/oidc-clients")); len(list) != 1 || str(list[0], "id") != id {
		t.Fatalf("list: %v", list)
	}

	for _, bad := range []struct {
		body  obj
		field string
	}{
		{obj{"name": "x", "redirect_uris": []string{"http://app.acme.test/cb"}}, "redirect_uris"}, // http off localhost
		{obj{"name": "x", "redirect_uris": []string{"https://app.acme.test/cb#frag"}}, "redirect_uris"},
		{obj{"name": "x", "redirect_uris": []string{"https://a.test/cb"}, "scopes": []string{"admin"}}, "scopes"},
		{obj{"name": "x", "grant_types": []string{"client_credentials"}}, "grant_types"}, // public
		{obj{"name": "x"}, "redirect_uris"},
	} {
		status, _, body := o.admin.do("POST", "/api/v1/oidc-clients", bad.body)
		wantField(t, status, body, bad.field)
	}
	if list := items(t, o.admin.get("/api/v1/oidc-clients")); len(list) != 1 {
		t.Fatalf("refused creations left applications: %v", list)
	}

	patched := apps(t, o.admin, http.StatusOK, "PATCH", "/api/v1/oidc-clients/"+id, obj{"name": "Orders", "post_logout_redirect_uris": []string{"https://app.acme.test/bye"}})
	if patched["name"] != "Orders" || strs(patched["post_logout_redirect_uris"])[0] != "https://app.acme.test/bye" || len(strs(patched["redirect_uris"])) != 2 {
		t.Fatalf("patch: %v", patched)
	}
	status, _, body := o.admin.do("PATCH", "/api/v1/oidc-clients/"+id, obj{"redirect_uris": []string{"ftp://x"}})
	wantField(t, status, body, "redirect_uris")
	renewed := apps(t, o.admin, http.StatusOK, "POST", "/api/v1/oidc-clients/"+id+"/regenerate-secret", nil)
	if s := str(renewed, "client_secret"); !strings.HasPrefix(s, "ghc_") || s == secret {
		t.Fatalf("regenerate: %v", renewed)
	}

	// Another organization does not see it; a user without the operation
	// may not manage applications.
	other := e.newOrg("Beta", "facilities")
	status, _, body = other.admin.do("GET", "/api/v1/oidc-clients/"+id, nil)
	wantError(t, status, body, http.StatusNotFound, "not_found")
	plain := o.as(o.user("pat", nil))
	status, _, body = plain.do("GET", "/api/v1/oidc-clients", nil)
	wantError(t, status, body, http.StatusForbidden, "forbidden")
	status, _, body = plain.do("POST", "/api/v1/oidc-clients", obj{"name": "x", "redirect_uris": []string{"https://a.test/cb"}})
	wantError(t, status, body, http.StatusForbidden, "forbidden")

	apps(t, o.admin, http.StatusNoContent, "DELETE", "/api/v1/oidc-clients/"+id, nil)
	status, _, body = o.admin.do("GET", "/api/v1/oidc-clients/"+id, nil)
	wantError(t, status, body, http.StatusNotFound, "not_found")
	audit := items(t, o.admin.get("/api/v1/audit-events"))
	actions := map[string]bool{}
	for _, ev := range audit {
		actions[str(ev, "action")] = true
	}
	for _, a := range []string{"application.created", "application.updated", "application.secret_regenerated", "application.deleted"} {
		if !actions[a] {
			t.Errorf("audit log lacks %s", a)
		}
	}
}

// apps sends a request about applications, which are not access and carry
// no revision, and wants the status.
func apps(t *testing.T, c *client, status int, method, path string, body any) obj {
	t.Helper()
	got, _, out := c.do(method, path, body)
	wantStatus(t, got, out, status)
	return out
}

// An application may act only as a user of its own organization that
// exists: another organization's user id, or an unknown one, is not
// found (404, naming the field, as every id a body refers to) and stores
// nothing.
func TestOIDCClientServiceUserMustBeOfTheOrganization(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	other := e.newOrg("Beta", "facilities")
	foreign := other.user("pat", nil)
	mine := o.user("robot", nil)
	for _, id := range []string{foreign, "usr_00000000000000000000000000"} {
		status, _, body := o.admin.do("POST", "/api/v1/oidc-clients", obj{"name": "Robot", "confidential": true,
			"grant_types": []string{"client_credentials"}, "service_user_id": id})
		wantServiceUserNotFound(t, status, body)
	}
	if list := items(t, o.admin.get("/api/v1/oidc-clients")); len(list) != 0 {
		t.Fatalf("refused applications were stored: %v", list)
	}
	created := apps(t, o.admin, http.StatusCreated, "POST", "/api/v1/oidc-clients", obj{"name": "Robot", "confidential": true,
		"grant_types": []string{"client_credentials"}, "service_user_id": mine})
	status, _, body := o.admin.do("PATCH", "/api/v1/oidc-clients/"+str(created, "id"), obj{"service_user_id": foreign})
	wantServiceUserNotFound(t, status, body)
	if got := o.admin.get("/api/v1/oidc-clients/" + str(created, "id")); got["service_user_id"] != mine {
		t.Errorf("a refused change was stored: %v", got)
	}
}

func wantServiceUserNotFound(t *testing.T, status int, body obj) {
	t.Helper()
	e := wantError(t, status, body, http.StatusNotFound, "not_found")
	if e["field"] != "service_user_id" {
		t.Errorf("error %v, want it to name service_user_id", e)
	}
}
