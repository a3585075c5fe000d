package service_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/service"
)

// Attacks on issue 12's promises by a limited admin or an anonymous
// caller. Each test fails while the break it shows is open.

// attackOrg: a facilities organization with F1 and F2; L, a limited admin,
// holds users.view, users.create, users.edit and work_orders.view at both.
type attackOrg struct {
	*fixture
	ctx    context.Context
	f1, f2 string
	l      gatehouse.Actor
}

func newAttackOrg(t *testing.T) *attackOrg {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	a := &attackOrg{fixture: f, ctx: ctx}
	for i, p := range []*string{&a.f1, &a.f2} {
		fac, _, err := f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: []string{"F1", "F2"}[i]})
		if err != nil {
			t.Fatal(err)
		}
		*p = fac.ID
	}
	l := f.activeUser(f.admin, service.UserInput{FirstName: "Lee", LastName: "Limited", Email: "lee@acme.test",
		Permissions: []string{"users.view", "users.create", "users.edit", "work_orders.view"}, FacilityIDs: []string{a.f1, a.f2}})
	a.l = gatehouse.Actor{OrgID: f.org.Org.ID, UserID: l.ID}
	return a
}

// A deactivated user counts as holding nothing, so a limited admin's edit
// of their access is not judged on its effect: L (without
// work_orders.delete) assigns F2 to T, who holds work_orders.delete at F1
// and is inactive. Had T been active, the same write would be refused
// (escalation: T would gain work_orders.delete at F2). When a full-access
// admin later restores T, T holds work_orders.delete at F2 — a pair T never
// held, put there by an actor who does not hold it. The write should be
// judged as if T were active, as for an invited user.
func TestAttack_EditOfAnInactiveUserSwitchedOnByReactivation(t *testing.T) {
	a := newAttackOrg(t)
	deleters := must[*gatehouse.Group](t)(func() (*gatehouse.Group, error) {
		g, _, err := a.svc.CreateGroup(a.ctx, a.admin, service.GroupInput{Name: "Deleters", Permissions: []string{"work_orders.delete"}})
		return g, err
	}())
	target := a.activeUser(a.admin, service.UserInput{FirstName: "Tia", LastName: "Target", Email: "tia@acme.test",
		GroupIDs: []string{deleters.ID}, FacilityIDs: []string{a.f1}})

	// Control: while T is active, L cannot do it.
	both := []string{a.f1, a.f2}
	_, _, err := a.svc.UpdateUser(a.ctx, a.l, target.ID, service.UserPatch{FacilityIDs: &both})
	wantCode(t, err, gatehouse.EFORBIDDEN)

	if _, _, err := a.svc.DeactivateUser(a.ctx, a.admin, target.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = a.svc.UpdateUser(a.ctx, a.l, target.ID, service.UserPatch{FacilityIDs: &both})
	if err == nil {
		// The full-access admin restores T as they were, as they think.
		if _, _, err := a.svc.ActivateUser(a.ctx, a.admin, target.ID); err != nil {
			t.Fatal(err)
		}
		if x := a.check(target.ID, "work_orders.delete", authz.Resource{FacilityID: a.f2}); x.Allowed {
			t.Fatalf("L, without work_orders.delete, set up T to hold it at F2 while T was inactive; reactivation switched it on (%s)", x.Message)
		}
	}
	wantCode(t, err, gatehouse.EFORBIDDEN)
}

// The same with a licence raise (finding 2 on an inactive user): L raises a
// deactivated user's licence, switching on their group's permissions above
// the old licence, which L does not hold. Active, the raise is refused.
func TestAttack_LicenceRaiseOfAnInactiveUserSwitchedOnByReactivation(t *testing.T) {
	f := newFixture(t, "compliance")
	ctx := context.Background()
	hq := must[*gatehouse.Facility](t)(func() (*gatehouse.Facility, error) {
		fac, _, err := f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: "HQ"})
		return fac, err
	}())
	admins := must[*gatehouse.Group](t)(func() (*gatehouse.Group, error) {
		g, _, err := f.svc.CreateGroup(ctx, f.admin, service.GroupInput{Name: "User admins", Permissions: []string{"admin.manage_users"}})
		return g, err
	}())
	above := must[*gatehouse.Group](t)(func() (*gatehouse.Group, error) {
		g, _, err := f.svc.CreateGroup(ctx, f.admin, service.GroupInput{Name: "Doers", Permissions: []string{"create.add_assets", "communications.notify_all_users"}})
		return g, err
	}())
	l := f.activeUser(f.admin, service.UserInput{FirstName: "Lee", LastName: "Limited", Email: "lee@acme.test",
		Licence: "action", GroupIDs: []string{admins.ID}, FacilityIDs: []string{hq.ID}})
	lead := gatehouse.Actor{OrgID: f.org.Org.ID, UserID: l.ID}
	t2 := f.activeUser(f.admin, service.UserInput{FirstName: "Tad", LastName: "Two", Email: "tad@acme.test",
		Licence: "read_report", GroupIDs: []string{above.ID}, FacilityIDs: []string{hq.ID}})
	action := "action"
	_, _, err := f.svc.UpdateUser(ctx, lead, t2.ID, service.UserPatch{Licence: &action})
	wantCode(t, err, gatehouse.EFORBIDDEN) // control: refused while active

	if _, _, err := f.svc.DeactivateUser(ctx, f.admin, t2.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.UpdateUser(ctx, lead, t2.ID, service.UserPatch{Licence: &action})
	if err == nil {
		if _, _, err := f.svc.ActivateUser(ctx, f.admin, t2.ID); err != nil {
			t.Fatal(err)
		}
		if x := f.check(t2.ID, "create.add_assets", authz.Resource{FacilityID: hq.ID}); x.Allowed {
			t.Fatalf("L raised an inactive user's licence, switching on create.add_assets, which L does not hold, once reactivated (%s)", x.Message)
		}
	}
	wantCode(t, err, gatehouse.EFORBIDDEN)
}

// Cover is judged when L asks for the email change, not when it takes
// effect. L changes the email of T, whose access is within L's, to an
// address L holds: allowed, and pending. A full-access admin then gives T
// full access (T's account shows its old, verified email). L follows the
// verification link: T's email is now L's address, and a password reset
// mailed there gives L a full-access account. Confirming a pending change
// should be refused (or the change dropped) once the user's access is no
// longer within that of whoever asked for it.
func TestAttack_PendingEmailOutlivesCover(t *testing.T) {
	a := newAttackOrg(t)
	mb := a.mailbox()
	target := a.activeUser(a.admin, service.UserInput{FirstName: "Tom", LastName: "Target", Email: "tom@acme.test",
		Permissions: []string{"work_orders.view"}, FacilityIDs: []string{a.f1}})
	mb.receive()
	evil := "attacker@evil.test"
	if _, _, err := a.svc.UpdateUser(a.ctx, a.l, target.ID, service.UserPatch{Email: &evil}); err != nil {
		t.Fatal(err) // T is within L's access: allowed
	}
	verify := mb.emailChanged("tom@acme.test", evil)

	full := true
	if _, _, err := a.svc.UpdateUser(a.ctx, a.admin, target.ID, service.UserPatch{FullAccess: &full}); err != nil {
		t.Fatal(err)
	}
	_, _, err := a.svc.ConfirmEmail(a.ctx, verify.Token)
	if err == nil && a.getUser(target.ID).Email == evil {
		if err := a.svc.RequestPasswordReset(from("203.0.113.9:1"), evil); err != nil {
			t.Fatal(err)
		}
		reset := mb.one(evil, "/reset-password")
		if err := a.svc.ResetPassword(a.ctx, reset.Token, "attacker owns this now"); err != nil {
			t.Fatal(err)
		}
		a.signIn(evil, "attacker owns this now", "203.0.113.9:2")
		t.Fatalf("L took over T, who has full access since, through an email change L asked for while T was within L's access")
	}
}

// Anyone can stop a user from resetting a forgotten password for an hour:
// five requests for the victim's email, from addresses of the attacker's
// choosing, exhaust the per-email limit, and the victim's own request, from
// their own address, is refused. (Sign-in throttles were made per pair so
// that they "cannot be turned against users"; the reset throttle can.)
func TestAttack_AnyoneCanBlockAVictimsPasswordReset(t *testing.T) {
	f := newFixture(t, "facilities")
	mb := f.mailbox()
	f.activeUser(f.admin, service.UserInput{FirstName: "Vic", LastName: "Victim", Email: "vic@acme.test"})
	mb.receive()
	for i := range 5 {
		if err := f.svc.RequestPasswordReset(from("198.51.100."+string(rune('1'+i))+":1"), "VIC@acme.test"); err != nil {
			t.Fatalf("attacker's request %d: %v", i, err)
		}
	}
	mb.receive()
	if err := f.svc.RequestPasswordReset(from("192.0.2.77:1"), "vic@acme.test"); err != nil {
		t.Fatalf("the victim's own reset request, from their own address, is refused after an attacker's five: %v", err)
	}
}
