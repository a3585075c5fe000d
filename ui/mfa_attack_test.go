package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// Attacks on two-step verification through the web UI (issue 15).

var removeFormRe = regexp.MustCompile(`action="/account/mfa/([^"/]+)/remove"`)

// TestASessionAloneCannotDropTheSecondFactor: whoever holds a stolen
// session but not the password can make new recovery codes (the session
// alone allows it) — those codes must not then remove the user's factor,
// or the session alone drops the second factor.
func TestASessionAloneCannotDropTheSecondFactor(t *testing.T) {
	e := newEnv(t, "facilities")
	stolen := e.signIn("ada@acme.test")
	enrolTOTP(t, stolen)
	m := removeFormRe.FindStringSubmatch(stolen.page("/account", http.StatusOK).body)
	if m == nil {
		t.Fatal("no removal form on the account page")
	}
	res := stolen.post("/account/mfa/recovery-codes", url.Values{})
	codes := codeRe.FindAllStringSubmatch(res.body, -1)
	if res.status != http.StatusOK || len(codes) == 0 {
		t.Fatalf("new recovery codes: %d", res.status)
	}
	res = stolen.post("/account/mfa/"+m[1]+"/remove", url.Values{"code": {codes[0][1]}})
	if res.status != http.StatusBadRequest {
		t.Fatalf("removal with a recovery code the session made itself: %d at %s", res.status, res.url)
	}
	if !strings.Contains(stolen.page("/account", http.StatusOK).body, `action="/account/mfa/`+m[1]+`/remove"`) {
		t.Fatal("the factor was removed without the password")
	}
	// A second app the session enrols itself proves nothing either.
	second, _ := enrolTOTPAgain(t, stolen)
	res = stolen.post("/account/mfa/"+m[1]+"/remove", url.Values{"code": {nextCode(t, second)}})
	if res.status != http.StatusBadRequest {
		t.Fatalf("removal with a code of an app the session enrolled itself: %d at %s", res.status, res.url)
	}
	// The password still removes it.
	res = stolen.post("/account/mfa/"+m[1]+"/remove", url.Values{"password": {password}})
	if res.status != http.StatusOK || strings.Contains(res.body, `action="/account/mfa/`+m[1]+`/remove"`) {
		t.Fatalf("removal with the password: %d\n%s", res.status, res.body)
	}
}

// enrolTOTPAgain adds another authenticator app for a user who has a
// factor already (no recovery codes come with it) and returns its secret.
func enrolTOTPAgain(t *testing.T, b *browser) (string, result) {
	t.Helper()
	res := b.post("/account/mfa/totp", url.Values{})
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
