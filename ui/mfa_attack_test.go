package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// Attacks on two-step verification through the web UI (issue 15).

var removeFormRe = regexp.MustCompile(`action="/account/mfa/([^"/]+)/remove"`)

// TestASessionAloneCannotDropTheSecondFactor: whoever holds a stolen
// session but not the password can neither make new recovery codes (which
// would void the user's and stand in for their factor) nor remove the
// factor — not even with a code of an app the session enrolled itself.
func TestASessionAloneCannotDropTheSecondFactor(t *testing.T) {
	e := newEnv(t, "facilities")
	stolen := e.signIn("ada@acme.test")
	_, codes := enrolTOTP(t, stolen)
	m := removeFormRe.FindStringSubmatch(stolen.page("/account", http.StatusOK).body)
	if m == nil {
		t.Fatal("no removal form on the account page")
	}
	res := stolen.post("/account/mfa/recovery-codes", url.Values{})
	if res.status != http.StatusBadRequest || codeRe.MatchString(res.body) {
		t.Fatalf("new recovery codes without the password: %d", res.status)
	}
	has(t, "refused", res, "No new recovery codes: the password is wrong")
	res = stolen.post("/account/mfa/"+m[1]+"/remove", url.Values{"code": {codes[0]}})
	if res.status != http.StatusBadRequest {
		t.Fatalf("removal with a recovery code: %d at %s", res.status, res.url)
	}
	// A second app the session enrols itself proves nothing.
	second, _ := enrolTOTPAgain(t, stolen)
	res = stolen.post("/account/mfa/"+m[1]+"/remove", url.Values{"code": {nextCode(t, second)}})
	if res.status != http.StatusBadRequest {
		t.Fatalf("removal with a code of an app the session enrolled itself: %d at %s", res.status, res.url)
	}
	acct := stolen.page("/account", http.StatusOK)
	has(t, "account", acct, `action="/account/mfa/`+m[1]+`/remove"`, "10 unused recovery codes")
	// The password makes new codes and removes the factor.
	res = stolen.post("/account/mfa/recovery-codes", url.Values{"password": {password}})
	if res.status != http.StatusOK || len(codeRe.FindAllString(res.body, -1)) != service.RecoveryCodeCount {
		t.Fatalf("new recovery codes with the password: %d", res.status)
	}
	res = stolen.post("/account/mfa/"+m[1]+"/remove", url.Values{"password": {password}})
	if res.status != http.StatusOK || strings.Contains(res.body, `action="/account/mfa/`+m[1]+`/remove"`) {
		t.Fatalf("removal with the password: %d\n%s", res.status, res.body)
	}
	events, err := e.svc.AuditEvents(e.ctx, e.admin, gatehouse.AuditFilter{Action: "user.recovery_codes_refused", Limit: 10})
	if err != nil || len(events) != 1 {
		t.Fatalf("audit of the refused codes: %v (%v)", events, err)
	}
}

// enrolTOTPAgain adds another authenticator app for a user who has a
// factor already (no recovery codes come with it) and returns its secret.
func enrolTOTPAgain(t *testing.T, b *browser) (string, result) {
	t.Helper()
	res := b.post("/account/mfa/totp", url.Values{"password": {password}})
	m := secretRe.FindStringSubmatch(res.body)
	if res.status != http.StatusOK || m == nil {
		t.Fatalf("begin: %d", res.status)
	}
	code, _ := totp.GenerateCode(m[1], time.Now())
	res = b.post("/account/mfa/totp/confirm", url.Values{"token": hidden(res)["token"], "name": {"Second"}, "code": {code}})
	if res.status != http.StatusOK {
		t.Fatalf("confirm: %d\n%s", res.status, res.body)
	}
	return m[1], res
}

// postFrom posts the form as a page of another origin would.
func (b *browser) postFrom(origin, path string, form url.Values) result {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	return b.do(req)
}

// TestTwoStepFormsHoldAgainstOtherPagesAndUsers: another site cannot post
// the enrolment, removal, recovery-code or reset forms with the viewer's
// session; one user cannot finish an enrolment another began; the step
// sends the browser to no other origin, whatever next it carries.
func TestTwoStepFormsHoldAgainstOtherPagesAndUsers(t *testing.T) {
	e := newEnv(t, "facilities")
	bo := e.activeUser("Bo", "Bolt", "bo@acme.test", service.UserInput{FullAccess: true})
	ada := e.signIn("ada@acme.test")
	_, codes := enrolTOTP(t, ada)
	id := removeFormRe.FindStringSubmatch(ada.page("/account", http.StatusOK).body)[1]

	for _, path := range []string{"/account/mfa/totp", "/account/mfa/" + id + "/remove", "/account/mfa/recovery-codes",
		"/account/mfa/passkey/options", "/users/" + bo.ID + "/reset-mfa", "/settings/security"} {
		if res := ada.postFrom("https://evil.test", path, url.Values{"password": {password}, "mfa_policy": {"off"}}); res.status != http.StatusForbidden {
			t.Errorf("cross-origin POST %s: %d", path, res.status)
		}
	}
	if !strings.Contains(ada.page("/account", http.StatusOK).body, `/account/mfa/`+id+`/remove`) {
		t.Fatal("a cross-origin post removed the factor")
	}

	// Bo cannot confirm an enrolment Ada began (with a code of its secret).
	begun := ada.post("/account/mfa/totp", url.Values{"password": {password}})
	adaSecret := secretRe.FindStringSubmatch(begun.body)[1]
	code, _ := totp.GenerateCode(adaSecret, time.Now())
	boB := e.signInAs("bo@acme.test", "/users")
	if res := boB.post("/account/mfa/totp/confirm", url.Values{"token": hidden(begun)["token"], "code": {code}}); res.status != http.StatusBadRequest {
		t.Fatalf("Bo confirming Ada's enrolment: %d", res.status)
	}
	if strings.Contains(boB.page("/account", http.StatusOK).body, "/remove\"") {
		t.Fatal("Bo got a factor from Ada's enrolment")
	}

	// next to another origin, through the step, lands on this one.
	for i, next := range []string{"https://evil.test/", "//evil.test", "/\\evil.test", "/%2F%2Fevil.test", "/%5Cevil.test"} {
		b := e.anonymous()
		step := b.post("/sign-in", url.Values{"email": {"ada@acme.test"}, "password": {password}, "next": {next}})
		form := url.Values{"step": hidden(step)["step"], "next": {next}, "code": {codes[i]}}
		b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		res := b.post("/sign-in/second-factor", form)
		if loc := res.header.Get("Location"); res.status != http.StatusSeeOther || loc != "/" {
			t.Fatalf("next %q: %d to %q", next, res.status, loc)
		}
	}
}

// TestASessionAloneCannotAddAFactor: whoever holds a stolen session but
// not the password cannot add an app or a passkey of theirs — to a user
// without a factor, which would lock the user out at their next sign-in,
// nor to one with a factor, which would let them in with the password
// later.
func TestASessionAloneCannotAddAFactor(t *testing.T) {
	e := newEnvAt(t, passkeyBase, "facilities", nil)
	stolen := e.signIn("ada@acme.test")
	for _, path := range []string{"/account/mfa/totp", "/account/mfa/passkey/options"} {
		res := stolen.post(path, url.Values{"password": {"not the password"}})
		if res.status != http.StatusBadRequest || strings.Contains(res.body, "totp-secret") || strings.Contains(res.body, "publicKey") {
			t.Fatalf("POST %s without the password: %d\n%s", path, res.status, res.body)
		}
	}
	if res := stolen.post("/account/mfa/totp", url.Values{"password": {password}}); res.status != http.StatusOK || !secretRe.MatchString(res.body) {
		t.Fatalf("with the password: %d", res.status)
	}
	events, err := e.svc.AuditEvents(e.ctx, e.admin, gatehouse.AuditFilter{Action: "user.factor_enrolment_refused", Limit: 10})
	if err != nil || len(events) != 2 {
		t.Fatalf("audit of the refused enrolments: %v (%v)", events, err)
	}
}
