package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// Finding 5 over HTTP: a pair's failures answer 429 with Retry-After and the
// error body, and never hold back a colleague behind the same address.
func TestSignInThrottleOverHTTP(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	anon := e.client()
	for _, local := range []string{"tia", "col"} { // accept through the API, with a password
		o.invite(local, nil)
		token := e.inviteToken(local + "@acme.test")
		anon.ok(http.StatusOK, "POST", "/api/v1/invitations/accept", obj{"token": token, "password": password})
	}
	for range 3 {
		status, _, body := anon.do("POST", "/api/v1/sessions", obj{"email": "tia@acme.test", "password": "wrong password!"})
		wantError(t, status, body, http.StatusUnauthorized, "unauthorized")
	}
	status, h, body := anon.do("POST", "/api/v1/sessions", obj{"email": "tia@acme.test", "password": password})
	wantError(t, status, body, http.StatusTooManyRequests, "rate_limited")
	if got := h.Get("Retry-After"); got != "1" {
		t.Fatalf("Retry-After %q, want 1 (second)", got)
	}
	e.client().signIn("col@acme.test", password) // the same address, 127.0.0.1
}

// Finding 7 over HTTP: the sixth reset request for an email within the hour
// is refused with Retry-After, and no sixth mail goes out.
func TestPasswordResetRequestThrottleOverHTTP(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	o.user("tess", nil)
	anon := e.client()
	for range 5 {
		status, _, body := anon.do("POST", "/api/v1/password-reset/request", obj{"email": "tess@acme.test"})
		wantStatus(t, status, body, http.StatusAccepted)
	}
	for range 3 {
		status, h, body := anon.do("POST", "/api/v1/password-reset/request", obj{"email": "TESS@acme.test"})
		wantError(t, status, body, http.StatusTooManyRequests, "rate_limited")
		if h.Get("Retry-After") != "3600" {
			t.Fatalf("Retry-After %q", h.Get("Retry-After"))
		}
	}
	resets := 0
	for _, m := range e.mails("tess@acme.test") {
		if strings.Contains(m, baseURL+"/reset-password?token=") {
			resets++
		}
	}
	if resets != 5 {
		t.Fatalf("%d reset mails, want 5", resets)
	}
}
