package api_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// sessionCookie finds the session cookie a response sets.
func sessionCookie(t *testing.T, h http.Header) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "gatehouse_session" {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", h["Set-Cookie"])
	return nil
}

// TestInvitationSignInAndSessions follows one person from the invitation
// email to signing out, and an admin deactivating them. Passwords cost
// 100-200 ms each, so one test walks the whole path.
func TestInvitationSignInAndSessions(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	invited := o.invite("tess", nil)
	id := str(invited, "id")

	// The invitation arrives as an .eml file with the link.
	token := e.inviteToken("tess@acme.test")
	if !strings.HasPrefix(token, "inv_") {
		t.Fatalf("token %q", token)
	}
	anon := e.client()
	status, _, body := anon.do("POST", "/api/v1/invitations/accept", obj{"token": token, "password": "short"})
	wantField(t, status, body, "password")
	status, _, body = anon.do("POST", "/api/v1/invitations/accept", obj{"token": "inv_forged", "password": password})
	wantField(t, status, body, "token")

	accepted, rev := anon.ok(http.StatusOK, "POST", "/api/v1/invitations/accept", obj{"token": token, "password": password})
	if accepted["id"] != id || accepted["status"] != "active" || accepted["email_verified"] != true || rev <= 0 {
		t.Fatalf("accepted: %v", accepted)
	}
	if u := o.admin.get("/api/v1/users/" + id); u["status"] != "active" || u["email_verified"] != true {
		t.Fatalf("after accepting: %v", u)
	}
	status, _, body = anon.do("POST", "/api/v1/invitations/accept", obj{"token": token, "password": password})
	wantField(t, status, body, "token")

	// Sign in: an HttpOnly, SameSite=Lax session cookie (not Secure over
	// plain HTTP), with the email in any case.
	browser := e.client()
	status, h, signedIn := browser.do("POST", "/api/v1/sessions", obj{"email": "TESS@acme.test", "password": password})
	wantStatus(t, status, signedIn, http.StatusCreated)
	c := sessionCookie(t, h)
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" || c.Value == "" {
		t.Fatalf("session cookie: %+v", c)
	}
	if signedIn["user"].(obj)["id"] != id || signedIn["expires_at"] == nil {
		t.Fatalf("sign-in: %v", signedIn)
	}
	// Over TLS the cookie is also Secure.
	tlsSrv := httptest.NewTLSServer(e.srv.Config.Handler)
	defer tlsSrv.Close()
	overTLS := &client{t: t, base: tlsSrv.URL, hc: tlsSrv.Client(), header: http.Header{}}
	if c := sessionCookie(t, overTLS.signIn("tess@acme.test", password)); !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie over TLS: %+v", c)
	}
	me := browser.get("/api/v1/me")
	if me["user"].(obj)["id"] != id || me["organization"].(obj)["id"] != o.id {
		t.Fatalf("me by cookie: %v", me)
	}
	if _, ok := me["api_key_id"]; ok {
		t.Fatalf("me by cookie names an API key: %v", me)
	}

	// Wrong password and unknown email: the same answer.
	status, _, wrong := anon.do("POST", "/api/v1/sessions", obj{"email": "tess@acme.test", "password": "wrong password!"})
	wantError(t, status, wrong, http.StatusUnauthorized, "unauthorized")
	status, _, unknown := anon.do("POST", "/api/v1/sessions", obj{"email": "nobody@acme.test", "password": password})
	wantError(t, status, unknown, http.StatusUnauthorized, "unauthorized")
	if !reflect.DeepEqual(wrong, unknown) {
		t.Fatalf("wrong password %v, unknown email %v", wrong, unknown)
	}

	// Cookie writes from the same origin work; from another site they are
	// refused before anything changes.
	key, _ := browser.ok(http.StatusCreated, "POST", "/api/v1/api-keys", obj{"name": "from the browser"})
	evil := e.client()
	evil.hc.Jar = browser.hc.Jar
	evil.header.Set("Origin", "https://evil.example")
	evil.header.Set("Sec-Fetch-Site", "cross-site")
	status, _, body = evil.do("POST", "/api/v1/api-keys", obj{"name": "stolen"})
	wantReason(t, status, body, "cross_origin")
	status, _, body = evil.do("DELETE", "/api/v1/sessions/current", nil)
	wantReason(t, status, body, "cross_origin")
	if n := len(items(t, browser.get("/api/v1/api-keys"))); n != 1 {
		t.Fatalf("%d keys after a cross-site write", n)
	}
	// A cross-site request without the browser's headers but with a foreign
	// Origin is refused too.
	origin := e.client()
	origin.hc.Jar = browser.hc.Jar
	origin.header.Set("Origin", "https://evil.example")
	status, _, body = origin.do("POST", "/api/v1/api-keys", obj{"name": "stolen"})
	wantReason(t, status, body, "cross_origin")

	// The user's sessions (this browser's and the TLS one): this one is
	// current.
	sessions := items(t, browser.get("/api/v1/sessions"))
	if len(sessions) != 2 || (sessions[0]["current"] == true) == (sessions[1]["current"] == true) {
		t.Fatalf("sessions: %v", sessions)
	}

	// Sign out: the cookie is cleared and the session ends on the server.
	stolen := &http.Cookie{Name: "gatehouse_session", Value: c.Value}
	status, h, data := browser.doRaw("DELETE", "/api/v1/sessions/current", nil)
	if status != http.StatusNoContent || len(data) != 0 {
		t.Fatalf("sign out: %d %s", status, data)
	}
	if cleared := sessionCookie(t, h); cleared.MaxAge >= 0 || cleared.Value != "" {
		t.Fatalf("sign-out cookie: %+v", cleared)
	}
	status, _, body = browser.do("GET", "/api/v1/me", nil)
	wantError(t, status, body, http.StatusUnauthorized, "unauthorized")
	replay := e.client()
	replay.header.Set("Cookie", stolen.String())
	status, _, body = replay.do("GET", "/api/v1/me", nil)
	wantError(t, status, body, http.StatusUnauthorized, "unauthorized")
	// Signing out needs a session: an API key has none.
	status, _, body = o.admin.do("DELETE", "/api/v1/sessions/current", nil)
	wantError(t, status, body, http.StatusBadRequest, "invalid")

	// Deactivation ends the user's sessions and API keys at once.
	again := o.session(id)
	apiKey := e.bearer(str(key, "secret"))
	apiKey.get("/api/v1/me")
	again.get("/api/v1/me")
	o.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+id+"/deactivate", nil)
	for name, c := range map[string]*client{"session": again, "api key": apiKey} {
		status, _, body := c.do("GET", "/api/v1/me", nil)
		if status != http.StatusUnauthorized {
			t.Fatalf("%s after deactivation: %d %v", name, status, body)
		}
		wantError(t, status, body, http.StatusUnauthorized, "unauthorized")
	}
	// Reactivated, the old session and key stay ended.
	o.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+id+"/activate", nil)
	status, _, body = again.do("GET", "/api/v1/me", nil)
	wantError(t, status, body, http.StatusUnauthorized, "unauthorized")
	status, _, body = apiKey.do("GET", "/api/v1/me", nil)
	wantError(t, status, body, http.StatusUnauthorized, "unauthorized")
}

func TestRegeneratedInvitationReplacesTheOldOne(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	id := str(o.invite("ivy", nil), "id")
	first := e.inviteToken("ivy@acme.test")
	o.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+id+"/regenerate-invite", nil)
	second := e.inviteToken("ivy@acme.test")
	if first == second {
		t.Fatal("regenerate-invite mailed the same token")
	}
	anon := e.client()
	status, _, body := anon.do("POST", "/api/v1/invitations/accept", obj{"token": first, "password": password})
	wantField(t, status, body, "token")
	// A deleted user's invitation no longer works either.
	other := str(o.invite("olly", nil), "id")
	token := e.inviteToken("olly@acme.test")
	o.admin.ok(http.StatusNoContent, "DELETE", "/api/v1/users/"+other, nil)
	status, _, body = anon.do("POST", "/api/v1/invitations/accept", obj{"token": token, "password": password})
	wantField(t, status, body, "token")
}
