package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// TestCrossOriginFormPostsChangeNothing rides a signed-in admin's cookie
// from another site through the web UI's writes: each is refused with 403
// and leaves everything as it was (docs/security.md §8, "cross-origin form
// posts refused"). A browser says where a post comes from by
// Sec-Fetch-Site, or by Origin when it sends no Sec-Fetch-Site; a sandboxed
// frame sends Origin: null.
func TestCrossOriginFormPostsChangeNothing(t *testing.T) {
	e := newEnv(t, "facilities")
	admin := e.signIn("ada@acme.test")
	victim := e.activeUser("Vic", "Tim", "vic@acme.test", service.UserInput{})
	keysBefore, err := e.svc.APIKeys(e.ctx, e.admin)
	if err != nil {
		t.Fatal(err)
	}

	forged := []struct {
		path string
		form url.Values
	}{
		{"/users/" + victim.ID + "/deactivate", url.Values{}},
		{"/users/" + victim.ID + "/delete", url.Values{}},
		{"/users/new", url.Values{"first_name": {"Mal"}, "last_name": {"Lory"}, "email": {"mal@evil.test"}, "full_access": {"on"}}},
		{"/groups/new", url.Values{"name": {"Evil"}, "permissions": {"users.view"}}},
		{"/account/api-keys", url.Values{"name": {"stolen"}}},
		{"/account/sign-out-everywhere", url.Values{}},
		{"/sign-out", url.Values{}},
		{"/settings/security", url.Values{"mfa_policy": {"off"}}},
		{"/sign-in", url.Values{"email": {"vic@acme.test"}, "password": {password}}}, // login CSRF
	}
	for _, from := range []struct {
		name   string
		header http.Header
	}{
		{"Sec-Fetch-Site: cross-site", http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"Sec-Fetch-Site: same-site", http.Header{"Sec-Fetch-Site": {"same-site"}}},
		{"Origin of another site", http.Header{"Origin": {"https://evil.example"}}},
		{"Origin: null", http.Header{"Origin": {"null"}}},
	} {
		for _, f := range forged {
			req, err := http.NewRequest(http.MethodPost, e.srv.URL+f.path, strings.NewReader(f.form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range from.header {
				req.Header[k] = v
			}
			if res := admin.do(req); res.status != http.StatusForbidden {
				t.Errorf("%s, POST %s: %d at %s, want 403", from.name, f.path, res.status, res.url)
			}
		}
	}

	// Nothing changed, and the admin is still signed in.
	if u, err := e.svc.GetUser(e.ctx, e.admin, victim.ID); err != nil || u.Status != gatehouse.StatusActive {
		t.Errorf("the victim after the forged posts: %v %v", u, err)
	}
	if groups, err := e.svc.ListGroups(e.ctx, e.admin, gatehouse.GroupFilter{}); err != nil || len(groups) != 0 {
		t.Errorf("groups after the forged posts: %d %v", len(groups), err)
	}
	if keys, err := e.svc.APIKeys(e.ctx, e.admin); err != nil || len(keys) != len(keysBefore) {
		t.Errorf("API keys after the forged posts: %d, before %d (%v)", len(keys), len(keysBefore), err)
	}
	if res := admin.get("/users"); res.status != http.StatusOK || res.url.Path != "/users" {
		t.Errorf("the admin after the forged posts: %d at %s", res.status, res.url)
	}
	// The same posts from this site go through: the refusal above was the
	// origin's, not the form's.
	if res := admin.post("/groups/new", url.Values{"name": {"Ours"}}); res.status != http.StatusOK {
		t.Errorf("a same-origin post: %d at %s", res.status, res.url)
	}
}

// TestEveryPageCarriesTheSecurityHeaders reads pages signed in and out,
// errors included, for the headers docs/security.md §8 lists: frames
// refused, the referrer kept on this site, no sniffing, pages not stored.
func TestEveryPageCarriesTheSecurityHeaders(t *testing.T) {
	e := newEnv(t, "facilities")
	admin := e.signIn("ada@acme.test")
	anon := &browser{t: t, e: e, c: &http.Client{}}
	for _, r := range []struct {
		who  *browser
		path string
	}{
		{admin, "/users"}, {admin, "/users/" + e.admin.UserID}, {admin, "/groups"}, {admin, "/account"},
		{admin, "/audit"}, {admin, "/users/usr_nope"}, {admin, "/no-such-page"},
		{anon, "/sign-in"}, {anon, "/forgot-password"}, {anon, "/invite?token=forged"}, {anon, "/users"},
	} {
		res := r.who.get(r.path)
		h := res.header
		for k, want := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "same-origin", "X-Content-Type-Options": "nosniff"} {
			if got := h.Get(k); got != want {
				t.Errorf("GET %s (%d at %s): %s %q, want %q", r.path, res.status, res.url.Path, k, got, want)
			}
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("GET %s: Content-Security-Policy %q", r.path, h.Get("Content-Security-Policy"))
		}
		if strings.HasPrefix(h.Get("Content-Type"), "text/html") && h.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s (%d at %s): a page with Cache-Control %q, want no-store", r.path, res.status, res.url.Path, h.Get("Cache-Control"))
		}
	}
}
