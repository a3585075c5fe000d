package service_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// Issue 15: multi-factor authentication.

const testPassword = "correct horse battery"

// codeAt is what an authenticator app holding secret shows at t.
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// enrolTOTP enrols a TOTP factor for the user and returns its secret and
// the recovery codes issued with it.
func (f *fixture) enrolTOTP(clk *clock, u *gatehouse.User) (string, []string) {
	f.t.Helper()
	ctx := context.Background()
	actor := gatehouse.Actor{OrgID: u.OrgID, UserID: u.ID}
	e, err := f.svc.BeginTOTP(ctx, actor, testPassword, "10.0.0.1:1")
	if err != nil {
		f.t.Fatal(err)
	}
	if !strings.HasPrefix(e.QRCode, "data:image/png;base64,") || !strings.HasPrefix(e.URL, "otpauth://totp/") {
		f.t.Fatalf("enrolment shows %.40q and %q", e.QRCode, e.URL)
	}
	done, err := f.svc.ConfirmTOTP(ctx, actor, e.Token, "Phone", codeAt(f.t, e.Secret, clk.Now()), "10.0.0.1:1")
	if err != nil {
		f.t.Fatal(err)
	}
	return e.Secret, done.RecoveryCodes
}

// secondStep signs in with the right password and returns the pending step.
func (f *fixture) secondStep(u *gatehouse.User, client string) *service.SecondFactorNeeded {
	f.t.Helper()
	_, _, err := f.svc.SignIn(context.Background(), "", u.Email, testPassword, client, "test")
	var need *service.SecondFactorNeeded
	if !errors.As(err, &need) {
		f.t.Fatalf("sign-in of a user with a factor: %v, want a second step", err)
	}
	if want := map[bool]string{false: gatehouse.EUNAUTHORIZED, true: gatehouse.EFORBIDDEN}[need.Enrol]; gatehouse.ErrorCode(err) != want {
		f.t.Fatalf("a second step unwraps to %q, want %q", gatehouse.ErrorCode(err), want)
	}
	return need
}

func (f *fixture) member(email string) *gatehouse.User {
	return f.activeUser(f.admin, service.UserInput{FirstName: "Mo", LastName: "Member", Email: email, FullAccess: true})
}

func TestTOTPSignInNeedsTheSecondFactorAndRefusesReplay(t *testing.T) {
	f := newFixture(t, "facilities")
	clk := f.fakeClock()
	ctx := context.Background()
	u := f.member("mo@acme.test")
	secret, recovery := f.enrolTOTP(clk, u)
	if len(recovery) != service.RecoveryCodeCount {
		t.Fatalf("%d recovery codes, want %d", len(recovery), service.RecoveryCodeCount)
	}

	need := f.secondStep(u, "10.0.0.1:1")
	if !slices.Equal(need.Methods, []string{"totp", "recovery_code"}) || need.Enrol {
		t.Fatalf("methods %v enrol %v", need.Methods, need.Enrol)
	}
	// The password alone cannot enrol another factor at sign-in.
	_, err := f.svc.BeginSignInTOTP(ctx, need.Token)
	wantCode(t, err, gatehouse.ECONFLICT)
	// The code that confirmed the enrolment is spent.
	_, _, err = f.svc.CompleteSignIn(ctx, need.Token, codeAt(t, secret, clk.Now()), "10.0.0.1:1", "test")
	wantCode(t, err, gatehouse.EINVALID)

	clk.Advance(30 * time.Second)
	code := codeAt(t, secret, clk.Now())
	token, session, err := f.svc.CompleteSignIn(ctx, need.Token, code, "10.0.0.1:1", "test")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(session.AMR, []string{"pwd", "otp", "mfa"}) {
		t.Fatalf("amr %v", session.AMR)
	}
	if _, err := f.svc.AuthenticateSession(ctx, token); err != nil {
		t.Fatal(err)
	}
	// The step is single use, and the same code in a new step is refused.
	_, _, err = f.svc.CompleteSignIn(ctx, need.Token, code, "10.0.0.1:1", "test")
	wantCode(t, err, gatehouse.EUNAUTHORIZED)
	again := f.secondStep(u, "10.0.0.1:1")
	_, _, err = f.svc.CompleteSignIn(ctx, again.Token, code, "10.0.0.1:1", "test")
	wantCode(t, err, gatehouse.EINVALID)

	// A step expires.
	clk.Advance(service.SecondStepTTL)
	_, _, err = f.svc.CompleteSignIn(ctx, again.Token, codeAt(t, secret, clk.Now()), "10.0.0.1:1", "test")
	wantCode(t, err, gatehouse.EUNAUTHORIZED)
}

func TestRecoveryCodeWorksOnce(t *testing.T) {
	f := newFixture(t, "facilities")
	clk := f.fakeClock()
	ctx := context.Background()
	u := f.member("mo@acme.test")
	_, recovery := f.enrolTOTP(clk, u)

	_, session, err := f.svc.CompleteSignIn(ctx, f.secondStep(u, "10.0.0.1:1").Token, strings.ToUpper(recovery[3]), "10.0.0.1:1", "test")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(session.AMR, []string{"pwd", "otp", "mfa"}) {
		t.Fatalf("amr %v", session.AMR)
	}
	_, _, err = f.svc.CompleteSignIn(ctx, f.secondStep(u, "10.0.0.1:1").Token, recovery[3], "10.0.0.1:1", "test")
	wantCode(t, err, gatehouse.EINVALID)
	_, left, err := f.svc.Factors(ctx, gatehouse.Actor{OrgID: u.OrgID, UserID: u.ID})
	if err != nil || left != service.RecoveryCodeCount-1 {
		t.Fatalf("%d recovery codes left (%v)", left, err)
	}
}

func TestWrongCodesAreThrottledPerUserAcrossAddresses(t *testing.T) {
	f := newFixture(t, "facilities")
	clk := f.fakeClock()
	ctx := context.Background()
	u := f.member("mo@acme.test")
	secret, _ := f.enrolTOTP(clk, u)
	wrong := func(client string) error {
		_, _, err := f.svc.CompleteSignIn(ctx, f.secondStep(u, client).Token, "000000", client, "test")
		if err == nil {
			t.Fatal("000000 was accepted") // one chance in a million; rerun
		}
		return err
	}
	// Each guess from a new address: only the user's limit stops them.
	failures := 0
	for i := range 20 {
		err := wrong("10.1.0." + string(rune('a'+i)) + ":1")
		if gatehouse.ErrorCode(err) == gatehouse.ETOOMANY {
			break
		}
		wantCode(t, err, gatehouse.EINVALID)
		failures++
	}
	if failures != service.DefaultThrottle().CodeUserLimit {
		t.Fatalf("%d wrong codes before the block, want %d", failures, service.DefaultThrottle().CodeUserLimit)
	}
	// Blocked: even the right code waits, from a fresh address.
	_, _, err := f.svc.CompleteSignIn(ctx, f.secondStep(u, "10.2.0.1:1").Token, codeAt(t, secret, clk.Now().Add(30*time.Second)), "10.2.0.1:1", "test")
	e := wantCode(t, err, gatehouse.ETOOMANY)
	if e.RetryAfter <= 0 {
		t.Fatal("no Retry-After")
	}
	// Every wrong code is in the audit log.
	events, err := f.svc.AuditEvents(ctx, f.admin, gatehouse.AuditFilter{Action: "user.second_factor_failed", TargetID: u.ID, Limit: 100})
	if err != nil || len(events) != failures {
		t.Fatalf("%d failure events (%v), want %d", len(events), err, failures)
	}
	clk.Advance(service.DefaultThrottle().SignInWindow)
	if _, _, err := f.svc.CompleteSignIn(ctx, f.secondStep(u, "10.2.0.1:1").Token, codeAt(t, secret, clk.Now()), "10.2.0.1:1", "test"); err != nil {
		t.Fatal(err)
	}
}

func TestPolicySendsUncoveredUsersThroughEnrolment(t *testing.T) {
	f := newFixture(t, "facilities")
	clk := f.fakeClock()
	ctx := context.Background()
	fac, _, err := f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: "Depot"})
	if err != nil {
		t.Fatal(err)
	}
	worker := f.activeUser(f.admin, service.UserInput{FirstName: "W", LastName: "Orker", Email: "w@acme.test",
		Permissions: []string{"work_orders.view"}, FacilityIDs: []string{fac.ID}})
	admin := f.activeUser(f.admin, service.UserInput{FirstName: "A", LastName: "Dmin", Email: "a@acme.test",
		Permissions: []string{"users.view"}, FacilityIDs: []string{fac.ID}})

	// Only manage_security sets the policy.
	_, err = f.svc.SetMFAPolicy(ctx, gatehouse.Actor{OrgID: admin.OrgID, UserID: admin.ID}, gatehouse.MFAPolicyAll)
	wantCode(t, err, gatehouse.EFORBIDDEN)
	_, err = f.svc.SetMFAPolicy(ctx, f.admin, "sometimes")
	wantCode(t, err, gatehouse.EINVALID)
	if _, err := f.svc.SetMFAPolicy(ctx, f.admin, gatehouse.MFAPolicyAdmins); err != nil {
		t.Fatal(err)
	}
	if p, err := f.svc.MFAPolicy(ctx, f.admin); err != nil || p != gatehouse.MFAPolicyAdmins {
		t.Fatalf("policy %q (%v)", p, err)
	}

	// The worker holds no admin operation: a session at once.
	if _, _, err := f.svc.SignIn(ctx, "", worker.Email, testPassword, "10.0.0.1:1", "test"); err != nil {
		t.Fatal(err)
	}
	// The admin enrols before any session exists.
	need := f.secondStep(admin, "10.0.0.1:1")
	if !need.Enrol || len(need.Methods) != 0 {
		t.Fatalf("enrol %v methods %v", need.Enrol, need.Methods)
	}
	_, _, err = f.svc.CompleteSignIn(ctx, need.Token, "123456", "10.0.0.1:1", "test")
	wantCode(t, err, gatehouse.EINVALID) // nothing to check a code against
	e, err := f.svc.BeginSignInTOTP(ctx, need.Token)
	if err != nil {
		t.Fatal(err)
	}
	_, session, enrolled, err := f.svc.CompleteSignInEnrolment(ctx, need.Token, codeAt(t, e.Secret, clk.Now()), "10.0.0.1:1", "test")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(session.AMR, []string{"pwd", "otp", "mfa"}) || len(enrolled.RecoveryCodes) != service.RecoveryCodeCount {
		t.Fatalf("amr %v, %d recovery codes", session.AMR, len(enrolled.RecoveryCodes))
	}
	// Everyone, now.
	if _, err := f.svc.SetMFAPolicy(ctx, f.admin, gatehouse.MFAPolicyAll); err != nil {
		t.Fatal(err)
	}
	if need := f.secondStep(worker, "10.0.0.1:1"); !need.Enrol {
		t.Fatal("the policy for everyone does not cover the worker")
	}
}

func TestAdminResetNeedsCoverOverTheAccount(t *testing.T) {
	f := newFixture(t, "facilities")
	clk := f.fakeClock()
	ctx := context.Background()
	fac, _, err := f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: "Depot"})
	if err != nil {
		t.Fatal(err)
	}
	limited := f.activeUser(f.admin, service.UserInput{FirstName: "L", LastName: "Imited", Email: "l@acme.test",
		Permissions: []string{"users.view", "users.edit"}, FacilityIDs: []string{fac.ID}})
	covered := f.activeUser(f.admin, service.UserInput{FirstName: "C", LastName: "Overed", Email: "c@acme.test",
		Permissions: []string{"users.view"}, FacilityIDs: []string{fac.ID}})
	beyond := f.activeUser(f.admin, service.UserInput{FirstName: "B", LastName: "Eyond", Email: "b@acme.test",
		Permissions: []string{"users.view", "users.delete"}, FacilityIDs: []string{fac.ID}})
	for _, u := range []*gatehouse.User{covered, beyond} {
		f.enrolTOTP(clk, u)
	}
	limitedActor := gatehouse.Actor{OrgID: limited.OrgID, UserID: limited.ID}

	_, err = f.svc.ResetFactors(ctx, limitedActor, beyond.ID)
	wantCode(t, err, gatehouse.EFORBIDDEN)
	if factors, _, _ := f.svc.UserFactors(ctx, f.admin, beyond.ID); len(factors) != 1 {
		t.Fatalf("a refused reset left %d factors", len(factors))
	}
	if _, err := f.svc.ResetFactors(ctx, limitedActor, covered.ID); err != nil {
		t.Fatal(err)
	}
	if factors, codes, _ := f.svc.UserFactors(ctx, f.admin, covered.ID); len(factors) != 0 || codes != 0 {
		t.Fatalf("after the reset: %d factors, %d recovery codes", len(factors), codes)
	}
	// A password alone signs the covered user in again.
	if _, _, err := f.svc.SignIn(ctx, "", covered.Email, testPassword, "10.0.0.1:1", "test"); err != nil {
		t.Fatal(err)
	}
	events, err := f.svc.AuditEvents(ctx, f.admin, gatehouse.AuditFilter{Action: "user.factors_reset", TargetID: covered.ID, Limit: 10})
	if err != nil || len(events) != 1 || events[0].ActorID != limited.ID {
		t.Fatalf("audit: %v (%v)", events, err)
	}
	_, err = f.svc.ResetFactors(ctx, f.admin, f.admin.UserID)
	wantCode(t, err, gatehouse.EINVALID)
}

func TestRemovingAFactorNeedsThePassword(t *testing.T) {
	f := newFixture(t, "facilities")
	clk := f.fakeClock()
	ctx := context.Background()
	u := f.member("mo@acme.test")
	secret, _ := f.enrolTOTP(clk, u)
	actor := gatehouse.Actor{OrgID: u.OrgID, UserID: u.ID}
	factors, _, err := f.svc.Factors(ctx, actor)
	if err != nil || len(factors) != 1 || factors[0].Secret != "" || factors[0].Name != "Phone" {
		t.Fatalf("factors %+v (%v)", factors, err)
	}
	err = f.svc.RemoveFactor(ctx, actor, factors[0].ID, "wrong password", "10.0.0.1:1")
	wantCode(t, err, gatehouse.EINVALID)
	// A current code is no proof: the session alone may enrol an app.
	clk.Advance(30 * time.Second)
	err = f.svc.RemoveFactor(ctx, actor, factors[0].ID, codeAt(t, secret, clk.Now()), "10.0.0.1:1")
	wantCode(t, err, gatehouse.EINVALID)
	if err := f.svc.RemoveFactor(ctx, actor, factors[0].ID, testPassword, "10.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	if factors, codes, _ := f.svc.Factors(ctx, actor); len(factors) != 0 || codes != 0 {
		t.Fatalf("after removing the last factor: %d factors, %d codes", len(factors), codes)
	}
	// Enrolled again, and removed with the password.
	f.enrolTOTP(clk, u)
	factors, _, _ = f.svc.Factors(ctx, actor)
	if err := f.svc.RemoveFactor(ctx, actor, factors[0].ID, testPassword, "10.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
}
