package authz_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// t0 is the moment the time-bound grants below are read from.
var t0 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// sitesOrg is facilitiesOrg with site roles and time-bound grants:
//
//	usr_site:     Manager at fac_1 only, nothing organization-wide
//	usr_mixed:    Technician organization-wide at fac_1 and fac_2, Manager at fac_2
//	usr_siteown:  Technician at fac_3 only (work_orders.view_own)
//	usr_temp:     Manager at fac_1 until t0+14 days
//	usr_future:   Users group organization-wide from t0+1h
//	usr_tempfac:  Technician organization-wide, fac_1 assigned until t0+1h
//	usr_tempperm: reports.view directly until t0+1h
func sitesOrg(tb testing.TB) gatehouse.AccessState {
	st := facilitiesOrg(tb)
	hour, fortnight := t0.Add(time.Hour), t0.Add(14*24*time.Hour)
	st.Users = append(st.Users,
		gatehouse.UserAccess{ID: "usr_site", Status: active, SiteRoles: []gatehouse.SiteRole{{GroupID: "grp_manager", FacilityID: "fac_1"}}},
		gatehouse.UserAccess{ID: "usr_mixed", Status: active, GroupIDs: []string{"grp_tech"}, FacilityIDs: []string{"fac_1", "fac_2"},
			SiteRoles: []gatehouse.SiteRole{{GroupID: "grp_manager", FacilityID: "fac_2"}}},
		gatehouse.UserAccess{ID: "usr_siteown", Status: active, SiteRoles: []gatehouse.SiteRole{{GroupID: "grp_tech", FacilityID: "fac_3"}}},
		gatehouse.UserAccess{ID: "usr_temp", Status: active, SiteRoles: []gatehouse.SiteRole{{GroupID: "grp_manager", FacilityID: "fac_1", ExpiresAt: fortnight}}},
		gatehouse.UserAccess{ID: "usr_future", Status: active, GroupIDs: []string{"grp_users"},
			Bounds: []gatehouse.GrantBounds{{GrantID: "group:grp_users", StartsAt: hour}}},
		gatehouse.UserAccess{ID: "usr_tempfac", Status: active, GroupIDs: []string{"grp_tech"}, FacilityIDs: []string{"fac_1"},
			Bounds: []gatehouse.GrantBounds{{GrantID: "facility:fac_1", ExpiresAt: hour}}},
		gatehouse.UserAccess{ID: "usr_tempperm", Status: active, Permissions: []string{"reports.view"},
			Bounds: []gatehouse.GrantBounds{{GrantID: "permission:reports.view", ExpiresAt: hour}}},
	)
	return st
}

func siteGroup(id, facility string) authz.Source {
	return authz.Source{Kind: authz.SourceGroup, ID: id, FacilityID: facility}
}

// TestSiteRolesAndTimeBounds has one row per new clause of the decision:
// site roles at F and not at G, organization-wide with a site role, view_own
// through a site role, the licence over site roles, and time bounds to the
// second (starts, expiries, of every kind of grant) on an injected clock.
func TestSiteRolesAndTimeBounds(t *testing.T) {
	now := t0
	snap := authz.Compile(sitesOrg(t)).WithClock(func() time.Time { return now })
	at := func(f string) authz.Resource { return authz.Resource{FacilityID: f} }
	other := func(f string) authz.Resource { return authz.Resource{FacilityID: f, CreatedBy: "usr_other"} }
	own := func(u, f string) authz.Resource { return authz.Resource{FacilityID: f, CreatedBy: u} }
	fortnight := t0.Add(14 * 24 * time.Hour)
	temp := siteGroup("grp_manager", "fac_1")
	temp.ExpiresAt = fortnight

	type row struct {
		decisionCase
		now time.Time // the clock; zero: t0
	}
	rows := []row{
		// Site role at F, not at G.
		{decisionCase: decisionCase{name: "site role grants at its facility", user: "usr_site", perm: "work_orders.create", res: at("fac_1"), want: authz.ReasonGranted, grantedBy: []authz.Source{siteGroup("grp_manager", "fac_1")}}},
		{decisionCase: decisionCase{name: "site role grants nothing at another facility", user: "usr_site", perm: "work_orders.create", res: at("fac_2"), want: authz.ReasonFacilityNotAssigned}},
		{decisionCase: decisionCase{name: "site role: asked without a facility, held somewhere", user: "usr_site", perm: "work_orders.create", want: authz.ReasonGranted, grantedBy: []authz.Source{siteGroup("grp_manager", "fac_1")}}},
		{decisionCase: decisionCase{name: "site role's organization-wide permission counts as held somewhere", user: "usr_site", perm: "reports.view", res: at("fac_3"), want: authz.ReasonGranted, grantedBy: []authz.Source{siteGroup("grp_manager", "fac_1")}}},
		{decisionCase: decisionCase{name: "site role holds nothing its group lacks", user: "usr_site", perm: "users.view", want: authz.ReasonPermissionMissing}},
		// Organization-wide and a site role.
		{decisionCase: decisionCase{name: "org-wide + site role: the site role's view at its facility", user: "usr_mixed", perm: "work_orders.view", res: other("fac_2"), want: authz.ReasonGranted, grantedBy: []authz.Source{siteGroup("grp_manager", "fac_2")}}},
		{decisionCase: decisionCase{name: "org-wide + site role: only view_own elsewhere", user: "usr_mixed", perm: "work_orders.view", res: other("fac_1"), want: authz.ReasonNotOwn}},
		{decisionCase: decisionCase{name: "org-wide + site role: own item elsewhere", user: "usr_mixed", perm: "work_orders.view", res: own("usr_mixed", "fac_1"), want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_tech")}, ownOnly: true}},
		{decisionCase: decisionCase{name: "org-wide + site role: the site group's permission not elsewhere", user: "usr_mixed", perm: "work_orders.create", res: at("fac_1"), want: authz.ReasonFacilityNotAssigned}},
		{decisionCase: decisionCase{name: "org-wide + site role: both at the site", user: "usr_mixed", perm: "assets.view", res: at("fac_2"), want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_tech"), siteGroup("grp_manager", "fac_2")}}},
		// view_own through a site role.
		{decisionCase: decisionCase{name: "view_own through a site role: another's item", user: "usr_siteown", perm: "work_orders.view", res: other("fac_3"), want: authz.ReasonNotOwn}},
		{decisionCase: decisionCase{name: "view_own through a site role: own item", user: "usr_siteown", perm: "work_orders.view", res: own("usr_siteown", "fac_3"), want: authz.ReasonGranted, grantedBy: []authz.Source{siteGroup("grp_tech", "fac_3")}, ownOnly: true}},
		{decisionCase: decisionCase{name: "view_own through a site role: own item elsewhere", user: "usr_siteown", perm: "work_orders.view", res: own("usr_siteown", "fac_1"), want: authz.ReasonFacilityNotAssigned}},
		// Expiry to the second.
		{decisionCase: decisionCase{name: "a fortnight's site role, one second before its end", user: "usr_temp", perm: "work_orders.view", res: at("fac_1"), want: authz.ReasonGranted, grantedBy: []authz.Source{temp}}, now: fortnight.Add(-time.Second)},
		{decisionCase: decisionCase{name: "a fortnight's site role, at its end", user: "usr_temp", perm: "work_orders.view", res: at("fac_1"), want: authz.ReasonPermissionMissing}, now: fortnight},
		{decisionCase: decisionCase{name: "a time-bound facility assignment, before its end", user: "usr_tempfac", perm: "assets.view", res: at("fac_1"), want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_tech")}}, now: t0.Add(time.Hour - time.Second)},
		{decisionCase: decisionCase{name: "a time-bound facility assignment, at its end", user: "usr_tempfac", perm: "assets.view", res: at("fac_1"), want: authz.ReasonFacilityNotAssigned}, now: t0.Add(time.Hour)},
		{decisionCase: decisionCase{name: "a time-bound direct permission, at its end", user: "usr_tempperm", perm: "reports.view", want: authz.ReasonPermissionMissing}, now: t0.Add(time.Hour)},
		// Start in the future.
		{decisionCase: decisionCase{name: "a membership starting in an hour, now", user: "usr_future", perm: "users.view", want: authz.ReasonPermissionMissing}},
		{decisionCase: decisionCase{name: "a membership starting in an hour, one second before", user: "usr_future", perm: "users.view", want: authz.ReasonPermissionMissing}, now: t0.Add(time.Hour - time.Second)},
		{decisionCase: decisionCase{name: "a membership starting in an hour, at its start", user: "usr_future", perm: "users.view", want: authz.ReasonGranted,
			grantedBy: []authz.Source{{Kind: authz.SourceGroup, ID: "grp_users", StartsAt: t0.Add(time.Hour)}}}, now: t0.Add(time.Hour)},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			now = t0
			if !r.now.IsZero() {
				now = r.now
			}
			r.snap = snap
			checkDecision(t, r.decisionCase)
			// CheckAt answers the same from any clock.
			now = t0.Add(-30 * 24 * time.Hour)
			when := r.now
			if when.IsZero() {
				when = t0
			}
			if d := snap.CheckAt(r.user, r.perm, r.res, when); d.Reason != r.want {
				t.Errorf("CheckAt(%s) = %s, want %s", when, d.Reason, r.want)
			}
		})
	}
}

// The licence limits site roles as it limits every other source.
func TestSiteRoleWithinLicence(t *testing.T) {
	st := complianceOrg(t)
	st.Users = append(st.Users, gatehouse.UserAccess{ID: "usr_siteaud", Status: active, Licence: "external_auditor",
		SiteRoles: []gatehouse.SiteRole{{GroupID: "grp_creators", FacilityID: "fac_2"}}})
	snap := authz.Compile(st)
	for _, tc := range []decisionCase{
		{name: "a site role's permission above the licence", snap: snap, user: "usr_siteaud", perm: "create.add_assets", res: authz.Resource{FacilityID: "fac_2"}, want: authz.ReasonLicenceTooLow},
		{name: "a site role's permission within the licence", snap: snap, user: "usr_siteaud", perm: "infosec.download_files", want: authz.ReasonGranted, grantedBy: []authz.Source{siteGroup("grp_creators", "fac_2")}},
	} {
		t.Run(tc.name, func(t *testing.T) { checkDecision(t, tc) })
	}
}

// Effective access and the list filter give each permission its exact set
// of facilities; the snapshot knows the next moment anything changes.
func TestSiteRolesEffectiveAndFilter(t *testing.T) {
	now := t0
	snap := authz.Compile(sitesOrg(t)).WithClock(func() time.Time { return now })
	f := snap.Filter("usr_mixed", "work_orders.view")
	if !f.Allowed || f.OwnOnly || !slices.Equal(f.FacilityIDs, []string{"fac_2"}) || !slices.Equal(f.OwnOnlyFacilityIDs, []string{"fac_1"}) {
		t.Errorf("filter %+v, want work_orders.view at fac_2 and view_own at fac_1", f)
	}
	if f := snap.Filter("usr_site", "work_orders.create"); !f.Allowed || !slices.Equal(f.FacilityIDs, []string{"fac_1"}) {
		t.Errorf("filter %+v, want fac_1", f)
	}
	eff, _ := snap.Effective("usr_mixed")
	byCode := map[string]authz.EffectivePermission{}
	for _, e := range eff {
		byCode[e.Codename] = e
	}
	if e := byCode["work_orders.create"]; !slices.Equal(e.FacilityIDs, []string{"fac_2"}) {
		t.Errorf("work_orders.create at %v, want fac_2 only", e.FacilityIDs)
	}
	if e := byCode["assets.view"]; !slices.Equal(e.FacilityIDs, []string{"fac_1", "fac_2"}) || len(e.Facilities) != 2 {
		t.Errorf("assets.view %+v, want fac_1 and fac_2 with their sources", e)
	}
	if e := byCode["reports.view"]; !e.AllFacilities {
		t.Errorf("reports.view from a site role %+v, want held everywhere (organization-wide)", e)
	}
	next, ok := snap.NextChange(t0)
	if !ok || !next.Equal(t0.Add(time.Hour)) {
		t.Errorf("NextChange = %v %v, want t0+1h", next, ok)
	}
	now = t0.Add(14 * 24 * time.Hour)
	if eff, _ := snap.Effective("usr_temp"); len(eff) != 0 {
		t.Errorf("effective access after expiry: %+v", eff)
	}
}
