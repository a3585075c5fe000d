package ui_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
)

// While the database cannot be reached, pages and forms answer 503 with
// Retry-After, as the API does: not 500, and not the sign-in page.
func TestPagesAnswer503WhileTheDatabaseIsUnreachable(t *testing.T) {
	e := newEnv(t, "facilities")
	b := e.signIn("ada@acme.test")
	e.db.Close()
	if res := b.get("/users"); res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") == "" {
		t.Fatalf("/users: %d, Retry-After %q\n%s", res.status, res.header.Get("Retry-After"), res.body)
	}
	jar, _ := cookiejar.New(nil)
	anon := &browser{t: t, e: e, c: &http.Client{Jar: jar}}
	if res := anon.post("/sign-in", url.Values{"email": {"ada@acme.test"}, "password": {password}}); res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") == "" {
		t.Fatalf("sign-in: %d, Retry-After %q\n%s", res.status, res.header.Get("Retry-After"), res.body)
	}
}
