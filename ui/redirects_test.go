package ui_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/service"
)

// TestSignInNextStaysOnThisSite reproduces finding 8 of issue 12: after
// signing in, the browser goes to `next` only when it is a path on this
// site: one leading slash, no backslash, no control character (browsers
// drop tabs and newlines from URLs, so "/\t/evil.example" is
// "//evil.example", another origin), and the same once percent-decoded
// (for anything between Gatehouse and the browser that decodes it).
// Anything else goes to /.
func TestSignInNextStaysOnThisSite(t *testing.T) {
	e := newEnv(t, "facilities")
	for _, tc := range []struct{ next, want string }{
		{"/users?status=active", "/users?status=active"},
		{"/users/usr_0123/access", "/users/usr_0123/access"},
		{"/groups?q=a%20b", "/groups?q=a%20b"},
		{"/audit?since=2026-01-01T00%3A00%3A00Z", "/audit?since=2026-01-01T00%3A00%3A00Z"},
		{"", "/"},
		{"//evil.example", "/"},
		{"///evil.example", "/"},
		{"/\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"/users\\..\\..\\evil", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r\n/evil.example", "/"},
		{"/\x00/evil.example", "/"},
		{"/\x7f/evil.example", "/"},
		{"\t//evil.example", "/"},
		{" //evil.example", "/"},
		{"/%09/evil.example", "/"},
		{"/%2F/evil.example", "/"},
		{"/%2f%2fevil.example", "/"},
		{"/%5Cevil.example", "/"},
		{"/users%0d%0aSet-Cookie:%20x=y", "/"},
		{"/%zz", "/"},
		{"https://evil.example", "/"},
		{"http:/evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.example", "/"},
		{"users", "/"},
	} {
		form := url.Values{"email": {"ada@acme.test"}, "password": {password}, "next": {tc.next}}
		req, _ := http.NewRequest("POST", e.srv.URL+"/sign-in", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", e.srv.URL)
		res, err := http.DefaultTransport.RoundTrip(req) // the Location as sent, however odd
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tc.want {
			t.Errorf("next=%q: %d to %q, want %q", tc.next, res.StatusCode, res.Header.Get("Location"), tc.want)
		}
	}
	// The sign-in page carries only a safe next in its form.
	res, err := http.Get(e.srv.URL + "/sign-in?next=" + url.QueryEscape("/\t/evil.example"))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body strings.Builder
	if _, err := io.Copy(&body, res.Body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body.String(), `name="next" value="/"`) {
		t.Errorf("the sign-in form keeps an unsafe next:\n%s", body.String())
	}
}

// TestBannersComeFromAFixedSet reproduces finding 9 of issue 12: a link
// could make any page show its own words as a green success banner
// (?done=Your+account+is+locked...). Banners now come from a fixed set of
// messages chosen by a code; text and unknown codes show nothing.
func TestBannersComeFromAFixedSet(t *testing.T) {
	e := newEnv(t, "facilities")
	spoof := "Your account is locked. Call +1 555 0100 to unlock it."
	banner := regexp.MustCompile(`<p class="flash" role="status">([^<]*)</p>`)
	flash := func(body string) string {
		if m := banner.FindStringSubmatch(body); m != nil {
			return m[1]
		}
		return ""
	}
	anon := &browser{t: t, e: e, c: &http.Client{}}
	b := e.signIn("ada@acme.test")
	for _, tc := range []struct {
		who  *browser
		path string
		want string
	}{
		{anon, "/sign-in?done=" + url.QueryEscape(spoof), ""},
		{anon, "/forgot-password?done=" + url.QueryEscape(spoof), ""},
		{b, "/users?done=" + url.QueryEscape(spoof), ""},
		{b, "/account?done=" + url.QueryEscape(spoof), ""},
		{b, "/users?done=Saved.", ""}, // the old form: text is never shown
		{b, "/users?done=no_such_code", ""},
		{b, "/users?done=__proto__", ""},
		{anon, "/sign-in?done=signed_out", "You are signed out."},
		{b, "/users?done=saved", "Saved."},
	} {
		res := tc.who.get(tc.path)
		if res.status != http.StatusOK {
			t.Fatalf("GET %s: %d", tc.path, res.status)
		}
		if got := flash(res.body); got != tc.want {
			t.Errorf("GET %s: banner %q, want %q", tc.path, got, tc.want)
		}
		if strings.Contains(res.body, "Call +1 555 0100") {
			t.Errorf("GET %s: the URL's text is on the page", tc.path)
		}
	}

	// Every redirect after a write asks for its banner by code, and names
	// come from the server, never from the URL.
	g := e.group("Night Shift")
	f := e.facility("Dock")
	steps := []struct {
		what string
		do   func() result
		want string
	}{
		{"create a group", func() result { return b.post("/groups/new", url.Values{"name": {"Day Shift"}}) }, "Group created."},
		{"save a group", func() result { return b.post("/groups/"+g.ID, url.Values{"name": {"Night Shift"}}) }, "Saved."},
		{"delete a group", func() result { return b.post("/groups/"+g.ID+"/delete", nil) }, "Group deleted."},
		{"create a facility", func() result { return b.post("/facilities", url.Values{"name": {"Yard"}}) }, "Facility created."},
		{"archive a facility", func() result { return b.post("/facilities/"+f.ID, url.Values{"action": {"archive"}}) }, "Facility archived."},
		{"restore a facility", func() result { return b.post("/facilities/"+f.ID, url.Values{"action": {"unarchive"}}) }, "Facility restored."},
		{"save a facility", func() result {
			return b.post("/facilities/"+f.ID, url.Values{"action": {"save"}, "name": {"Dock 2"}})
		}, "Saved."},
		{"invite a user", func() result {
			return b.post("/users/new", url.Values{"first_name": {"Nia"}, "last_name": {"New"}, "email": {"nia@acme.test"}})
		}, "Invitation sent."},
	}
	for _, s := range steps {
		res := s.do()
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d at %s\n%s", s.what, res.status, res.url, res.body)
		}
		if done := res.url.Query().Get("done"); done == "" || strings.ContainsAny(done, " .") {
			t.Errorf("%s: ?done=%q is not a code", s.what, done)
		}
		if got := flash(res.body); got != s.want {
			t.Errorf("%s: banner %q, want %q", s.what, got, s.want)
		}
	}
	nia := e.invite("Ned", "New", "ned@acme.test", service.UserInput{})
	for _, s := range []struct{ action, want string }{
		{"deactivate", "Deactivated."},
		{"delete", "The user was deleted."},
	} {
		res := b.post("/users/"+nia.ID+"/"+s.action, nil)
		if res.status != http.StatusOK || res.url.Query().Get("done") == "" || flash(res.body) != s.want {
			t.Errorf("%s: %d at %s, banner %q, want %q", s.action, res.status, res.url, flash(res.body), s.want)
		}
	}
	res := b.post("/sign-out", nil)
	if res.url.Path != "/sign-in" || res.url.Query().Get("done") != "signed_out" || flash(res.body) != "You are signed out." {
		t.Errorf("sign out: at %s, banner %q", res.url, flash(res.body))
	}
}
