package ui_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
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
