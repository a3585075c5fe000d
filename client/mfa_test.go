package client_test

import (
	"context"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/service"
)

// Issue 15 through the client: a sign-in that waits for a second factor,
// the organization's policy, an admin's reset.
func TestSecondFactorPolicyAndReset(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "facilities")
	mo := e.activeUser("mo", client.NewUser{FullAccess: true})
	actor := gatehouse.Actor{OrgID: e.orgID, UserID: mo}
	if err := e.svc.SetPassword(ctx, gatehouse.SystemActor(e.orgID), mo, password); err != nil {
		t.Fatal(err)
	}
	enrol := must[*service.TOTPEnrolment](t)(e.svc.BeginTOTP(ctx, actor, password, "127.0.0.1:1"))
	code, _ := totp.GenerateCode(enrol.Secret, time.Now())
	if _, err := e.svc.ConfirmTOTP(ctx, actor, enrol.Token, "Phone", code, "127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}

	browser := e.client("")
	step := must[*client.SignedIn](t)(browser.SignIn(ctx, client.Credentials{Email: e.email("mo"), Password: password}))
	if step.SecondFactor == nil || step.SecondFactor.Token == "" || browser.Session() != "" {
		t.Fatalf("sign-in: %+v", step)
	}
	code, _ = totp.GenerateCode(enrol.Secret, time.Now().Add(30*time.Second))
	signedIn := must[*client.SignedIn](t)(browser.CompleteSignIn(ctx, step.SecondFactor.Token, code))
	if signedIn.User.ID != mo || browser.Session() == "" {
		t.Fatalf("completed: %+v", signedIn)
	}

	if s := must[*client.Security](t)(e.admin.Security(ctx)); s.MFAPolicy != "off" {
		t.Fatalf("policy %+v", s)
	}
	if s := must2[*client.Security](t)(e.admin.SetSecurity(ctx, client.Security{MFAPolicy: "admins"})); s.MFAPolicy != "admins" {
		t.Fatalf("set policy %+v", s)
	}
	must[client.Revision](t)(e.admin.ResetUserMFA(ctx, mo))
	// Mo holds admin operations and has no factor now: the API refuses
	// the password until they enrol in the web UI.
	_, err := e.client("").SignIn(ctx, client.Credentials{Email: e.email("mo"), Password: password})
	if !client.IsForbidden(err) {
		t.Fatalf("sign-in under the policy without a factor: %v", err)
	}
}
