package authz_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// No escalation over site roles and time bounds: a limited admin gives a
// site role only where they hold its group's permissions, and only until
// their own grants end.
func TestNoEscalation_SiteRolesAndTimeBounds(t *testing.T) {
	st := escalationOrg(t)
	end := t0.Add(30 * 24 * time.Hour)
	// usr_temp_lead is usr_lead whose Technician membership ends in 30 days.
	tempLead := lead()
	tempLead.ID = "usr_temp_lead"
	tempLead.Bounds = []gatehouse.GrantBounds{{GrantID: "group:grp_tech", ExpiresAt: end}}
	// usr_site_lead holds Manager at fac_1 only (and users.edit to act).
	siteLead := gatehouse.UserAccess{ID: "usr_site_lead", Status: active, Permissions: []string{"users.edit", "users.view"},
		FacilityIDs: []string{"fac_1"}, SiteRoles: []gatehouse.SiteRole{{GroupID: "grp_manager", FacilityID: "fac_1"}}}
	st.Users = append(st.Users, tempLead, siteLead)
	snap := authz.Compile(st).WithClock(func() time.Time { return t0 })
	site := func(group, facility string, expires time.Time) func(*gatehouse.UserAccess) {
		return func(u *gatehouse.UserAccess) {
			u.SiteRoles = append(u.SiteRoles, gatehouse.SiteRole{GroupID: group, FacilityID: facility, ExpiresAt: expires})
		}
	}
	tests := []struct {
		name, actor string
		edit        func(*gatehouse.UserAccess)
		reason      string
		message     string
	}{
		{name: "a site role of a group the actor holds, at their facility", actor: "usr_lead", edit: site("grp_tech", "fac_2", time.Time{})},
		{name: "a site role at a facility the actor lacks", actor: "usr_lead", edit: site("grp_tech", "fac_3", time.Time{}), reason: authz.EscalationGroup, message: "at facility fac_3"},
		{name: "a site role of a group holding more than the actor", actor: "usr_lead", edit: site("grp_manager", "fac_1", time.Time{}), reason: authz.EscalationGroup},
		{name: "a site role held only at the actor's own site", actor: "usr_site_lead", edit: site("grp_manager", "fac_1", time.Time{})},
		{name: "the actor's site role does not reach their other facilities", actor: "usr_site_lead", edit: site("grp_manager", "fac_2", time.Time{}), reason: authz.EscalationGroup},
		{name: "the actor's site role covers an org-wide grant at that facility", actor: "usr_site_lead", edit: func(u *gatehouse.UserAccess) { u.GroupIDs = append(u.GroupIDs, "grp_manager") }},
		{name: "the actor's site role does not cover an org-wide grant at the target's other facilities", actor: "usr_site_lead", edit: func(u *gatehouse.UserAccess) {
			u.GroupIDs = append(u.GroupIDs, "grp_manager")
			u.FacilityIDs = []string{"fac_1", "fac_2"}
			u.Bounds = []gatehouse.GrantBounds{{GrantID: "facility:fac_2", StartsAt: end}}
		}, reason: authz.EscalationFacility},
		{name: "a time-bound site role within the actor's own end", actor: "usr_temp_lead", edit: site("grp_tech", "fac_2", end)},
		{name: "a site role beyond the actor's own end", actor: "usr_temp_lead", edit: site("grp_tech", "fac_2", end.Add(time.Second)), reason: authz.Escalation, message: "from " + end.Format(time.RFC3339)},
		{name: "a site role without end from an actor whose grant ends", actor: "usr_temp_lead", edit: site("grp_tech", "fac_2", time.Time{}), reason: authz.Escalation},
		{name: "an end on an existing grant is never escalation", actor: "usr_lead", edit: func(u *gatehouse.UserAccess) {
			u.Bounds = []gatehouse.GrantBounds{{GrantID: "group:grp_tech", ExpiresAt: end}}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := tech()
			err := judgeUser(snap, tc.actor, userChange{Before: ptr(target), After: with(target, tc.edit)})
			wantForbidden(t, err, tc.reason)
			if tc.message != "" && (err == nil || !strings.Contains(err.Error(), tc.message)) {
				t.Errorf("refusal %v does not say %q", err, tc.message)
			}
		})
	}

	// The preview shows a site role as gained at its facility only, and an
	// end set on a grant as what is lost then.
	target := tech()
	after := with(target, site("grp_manager", "fac_2", time.Time{}))
	c := gatehouse.AccessChange{Users: []gatehouse.UserAccess{*after}}
	impact := snap.Impact(snap.Apply(c), c)
	if len(impact) != 1 {
		t.Fatalf("impact %+v", impact)
	}
	for _, g := range impact[0].Gained {
		if g.Permission == "work_orders.create" && (g.AllFacilities || len(g.FacilityIDs) != 1 || g.FacilityIDs[0] != "fac_2") {
			t.Errorf("work_orders.create gained %+v, want at fac_2 only", g)
		}
		if g.Permission == "reports.view" && !g.AllFacilities {
			t.Errorf("reports.view gained %+v, want everywhere (organization-wide)", g)
		}
	}
	ended := with(target, func(u *gatehouse.UserAccess) {
		u.Bounds = []gatehouse.GrantBounds{{GrantID: "facility:fac_1", ExpiresAt: end}}
	})
	c = gatehouse.AccessChange{Users: []gatehouse.UserAccess{*ended}}
	impact = snap.Impact(snap.Apply(c), c)
	if len(impact) != 1 || len(impact[0].Lost) == 0 || len(impact[0].Gained) != 0 {
		t.Fatalf("an end set on fac_1: impact %+v, want losses at fac_1", impact)
	}
}
