package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// TestNULIsNeverAServerError: a NUL in a text a request gives is bad input
// or names nothing, on either engine (PostgreSQL's text cannot hold it,
// SQLite's can): never a 500, wherever it is (a body, a path).
func TestNULIsNeverAServerError(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	for _, tc := range []struct {
		method, path string
		body         obj
	}{
		{"POST", "/api/v1/sessions", obj{"email": "a\x00b@acme.test", "password": "whatever-long"}},
		{"POST", "/api/v1/password-reset/request", obj{"email": "a\x00b@acme.test"}},
		{"POST", "/api/v1/password-reset/confirm", obj{"token": "rst_\x00", "password": "whatever-long-1"}},
		{"POST", "/api/v1/invitations/accept", obj{"token": "inv_\x00", "password": "whatever-long-1"}},
		{"POST", "/api/v1/email-verification/confirm", obj{"token": "ver_\x00"}},
		{"POST", "/api/v1/authz/check", obj{"user_id": "usr_\x00", "permission": "users.view"}},
		{"POST", "/api/v1/authz/filter", obj{"user_id": "usr_\x00", "permission": "users.view"}},
		{"POST", "/api/v1/groups", obj{"name": "G", "description": "a\x00b"}},
		{"GET", "/api/v1/users/usr_%00", nil},
		{"GET", "/api/v1/groups/grp_%00", nil},
		{"GET", "/api/v1/facilities/fac_%00", nil},
		{"PATCH", "/api/v1/users/usr_%00", obj{"first_name": "A"}},
		{"DELETE", "/api/v1/api-keys/key_%00", nil},
		{"DELETE", "/api/v1/sessions/ses_%00", nil},
	} {
		var body io.Reader
		if tc.body != nil {
			b, _ := json.Marshal(tc.body)
			body = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(tc.method, e.srv.URL+tc.path, body)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+o.admin.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, resp.StatusCode, out)
		}
	}
}
