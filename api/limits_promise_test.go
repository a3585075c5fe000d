package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestBodiesOverOneMebibyteAreRefused sends bodies just over 1 MiB to
// writes, the public routes and the checks: each is 413 payload_too_large
// in the API's error shape, and nothing is written (docs/api.md, Errors).
// A body just under passes the size check (and fails, or not, on its
// content).
func TestBodiesOverOneMebibyteAreRefused(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	pad := func(n int) string { return strings.Repeat("a", n) }
	over := `{"name":"Big","description":"` + pad(1<<20) + `"}`
	for _, r := range []struct {
		c    *client
		path string
	}{
		{o.admin, "/api/v1/groups"},
		{o.admin, "/api/v1/users"},
		{o.admin, "/api/v1/authz/check"},
		{o.admin, "/api/v1/authz/check-batch"},
		{e.client(), "/api/v1/sessions"},
		{e.client(), "/api/v1/password-reset/request"},
	} {
		status, _, body := r.c.do("POST", r.path, raw(over))
		wantError(t, status, body, http.StatusRequestEntityTooLarge, "payload_too_large")
	}
	if got := items(t, o.admin.get("/api/v1/groups")); len(got) != 0 {
		t.Fatalf("groups after the refused bodies: %v", got)
	}
	// Just under the limit is read: refused for its description's length, not its size.
	under := `{"name":"Big","description":"` + pad(1<<20-64) + `"}`
	status, _, body := o.admin.do("POST", "/api/v1/groups", raw(under))
	wantField(t, status, body, "description")
}
