package api_test

import (
	"net/http"
	"testing"
)

func TestEmailVerification(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	id := o.user("tess", nil)
	anon := e.client()

	// A verified user is not sent another link; an invited one verifies by
	// accepting.
	status, _, body := o.admin.do("POST", "/api/v1/users/"+id+"/resend-verification", nil)
	wantError(t, status, body, http.StatusConflict, "conflict")
	invited := str(o.invite("ivy", nil), "id")
	status, _, body = o.admin.do("POST", "/api/v1/users/"+invited+"/resend-verification", nil)
	wantError(t, status, body, http.StatusConflict, "conflict")

	// A new address waits as pending_email until its link is followed.
	u, _ := o.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+id, obj{"email": "tess.new@acme.test"})
	if u["email_verified"] != true || u["email"] != "tess@acme.test" || u["pending_email"] != "tess.new@acme.test" {
		t.Fatalf("after changing the email: %v", u)
	}
	if got := o.admin.get("/api/v1/users/" + id); got["pending_email"] != "tess.new@acme.test" {
		t.Fatalf("GET after changing the email: %v", got)
	}
	first := e.mailedToken("tess.new@acme.test", "/verify-email")
	_, rev := o.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+id+"/resend-verification", nil)
	second := e.mailedToken("tess.new@acme.test", "/verify-email")
	if first == second || rev <= 0 {
		t.Fatal("resend-verification mailed the same token")
	}
	status, _, body = anon.do("POST", "/api/v1/email-verification/confirm", obj{"token": first})
	wantField(t, status, body, "token")
	confirmed, _ := anon.ok(http.StatusOK, "POST", "/api/v1/email-verification/confirm", obj{"token": second})
	if confirmed["id"] != id || confirmed["email_verified"] != true || confirmed["email"] != "tess.new@acme.test" || confirmed["pending_email"] != "" {
		t.Fatalf("confirmed: %v", confirmed)
	}
	if got := o.admin.get("/api/v1/users/" + id); got["email_verified"] != true {
		t.Fatalf("after confirming: %v", got)
	}
	status, _, body = anon.do("POST", "/api/v1/email-verification/confirm", obj{"token": second})
	wantField(t, status, body, "token")
	status, _, body = anon.do("POST", "/api/v1/email-verification/confirm", obj{"token": "forged"})
	wantField(t, status, body, "token")
	status, _, body = o.admin.do("POST", "/api/v1/users/usr_nope/resend-verification", nil)
	wantError(t, status, body, http.StatusNotFound, "not_found")
}

func TestPasswordResetAndSessionList(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	id := o.user("tess", nil)
	anon := e.client()

	// The same answer whether or not the email exists.
	status, _, unknown := anon.do("POST", "/api/v1/password-reset/request", obj{"email": "nobody@acme.test"})
	wantStatus(t, status, unknown, http.StatusAccepted)
	status, _, known := anon.do("POST", "/api/v1/password-reset/request", obj{"email": "TESS@acme.test"})
	wantStatus(t, status, known, http.StatusAccepted)
	if known["message"] != unknown["message"] || len(e.mails("nobody@acme.test")) != 0 {
		t.Fatalf("reset request answers: %v, %v", known, unknown)
	}
	token := e.mailedToken("tess@acme.test", "/reset-password")
	status, _, body := anon.do("POST", "/api/v1/password-reset/confirm", obj{"token": token, "password": "short"})
	wantField(t, status, body, "password")
	status, _, body = anon.do("POST", "/api/v1/password-reset/confirm", obj{"token": "forged", "password": password})
	wantField(t, status, body, "token")
	status, _, body = anon.do("POST", "/api/v1/password-reset/confirm", obj{"token": token, "password": password})
	wantStatus(t, status, body, http.StatusOK)

	// Two sessions; one ends the other.
	// The new password signs in.
	laptop, phone := e.client(), o.session(id)
	laptop.signIn("tess@acme.test", password)
	sessions := items(t, laptop.get("/api/v1/sessions"))
	if len(sessions) != 2 {
		t.Fatalf("sessions: %v", sessions)
	}
	var other string
	for _, s := range sessions {
		if s["current"] == false {
			other = str(s, "id")
		}
	}
	// Another user's session is not found.
	status, _, body = o.admin.do("DELETE", "/api/v1/sessions/"+other, nil)
	wantError(t, status, body, http.StatusNotFound, "not_found")
	phone.get("/api/v1/me")
	status, _, _ = laptop.do("DELETE", "/api/v1/sessions/"+other, nil)
	wantStatus(t, status, nil, http.StatusNoContent)
	status, _, body = phone.do("GET", "/api/v1/me", nil)
	wantError(t, status, body, http.StatusUnauthorized, "unauthorized")
	if got := items(t, laptop.get("/api/v1/sessions")); len(got) != 1 || got[0]["current"] != true {
		t.Fatalf("sessions after revoking: %v", got)
	}
	if me := laptop.get("/api/v1/me"); me["user"].(obj)["id"] != id {
		t.Fatalf("me: %v", me)
	}
}
