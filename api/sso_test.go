package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
)

// SSO connections through the API: the secret is never shown, each
// organization sees only its own, a limited admin cannot save one, and
// every write is audited. (The sign-in itself runs against a real provider
// in ui/sso_test.go.)
func TestSSOConnections(t *testing.T) {
	x := newLimitedAdmin(t)
	o := x.o
	staff := o.group("Staff", "work_orders.view")
	status, h, created := o.admin.do("POST", "/api/v1/sso-connections", obj{"name": "Entra", "issuer": "https://login.example.com/tenant/v2.0/",
		"client_id": "app", "client_secret": "s3cret", "domains": []string{"Example.COM"}, "create_users": true, "default_group_ids": []string{staff}})
	wantStatus(t, status, created, http.StatusCreated)
	id := str(created, "id")
	if h.Get("Location") != "/api/v1/sso-connections/"+id || created["client_secret_set"] != true || created["issuer"] != "https://login.example.com/tenant/v2.0" ||
		!strings.HasSuffix(str(created, "redirect_uri"), "/sso/callback") || created["domains"].([]any)[0] != "example.com" {
		t.Fatalf("created: %v %v", h, created)
	}
	for _, v := range created {
		if v == "s3cret" {
			t.Fatalf("the answer shows the secret: %v", created)
		}
	}
	if got := o.admin.get("/api/v1/sso-connections/" + id); got["id"] != id || got["client_secret_set"] != true {
		t.Fatalf("get: %v", got)
	}
	if got := items(t, o.admin.get("/api/v1/sso-connections")); len(got) != 1 || got[0]["id"] != id {
		t.Fatalf("list: %v", got)
	}

	// Every field at fault at once; a domain claimed twice in one organization.
	status, _, body := o.admin.do("POST", "/api/v1/sso-connections", obj{"name": "Bad", "issuer": "http://idp.example.com", "client_id": "x",
		"domains": []string{"not a domain"}})
	e := wantError(t, status, body, http.StatusBadRequest, gatehouse.EINVALID)
	if fields := e["errors"].([]any); len(fields) != 2 || fields[0].(obj)["field"] != "issuer" || fields[1].(obj)["field"] != "domains" {
		t.Fatalf("field errors: %v", body)
	}
	status, _, body = o.admin.do("POST", "/api/v1/sso-connections", obj{"name": "Okta", "issuer": "https://okta.example.com", "client_id": "x",
		"domains": []string{"example.com"}})
	wantError(t, status, body, http.StatusConflict, gatehouse.ECONFLICT)

	// PATCH keeps the secret when it is left out.
	patched, _ := o.admin.ok(http.StatusOK, "PATCH", "/api/v1/sso-connections/"+id, obj{"password_sign_in_disabled": true})
	if patched["password_sign_in_disabled"] != true || patched["client_secret_set"] != true {
		t.Fatalf("patched: %v", patched)
	}

	// Password sign-in of the domain's users is now refused, with why.
	userID := o.user("pat", obj{"email": "pat@example.com"})
	if err := o.e.svc.SetPassword(context.Background(), gatehouse.SystemActor(o.id), userID, password); err != nil {
		t.Fatal(err)
	}
	status, _, body = o.e.client().do("POST", "/api/v1/sessions", obj{"email": "pat@example.com", "password": password})
	if e := wantError(t, status, body, http.StatusForbidden, gatehouse.EFORBIDDEN); !strings.Contains(str(e, "message"), "single sign-on") {
		t.Fatalf("password sign-in when switched off: %v", body)
	}

	// A limited admin holding the operation still may not: the provider
	// could sign in anyone of the domain.
	status, _, body = x.l.do("PATCH", "/api/v1/sso-connections/"+id, obj{"issuer": "https://evil.example.com"})
	wantReason(t, status, body, "escalation_full_access")
	status, _, body = x.l.do("POST", "/api/v1/sso-connections", obj{"name": "Mine", "issuer": "https://evil.example.com", "client_id": "x", "domains": []string{"acme.test"}})
	wantReason(t, status, body, "escalation_full_access")

	// Another organization sees nothing of it.
	other := o.e.newOrg("Globex", "facilities")
	status, _, body = other.admin.do("GET", "/api/v1/sso-connections/"+id, nil)
	wantError(t, status, body, http.StatusNotFound, gatehouse.ENOTFOUND)
	status, _, body = other.admin.do("DELETE", "/api/v1/sso-connections/"+id, nil)
	wantError(t, status, body, http.StatusNotFound, gatehouse.ENOTFOUND)
	if got := items(t, other.admin.get("/api/v1/sso-connections")); len(got) != 0 {
		t.Fatalf("Globex lists %v", got)
	}

	status, _, _ = o.admin.do("DELETE", "/api/v1/sso-connections/"+id, nil)
	if status != http.StatusNoContent {
		t.Fatalf("delete: %d", status)
	}
	var actions []string
	for _, ev := range items(t, o.admin.get("/api/v1/audit-events?target_id="+id)) {
		actions = append(actions, str(ev, "action"))
	}
	if strings.Join(actions, ",") != "sso_connection.deleted,sso_connection.updated,sso_connection.created" {
		t.Fatalf("audit: %v", actions)
	}
}
