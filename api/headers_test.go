package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestEveryResponseIsNotStoredNorSniffed: every /api/v1 response, whatever
// route and outcome (the fast check path, errors raised before a handler
// runs, the one answer that carries an API key's secret), tells caches not
// to keep it and browsers not to guess its type (finding 10 of issue 12).
func TestEveryResponseIsNotStoredNorSniffed(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	user := o.user("tess", nil)
	anonymous := e.client()
	crossSite := o.session(o.adminID)
	crossSite.header.Set("Origin", "https://evil.example")
	crossSite.header.Set("Sec-Fetch-Site", "cross-site")
	for _, tc := range []struct {
		name   string
		c      *client
		method string
		path   string
		body   any
		status int
	}{
		{"a read", o.admin, "GET", "/api/v1/me", nil, http.StatusOK},
		{"a list", o.admin, "GET", "/api/v1/users", nil, http.StatusOK},
		{"a new API key's secret", o.admin, "POST", "/api/v1/api-keys", obj{"name": "svc"}, http.StatusCreated},
		{"a write", o.admin, "POST", "/api/v1/facilities", obj{"name": "Dock"}, http.StatusCreated},
		{"a delete", o.admin, "DELETE", "/api/v1/users/" + o.user("gone", nil), nil, http.StatusNoContent},
		{"the fast check", o.admin, "POST", "/api/v1/authz/check", obj{"user_id": user, "permission": "users.view"}, http.StatusOK},
		{"the fast batch", o.admin, "POST", "/api/v1/authz/check-batch", obj{"checks": []obj{{"user_id": user, "permission": "users.view"}}}, http.StatusOK},
		{"the fast check refusing its input", o.admin, "POST", "/api/v1/authz/check", obj{"user_id": user}, http.StatusBadRequest},
		{"the fast check without credentials", anonymous, "POST", "/api/v1/authz/check", obj{"user_id": user, "permission": "users.view"}, http.StatusUnauthorized},
		{"no credentials", anonymous, "GET", "/api/v1/users", nil, http.StatusUnauthorized},
		{"not found", o.admin, "GET", "/api/v1/users/usr_nope", nil, http.StatusNotFound},
		{"no such route", o.admin, "GET", "/api/v1/nope", nil, http.StatusNotFound},
		{"a bad cursor", o.admin, "GET", "/api/v1/users?cursor=garbage", nil, http.StatusBadRequest},
		{"a body too big", o.admin, "POST", "/api/v1/groups", raw(`{"name":"` + strings.Repeat("x", 1<<20) + `"}`), http.StatusRequestEntityTooLarge},
		{"a failed sign-in", anonymous, "POST", "/api/v1/sessions", obj{"email": "nobody@acme.test", "password": "wrong password"}, http.StatusUnauthorized},
		{"a cross-site write", crossSite, "POST", "/api/v1/facilities", obj{"name": "Evil"}, http.StatusForbidden},
		{"the OpenAPI document", anonymous, "GET", "/api/v1/openapi.json", nil, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := tc.c.doRaw(tc.method, tc.path, tc.body)
			if status != tc.status {
				t.Fatalf("%s %s: status %d, want %d: %.300s", tc.method, tc.path, status, tc.status, body)
			}
			if got := h.Get("Cache-Control"); got != "no-store" {
				t.Errorf("%s %s: Cache-Control %q, want no-store", tc.method, tc.path, got)
			}
			if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s %s: X-Content-Type-Options %q, want nosniff", tc.method, tc.path, got)
			}
		})
	}
}
