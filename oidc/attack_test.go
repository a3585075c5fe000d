package oidc_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	ghoidc "github.com/gatehouse/gatehouse/oidc"
	"github.com/gatehouse/gatehouse/service"
	"golang.org/x/oauth2"
)

// Attack: the attacker starts a sign-in at the platform in their own
// browser (the platform keeps the state and PKCE verifier there), sends
// the victim the sign-in page's link (/sign-in?auth_request=ID), and once
// the victim has signed in there, opens the provider's callback with that
// ID themselves. The code must not be handed to a browser that does not
// hold the session of the user who completed the request.
func TestCallbackOnlyForTheBrowserThatSignedIn(t *testing.T) {
	g := startGatehouse(t)
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true})
	r := newRP(t, g, app.ID, secret)
	attacker := newBrowser(t)
	p, verifier := r.authorize(attacker)
	m := authRequestField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no sign-in page: %d %.300s", p.status, p.body)
	}
	id := m[1]

	// The victim signs in on the lured page; the attacker, polling the
	// callback, is there before the victim's browser follows the "Signing
	// you in" page's meta refresh.
	victim := newBrowser(t)
	if lured := victim.get(g.url + "/sign-in?auth_request=" + id); !strings.Contains(lured.body, "Acme Facilities") {
		t.Fatalf("lured page: %d %.300s", lured.status, lured.body)
	}
	form := url.Values{"email": {"bob@acme.test"}, "password": {password}, "auth_request": {id}}
	req, _ := http.NewRequest("POST", g.url+"/sign-in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p := victim.once(req); p.status != http.StatusOK || !metaRefresh.MatchString(p.body) {
		t.Fatalf("the victim's sign-in: status %d, want the page that moves on to the callback: %.300s", p.status, p.body)
	}

	for _, who := range []struct {
		name string
		b    *browser
	}{{"a browser signed in as another user", signedIn(t, g, "ada@acme.test")}, {"a browser without a session", attacker}} {
		got := who.b.get(g.url + ghoidc.PathCallback + "?id=" + id)
		if got.location != nil && got.location.Query().Get("code") != "" {
			if _, err := r.config.Exchange(t.Context(), got.location.Query().Get("code"), oauth2.VerifierOption(verifier)); err == nil {
				t.Fatalf("%s opened the callback of bob's sign-in and exchanged its code for bob's tokens", who.name)
			}
			t.Errorf("%s was given a code for bob's sign-in", who.name)
		}
	}
	// The victim's own browser still finishes the sign-in.
	if got := victim.get(g.url + ghoidc.PathCallback + "?id=" + id); got.location == nil || got.location.Query().Get("code") == "" {
		t.Errorf("the browser that signed in: status %d, location %v, want the code", got.status, got.location)
	}
}

// signedIn is a browser signed in to Gatehouse's web UI.
func signedIn(t *testing.T, g *gh, email string) *browser {
	t.Helper()
	b := newBrowser(t)
	req, _ := http.NewRequest("POST", g.url+"/sign-in", strings.NewReader("email="+email+"&password="+strings.ReplaceAll(password, " ", "+")))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p := b.do(req); p.status != http.StatusOK {
		t.Fatalf("sign in %s: status %d", email, p.status)
	}
	return b
}
