package oidc_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
	"github.com/pquerna/otp/totp"
)

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// An application's sign-in of a user with an authenticator app: the
// password leads to the second step, which carries the application's
// request; the code completes it, and the ID token says how the user
// signed in — amr ["pwd", "otp", "mfa"] (RFC 8176).
func TestApplicationSignInWithTOTP(t *testing.T) {
	g := startGatehouse(t)
	ctx := t.Context()
	bob := gatehouse.Actor{OrgID: g.orgA, UserID: g.bob.ID}
	enrol, err := g.svc.BeginTOTP(ctx, bob, password, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(enrol.Secret, g.clock.Now())
	if _, err := g.svc.ConfirmTOTP(ctx, bob, enrol.Token, "Phone", code, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}

	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true})
	r := newRP(t, g, app.ID, secret)
	b := newBrowser(t)
	p, verifier := r.authorize(b)
	step := b.signIn(g.url, p, "bob@acme.test", password)
	if step.location != nil || !strings.Contains(step.body, `action="/sign-in/second-factor"`) {
		t.Fatalf("the password alone: status %d, location %v, want the second step", step.status, step.location)
	}
	form := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(step.body, -1) {
		if m[1] != "credential" && form.Get(m[1]) == "" {
			form.Set(m[1], m[2])
		}
	}
	if form.Get("auth_request") == "" || form.Get("step") == "" {
		t.Fatalf("the second step does not carry the application's request: %v", form)
	}
	// The next 30-second step's code: accepted (clocks drift by a step)
	// and not the one spent on enrolment.
	next, _ := totp.GenerateCode(enrol.Secret, g.clock.Now().Add(30*time.Second))
	form.Set("code", next)
	req, _ := http.NewRequest("POST", g.url+"/sign-in/second-factor", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, id := r.exchange(r.code(b.do(req)), verifier)

	var claims struct {
		Subject string   `json:"sub"`
		AMR     []string `json:"amr"`
	}
	if err := id.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if claims.Subject != g.bob.ID || !slices.Equal(claims.AMR, []string{"pwd", "otp", "mfa"}) {
		t.Errorf("ID token sub %s amr %v, want bob with [pwd otp mfa]", claims.Subject, claims.AMR)
	}
}
