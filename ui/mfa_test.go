package ui_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// Issue 15: two-step verification in the web UI.

var (
	secretRe = regexp.MustCompile(`id="totp-secret"[^>]*>([A-Z2-7]+)<`)
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
	codeRe   = regexp.MustCompile(`<li><code>([0-9a-z]{5}-[0-9a-z]{5})</code></li>`)
)

// hidden returns the values of the page's hidden fields by name.
func hidden(res result) map[string][]string {
	out := map[string][]string{}
	for _, m := range hiddenRe.FindAllStringSubmatch(res.body, -1) {
		out[m[1]] = append(out[m[1]], m[2])
	}
	return out
}

// nextCode is the code an app shows in the next 30-second step: accepted
// now (clocks drift by a step) and never spent yet, whatever code of the
// current step a test used before.
func nextCode(t *testing.T, secret string) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// anonymous is a browser with no session yet.
func (e *env) anonymous() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, c: &http.Client{Jar: jar}}
}

// enrolTOTP sets up an authenticator app from the account page and returns
// its secret and the recovery codes shown once.
func enrolTOTP(t *testing.T, b *browser) (string, []string) {
	t.Helper()
	res := b.post("/account/mfa/totp", url.Values{"password": {password}})
	if res.status != http.StatusOK {
		t.Fatalf("begin: %d\n%s", res.status, res.body)
	}
	lint(t, "/account/mfa/totp", res)
	has(t, "enrolment", res, `src="data:image/png;base64,`)
	m := secretRe.FindStringSubmatch(res.body)
	if m == nil {
		t.Fatalf("no secret on the page\n%s", res.body)
	}
	secret, token := m[1], hidden(res)["token"][0]
	// A wrong code shows the same secret again, with the error by the field.
	wrong := b.post("/account/mfa/totp/confirm", url.Values{"token": {token}, "name": {"Phone"}, "code": {"000000"}})
	if wrong.status != http.StatusBadRequest || !strings.Contains(wrong.body, secret) {
		t.Fatalf("wrong code: %d\n%s", wrong.status, wrong.body)
	}
	has(t, "wrong code", wrong, `id="code-error"`)
	code, _ := totp.GenerateCode(secret, time.Now())
	res = b.post("/account/mfa/totp/confirm", url.Values{"token": {token}, "name": {"Phone"}, "code": {code}})
	if res.status != http.StatusOK || !strings.Contains(res.body, "Authenticator app “Phone” added") {
		t.Fatalf("confirm: %d at %s\n%s", res.status, res.url, res.body)
	}
	var codes []string
	for _, m := range codeRe.FindAllStringSubmatch(res.body, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != service.RecoveryCodeCount {
		t.Fatalf("%d recovery codes shown\n%s", len(codes), res.body)
	}
	return secret, codes
}

func TestTOTPEnrolledFromTheAccountPageIsAskedAtSignIn(t *testing.T) {
	e := newEnv(t, "facilities")
	secret, codes := enrolTOTP(t, e.signIn("ada@acme.test"))

	b := e.anonymous()
	step := b.post("/sign-in", url.Values{"email": {"ada@acme.test"}, "password": {password},
		"next": {"/groups"}, "carried": {"ar_123"}})
	if step.status != http.StatusOK || step.url.Path != "/sign-in" {
		t.Fatalf("password: %d at %s", step.status, step.url)
	}
	lint(t, "second step", step)
	fields := hidden(step)
	// Whatever the sign-in form carried goes through the step unchanged.
	if !slices.Contains(fields["next"], "/groups") || !slices.Contains(fields["carried"], "ar_123") || len(fields["step"]) == 0 {
		t.Fatalf("hidden fields %v", fields)
	}
	if res := b.get("/groups"); res.url.Path != "/sign-in" {
		t.Fatal("the password alone opened a session")
	}
	form := url.Values{"step": {fields["step"][0]}, "next": {"/groups"}, "carried": {"ar_123"}}
	form.Set("code", "123")
	wrong := b.post("/sign-in/second-factor", form)
	if wrong.status != http.StatusBadRequest || !slices.Contains(hidden(wrong)["carried"], "ar_123") {
		t.Fatalf("wrong code: %d %v", wrong.status, hidden(wrong))
	}
	form.Set("code", nextCode(t, secret))
	res := b.post("/sign-in/second-factor", form)
	if res.status != http.StatusOK || res.url.Path != "/groups" {
		t.Fatalf("code: %d at %s\n%s", res.status, res.url, res.body)
	}
	sessions, err := e.svc.Sessions(e.ctx, e.admin)
	if err != nil || !slices.ContainsFunc(sessions, func(s *gatehouse.Session) bool { return slices.Equal(s.AMR, []string{"pwd", "otp", "mfa"}) }) {
		t.Fatalf("no session with amr pwd otp mfa: %v", err)
	}
	// The same step cannot be completed twice, even with a recovery code:
	// the browser goes back to sign in, with what the form carried.
	form.Set("code", codes[0])
	again := e.anonymous().post("/sign-in/second-factor", form)
	if again.url.Path != "/sign-in" || again.url.Query().Get("carried") != "ar_123" || again.url.Query().Get("next") != "/groups" ||
		!strings.Contains(again.body, "expired or was already completed") {
		t.Fatalf("a completed step again: %d at %s", again.status, again.url)
	}
	// The account page lists the factor and the codes left.
	acct := b.page("/account", http.StatusOK)
	has(t, "account", acct, "Phone", "10 unused recovery codes")
}

func TestPolicySendsAdminsThroughEnrolmentAtSignIn(t *testing.T) {
	e := newEnv(t, "facilities")
	admin := e.signIn("ada@acme.test")
	page := admin.page("/settings/security", http.StatusOK)
	has(t, "security page", page, `value="off" checked`)
	res := admin.post("/settings/security", url.Values{"mfa_policy": {"admins"}})
	if res.status != http.StatusOK || !strings.Contains(res.body, `value="admins" checked`) {
		t.Fatalf("save: %d\n%s", res.status, res.body)
	}
	if bad := admin.post("/settings/security", url.Values{"mfa_policy": {"never"}}); bad.status != http.StatusBadRequest {
		t.Fatalf("unknown policy: %d", bad.status)
	}

	b := e.anonymous()
	step := b.post("/sign-in", url.Values{"email": {"ada@acme.test"}, "password": {password}, "next": {"/facilities"}})
	has(t, "enrolment at sign-in", step, "Set up two-step verification", `src="data:image/png;base64,`)
	lint(t, "enrolment", step)
	secret := secretRe.FindStringSubmatch(step.body)[1]
	code, _ := totp.GenerateCode(secret, time.Now())
	done := b.post("/sign-in/enrol", url.Values{"step": {hidden(step)["step"][0]}, "next": {"/facilities"}, "code": {code}})
	if done.status != http.StatusOK || len(codeRe.FindAllString(done.body, -1)) != service.RecoveryCodeCount {
		t.Fatalf("enrol: %d\n%s", done.status, done.body)
	}
	lint(t, "recovery codes", done)
	next := b.post("/sign-in/continue", url.Values{"next": hidden(done)["next"]})
	if next.url.Path != "/facilities" {
		t.Fatalf("continue: at %s", next.url)
	}
}

func TestAdminResetsAUsersTwoStepVerification(t *testing.T) {
	e := newEnv(t, "facilities")
	u := e.activeUser("Bo", "Bolt", "bo@acme.test", service.UserInput{FullAccess: true})
	bo := e.signIn("bo@acme.test")
	enrolTOTP(t, bo)

	admin := e.signIn("ada@acme.test")
	has(t, "user page", admin.page("/users/"+u.ID, http.StatusOK), "<dt>Two-step verification</dt><dd>authenticator app</dd>", `href="/users/`+u.ID+`/reset-mfa"`)
	confirm := admin.page("/users/"+u.ID+"/reset-mfa", http.StatusOK)
	has(t, "confirmation", confirm, "Reset two-step verification")
	res := admin.post("/users/"+u.ID+"/reset-mfa", url.Values{})
	if res.status != http.StatusOK || !strings.Contains(res.body, "two-step verification was reset") {
		t.Fatalf("reset: %d\n%s", res.status, res.body)
	}
	e.signIn("bo@acme.test") // the password alone, again
	after := admin.page("/users/"+u.ID, http.StatusOK)
	has(t, "user page after the reset", after, "<dt>Two-step verification</dt><dd>not set up</dd>")
	hasNot(t, "user page after the reset", after, "/reset-mfa")
	// Nobody resets their own factors from the user page.
	if self := admin.post("/users/"+e.admin.UserID+"/reset-mfa", url.Values{}); self.status != http.StatusBadRequest {
		t.Fatalf("own reset: %d", self.status)
	}
}
