package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse"
)

// Issue 15: a password sign-in through the API never skips a second factor.

// withTOTP gives the user a password and an authenticator app (enrolled
// through the service, as the account page does) and returns its secret.
func (o *org) withTOTP(userID string) string {
	o.e.t.Helper()
	ctx := context.Background()
	actor := gatehouse.Actor{OrgID: o.id, UserID: userID}
	if err := o.e.svc.SetPassword(ctx, gatehouse.SystemActor(o.id), userID, password); err != nil {
		o.e.t.Fatal(err)
	}
	enrol, err := o.e.svc.BeginTOTP(ctx, actor, password, "127.0.0.1:1")
	if err != nil {
		o.e.t.Fatal(err)
	}
	code, _ := totp.GenerateCode(enrol.Secret, time.Now())
	if _, err := o.e.svc.ConfirmTOTP(ctx, actor, enrol.Token, "Phone", code, "127.0.0.1:1"); err != nil {
		o.e.t.Fatal(err)
	}
	return enrol.Secret
}

func TestPasswordSignInWaitsForTheSecondFactor(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	mo := o.user("mo", obj{"full_access": true})
	secret := o.withTOTP(mo)

	browser := e.client()
	status, h, body := browser.do("POST", "/api/v1/sessions", obj{"email": "mo@acme.test", "password": password})
	wantStatus(t, status, body, http.StatusAccepted)
	if len(h["Set-Cookie"]) > 0 {
		t.Fatalf("a cookie before the second factor: %v", h["Set-Cookie"])
	}
	step, _ := body["second_factor"].(obj)
	if str(step, "token") == "" || !equalStrings(strs(step["methods"]), "totp", "recovery_code") || body["user"] != nil {
		t.Fatalf("202 body %v", body)
	}
	if status, _, _ := browser.do("GET", "/api/v1/me", nil); status != http.StatusUnauthorized {
		t.Fatalf("signed in after the password alone: %d", status)
	}
	status, _, body = browser.do("POST", "/api/v1/sessions/second-factor", obj{"token": str(step, "token"), "code": "000000"})
	wantField(t, status, body, "code")
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second)) // the next step: never spent
	status, h, body = browser.do("POST", "/api/v1/sessions/second-factor", obj{"token": str(step, "token"), "code": code})
	wantStatus(t, status, body, http.StatusCreated)
	if sessionCookie(t, h).Value == "" || h.Get("Location") == "" || str(body["user"].(obj), "id") != mo {
		t.Fatalf("201: %v %v", h, body)
	}
	if me := browser.get("/api/v1/me"); str(me["user"].(obj), "id") != mo {
		t.Fatalf("me: %v", me)
	}
	if sessions := items(t, browser.get("/api/v1/sessions")); len(sessions) != 1 || !equalStrings(strs(sessions[0]["amr"]), "pwd", "otp", "mfa") {
		t.Fatalf("sessions: %v", sessions)
	}
	// The step and the code are spent.
	status, _, body = e.client().do("POST", "/api/v1/sessions/second-factor", obj{"token": str(step, "token"), "code": code})
	wantError(t, status, body, http.StatusUnauthorized, "unauthorized")

	// An admin with cover resets the factors: the password alone works again.
	status, h, body = o.admin.do("POST", "/api/v1/users/"+mo+"/reset-mfa", nil)
	wantStatus(t, status, body, http.StatusNoContent)
	if revision(t, h) <= 0 {
		t.Fatal("no revision")
	}
	e.client().signIn("mo@acme.test", password)
	events := items(t, o.admin.get("/api/v1/audit-events?action=user.factors_reset"))
	if len(events) != 1 || str(events[0], "target_id") != mo {
		t.Fatalf("audit: %v", events)
	}
}

func TestPolicyRefusesAPISignInUntilEnrolment(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	viewer := o.user("vi", obj{"permissions": []string{"users.view"}, "facility_ids": []string{o.facility("Depot")}})
	if err := e.svc.SetPassword(context.Background(), gatehouse.SystemActor(o.id), viewer, password); err != nil {
		t.Fatal(err)
	}
	if got := o.admin.get("/api/v1/organization/security"); got["mfa_policy"] != "off" {
		t.Fatalf("default policy %v", got)
	}
	status, _, body := o.as(viewer).do("PUT", "/api/v1/organization/security", obj{"mfa_policy": "all"})
	wantError(t, status, body, http.StatusForbidden, "forbidden")
	status, _, body = o.admin.do("PUT", "/api/v1/organization/security", obj{"mfa_policy": "sometimes"})
	wantField(t, status, body, "mfa_policy")
	set, rev := o.admin.ok(http.StatusOK, "PUT", "/api/v1/organization/security", obj{"mfa_policy": "admins"})
	if set["mfa_policy"] != "admins" || rev <= 0 {
		t.Fatalf("set: %v %d", set, rev)
	}
	// The viewer holds view_users, an admin operation: enrol first.
	status, h, body := e.client().do("POST", "/api/v1/sessions", obj{"email": "vi@acme.test", "password": password})
	wantReason(t, status, body, "mfa_enrolment_required")
	if c := h.Get("Set-Cookie"); c != "" {
		t.Fatalf("cookie %q", c)
	}
}

func equalStrings(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}
