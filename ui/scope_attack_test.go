package ui_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// TestALimitedAdminsFormsCannotReachUsersOutsideTheirFacilities posts, from
// the signed-in browser of an admin without full access, every user form
// of the web UI at a user who shares none of their facilities (and at an
// invited one): "They see and manage only users who share one of their
// facilities; others are 'not found'" (docs/security.md §3) must hold for
// the cookie-and-form routes as it does for the API. No answer names the
// outsider, and the outsider is exactly as before.
func TestALimitedAdminsFormsCannotReachUsersOutsideTheirFacilities(t *testing.T) {
	e := newEnv(t, "facilities")
	f1, f2 := e.facility("F1"), e.facility("F2")
	staff := e.group("Staff", "work_orders.view")
	e.activeUser("Lee", "Lead", "lee@acme.test", service.UserInput{
		Permissions: []string{"users.view", "users.create", "users.edit", "users.delete", "work_orders.view"}, FacilityIDs: []string{f1.ID}})
	out := e.activeUser("Otto", "Outsider", "otto@acme.test", service.UserInput{GroupIDs: []string{staff.ID}, FacilityIDs: []string{f2.ID}})
	inv, err := e.svc.InviteUser(e.ctx, e.admin, service.UserInput{FirstName: "Ivy", LastName: "Invitee", Email: "ivy@acme.test", FacilityIDs: []string{f2.ID}})
	if err != nil {
		t.Fatal(err)
	}
	invited := inv.User
	before, err := e.svc.GetUser(e.ctx, e.admin, out.ID)
	if err != nil {
		t.Fatal(err)
	}
	sessions := func() int {
		var n int
		err := e.db.View(e.ctx, func(tx gatehouse.Tx) error {
			s, err := tx.FindSessions(e.org.Org.ID, out.ID)
			n = len(s)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, _, err := e.svc.SignIn(e.ctx, "", "otto@acme.test", password, "192.0.2.9:1", "test"); err != nil {
		t.Fatal(err)
	}
	lead := e.signIn("lee@acme.test")

	for _, p := range []struct {
		path string
		form url.Values
	}{
		{"/users/" + out.ID, url.Values{"first_name": {"Mallory"}, "last_name": {"Outsider"}, "email": {"mallory@evil.test"}}},
		{"/users/" + out.ID + "/deactivate", nil},
		{"/users/" + out.ID + "/delete", nil},
		{"/users/" + out.ID + "/reset-mfa", nil},
		{"/users/" + out.ID + "/sign-out-everywhere", nil},
		{"/users/" + out.ID + "/resend-verification", nil},
		{"/users/" + invited.ID + "/regenerate-invite", nil},
		{"/users/" + out.ID + "/grants", url.Values{"op": {"end"}, "grant_id": {"group:" + staff.ID}}},
		{"/users/" + out.ID + "/grants", url.Values{"op": {"extend"}, "grant_id": {"group:" + staff.ID}, "ends_on": {"2030-01-01"}}},
		{"/users/" + out.ID + "/site-roles", url.Values{"site_group_id": {staff.ID}, "site_facility_ids": {f1.ID}}},
		{"/groups/" + staff.ID + "/members", url.Values{"user_id": {out.ID}}},
		{"/groups/" + staff.ID + "/members", url.Values{"member": {"otto@acme.test"}}},
		{"/groups/" + staff.ID + "/members/" + out.ID + "/remove", nil},
		{"/users/bulk", url.Values{"action": {"deactivate"}, "user_id": {out.ID}, "step": {"confirm"}}},
		{"/invitations/resend", url.Values{"user_id": {invited.ID}}},
	} {
		res := lead.post(p.path, p.form)
		if res.status >= 200 && res.status < 300 && strings.Contains(res.body, "Otto") {
			t.Errorf("POST %s: %d at %s names the outsider", p.path, res.status, res.url)
		}
	}
	after, err := e.svc.GetUser(e.ctx, e.admin, out.ID)
	if err != nil {
		t.Fatalf("the outsider after the lead's posts: %v", err)
	}
	if after.Status != before.Status || after.FirstName != before.FirstName || after.Email != before.Email ||
		len(after.GroupIDs) != 1 || len(after.Permissions) != 0 || after.PendingEmail != "" || len(after.SiteRoles) != 0 || len(after.Bounds) != 0 {
		t.Errorf("the outsider changed: %+v → %+v", before, after)
	}
	if n := sessions(); n != 1 {
		t.Errorf("the outsider's sessions: %d, want 1", n)
	}
	if _, err := e.svc.InvitationPreview(e.ctx, inv.Token); err != nil {
		t.Errorf("the invitee's first link stopped working: %v", err)
	}
}
