package authz_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/catalogs"
)

func mustCatalog(tb testing.TB, template string) *gatehouse.Catalog {
	tb.Helper()
	c, _, err := catalogs.Load(template)
	if err != nil {
		tb.Fatalf("catalogs.Load(%q): %v", template, err)
	}
	return c
}

func mustParse(tb testing.TB, doc string) *gatehouse.Catalog {
	tb.Helper()
	c, err := gatehouse.ParseCatalog([]byte(doc))
	if err != nil {
		tb.Fatalf("ParseCatalog: %v", err)
	}
	return c
}

const (
	active   = gatehouse.StatusActive
	invited  = gatehouse.StatusInvited
	inactive = gatehouse.StatusInactive
)

// facilitiesOrg is a small facility-maintenance organization:
//
//	grp_manager: work_orders.view, work_orders.create, reports.view, assets.view
//	grp_tech:    work_orders.view_own, work_orders.edit, assets.view
//	grp_users:   users.view
//
// with facilities fac_1, fac_2 and fac_3 (assigned to nobody).
func facilitiesOrg(tb testing.TB) gatehouse.AccessState {
	return gatehouse.AccessState{
		OrgID:      "org_a",
		Revision:   1,
		Catalog:    mustCatalog(tb, "facilities"),
		Facilities: []string{"fac_1", "fac_2", "fac_3"},
		Groups: []gatehouse.GroupAccess{
			{ID: "grp_manager", Permissions: []string{"work_orders.view", "work_orders.create", "reports.view", "assets.view"}},
			{ID: "grp_tech", Permissions: []string{"work_orders.view_own", "work_orders.edit", "assets.view"}},
			{ID: "grp_users", Permissions: []string{"users.view"}},
		},
		Users: []gatehouse.UserAccess{
			{ID: "usr_admin", Status: active, FullAccess: true},
			{ID: "usr_manager", Status: active, GroupIDs: []string{"grp_manager", "grp_tech"}, Permissions: []string{"reports.view"}, FacilityIDs: []string{"fac_2", "fac_1"}},
			{ID: "usr_tech", Status: active, GroupIDs: []string{"grp_tech"}, FacilityIDs: []string{"fac_1"}},
			{ID: "usr_direct", Status: active, Permissions: []string{"reports.view", "contracts.view", "work_orders.delete"}},
			{ID: "usr_nofac", Status: active, GroupIDs: []string{"grp_manager"}},
			{ID: "usr_invited", Status: invited, GroupIDs: []string{"grp_manager"}, FacilityIDs: []string{"fac_1"}},
			{ID: "usr_inactive", Status: inactive, GroupIDs: []string{"grp_manager"}, FacilityIDs: []string{"fac_1"}},
			{ID: "usr_inactive_admin", Status: inactive, FullAccess: true},
			{ID: "usr_ghost", Status: active, GroupIDs: []string{"grp_deleted"}, FacilityIDs: []string{"fac_1", "fac_deleted"}},
		},
	}
}

// complianceOrg is a small compliance organization; fac_1 is assigned to
// every limited user.
func complianceOrg(tb testing.TB) gatehouse.AccessState {
	return gatehouse.AccessState{
		OrgID:      "org_c",
		Revision:   1,
		Catalog:    mustCatalog(tb, "compliance"),
		Facilities: []string{"fac_1", "fac_2"},
		Groups: []gatehouse.GroupAccess{
			{ID: "grp_creators", Permissions: []string{"create.add_assets", "create.add_business_contacts", "admin.manage_users", "infosec.download_files"}},
		},
		Users: []gatehouse.UserAccess{
			{ID: "usr_auditor", Status: active, Licence: "external_auditor", GroupIDs: []string{"grp_creators"}, Permissions: []string{"create.add_risks"}, FacilityIDs: []string{"fac_1"}},
			{ID: "usr_action", Status: active, Licence: "action", GroupIDs: []string{"grp_creators"}},
			{ID: "usr_approval", Status: active, Licence: "approval", Permissions: []string{"super_admin.grant_super_admin"}},
			{ID: "usr_unlicensed", Status: active, GroupIDs: []string{"grp_creators"}, FacilityIDs: []string{"fac_1"}},
			{ID: "usr_boss", Status: active, FullAccess: true, Licence: "external_auditor"},
		},
	}
}

func group(id string) authz.Source  { return authz.Source{Kind: authz.SourceGroup, ID: id} }
func licence(n string) authz.Source { return authz.Source{Kind: authz.SourceLicence, ID: n} }

var (
	direct     = authz.Source{Kind: authz.SourceDirect}
	fullAccess = authz.Source{Kind: authz.SourceFullAccess}
)

type decisionCase struct {
	name       string
	snap       *authz.Snapshot
	user, perm string
	res        authz.Resource
	want       authz.Reason
	grantedBy  []authz.Source // for allowed decisions
	ownOnly    bool
	message    string // a fragment Explain's message must contain, when set
}

// checkDecision asserts that Check and Explain agree with each other and
// with the case.
func checkDecision(t *testing.T, tc decisionCase) {
	t.Helper()
	allowed := tc.want == authz.ReasonGranted || tc.want == authz.ReasonFullAccess
	d := tc.snap.Check(tc.user, tc.perm, tc.res)
	if d.Allowed != allowed || d.Reason != tc.want {
		t.Errorf("Check(%s, %s, %+v) = %v %s, want %v %s", tc.user, tc.perm, tc.res, d.Allowed, d.Reason, allowed, tc.want)
	}
	x := tc.snap.Explain(tc.user, tc.perm, tc.res)
	if x.Decision != d {
		t.Errorf("Explain decided %+v, Check %+v", x.Decision, d)
	}
	if x.Message == "" {
		t.Error("Explain gave no message")
	}
	if tc.message != "" && !strings.Contains(x.Message, tc.message) {
		t.Errorf("Explain message %q does not contain %q", x.Message, tc.message)
	}
	if allowed {
		if !slices.Equal(x.GrantedBy, tc.grantedBy) {
			t.Errorf("GrantedBy = %v, want %v", x.GrantedBy, tc.grantedBy)
		}
	} else if len(x.GrantedBy) != 0 {
		t.Errorf("denied decision explained with sources %v", x.GrantedBy)
	}
	if x.OwnOnly != tc.ownOnly {
		t.Errorf("OwnOnly = %v, want %v", x.OwnOnly, tc.ownOnly)
	}
}

// TestDecision has one group of rows per clause of the normative decision.
func TestDecision(t *testing.T) {
	fac := authz.Compile(facilitiesOrg(t))
	comp := authz.Compile(complianceOrg(t))
	at := func(f string) authz.Resource { return authz.Resource{FacilityID: f} }

	tests := []decisionCase{
		// 1. user, permission and resource's facility are of the same organization.
		{name: "user from another org -> user_not_found", snap: fac, user: "usr_b", perm: "work_orders.view", want: authz.ReasonUserNotFound, message: `"usr_b" is not in this organization`},
		{name: "unknown user -> user_not_found", snap: fac, user: "usr_nobody", perm: "reports.view", want: authz.ReasonUserNotFound},
		{name: "empty user id -> user_not_found", snap: fac, user: "", perm: "reports.view", want: authz.ReasonUserNotFound},
		{name: "unknown permission", snap: fac, user: "usr_manager", perm: "work_orders.fly", want: authz.ReasonUnknownPermission, message: `no permission "work_orders.fly"`},
		{name: "permission of another catalog is unknown", snap: fac, user: "usr_admin", perm: "admin.manage_users", want: authz.ReasonUnknownPermission},
		{name: "facility from another org -> facility_not_found", snap: fac, user: "usr_manager", perm: "work_orders.view", res: at("fac_b"), want: authz.ReasonFacilityNotFound, message: `"fac_b" is not in this organization`},
		{name: "facility from another org -> facility_not_found even with full access", snap: fac, user: "usr_admin", perm: "work_orders.view", res: at("fac_b"), want: authz.ReasonFacilityNotFound},
		{name: "facility from another org -> facility_not_found for a non-scoped permission", snap: fac, user: "usr_manager", perm: "reports.view", res: at("fac_b"), want: authz.ReasonFacilityNotFound},

		// 2. the user is active.
		{name: "invited user is denied", snap: fac, user: "usr_invited", perm: "work_orders.view", res: at("fac_1"), want: authz.ReasonUserInvited},
		{name: "inactive user is denied", snap: fac, user: "usr_inactive", perm: "work_orders.view", res: at("fac_1"), want: authz.ReasonUserInactive, message: "deactivated"},
		{name: "inactive full-access user is denied", snap: fac, user: "usr_inactive_admin", perm: "reports.view", want: authz.ReasonUserInactive},

		// 3. full access bypasses every check below.
		{name: "full access grants every permission", snap: fac, user: "usr_admin", perm: "audit_logs.view", want: authz.ReasonFullAccess, grantedBy: []authz.Source{fullAccess}},
		{name: "full access bypasses facility check", snap: fac, user: "usr_admin", perm: "work_orders.delete", res: at("fac_3"), want: authz.ReasonFullAccess, grantedBy: []authz.Source{fullAccess}},
		{name: "full access bypasses view_own", snap: fac, user: "usr_admin", perm: "work_orders.view_own", res: authz.Resource{FacilityID: "fac_1", CreatedBy: "usr_tech"}, want: authz.ReasonFullAccess, grantedBy: []authz.Source{fullAccess}},
		{name: "full access bypasses the licence", snap: comp, user: "usr_boss", perm: "edit.edit_open_items", res: at("fac_2"), want: authz.ReasonFullAccess, grantedBy: []authz.Source{fullAccess}},

		// 3a. the permission is in the effective set: groups, direct, licence.
		{name: "group permission in assigned facility is allowed", snap: fac, user: "usr_tech", perm: "work_orders.edit", res: at("fac_1"), want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_tech")}, message: "granted through work_orders.edit"},
		{name: "held through two groups names both", snap: fac, user: "usr_manager", perm: "assets.view", res: at("fac_2"), want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_manager"), group("grp_tech")}},
		{name: "direct permission is allowed", snap: fac, user: "usr_direct", perm: "contracts.view", want: authz.ReasonGranted, grantedBy: []authz.Source{direct}},
		{name: "held through group and direct names both", snap: fac, user: "usr_manager", perm: "reports.view", want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_manager"), direct}},
		{name: "permission missing", snap: fac, user: "usr_tech", perm: "reports.view", want: authz.ReasonPermissionMissing, message: "gives reports.view"},
		{name: "view_own does not imply view's siblings", snap: fac, user: "usr_tech", perm: "work_orders.create", res: at("fac_1"), want: authz.ReasonPermissionMissing},
		{name: "deleted group grants nothing", snap: fac, user: "usr_ghost", perm: "work_orders.view", res: at("fac_1"), want: authz.ReasonPermissionMissing},
		{name: "licence_too_low when held through group but licence too low", snap: comp, user: "usr_auditor", perm: "create.add_assets", res: at("fac_1"), want: authz.ReasonLicenceTooLow, message: "needs licence Action or higher; the user has External Auditor"},
		{name: "licence_too_low when held directly but licence too low", snap: comp, user: "usr_auditor", perm: "create.add_risks", res: at("fac_1"), want: authz.ReasonLicenceTooLow},
		{name: "licence_too_low when the tier's limit keeps the permission out", snap: comp, user: "usr_auditor", perm: "admin.manage_users", want: authz.ReasonLicenceTooLow, message: "keeps admin.manage_users out: Cannot create/edit"},
		{name: "licence_too_low without any licence in a licensed catalog", snap: comp, user: "usr_unlicensed", perm: "infosec.download_files", want: authz.ReasonLicenceTooLow, message: "needs a licence and the user has none"},
		{name: "permission within the licence is allowed", snap: comp, user: "usr_auditor", perm: "infosec.download_files", want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_creators")}},
		{name: "higher licence holds the lower tiers' permissions", snap: comp, user: "usr_action", perm: "admin.manage_users", want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_creators")}},
		{name: "permission at the top tier is allowed", snap: comp, user: "usr_approval", perm: "super_admin.grant_super_admin", want: authz.ReasonGranted, grantedBy: []authz.Source{direct}},
		{name: "top licence alone grants nothing", snap: comp, user: "usr_approval", perm: "super_admin.edit_account_page", want: authz.ReasonPermissionMissing},

		// 3b. facility-scoped permissions need the facility assigned.
		{name: "facility not assigned", snap: fac, user: "usr_tech", perm: "work_orders.edit", res: at("fac_2"), want: authz.ReasonFacilityNotAssigned, message: `facility "fac_2" is not assigned`},
		{name: "facility-scoped without resource needs at least one facility", snap: fac, user: "usr_nofac", perm: "work_orders.create", want: authz.ReasonFacilityNotAssigned, message: "has no facility assigned"},
		{name: "facility-scoped without resource is allowed with one facility", snap: fac, user: "usr_tech", perm: "work_orders.edit", want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_tech")}},
		{name: "facility-scoped direct permission needs a facility too", snap: fac, user: "usr_direct", perm: "work_orders.delete", want: authz.ReasonFacilityNotAssigned},
		{name: "second assigned facility is allowed", snap: fac, user: "usr_manager", perm: "work_orders.create", res: at("fac_2"), want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_manager")}},
		{name: "non-scoped permission ignores facility", snap: fac, user: "usr_nofac", perm: "reports.view", res: at("fac_3"), want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_manager")}},
		{name: "non-scoped permission without any facility", snap: fac, user: "usr_direct", perm: "reports.view", want: authz.ReasonGranted, grantedBy: []authz.Source{direct}},
		{name: "unknown facility of the user's own assignments is ignored", snap: fac, user: "usr_ghost", perm: "work_orders.view", res: at("fac_deleted"), want: authz.ReasonFacilityNotFound},
		{name: "compliance facility-scoped permission outside the facility", snap: comp, user: "usr_action", perm: "create.add_assets", res: at("fac_1"), want: authz.ReasonFacilityNotAssigned},
		{name: "compliance non-scoped create permission needs no facility", snap: comp, user: "usr_action", perm: "create.add_business_contacts", want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_creators")}},

		// 3c. with only X.view_own, the item must be the user's; X.view implies X.view_own.
		{name: "view implies view_own", snap: fac, user: "usr_manager", perm: "work_orders.view_own", res: authz.Resource{FacilityID: "fac_1", CreatedBy: "usr_admin"}, want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_manager")}, message: "granted through work_orders.view"},
		{name: "view covers items of others", snap: fac, user: "usr_manager", perm: "work_orders.view", res: authz.Resource{FacilityID: "fac_1", CreatedBy: "usr_admin", AssigneeID: "usr_tech"}, want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_manager")}},
		{name: "only view_own and not own item -> not_own", snap: fac, user: "usr_tech", perm: "work_orders.view_own", res: authz.Resource{FacilityID: "fac_1", CreatedBy: "usr_manager", AssigneeID: "usr_manager"}, want: authz.ReasonNotOwn, message: "view-own"},
		{name: "only view_own, asking view on another's item -> not_own", snap: fac, user: "usr_tech", perm: "work_orders.view", res: authz.Resource{FacilityID: "fac_1", CreatedBy: "usr_manager"}, want: authz.ReasonNotOwn},
		{name: "only view_own, item without creator or assignee -> not_own", snap: fac, user: "usr_tech", perm: "work_orders.view", res: at("fac_1"), want: authz.ReasonNotOwn},
		{name: "created_by own item allowed", snap: fac, user: "usr_tech", perm: "work_orders.view_own", res: authz.Resource{FacilityID: "fac_1", CreatedBy: "usr_tech", AssigneeID: "usr_manager"}, want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_tech")}, ownOnly: true, message: "for items the user created or is assigned to"},
		{name: "assignee own item allowed", snap: fac, user: "usr_tech", perm: "work_orders.view_own", res: authz.Resource{FacilityID: "fac_1", CreatedBy: "usr_manager", AssigneeID: "usr_tech"}, want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_tech")}, ownOnly: true},
		{name: "only view_own, asking view on own item is allowed for own items", snap: fac, user: "usr_tech", perm: "work_orders.view", res: authz.Resource{FacilityID: "fac_1", CreatedBy: "usr_tech"}, want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_tech")}, ownOnly: true},
		{name: "only view_own without resource is allowed for own items", snap: fac, user: "usr_tech", perm: "work_orders.view", want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_tech")}, ownOnly: true},
		{name: "own item in an unassigned facility -> facility_not_assigned", snap: fac, user: "usr_tech", perm: "work_orders.view_own", res: authz.Resource{FacilityID: "fac_2", CreatedBy: "usr_tech"}, want: authz.ReasonFacilityNotAssigned},
		{name: "view_own of one category says nothing of another", snap: fac, user: "usr_tech", perm: "service_reports.view_own", res: authz.Resource{FacilityID: "fac_1", CreatedBy: "usr_tech"}, want: authz.ReasonPermissionMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkDecision(t, tc) })
	}
}

// Every reason has a name; the HTTP API returns it.
func TestReasonNames(t *testing.T) {
	want := map[authz.Reason]string{
		authz.ReasonGranted: "granted", authz.ReasonFullAccess: "full_access", authz.ReasonUserNotFound: "user_not_found",
		authz.ReasonUnknownPermission: "unknown_permission", authz.ReasonFacilityNotFound: "facility_not_found",
		authz.ReasonUserInvited: "user_invited", authz.ReasonUserInactive: "user_inactive",
		authz.ReasonPermissionMissing: "permission_missing", authz.ReasonLicenceTooLow: "licence_too_low",
		authz.ReasonFacilityNotAssigned: "facility_not_assigned", authz.ReasonNotOwn: "not_own",
	}
	for r, name := range want {
		if r.String() != name {
			t.Errorf("Reason(%d).String() = %q, want %q", r, r.String(), name)
		}
	}
}

func codenames(perms []authz.EffectivePermission) []string {
	var out []string
	for _, p := range perms {
		out = append(out, p.Codename)
	}
	return out
}

func TestEffective(t *testing.T) {
	snap := authz.Compile(facilitiesOrg(t))

	t.Run("groups and direct permissions in catalog order with their scope", func(t *testing.T) {
		perms, ok := snap.Effective("usr_manager")
		if !ok {
			t.Fatal("usr_manager not found")
		}
		want := []authz.EffectivePermission{
			{Codename: "assets.view", Category: "assets", FacilityScoped: true, FacilityIDs: []string{"fac_1", "fac_2"}, GrantedBy: []authz.Source{group("grp_manager"), group("grp_tech")}},
			{Codename: "work_orders.view", Category: "work_orders", FacilityScoped: true, FacilityIDs: []string{"fac_1", "fac_2"}, GrantedBy: []authz.Source{group("grp_manager")}},
			{Codename: "work_orders.create", Category: "work_orders", FacilityScoped: true, FacilityIDs: []string{"fac_1", "fac_2"}, GrantedBy: []authz.Source{group("grp_manager")}},
			{Codename: "work_orders.edit", Category: "work_orders", FacilityScoped: true, FacilityIDs: []string{"fac_1", "fac_2"}, GrantedBy: []authz.Source{group("grp_tech")}},
			// view implies view_own: granted by the group holding view.
			{Codename: "work_orders.view_own", Category: "work_orders", FacilityScoped: true, FacilityIDs: []string{"fac_1", "fac_2"}, GrantedBy: []authz.Source{group("grp_manager")}},
			{Codename: "reports.view", Category: "reports", AllFacilities: true, FacilityIDs: []string{}, GrantedBy: []authz.Source{group("grp_manager"), direct}},
		}
		assertEffective(t, perms, want)
	})

	t.Run("view_own only is own_only", func(t *testing.T) {
		perms, _ := snap.Effective("usr_tech")
		want := []authz.EffectivePermission{
			{Codename: "assets.view", Category: "assets", FacilityScoped: true, FacilityIDs: []string{"fac_1"}, GrantedBy: []authz.Source{group("grp_tech")}},
			{Codename: "work_orders.edit", Category: "work_orders", FacilityScoped: true, FacilityIDs: []string{"fac_1"}, GrantedBy: []authz.Source{group("grp_tech")}},
			{Codename: "work_orders.view_own", Category: "work_orders", FacilityScoped: true, FacilityIDs: []string{"fac_1"}, GrantedBy: []authz.Source{group("grp_tech")}, OwnOnly: true},
		}
		assertEffective(t, perms, want)
	})

	t.Run("facility-scoped permission of a user without facilities still names its source", func(t *testing.T) {
		perms, _ := snap.Effective("usr_nofac")
		want := []authz.EffectivePermission{
			{Codename: "assets.view", Category: "assets", FacilityScoped: true, FacilityIDs: []string{}, GrantedBy: []authz.Source{group("grp_manager")}},
			{Codename: "work_orders.view", Category: "work_orders", FacilityScoped: true, FacilityIDs: []string{}, GrantedBy: []authz.Source{group("grp_manager")}},
			{Codename: "work_orders.create", Category: "work_orders", FacilityScoped: true, FacilityIDs: []string{}, GrantedBy: []authz.Source{group("grp_manager")}},
			{Codename: "work_orders.view_own", Category: "work_orders", FacilityScoped: true, FacilityIDs: []string{}, GrantedBy: []authz.Source{group("grp_manager")}},
			{Codename: "reports.view", Category: "reports", AllFacilities: true, FacilityIDs: []string{}, GrantedBy: []authz.Source{group("grp_manager")}},
		}
		assertEffective(t, perms, want)
	})

	t.Run("full access holds every permission everywhere", func(t *testing.T) {
		perms, ok := snap.Effective("usr_admin")
		if !ok || len(perms) != 40 {
			t.Fatalf("full access: ok=%v, %d permissions, want 40", ok, len(perms))
		}
		for _, p := range perms {
			if !p.AllFacilities || !slices.Equal(p.GrantedBy, []authz.Source{fullAccess}) || p.OwnOnly {
				t.Errorf("%+v, want all facilities through full access", p)
			}
		}
	})

	t.Run("invited and inactive users hold nothing", func(t *testing.T) {
		for _, id := range []string{"usr_invited", "usr_inactive", "usr_inactive_admin"} {
			perms, ok := snap.Effective(id)
			if !ok || perms == nil || len(perms) != 0 {
				t.Errorf("Effective(%s) = %v, %v; want an empty list", id, perms, ok)
			}
		}
	})

	t.Run("unknown user", func(t *testing.T) {
		if _, ok := snap.Effective("usr_b"); ok {
			t.Error("Effective of a user of another organization is ok")
		}
	})

	t.Run("licence filters the effective set", func(t *testing.T) {
		comp := authz.Compile(complianceOrg(t))
		perms, _ := comp.Effective("usr_auditor")
		if got, want := codenames(perms), []string{"infosec.download_files"}; !slices.Equal(got, want) {
			t.Errorf("external auditor holds %v, want %v", got, want)
		}
		perms, _ = comp.Effective("usr_unlicensed")
		if len(perms) != 0 {
			t.Errorf("unlicensed user holds %v, want nothing", codenames(perms))
		}
	})

	t.Run("agrees with Check for every permission", func(t *testing.T) {
		for _, id := range []string{"usr_admin", "usr_manager", "usr_tech", "usr_direct", "usr_nofac", "usr_inactive"} {
			perms, _ := snap.Effective(id)
			held := codenames(perms)
			for _, p := range snap.Catalog().Permissions() {
				x := snap.Explain(id, p.Codename, authz.Resource{})
				inSet := slices.Contains(held, p.Codename)
				switch {
				case x.Allowed && !inSet:
					// X.view asked of a user holding only X.view_own: allowed
					// for own items, listed as X.view_own.
					if _, own, ok := snap.Catalog().OwnVariant(p.Codename); !ok || !x.OwnOnly || !slices.Contains(held, own) {
						t.Errorf("%s %s: allowed (%s) but not in Effective %v", id, p.Codename, x.Reason, held)
					}
				case !x.Allowed && inSet && x.Reason != authz.ReasonFacilityNotAssigned:
					// a scoped permission without facilities is held but usable nowhere
					t.Errorf("%s %s: denied (%s) but in Effective", id, p.Codename, x.Reason)
				}
			}
		}
	})
}

func assertEffective(t *testing.T, got, want []authz.EffectivePermission) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("Effective lists %v, want %v", codenames(got), codenames(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Codename != w.Codename || g.Category != w.Category || g.FacilityScoped != w.FacilityScoped ||
			g.AllFacilities != w.AllFacilities || g.OwnOnly != w.OwnOnly ||
			!slices.Equal(g.FacilityIDs, w.FacilityIDs) || g.FacilityIDs == nil || !slices.Equal(g.GrantedBy, w.GrantedBy) {
			t.Errorf("Effective[%d] =\n  %+v\nwant\n  %+v", i, g, w)
		}
	}
}

func TestFilter(t *testing.T) {
	snap := authz.Compile(facilitiesOrg(t))
	tests := []struct {
		name       string
		user, perm string
		want       authz.Filter
	}{
		{"full access sees all facilities", "usr_admin", "work_orders.view",
			authz.Filter{Decision: authz.Decision{Allowed: true, Reason: authz.ReasonFullAccess}, AllFacilities: true, FacilityIDs: []string{}}},
		{"limited user sees their facilities", "usr_manager", "work_orders.view",
			authz.Filter{Decision: authz.Decision{Allowed: true}, FacilityIDs: []string{"fac_1", "fac_2"}}},
		{"view_own only sees own items in their facilities", "usr_tech", "work_orders.view",
			authz.Filter{Decision: authz.Decision{Allowed: true}, FacilityIDs: []string{"fac_1"}, OwnOnly: true}},
		{"view_own asked as view_own is own_only too", "usr_tech", "work_orders.view_own",
			authz.Filter{Decision: authz.Decision{Allowed: true}, FacilityIDs: []string{"fac_1"}, OwnOnly: true}},
		{"non-scoped permission sees all facilities", "usr_direct", "contracts.view",
			authz.Filter{Decision: authz.Decision{Allowed: true}, AllFacilities: true, FacilityIDs: []string{}}},
		{"permission missing sees nothing", "usr_tech", "reports.view",
			authz.Filter{Decision: authz.Decision{Reason: authz.ReasonPermissionMissing}, FacilityIDs: []string{}}},
		{"scoped permission without facilities sees nothing", "usr_nofac", "work_orders.view",
			authz.Filter{Decision: authz.Decision{Reason: authz.ReasonFacilityNotAssigned}, FacilityIDs: []string{}}},
		{"inactive user sees nothing", "usr_inactive", "work_orders.view",
			authz.Filter{Decision: authz.Decision{Reason: authz.ReasonUserInactive}, FacilityIDs: []string{}}},
		{"unknown user sees nothing", "usr_b", "work_orders.view",
			authz.Filter{Decision: authz.Decision{Reason: authz.ReasonUserNotFound}, FacilityIDs: []string{}}},
		{"unknown permission sees nothing", "usr_admin", "work_orders.fly",
			authz.Filter{Decision: authz.Decision{Reason: authz.ReasonUnknownPermission}, FacilityIDs: []string{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := snap.Filter(tc.user, tc.perm)
			if got.Decision != tc.want.Decision || got.AllFacilities != tc.want.AllFacilities || got.OwnOnly != tc.want.OwnOnly ||
				got.FacilityIDs == nil || !slices.Equal(got.FacilityIDs, tc.want.FacilityIDs) {
				t.Errorf("Filter(%s, %s) = %+v, want %+v", tc.user, tc.perm, got, tc.want)
			}
		})
	}
}

// probe is one question asked of a snapshot before and after a write.
type probe struct {
	user, perm string
	res        authz.Resource
}

func (p probe) reason(s *authz.Snapshot) authz.Reason { return s.Check(p.user, p.perm, p.res).Reason }

// TestApply shows that each kind of write is seen by the very next check of
// the new snapshot, and that the previous snapshot still answers as before.
func TestApply(t *testing.T) {
	fac1 := authz.Resource{FacilityID: "fac_1"}
	tests := []struct {
		name          string
		change        gatehouse.AccessChange
		probe         probe
		before, after authz.Reason
	}{
		{
			name:   "group edit revokes",
			change: gatehouse.AccessChange{Groups: []gatehouse.GroupAccess{{ID: "grp_manager", Permissions: []string{"work_orders.view", "reports.view", "assets.view"}}}},
			probe:  probe{"usr_manager", "work_orders.create", fac1},
			before: authz.ReasonGranted, after: authz.ReasonPermissionMissing,
		},
		{
			name:   "group edit grants",
			change: gatehouse.AccessChange{Groups: []gatehouse.GroupAccess{{ID: "grp_tech", Permissions: []string{"work_orders.view_own", "work_orders.edit", "assets.view", "reports.view"}}}},
			probe:  probe{"usr_tech", "reports.view", authz.Resource{}},
			before: authz.ReasonPermissionMissing, after: authz.ReasonGranted,
		},
		{
			name:   "deactivation",
			change: gatehouse.AccessChange{Users: []gatehouse.UserAccess{{ID: "usr_tech", Status: inactive, GroupIDs: []string{"grp_tech"}, FacilityIDs: []string{"fac_1"}}}},
			probe:  probe{"usr_tech", "work_orders.edit", fac1},
			before: authz.ReasonGranted, after: authz.ReasonUserInactive,
		},
		{
			name:   "deactivation of a full-access user",
			change: gatehouse.AccessChange{Users: []gatehouse.UserAccess{{ID: "usr_admin", Status: inactive, FullAccess: true}}},
			probe:  probe{"usr_admin", "audit_logs.view", authz.Resource{}},
			before: authz.ReasonFullAccess, after: authz.ReasonUserInactive,
		},
		{
			name:   "activation",
			change: gatehouse.AccessChange{Users: []gatehouse.UserAccess{{ID: "usr_inactive", Status: active, GroupIDs: []string{"grp_manager"}, FacilityIDs: []string{"fac_1"}}}},
			probe:  probe{"usr_inactive", "work_orders.view", fac1},
			before: authz.ReasonUserInactive, after: authz.ReasonGranted,
		},
		{
			name:   "unassignment",
			change: gatehouse.AccessChange{Users: []gatehouse.UserAccess{{ID: "usr_tech", Status: active, GroupIDs: []string{"grp_tech"}}}},
			probe:  probe{"usr_tech", "work_orders.edit", fac1},
			before: authz.ReasonGranted, after: authz.ReasonFacilityNotAssigned,
		},
		{
			name:   "removal from a group",
			change: gatehouse.AccessChange{Users: []gatehouse.UserAccess{{ID: "usr_manager", Status: active, GroupIDs: []string{"grp_tech"}, FacilityIDs: []string{"fac_1", "fac_2"}}}},
			probe:  probe{"usr_manager", "work_orders.view", authz.Resource{FacilityID: "fac_1", CreatedBy: "usr_admin"}},
			before: authz.ReasonGranted, after: authz.ReasonNotOwn,
		},
		{
			name:   "full access removed",
			change: gatehouse.AccessChange{Users: []gatehouse.UserAccess{{ID: "usr_admin", Status: active}}},
			probe:  probe{"usr_admin", "reports.view", authz.Resource{}},
			before: authz.ReasonFullAccess, after: authz.ReasonPermissionMissing,
		},
		{
			name:   "group deletion",
			change: gatehouse.AccessChange{DeletedGroups: []string{"grp_tech"}},
			probe:  probe{"usr_tech", "work_orders.edit", fac1},
			before: authz.ReasonGranted, after: authz.ReasonPermissionMissing,
		},
		{
			name:   "facility deletion: the facility is not found",
			change: gatehouse.AccessChange{DeletedFacilities: []string{"fac_1"}},
			probe:  probe{"usr_tech", "work_orders.edit", fac1},
			before: authz.ReasonGranted, after: authz.ReasonFacilityNotFound,
		},
		{
			name:   "facility deletion: a user whose only facility it was has none left",
			change: gatehouse.AccessChange{DeletedFacilities: []string{"fac_1"}},
			probe:  probe{"usr_tech", "work_orders.edit", authz.Resource{}},
			before: authz.ReasonGranted, after: authz.ReasonFacilityNotAssigned,
		},
		{
			name:   "facility deletion leaves other facilities",
			change: gatehouse.AccessChange{DeletedFacilities: []string{"fac_1"}},
			probe:  probe{"usr_manager", "work_orders.edit", authz.Resource{FacilityID: "fac_2"}},
			before: authz.ReasonGranted, after: authz.ReasonGranted,
		},
		{
			name:   "user deletion",
			change: gatehouse.AccessChange{DeletedUsers: []string{"usr_tech"}},
			probe:  probe{"usr_tech", "work_orders.edit", fac1},
			before: authz.ReasonGranted, after: authz.ReasonUserNotFound,
		},
		{
			name: "new facility, group and user in one change",
			change: gatehouse.AccessChange{
				Facilities: []string{"fac_new"},
				Groups:     []gatehouse.GroupAccess{{ID: "grp_new", Permissions: []string{"service_reports.send"}}},
				Users:      []gatehouse.UserAccess{{ID: "usr_new", Status: active, GroupIDs: []string{"grp_new"}, FacilityIDs: []string{"fac_new"}}},
			},
			probe:  probe{"usr_new", "service_reports.send", authz.Resource{FacilityID: "fac_new"}},
			before: authz.ReasonUserNotFound, after: authz.ReasonGranted,
		},
		{
			name:   "a deleted group id reused later starts empty",
			change: gatehouse.AccessChange{DeletedGroups: []string{"grp_manager"}, Groups: []gatehouse.GroupAccess{{ID: "grp_other", Permissions: []string{"reports.view"}}}},
			probe:  probe{"usr_nofac", "reports.view", authz.Resource{}},
			before: authz.ReasonGranted, after: authz.ReasonPermissionMissing,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prev := authz.Compile(facilitiesOrg(t))
			tc.change.Revision = prev.Revision + 1
			next := prev.Apply(tc.change)
			if next.Revision != prev.Revision+1 || next.OrgID != prev.OrgID {
				t.Errorf("next is org %s revision %d, want %s revision %d", next.OrgID, next.Revision, prev.OrgID, prev.Revision+1)
			}
			if got := tc.probe.reason(next); got != tc.after {
				t.Errorf("after the write: %s, want %s", got, tc.after)
			}
			if got := tc.probe.reason(prev); got != tc.before {
				t.Errorf("previous snapshot changed: %s, want %s", got, tc.before)
			}
			// Immutability: the previous snapshot answers every question
			// exactly as a freshly compiled one.
			fresh := authz.Compile(facilitiesOrg(t))
			assertSameAnswers(t, prev, fresh)
		})
	}
}

// assertSameAnswers compares two snapshots on every user × permission ×
// facility of facilitiesOrg.
func assertSameAnswers(t *testing.T, a, b *authz.Snapshot) {
	t.Helper()
	st := facilitiesOrg(t)
	if a.UserCount() != b.UserCount() || a.Revision != b.Revision {
		t.Errorf("snapshots differ: %d users at revision %d vs %d at %d", a.UserCount(), a.Revision, b.UserCount(), b.Revision)
	}
	resources := []authz.Resource{{}, {CreatedBy: "usr_tech"}}
	for _, f := range st.Facilities {
		resources = append(resources, authz.Resource{FacilityID: f}, authz.Resource{FacilityID: f, AssigneeID: "usr_tech"})
	}
	for _, u := range st.Users {
		for _, p := range st.Catalog.Permissions() {
			for _, r := range resources {
				if da, db := a.Check(u.ID, p.Codename, r), b.Check(u.ID, p.Codename, r); da != db {
					t.Fatalf("%s %s %+v: %+v vs %+v", u.ID, p.Codename, r, da, db)
				}
			}
		}
	}
}

func TestApplyMembership(t *testing.T) {
	prev := authz.Compile(facilitiesOrg(t))
	next := prev.Apply(gatehouse.AccessChange{
		Revision:          2,
		DeletedUsers:      []string{"usr_tech", "usr_nobody"},
		Users:             []gatehouse.UserAccess{{ID: "usr_new", Status: invited}, {ID: "usr_direct", Status: active}},
		DeletedGroups:     []string{"grp_users"},
		DeletedFacilities: []string{"fac_3"},
		Facilities:        []string{"fac_4", "fac_1"},
	})
	if prev.UserCount() != 9 || next.UserCount() != 9 {
		t.Errorf("user counts %d → %d, want 9 → 9 (one deleted, one added, one updated)", prev.UserCount(), next.UserCount())
	}
	for _, tc := range []struct {
		name      string
		got, want bool
	}{
		{"prev has usr_tech", prev.HasUser("usr_tech"), true},
		{"next has usr_tech", next.HasUser("usr_tech"), false},
		{"next has usr_new", next.HasUser("usr_new"), true},
		{"prev has usr_new", prev.HasUser("usr_new"), false},
		{"prev has grp_users", prev.HasGroup("grp_users"), true},
		{"next has grp_users", next.HasGroup("grp_users"), false},
		{"prev has fac_3", prev.HasFacility("fac_3"), true},
		{"next has fac_3", next.HasFacility("fac_3"), false},
		{"next has fac_4", next.HasFacility("fac_4"), true},
		{"next has fac_1", next.HasFacility("fac_1"), true},
		{"prev has fac_4", prev.HasFacility("fac_4"), false},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if next.Catalog() != prev.Catalog() {
		t.Error("Apply changed the catalog")
	}
}

// A facility deleted and then added again with the same id is a new facility:
// the old assignments do not come back with it.
func TestApplyFacilityDeletedThenReadded(t *testing.T) {
	s := authz.Compile(facilitiesOrg(t))
	s = s.Apply(gatehouse.AccessChange{Revision: 2, DeletedFacilities: []string{"fac_1"}})
	s = s.Apply(gatehouse.AccessChange{Revision: 3, Facilities: []string{"fac_1"}})
	if got := s.Check("usr_tech", "work_orders.edit", authz.Resource{FacilityID: "fac_1"}).Reason; got != authz.ReasonFacilityNotAssigned {
		t.Errorf("re-added facility: %s, want facility_not_assigned", got)
	}
	s = s.Apply(gatehouse.AccessChange{Revision: 4, Users: []gatehouse.UserAccess{{ID: "usr_tech", Status: active, GroupIDs: []string{"grp_tech"}, FacilityIDs: []string{"fac_1"}}}})
	if got := s.Check("usr_tech", "work_orders.edit", authz.Resource{FacilityID: "fac_1"}).Reason; got != authz.ReasonGranted {
		t.Errorf("re-assigned facility: %s, want granted", got)
	}
}

// A chain of writes ends where a compile of the final state does.
func TestApplyChainMatchesCompile(t *testing.T) {
	st := facilitiesOrg(t)
	s := authz.Compile(st)
	changes := []gatehouse.AccessChange{
		{Groups: []gatehouse.GroupAccess{{ID: "grp_tech", Permissions: []string{"work_orders.view_own", "assets.view"}}}},
		{Users: []gatehouse.UserAccess{{ID: "usr_tech", Status: active, GroupIDs: []string{"grp_tech", "grp_users"}, FacilityIDs: []string{"fac_1", "fac_3"}}}},
		{DeletedUsers: []string{"usr_ghost"}},
		{Users: []gatehouse.UserAccess{{ID: "usr_inactive", Status: active, GroupIDs: []string{"grp_manager"}, FacilityIDs: []string{"fac_2"}}}},
	}
	for i, ch := range changes {
		ch.Revision = int64(i + 2)
		s = s.Apply(ch)
	}
	final := facilitiesOrg(t)
	final.Revision = int64(len(changes) + 1)
	final.Groups[1].Permissions = []string{"work_orders.view_own", "assets.view"}
	for i, u := range final.Users {
		switch u.ID {
		case "usr_tech":
			final.Users[i] = changes[1].Users[0]
		case "usr_inactive":
			final.Users[i] = changes[3].Users[0]
		}
	}
	final.Users = slices.DeleteFunc(final.Users, func(u gatehouse.UserAccess) bool { return u.ID == "usr_ghost" })
	want := authz.Compile(final)
	for _, u := range st.Users {
		for _, p := range st.Catalog.Permissions() {
			for _, f := range append(slices.Clone(st.Facilities), "") {
				r := authz.Resource{FacilityID: f}
				if got, w := s.Check(u.ID, p.Codename, r), want.Check(u.ID, p.Codename, r); got != w {
					t.Errorf("%s %s %q: applied %+v, compiled %+v", u.ID, p.Codename, f, got, w)
				}
			}
		}
	}
}

// implicitCatalog has a licence ladder whose tiers grant permissions
// implicitly: basic grants docs.read, pro grants docs.write (and, being
// cumulative, keeps docs.read).
const implicitCatalog = `{
  "template": "docs",
  "title": "Documents",
  "categories": [
    {"key": "docs", "name": "Documents", "permissions": [
      {"codename": "docs.read", "label": "Read", "min_licence": "basic"},
      {"codename": "docs.comment", "label": "Comment", "min_licence": "basic"},
      {"codename": "docs.write", "label": "Write", "min_licence": "pro"},
      {"codename": "docs.publish", "label": "Publish", "min_licence": "pro"}
    ]},
    {"key": "sites", "name": "Sites", "facility_scoped": true, "permissions": [
      {"codename": "sites.view", "label": "View", "min_licence": "basic"}
    ]},
    {"key": "users", "name": "Users", "permissions": [
      {"codename": "users.view", "label": "View", "min_licence": "pro"},
      {"codename": "users.edit", "label": "Edit", "min_licence": "pro"}
    ]}
  ],
  "licences": [
    {"name": "basic", "label": "Basic", "implicit_permissions": ["docs.read", "sites.view"]},
    {"name": "pro", "label": "Pro", "implicit_permissions": ["docs.write"]}
  ],
  "admin_operations": {
    "view_users": "users.view", "invite_users": "users.edit", "edit_users": "users.edit",
    "deactivate_users": "users.edit", "delete_users": "users.edit", "view_groups": "users.view",
    "manage_groups": "users.edit", "view_facilities": "users.view", "manage_facilities": "users.edit",
    "view_audit_log": "users.view"
  }
}`

func TestLicenceImplicitPermissions(t *testing.T) {
	snap := authz.Compile(gatehouse.AccessState{
		OrgID:      "org_docs",
		Revision:   1,
		Catalog:    mustParse(t, implicitCatalog),
		Facilities: []string{"fac_1"},
		Groups:     []gatehouse.GroupAccess{{ID: "grp_editors", Permissions: []string{"docs.read", "docs.write", "docs.comment"}}},
		Users: []gatehouse.UserAccess{
			{ID: "usr_basic", Status: active, Licence: "basic"},
			{ID: "usr_pro", Status: active, Licence: "pro", FacilityIDs: []string{"fac_1"}},
			{ID: "usr_basic_editor", Status: active, Licence: "basic", GroupIDs: []string{"grp_editors"}},
			{ID: "usr_pro_editor", Status: active, Licence: "pro", GroupIDs: []string{"grp_editors"}, Permissions: []string{"docs.read"}},
			{ID: "usr_none", Status: active},
			{ID: "usr_basic_inactive", Status: inactive, Licence: "basic"},
		},
	})
	tests := []decisionCase{
		{name: "licence grants its implicit permission", user: "usr_basic", perm: "docs.read", want: authz.ReasonGranted, grantedBy: []authz.Source{licence("basic")}, message: "granted through docs.read"},
		{name: "licence does not grant a higher tier's implicit permission", user: "usr_basic", perm: "docs.write", want: authz.ReasonPermissionMissing},
		{name: "licence does not grant what it merely may hold", user: "usr_basic", perm: "docs.comment", want: authz.ReasonPermissionMissing},
		{name: "implicit grants are cumulative", user: "usr_pro", perm: "docs.read", want: authz.ReasonGranted, grantedBy: []authz.Source{licence("pro")}},
		{name: "higher tier grants its own implicit permission", user: "usr_pro", perm: "docs.write", want: authz.ReasonGranted, grantedBy: []authz.Source{licence("pro")}},
		{name: "implicit facility-scoped grant still needs a facility", user: "usr_basic", perm: "sites.view", want: authz.ReasonFacilityNotAssigned},
		{name: "implicit facility-scoped grant in an assigned facility", user: "usr_pro", perm: "sites.view", res: authz.Resource{FacilityID: "fac_1"}, want: authz.ReasonGranted, grantedBy: []authz.Source{licence("pro")}},
		{name: "group within the licence", user: "usr_basic_editor", perm: "docs.comment", want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_editors")}},
		{name: "group and licence both named", user: "usr_basic_editor", perm: "docs.read", want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_editors"), licence("basic")}},
		{name: "group beyond the licence -> licence_too_low", user: "usr_basic_editor", perm: "docs.write", want: authz.ReasonLicenceTooLow, message: "needs licence Pro or higher; the user has Basic"},
		{name: "group, direct and licence all named", user: "usr_pro_editor", perm: "docs.read", want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_editors"), direct, licence("pro")}},
		{name: "no licence, no implicit grants", user: "usr_none", perm: "docs.read", want: authz.ReasonPermissionMissing},
		{name: "inactive user gets no implicit grants", user: "usr_basic_inactive", perm: "docs.read", want: authz.ReasonUserInactive},
	}
	for _, tc := range tests {
		tc.snap = snap
		t.Run(tc.name, func(t *testing.T) { checkDecision(t, tc) })
	}

	perms, _ := snap.Effective("usr_pro")
	want := []authz.EffectivePermission{
		{Codename: "docs.read", Category: "docs", AllFacilities: true, FacilityIDs: []string{}, GrantedBy: []authz.Source{licence("pro")}},
		{Codename: "docs.write", Category: "docs", AllFacilities: true, FacilityIDs: []string{}, GrantedBy: []authz.Source{licence("pro")}},
		{Codename: "sites.view", Category: "sites", FacilityScoped: true, FacilityIDs: []string{"fac_1"}, GrantedBy: []authz.Source{licence("pro")}},
	}
	assertEffective(t, perms, want)

	// Raising the licence is a write like any other.
	next := snap.Apply(gatehouse.AccessChange{Revision: 2, Users: []gatehouse.UserAccess{{ID: "usr_basic", Status: active, Licence: "pro"}}})
	if d := next.Check("usr_basic", "docs.write", authz.Resource{}); !d.Allowed {
		t.Errorf("after raising the licence to pro: %+v", d)
	}
	if d := snap.Check("usr_basic", "docs.write", authz.Resource{}); d.Allowed {
		t.Errorf("previous snapshot changed: %+v", d)
	}
}

// A licence the catalog does not know (say, a row written before a catalog
// change) holds nothing; explaining it must not fail.
func TestUnknownLicenceHoldsNothing(t *testing.T) {
	st := complianceOrg(t)
	st.Users = append(st.Users, gatehouse.UserAccess{ID: "usr_odd", Status: active, Licence: "platinum", GroupIDs: []string{"grp_creators"}, FacilityIDs: []string{"fac_1"}})
	snap := authz.Compile(st)
	for _, perm := range []string{"infosec.download_files", "create.add_assets", "admin.manage_users"} {
		checkDecision(t, decisionCase{name: perm, snap: snap, user: "usr_odd", perm: perm, want: authz.ReasonLicenceTooLow, message: `"platinum"`})
	}
}
