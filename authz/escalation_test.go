package authz_test

import (
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// escalationOrg: usr_lead is a limited actor in grp_tech (work_orders.view_own,
// work_orders.edit, assets.view) with users.view and users.edit directly,
// assigned fac_1 and fac_2. usr_viewer holds work_orders.view.
func escalationOrg(tb testing.TB) gatehouse.AccessState {
	return gatehouse.AccessState{
		OrgID:      "org_a",
		Revision:   1,
		Catalog:    mustCatalog(tb, "facilities"),
		Facilities: []string{"fac_1", "fac_2", "fac_3"},
		Groups: []gatehouse.GroupAccess{
			{ID: "grp_tech", Permissions: []string{"work_orders.view_own", "work_orders.edit", "assets.view"}},
			{ID: "grp_small", Permissions: []string{"assets.view"}},
			{ID: "grp_manager", Permissions: []string{"work_orders.view", "work_orders.create", "reports.view", "assets.view"}},
			{ID: "grp_viewers", Permissions: []string{"work_orders.view", "users.edit"}},
		},
		Users: []gatehouse.UserAccess{
			lead(),
			tech(),
			{ID: "usr_far", Status: active, GroupIDs: []string{"grp_small"}, FacilityIDs: []string{"fac_3"}},
			{ID: "usr_unassigned", Status: invited},
			{ID: "usr_admin", Status: active, FullAccess: true},
			{ID: "usr_admin2", Status: active, FullAccess: true, FacilityIDs: []string{"fac_1"}},
			{ID: "usr_viewer", Status: active, GroupIDs: []string{"grp_viewers"}, FacilityIDs: []string{"fac_1"}},
			{ID: "usr_gone", Status: inactive, GroupIDs: []string{"grp_manager"}, FacilityIDs: []string{"fac_1"}, Permissions: []string{"users.edit"}},
			{ID: "usr_gone_admin", Status: inactive, FullAccess: true},
		},
	}
}

func lead() gatehouse.UserAccess {
	return gatehouse.UserAccess{ID: "usr_lead", Status: active, GroupIDs: []string{"grp_tech"}, Permissions: []string{"users.edit", "users.view"}, FacilityIDs: []string{"fac_1", "fac_2"}}
}

func tech() gatehouse.UserAccess {
	return gatehouse.UserAccess{ID: "usr_tech", Status: active, GroupIDs: []string{"grp_tech"}, FacilityIDs: []string{"fac_1"}}
}

func fullAdmin() gatehouse.UserAccess {
	return gatehouse.UserAccess{ID: "usr_admin2", Status: active, FullAccess: true, FacilityIDs: []string{"fac_1"}}
}

// with returns a copy of u changed by edit.
func with(u gatehouse.UserAccess, edit func(*gatehouse.UserAccess)) *gatehouse.UserAccess {
	u.GroupIDs = append([]string(nil), u.GroupIDs...)
	u.Permissions = append([]string(nil), u.Permissions...)
	u.FacilityIDs = append([]string(nil), u.FacilityIDs...)
	edit(&u)
	return &u
}

func ptr(u gatehouse.UserAccess) *gatehouse.UserAccess { return &u }

// usrX holds what usr_lead lacks (grp_manager, audit_logs.view) at fac_1,
// which usr_lead shares, and fac_3, which usr_lead lacks.
func usrX() *gatehouse.UserAccess {
	return &gatehouse.UserAccess{ID: "usr_x", Status: active, GroupIDs: []string{"grp_manager"}, Permissions: []string{"audit_logs.view"}, FacilityIDs: []string{"fac_1", "fac_3"}}
}

// A userChange is one write to one user: Before is nil for an invitation,
// After is nil for a deletion.
type userChange struct {
	Before *gatehouse.UserAccess
	After  *gatehouse.UserAccess
}

// judgeUser judges the write of one user by actor, as the service does: the
// snapshot after it against the snapshot before.
func judgeUser(snap *authz.Snapshot, actor string, ch userChange) error {
	var c gatehouse.AccessChange
	if ch.After != nil {
		c.Users = []gatehouse.UserAccess{*ch.After}
	} else {
		c.DeletedUsers = []string{ch.Before.ID}
	}
	return snap.Judge(actor, snap.Apply(c), authz.Write{Change: c})
}

// judgeGroup judges a group write by actor from before (nil: a new group)
// to after.
func judgeGroup(snap *authz.Snapshot, actor string, before, after []string) error {
	if before != nil {
		snap = snap.Apply(gatehouse.AccessChange{Groups: []gatehouse.GroupAccess{{ID: "grp_edited", Permissions: before}}})
	}
	c := gatehouse.AccessChange{Groups: []gatehouse.GroupAccess{{ID: "grp_edited", Permissions: after}}}
	return snap.Judge(actor, snap.Apply(c), authz.Write{Change: c})
}

// complianceEscalationOrg: usr_actor has licence action and may manage users.
func complianceEscalationOrg(tb testing.TB) gatehouse.AccessState {
	return gatehouse.AccessState{
		OrgID:      "org_c",
		Revision:   1,
		Catalog:    mustCatalog(tb, "compliance"),
		Facilities: []string{"fac_1"},
		Groups: []gatehouse.GroupAccess{
			{ID: "grp_admins", Permissions: []string{"admin.manage_users", "create.add_assets", "approve_own_close.approve_assets"}},
		},
		Users: []gatehouse.UserAccess{
			{ID: "usr_actor", Status: active, Licence: "action", GroupIDs: []string{"grp_admins"}, FacilityIDs: []string{"fac_1"}},
			reporter(),
		},
	}
}

func reporter() gatehouse.UserAccess {
	return gatehouse.UserAccess{ID: "usr_reporter", Status: active, Licence: "read_report", FacilityIDs: []string{"fac_1"}}
}

// wantForbidden asserts err is a forbidden *gatehouse.Error with reason, or
// nil when reason is "".
func wantForbidden(t *testing.T, err error, reason string) {
	t.Helper()
	if reason == "" {
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
		return
	}
	var e *gatehouse.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want forbidden %s", err, reason)
	}
	if e.Code != gatehouse.EFORBIDDEN || e.Reason != reason {
		t.Fatalf("err = %s/%s (%s), want forbidden/%s", e.Code, e.Reason, e.Message, reason)
	}
	if e.Message == "" {
		t.Error("forbidden without a message")
	}
}

// TestNoEscalationUserChanges has one row per no-escalation rule of the
// product brief, and the writes those rules leave allowed.
func TestNoEscalationUserChanges(t *testing.T) {
	fac := authz.Compile(escalationOrg(t))
	comp := authz.Compile(complianceEscalationOrg(t))
	tests := []struct {
		name   string
		snap   *authz.Snapshot
		actor  string
		change userChange
		reason string // "" when allowed
	}{
		// "they cannot set full access"
		{name: "limited actor cannot set full access", actor: "usr_lead",
			change: userChange{Before: ptr(tech()), After: with(tech(), func(u *gatehouse.UserAccess) { u.FullAccess = true })},
			reason: authz.EscalationFullAccess},
		{name: "limited actor cannot invite with full access", actor: "usr_lead",
			change: userChange{After: &gatehouse.UserAccess{ID: "usr_new", Status: invited, FullAccess: true, FacilityIDs: []string{"fac_1"}}},
			reason: authz.EscalationFullAccess},

		// "raise a licence above their own"
		{name: "limited actor cannot raise a licence above their own", snap: comp, actor: "usr_actor",
			change: userChange{Before: ptr(reporter()), After: with(reporter(), func(u *gatehouse.UserAccess) { u.Licence = "approval" })},
			reason: authz.EscalationLicence},
		{name: "limited actor cannot invite above their own licence", snap: comp, actor: "usr_actor",
			change: userChange{After: &gatehouse.UserAccess{ID: "usr_new", Status: invited, Licence: "approval", FacilityIDs: []string{"fac_1"}}},
			reason: authz.EscalationLicence},
		{name: "raising a licence up to the actor's own is allowed", snap: comp, actor: "usr_actor",
			change: userChange{Before: ptr(reporter()), After: with(reporter(), func(u *gatehouse.UserAccess) { u.Licence = "action" })}},
		{name: "lowering a licence is allowed", snap: comp, actor: "usr_actor",
			change: userChange{Before: ptr(reporter()), After: with(reporter(), func(u *gatehouse.UserAccess) { u.Licence = "external_auditor" })}},

		// "add a permission ... whose permissions they lack"
		{name: "limited actor cannot add a permission they lack", actor: "usr_lead",
			change: userChange{Before: ptr(tech()), After: with(tech(), func(u *gatehouse.UserAccess) { u.Permissions = []string{"reports.view"} })},
			reason: authz.EscalationPermission},
		{name: "holding view_own does not let the actor grant view", actor: "usr_lead",
			change: userChange{Before: ptr(tech()), After: with(tech(), func(u *gatehouse.UserAccess) { u.Permissions = []string{"work_orders.view"} })},
			reason: authz.EscalationPermission},
		{name: "limited actor cannot invite with a permission they lack", actor: "usr_lead",
			change: userChange{After: &gatehouse.UserAccess{ID: "usr_new", Status: invited, Permissions: []string{"users.delete"}, FacilityIDs: []string{"fac_1"}}},
			reason: authz.EscalationPermission},
		{name: "a permission the actor holds beyond their licence cannot be granted", snap: comp, actor: "usr_actor",
			change: userChange{Before: ptr(reporter()), After: with(reporter(), func(u *gatehouse.UserAccess) {
				u.Permissions = []string{"approve_own_close.approve_assets"}
			})},
			reason: authz.EscalationPermission},
		{name: "granting a permission the actor holds is allowed", actor: "usr_lead",
			change: userChange{Before: ptr(tech()), After: with(tech(), func(u *gatehouse.UserAccess) { u.Permissions = []string{"users.view", "assets.view"} })}},
		{name: "granting view_own when holding view is allowed", actor: "usr_viewer",
			change: userChange{Before: ptr(tech()), After: with(tech(), func(u *gatehouse.UserAccess) { u.Permissions = []string{"work_orders.view_own"} })}},
		{name: "granting a permission within the actor's licence is allowed", snap: comp, actor: "usr_actor",
			change: userChange{Before: ptr(reporter()), After: with(reporter(), func(u *gatehouse.UserAccess) { u.Permissions = []string{"create.add_assets"} })}},

		// "add ... a group whose permissions they lack"
		{name: "limited actor cannot add a group whose permissions they lack", actor: "usr_lead",
			change: userChange{Before: ptr(tech()), After: with(tech(), func(u *gatehouse.UserAccess) { u.GroupIDs = append(u.GroupIDs, "grp_manager") })},
			reason: authz.EscalationGroup},
		{name: "limited actor cannot invite into a group whose permissions they lack", actor: "usr_lead",
			change: userChange{After: &gatehouse.UserAccess{ID: "usr_new", Status: invited, GroupIDs: []string{"grp_viewers"}, FacilityIDs: []string{"fac_1"}}},
			reason: authz.EscalationGroup},
		{name: "a group with permissions beyond the actor's licence cannot be added", snap: comp, actor: "usr_actor",
			change: userChange{Before: ptr(reporter()), After: with(reporter(), func(u *gatehouse.UserAccess) { u.GroupIDs = []string{"grp_admins"} })},
			reason: authz.EscalationGroup},
		{name: "adding a group whose permissions the actor holds is allowed", actor: "usr_lead",
			change: userChange{Before: ptr(tech()), After: with(tech(), func(u *gatehouse.UserAccess) { u.GroupIDs = append(u.GroupIDs, "grp_small") })}},

		// "assign a facility they are not assigned to"
		{name: "limited actor cannot assign a facility they are not assigned to", actor: "usr_lead",
			change: userChange{Before: ptr(tech()), After: with(tech(), func(u *gatehouse.UserAccess) { u.FacilityIDs = append(u.FacilityIDs, "fac_3") })},
			reason: authz.EscalationFacility},
		{name: "limited actor cannot invite into a facility they are not assigned to", actor: "usr_lead",
			change: userChange{After: &gatehouse.UserAccess{ID: "usr_new", Status: invited, FacilityIDs: []string{"fac_1", "fac_3"}}},
			reason: authz.EscalationFacility},
		{name: "assigning a facility the actor is assigned to is allowed", actor: "usr_lead",
			change: userChange{Before: ptr(tech()), After: with(tech(), func(u *gatehouse.UserAccess) { u.FacilityIDs = append(u.FacilityIDs, "fac_2") })}},
		{name: "inviting into the actor's facility is allowed", actor: "usr_lead",
			change: userChange{After: &gatehouse.UserAccess{ID: "usr_new", Status: invited, GroupIDs: []string{"grp_tech"}, Permissions: []string{"users.view"}, FacilityIDs: []string{"fac_2"}}}},

		// "or change their own groups, permissions or access"
		{name: "limited actor cannot change their own groups", actor: "usr_lead",
			change: userChange{Before: ptr(lead()), After: with(lead(), func(u *gatehouse.UserAccess) { u.GroupIDs = append(u.GroupIDs, "grp_small") })},
			reason: authz.EscalationSelf},
		{name: "limited actor cannot leave their own groups", actor: "usr_lead",
			change: userChange{Before: ptr(lead()), After: with(lead(), func(u *gatehouse.UserAccess) { u.GroupIDs = nil })},
			reason: authz.EscalationSelf},
		{name: "limited actor cannot change their own permissions", actor: "usr_lead",
			change: userChange{Before: ptr(lead()), After: with(lead(), func(u *gatehouse.UserAccess) { u.Permissions = []string{"users.view"} })},
			reason: authz.EscalationSelf},
		{name: "limited actor cannot change their own facilities", actor: "usr_lead",
			change: userChange{Before: ptr(lead()), After: with(lead(), func(u *gatehouse.UserAccess) { u.FacilityIDs = []string{"fac_1"} })},
			reason: authz.EscalationSelf},
		{name: "limited actor cannot deactivate themselves", actor: "usr_lead",
			change: userChange{Before: ptr(lead()), After: with(lead(), func(u *gatehouse.UserAccess) { u.Status = inactive })},
			reason: authz.EscalationSelf},
		{name: "limited actor cannot delete themselves", actor: "usr_lead",
			change: userChange{Before: ptr(lead())},
			reason: authz.EscalationSelf},
		{name: "limited actor cannot change their own licence", snap: comp, actor: "usr_actor",
			change: userChange{
				Before: &gatehouse.UserAccess{ID: "usr_actor", Status: active, Licence: "action", GroupIDs: []string{"grp_admins"}, FacilityIDs: []string{"fac_1"}},
				After:  &gatehouse.UserAccess{ID: "usr_actor", Status: active, Licence: "read_report", GroupIDs: []string{"grp_admins"}, FacilityIDs: []string{"fac_1"}}},
			reason: authz.EscalationSelf},
		{name: "an edit of one's own profile that keeps access is allowed", actor: "usr_lead",
			change: userChange{Before: ptr(lead()), After: ptr(lead())}},

		// "Only a full-access user may edit, deactivate or delete a full-access user."
		{name: "limited actor cannot edit a full-access user", actor: "usr_lead",
			change: userChange{Before: ptr(fullAdmin()), After: with(fullAdmin(), func(u *gatehouse.UserAccess) { u.FacilityIDs = []string{"fac_1", "fac_2"} })},
			reason: authz.TargetFullAccess},
		{name: "limited actor cannot remove full access", actor: "usr_lead",
			change: userChange{Before: ptr(fullAdmin()), After: with(fullAdmin(), func(u *gatehouse.UserAccess) { u.FullAccess = false })},
			reason: authz.TargetFullAccess},
		{name: "limited actor cannot deactivate a full-access user", actor: "usr_lead",
			change: userChange{Before: ptr(fullAdmin()), After: with(fullAdmin(), func(u *gatehouse.UserAccess) { u.Status = inactive })},
			reason: authz.TargetFullAccess},
		{name: "limited actor cannot delete a full-access user", actor: "usr_lead",
			change: userChange{Before: ptr(fullAdmin())},
			reason: authz.TargetFullAccess},

		// Limited actors manage only the users of their facilities.
		{name: "limited actor cannot edit a user outside their facilities", actor: "usr_lead",
			change: userChange{
				Before: &gatehouse.UserAccess{ID: "usr_far", Status: active, GroupIDs: []string{"grp_small"}, FacilityIDs: []string{"fac_3"}},
				After:  &gatehouse.UserAccess{ID: "usr_far", Status: active, FacilityIDs: []string{"fac_3"}}},
			reason: authz.UserOutOfScope},
		{name: "limited actor cannot delete a user outside their facilities", actor: "usr_lead",
			change: userChange{Before: &gatehouse.UserAccess{ID: "usr_far", Status: active, GroupIDs: []string{"grp_small"}, FacilityIDs: []string{"fac_3"}}},
			reason: authz.UserOutOfScope},
		{name: "limited actor cannot edit a user without facilities", actor: "usr_lead",
			change: userChange{Before: &gatehouse.UserAccess{ID: "usr_unassigned", Status: invited}, After: &gatehouse.UserAccess{ID: "usr_unassigned", Status: invited, FacilityIDs: []string{"fac_1"}}},
			reason: authz.UserOutOfScope},

		// The actor must be active.
		{name: "inactive actor can change nothing", actor: "usr_gone",
			change: userChange{Before: ptr(tech()), After: with(tech(), func(u *gatehouse.UserAccess) { u.Status = inactive })},
			reason: authz.ActorInactive},
		{name: "inactive full-access actor can change nothing", actor: "usr_gone_admin",
			change: userChange{Before: ptr(tech()), After: with(tech(), func(u *gatehouse.UserAccess) { u.Status = inactive })},
			reason: authz.ActorInactive},
		{name: "unknown actor can change nothing", actor: "usr_b",
			change: userChange{Before: ptr(tech()), After: with(tech(), func(u *gatehouse.UserAccess) { u.Status = inactive })},
			reason: authz.ActorInactive},

		// Removing is allowed.
		{name: "removing permissions, groups and facilities the actor lacks is allowed", actor: "usr_lead",
			change: userChange{
				Before: &gatehouse.UserAccess{ID: "usr_x", Status: active, GroupIDs: []string{"grp_manager", "grp_tech"}, Permissions: []string{"reports.view", "audit_logs.view"}, FacilityIDs: []string{"fac_1", "fac_3"}},
				After:  &gatehouse.UserAccess{ID: "usr_x", Status: active, GroupIDs: []string{"grp_tech"}, FacilityIDs: []string{"fac_1"}}}},
		{name: "keeping what the actor lacks while changing something else is allowed", actor: "usr_lead", snap: fac.Apply(gatehouse.AccessChange{Users: []gatehouse.UserAccess{*usrX()}}),
			change: userChange{Before: usrX(), After: with(*usrX(), func(u *gatehouse.UserAccess) { u.GroupIDs = append(u.GroupIDs, "grp_small") })}},
		{name: "taking away what the actor lacks is allowed", actor: "usr_lead", snap: fac.Apply(gatehouse.AccessChange{Users: []gatehouse.UserAccess{*usrX()}}),
			change: userChange{Before: usrX(), After: with(*usrX(), func(u *gatehouse.UserAccess) { u.Permissions = nil; u.FacilityIDs = []string{"fac_1"} })}},
		{name: "extending what the actor lacks to one of the actor's facilities is refused by its effect", actor: "usr_lead", snap: fac.Apply(gatehouse.AccessChange{Users: []gatehouse.UserAccess{*usrX()}}),
			change: userChange{Before: usrX(), After: with(*usrX(), func(u *gatehouse.UserAccess) { u.FacilityIDs = append(u.FacilityIDs, "fac_2") })},
			reason: authz.Escalation},
		{name: "deactivating a user in the actor's facilities is allowed", actor: "usr_lead",
			change: userChange{Before: ptr(tech()), After: with(tech(), func(u *gatehouse.UserAccess) { u.Status = inactive })}},
		{name: "deleting a user in the actor's facilities is allowed", actor: "usr_lead",
			change: userChange{Before: ptr(tech())}},

		// A full-access actor may do everything.
		{name: "full-access actor can set full access", actor: "usr_admin",
			change: userChange{Before: ptr(tech()), After: with(tech(), func(u *gatehouse.UserAccess) { u.FullAccess = true })}},
		{name: "full-access actor can grant any permission, group and facility", actor: "usr_admin",
			change: userChange{Before: ptr(tech()), After: with(tech(), func(u *gatehouse.UserAccess) {
				u.Permissions = []string{"audit_logs.view", "users.delete"}
				u.GroupIDs = []string{"grp_manager", "grp_viewers"}
				u.FacilityIDs = []string{"fac_3"}
			})}},
		{name: "full-access actor can edit a full-access user", actor: "usr_admin",
			change: userChange{Before: ptr(fullAdmin()), After: with(fullAdmin(), func(u *gatehouse.UserAccess) { u.FullAccess = false })}},
		{name: "full-access actor can delete a full-access user", actor: "usr_admin",
			change: userChange{Before: ptr(fullAdmin())}},
		{name: "full-access actor can edit users outside every facility", actor: "usr_admin",
			change: userChange{Before: &gatehouse.UserAccess{ID: "usr_unassigned", Status: invited}, After: &gatehouse.UserAccess{ID: "usr_unassigned", Status: invited, GroupIDs: []string{"grp_small"}}}},
		{name: "full-access actor can invite without facilities", actor: "usr_admin",
			change: userChange{After: &gatehouse.UserAccess{ID: "usr_new", Status: invited, FullAccess: true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := tc.snap
			if snap == nil {
				snap = fac
			}
			wantForbidden(t, judgeUser(snap, tc.actor, tc.change), tc.reason)
		})
	}
}

// A limited actor invites only into their own facilities: without one the
// invitation is invalid (the facility_ids field is at fault), not forbidden.
func TestNoEscalationInviteNeedsActorFacility(t *testing.T) {
	snap := authz.Compile(escalationOrg(t))
	err := judgeUser(snap, "usr_lead", userChange{After: &gatehouse.UserAccess{ID: "usr_new", Status: invited, GroupIDs: []string{"grp_small"}}})
	var e *gatehouse.Error
	if !errors.As(err, &e) || e.Code != gatehouse.EINVALID || e.Field != "facility_ids" {
		t.Fatalf("err = %v, want invalid facility_ids", err)
	}
}

func TestNoEscalationGroupChanges(t *testing.T) {
	fac := authz.Compile(escalationOrg(t))
	comp := authz.Compile(complianceEscalationOrg(t))
	tests := []struct {
		name          string
		snap          *authz.Snapshot
		actor         string
		before, after []string
		reason        string
	}{
		{name: "limited actor cannot put a permission they lack into a group", actor: "usr_lead",
			before: []string{"assets.view"}, after: []string{"assets.view", "reports.view"}, reason: authz.EscalationPermission},
		{name: "limited actor cannot create a group with a permission they lack", actor: "usr_lead",
			after: []string{"audit_logs.view"}, reason: authz.EscalationPermission},
		{name: "holding view_own does not let the actor put view into a group", actor: "usr_lead",
			after: []string{"work_orders.view"}, reason: authz.EscalationPermission},
		{name: "a permission beyond the actor's licence cannot go into a group", snap: comp, actor: "usr_actor",
			after: []string{"approve_own_close.approve_assets"}, reason: authz.EscalationPermission},
		{name: "inactive actor cannot change groups", actor: "usr_gone",
			after: []string{"assets.view"}, reason: authz.ActorInactive},
		{name: "putting permissions the actor holds into a group is allowed", actor: "usr_lead",
			before: []string{"assets.view"}, after: []string{"assets.view", "work_orders.edit", "users.edit"}},
		{name: "putting view_own into a group when holding view is allowed", actor: "usr_viewer",
			after: []string{"work_orders.view_own"}},
		{name: "removing permissions the actor lacks is allowed", actor: "usr_lead",
			before: []string{"reports.view", "audit_logs.view", "assets.view"}, after: []string{"assets.view"}},
		{name: "keeping permissions the actor lacks while adding held ones is allowed", actor: "usr_lead",
			before: []string{"reports.view"}, after: []string{"reports.view", "assets.view"}},
		{name: "full-access actor can put anything into a group", actor: "usr_admin",
			after: []string{"audit_logs.view", "users.delete", "work_orders.view"}},
		{name: "within the licence is allowed", snap: comp, actor: "usr_actor",
			after: []string{"admin.manage_users", "create.add_assets"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := tc.snap
			if snap == nil {
				snap = fac
			}
			wantForbidden(t, judgeGroup(snap, tc.actor, tc.before, tc.after), tc.reason)
		})
	}
}

// CanManage: full-access actors manage everyone, others themselves and the
// users sharing one of their facilities. CheckUserChange's user_out_of_scope
// agrees with it.
func TestCanManage(t *testing.T) {
	st := escalationOrg(t)
	snap := authz.Compile(st)
	tests := []struct {
		name          string
		actor, target string
		want          bool
	}{
		{"full-access actor manages a user in no facility", "usr_admin", "usr_unassigned", true},
		{"full-access actor manages another full-access user", "usr_admin", "usr_admin2", true},
		{"limited actor manages themselves", "usr_lead", "usr_lead", true},
		{"limited actor manages a user sharing a facility", "usr_lead", "usr_tech", true},
		{"limited actor sees a full-access user sharing a facility", "usr_lead", "usr_admin2", true},
		{"limited actor does not manage a user in other facilities", "usr_lead", "usr_far", false},
		{"limited actor does not manage a user without facilities", "usr_lead", "usr_unassigned", false},
		{"limited actor does not manage a full-access user without facilities", "usr_lead", "usr_admin", false},
		{"unknown target", "usr_admin", "usr_nobody", false},
		{"unknown actor", "usr_nobody", "usr_tech", false},
		{"user of another organization", "usr_admin", "usr_b", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := snap.CanManage(tc.actor, tc.target); got != tc.want {
				t.Errorf("CanManage(%s, %s) = %v, want %v", tc.actor, tc.target, got, tc.want)
			}
		})
	}
	// Every limited actor's edit of a non-full-access user is out of scope
	// exactly when CanManage says no.
	for _, target := range st.Users {
		if target.FullAccess || target.ID == "usr_lead" {
			continue
		}
		err := judgeUser(snap, "usr_lead", userChange{Before: ptr(target), After: ptr(target)})
		var e *gatehouse.Error
		outOfScope := errors.As(err, &e) && e.Reason == authz.UserOutOfScope
		if outOfScope == snap.CanManage("usr_lead", target.ID) {
			t.Errorf("%s: out of scope %v, CanManage %v", target.ID, outOfScope, snap.CanManage("usr_lead", target.ID))
		}
	}

	all, ids := snap.Scope("usr_admin")
	if !all || ids != nil {
		t.Errorf("Scope(usr_admin) = %v, %v; want all", all, ids)
	}
	all, ids = snap.Scope("usr_lead")
	if all || len(ids) != 2 || ids[0] != "fac_1" || ids[1] != "fac_2" {
		t.Errorf("Scope(usr_lead) = %v, %v; want fac_1, fac_2", all, ids)
	}
	if snap.IsFullAccess("usr_gone_admin") || !snap.IsFullAccess("usr_admin") || snap.IsFullAccess("usr_lead") {
		t.Error("IsFullAccess must be true only for active full-access users")
	}
}

// A facility deleted from the organization no longer puts two users in the
// same scope.
func TestCanManageAfterFacilityDeletion(t *testing.T) {
	snap := authz.Compile(escalationOrg(t))
	if !snap.CanManage("usr_lead", "usr_tech") {
		t.Fatal("usr_lead should manage usr_tech through fac_1")
	}
	next := snap.Apply(gatehouse.AccessChange{Revision: 2, DeletedFacilities: []string{"fac_1"}})
	if next.CanManage("usr_lead", "usr_tech") {
		t.Error("after fac_1 is deleted, usr_lead and usr_tech share no facility")
	}
	if all, ids := next.Scope("usr_lead"); all || len(ids) != 1 || ids[0] != "fac_2" {
		t.Errorf("Scope(usr_lead) = %v, %v; want fac_2", all, ids)
	}
	if !snap.CanManage("usr_lead", "usr_tech") {
		t.Error("previous snapshot changed")
	}
}
