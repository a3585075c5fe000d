package authz_test

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// A group edit by a limited actor is judged on the members who hold the
// group where the actor lacks what it adds — assigned, by a site role, now
// or later, active or not — and on nobody else: the members elsewhere are
// passed over without being judged one by one (Judge's gap), and an actor
// who holds what the group adds everywhere is not refused for any member.
func TestNoEscalation_GroupEditJudgesMembersWhereTheActorLacksIt(t *testing.T) {
	later := t0.Add(7 * 24 * time.Hour)
	regional := gatehouse.UserAccess{ID: "usr_regional", Status: active, Permissions: []string{"assets.view", "work_orders.view", "users.edit"},
		FacilityIDs: []string{"fac_1", "fac_2"}}
	everywhere := regional
	everywhere.ID, everywhere.FacilityIDs = "usr_everywhere", []string{"fac_1", "fac_2", "fac_3"}
	member := func(edit func(*gatehouse.UserAccess)) gatehouse.UserAccess {
		u := gatehouse.UserAccess{ID: "usr_member", Status: active, GroupIDs: []string{"grp_x"}, FacilityIDs: []string{"fac_1"}}
		edit(&u)
		return u
	}
	tests := []struct {
		name   string
		member gatehouse.UserAccess
		actor  string
		reason string
	}{
		{name: "a member at the actor's facilities", actor: "usr_regional", member: member(func(*gatehouse.UserAccess) {})},
		{name: "a member at a facility the actor lacks", actor: "usr_regional", reason: authz.Escalation,
			member: member(func(u *gatehouse.UserAccess) { u.FacilityIDs = []string{"fac_3"} })},
		{name: "a member holding the group by a site role there", actor: "usr_regional", reason: authz.Escalation,
			member: member(func(u *gatehouse.UserAccess) {
				u.GroupIDs = nil
				u.SiteRoles = []gatehouse.SiteRole{{GroupID: "grp_x", FacilityID: "fac_3"}}
			})},
		{name: "a member assigned there from next week", actor: "usr_regional", reason: authz.Escalation,
			member: member(func(u *gatehouse.UserAccess) {
				u.FacilityIDs = []string{"fac_1", "fac_3"}
				u.Bounds = []gatehouse.GrantBounds{{GrantID: "facility:fac_3", StartsAt: later}}
			})},
		{name: "a member whose assignment there has ended", actor: "usr_regional",
			member: member(func(u *gatehouse.UserAccess) {
				u.FacilityIDs = []string{"fac_1", "fac_3"}
				u.Bounds = []gatehouse.GrantBounds{{GrantID: "facility:fac_3", ExpiresAt: t0.Add(-time.Hour)}}
			})},
		{name: "a deactivated member there", actor: "usr_regional", reason: authz.Escalation,
			member: member(func(u *gatehouse.UserAccess) { u.Status, u.FacilityIDs = inactive, []string{"fac_3"} })},
		{name: "an actor holding it everywhere, a member anywhere", actor: "usr_everywhere",
			member: member(func(u *gatehouse.UserAccess) { u.FacilityIDs = []string{"fac_3"} })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := gatehouse.AccessState{OrgID: "org_a", Revision: 1, Catalog: mustCatalog(t, "facilities"),
				Facilities: []string{"fac_1", "fac_2", "fac_3"},
				Groups:     []gatehouse.GroupAccess{{ID: "grp_x", Permissions: []string{"assets.view"}}},
				Users:      []gatehouse.UserAccess{regional, everywhere, tc.member}}
			snap := authz.Compile(st).WithClock(func() time.Time { return t0 })
			ch := gatehouse.AccessChange{Revision: 2, Groups: []gatehouse.GroupAccess{{ID: "grp_x", Permissions: []string{"assets.view", "work_orders.view"}}}}
			wantForbidden(t, snap.Judge(tc.actor, snap.Apply(ch), authz.Write{Change: ch}), tc.reason)
		})
	}
}
