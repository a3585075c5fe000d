package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// invitedIDs lists the ids of the actor's users in an invitation state.
func (f *fixture) invitedIDs(actor gatehouse.Actor, state string) []string {
	f.t.Helper()
	users, err := f.svc.ListUsers(context.Background(), actor, gatehouse.UserFilter{Status: gatehouse.StatusInvited, Invitation: state})
	if err != nil {
		f.t.Fatal(err)
	}
	ids := []string{}
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	return ids
}

// Invitations expire on the service's clock, with no write: the list
// filter follows the clock, and resending makes an expired one pending.
func TestListUsers_InvitationExpiresOnTheClock(t *testing.T) {
	f := newFixture(t, "facilities")
	clk := f.fakeClock()
	f.reconfigure(func(c *service.Config) { c.InviteTTL = 48 * time.Hour })
	ctx := context.Background()
	old, err := f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "Olga", LastName: "Old", Email: "olga@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(24 * time.Hour)
	fresh, err := f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "Fred", LastName: "Fresh", Email: "fred@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.invitedIDs(f.admin, gatehouse.InvitationExpired); len(got) != 0 {
		t.Fatalf("expired before any TTL passed: %v", got)
	}
	clk.Advance(24 * time.Hour) // Olga's 48 hours are up, Fred's are not
	if got := f.invitedIDs(f.admin, gatehouse.InvitationExpired); len(got) != 1 || got[0] != old.User.ID {
		t.Fatalf("expired = %v, want Olga only", got)
	}
	if got := f.invitedIDs(f.admin, gatehouse.InvitationPending); len(got) != 1 || got[0] != fresh.User.ID {
		t.Fatalf("pending = %v, want Fred only", got)
	}
	if got := f.invitedIDs(f.admin, gatehouse.InvitationOpen); len(got) != 2 {
		t.Fatalf("open = %v, want both", got)
	}
	// Resent, Olga's invitation is pending again, with a new expiry.
	users, _, err := f.svc.ResendInvitations(ctx, f.admin, []string{old.User.ID})
	if err != nil {
		t.Fatal(err)
	}
	if inv := users[0].Invitation; inv.State(clk.Now()) != "pending" || !inv.ExpiresAt.Equal(clk.Now().Add(48*time.Hour)) {
		t.Fatalf("resent invitation %+v", inv)
	}
	if got := f.invitedIDs(f.admin, gatehouse.InvitationExpired); len(got) != 0 {
		t.Fatalf("expired after resending = %v", got)
	}
	_, err = f.svc.ListUsers(ctx, f.admin, gatehouse.UserFilter{Invitation: "stale"})
	if e := wantCode(t, err, gatehouse.EINVALID); e.Field != "invitation" {
		t.Fatalf("field %q", e.Field)
	}
}

// Resending many is all or nothing: a limited admin's request naming one
// user outside their reach sends nothing and records nothing; within their
// reach each user gets a new invitation and an audit event.
func TestResendInvitations_AllOrNothing(t *testing.T) {
	a := newAttackOrg(t)
	f := a.fixture
	invite := func(email string, in service.UserInput) *gatehouse.User {
		in.FirstName, in.LastName, in.Email = "I", "Nvited", email
		inv, err := f.svc.InviteUser(a.ctx, f.admin, in)
		if err != nil {
			t.Fatal(err)
		}
		return inv.User
	}
	mine1 := invite("one@acme.test", service.UserInput{Permissions: []string{"users.view"}, FacilityIDs: []string{a.f1}})
	mine2 := invite("two@acme.test", service.UserInput{FacilityIDs: []string{a.f2}})
	boss := invite("boss@acme.test", service.UserInput{FullAccess: true, FacilityIDs: []string{a.f1}})
	before := map[string]string{}
	for _, u := range []*gatehouse.User{mine1, mine2, boss} {
		before[u.ID] = f.getUser(u.ID).Invitation.ID
	}
	events := f.eventCount()

	_, _, err := f.svc.ResendInvitations(a.ctx, a.l, []string{mine1.ID, boss.ID, mine2.ID})
	if err == nil {
		t.Fatal("a limited admin resent the invitation of a full-access user")
	}
	if e := wantCode(t, err, gatehouse.EFORBIDDEN); e.Reason != "target_full_access" {
		t.Fatalf("reason %q", e.Reason)
	}
	for id, inv := range before {
		if got := f.getUser(id).Invitation.ID; got != inv {
			t.Fatalf("user %s got a new invitation from a refused request", id)
		}
	}
	if f.eventCount() != events {
		t.Fatal("a refused request left audit events")
	}

	users, _, err := f.svc.ResendInvitations(a.ctx, a.l, []string{mine2.ID, mine1.ID, mine2.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].ID != mine2.ID || users[1].ID != mine1.ID {
		t.Fatalf("resent to %v", users)
	}
	for _, u := range users {
		if f.getUser(u.ID).Invitation.ID == before[u.ID] {
			t.Fatalf("user %s kept the old invitation", u.ID)
		}
	}
	if got := f.eventCount(); got != events+2 {
		t.Fatalf("%d audit events, want one per user", got-events)
	}
	if e := f.lastEvent(); e.Action != "user.invitation_regenerated" {
		t.Fatalf("audit action %q", e.Action)
	}

	// An active user has no invitation to resend: a conflict, nothing sent.
	_, _, err = f.svc.ResendInvitations(a.ctx, f.admin, []string{mine1.ID, f.org.Admin.ID})
	wantCode(t, err, gatehouse.ECONFLICT)
	_, _, err = f.svc.ResendInvitations(a.ctx, f.admin, nil)
	wantCode(t, err, gatehouse.EINVALID)
}
