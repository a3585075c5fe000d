package authz_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// tiers is the compliance catalog's licence ladder, lowest first, with ""
// (no licence) below it.
var tiers = []string{"", "external_auditor", "read_report", "administrator", "action", "approval"}

// everyoneHoldsEverything is a compliance organization with one user per
// licence tier, each in a group holding all 59 permissions and assigned
// fac_1: what each may do is what their licence lets them hold.
func everyoneHoldsEverything(tb testing.TB) *authz.Snapshot {
	c := mustCatalog(tb, "compliance")
	var all []string
	for _, p := range c.Permissions() {
		all = append(all, p.Codename)
	}
	st := gatehouse.AccessState{
		OrgID:      "org_c",
		Revision:   1,
		Catalog:    c,
		Facilities: []string{"fac_1"},
		Groups:     []gatehouse.GroupAccess{{ID: "grp_all", Permissions: all}},
	}
	for _, l := range tiers {
		st.Users = append(st.Users, gatehouse.UserAccess{ID: "usr_" + l, Status: active, Licence: l, GroupIDs: []string{"grp_all"}, FacilityIDs: []string{"fac_1"}})
	}
	return authz.Compile(st)
}

// TestLicenceTable has one row per row of seed 004's "Permissions granted
// through the user licence type" table.
func TestLicenceTable(t *testing.T) {
	snap := everyoneHoldsEverything(t)
	prefixed := func(prefix string) []string {
		var out []string
		for _, p := range snap.Catalog().Permissions() {
			if strings.HasPrefix(p.Codename, prefix) {
				out = append(out, p.Codename)
			}
		}
		return out
	}
	join := func(lists ...[]string) []string { return slices.Concat(lists...) }

	tests := []struct {
		licence string
		seed    string // the seed's implicit permission settings
		can     []string
		cannot  []string
		holds   int // how many of the 59 permissions the tier may hold
	}{
		{
			licence: "external_auditor",
			seed:    "Cannot create/edit",
			can:     []string{"infosec.download_files", "infosec.export_lists", "visibility.see_company_account", "visibility.see_all_meetings", "visibility.see_all_tabs"},
			cannot:  join(prefixed("create."), prefixed("edit."), prefixed("admin."), []string{"visibility.see_analytics_page", "add_ons.book_assets"}),
			holds:   5,
		},
		{
			licence: "read_report",
			seed:    "Cannot receive tasks other than licensing and training; cannot only create items in the Reporting registers; cannot see add-on dashboards",
			can: []string{"create.add_reporting_register_items", "add_ons.book_assets", "add_ons.see_property_availability_report",
				"visibility.see_unapproved_items", "visibility.see_analytics_page", "infosec.download_files", "visibility.see_all_tabs"},
			cannot: join(prefixed("receive_tasks."), prefixed("admin."), prefixed("edit."),
				[]string{"create.add_assets", "create.add_contracts", "create.add_business_contacts", "create.schedule_meetings"}),
			holds: 10,
		},
		{
			licence: "administrator",
			seed:    "Cannot create/edit except for admin pages; cannot see add-on dashboards",
			can: join(prefixed("admin."), []string{"create.add_reporting_register_items", "add_ons.book_assets",
				"visibility.see_analytics_page", "infosec.export_lists"}),
			cannot: join(prefixed("edit."), prefixed("receive_tasks."), []string{"create.add_assets", "create.add_records",
				"create.add_business_contacts", "create.schedule_management_register_items", "communications.notify_all_users"}),
			holds: 16,
		},
		{
			licence: "action",
			seed:    "Cannot manage or approve; cannot edit an item; cannot see add-on dashboards",
			can: join(prefixed("receive_tasks."), prefixed("admin."), []string{"create.add_assets", "create.add_contracts", "create.add_documents",
				"create.add_records", "create.add_risks", "create.add_suppliers", "create.add_business_contacts",
				"create.add_reporting_register_items", "communications.notify_all_users", "add_ons.book_assets"}),
			cannot: join(prefixed("manage."), prefixed("approve_own_close."), prefixed("edit."), prefixed("super_admin."),
				[]string{"create.schedule_management_register_items", "create.schedule_meetings", "infosec.view_all_items"}),
			holds: 28,
		},
		{
			licence: "approval",
			seed:    "Can do everything",
			can:     prefixed(""),
			holds:   59,
		},
	}
	for _, tc := range tests {
		t.Run(tc.licence, func(t *testing.T) {
			user := "usr_" + tc.licence
			l := snap.Catalog().Licence(tc.licence)
			if l == nil {
				t.Fatalf("no licence %q", tc.licence)
			}
			if l.Summary == "" {
				t.Errorf("licence %s has no summary of the seed's row %q", l.Name, tc.seed)
			}
			for _, code := range tc.can {
				checkDecision(t, decisionCase{snap: snap, user: user, perm: code, res: authz.Resource{FacilityID: "fac_1"},
					want: authz.ReasonGranted, grantedBy: []authz.Source{group("grp_all")}})
			}
			for _, code := range tc.cannot {
				checkDecision(t, decisionCase{snap: snap, user: user, perm: code, res: authz.Resource{FacilityID: "fac_1"},
					want: authz.ReasonLicenceTooLow})
			}
			perms, _ := snap.Effective(user)
			if len(perms) != tc.holds {
				t.Errorf("%s holds %d permissions, want %d: %v", tc.licence, len(perms), tc.holds, codenames(perms))
			}
			for _, p := range snap.Catalog().Permissions() {
				if got := snap.Catalog().CanHold(tc.licence, p.Codename); got != slices.Contains(codenames(perms), p.Codename) {
					t.Errorf("CanHold(%s, %s) = %v disagrees with Effective", tc.licence, p.Codename, got)
				}
			}
		})
	}
}

// The explanation of licence_too_low says which rule kept the permission
// out: the minimum licence, or the tier's own limit.
func TestLicenceTooLowMessages(t *testing.T) {
	snap := everyoneHoldsEverything(t)
	tests := []struct{ user, perm, message string }{
		{"usr_", "infosec.download_files", "needs a licence and the user has none"},
		{"usr_external_auditor", "add_ons.book_assets", "needs licence Read & Report or higher; the user has External Auditor"},
		{"usr_external_auditor", "admin.edit_api_keys", "licence External Auditor keeps admin.edit_api_keys out: Cannot create/edit"},
		{"usr_read_report", "admin.grant_admin", "licence Read & Report keeps admin.grant_admin out: Can only create items in the Reporting registers"},
		{"usr_administrator", "create.add_assets", "needs licence Action or higher; the user has Administrator"},
		{"usr_action", "manage.manage_governance_register_items", "needs licence Approval or higher; the user has Action"},
	}
	for _, tc := range tests {
		x := snap.Explain(tc.user, tc.perm, authz.Resource{FacilityID: "fac_1"})
		if x.Reason != authz.ReasonLicenceTooLow || !strings.Contains(x.Message, tc.message) {
			t.Errorf("%s %s: %s %q, want licence_too_low %q", tc.user, tc.perm, x.Reason, x.Message, tc.message)
		}
	}
}

// lowestTier is, for each of the 59 permissions, the lowest licence that may
// hold it: its minimum licence, or above it where a tier's limits keep it out
// (the Admin permissions' minimum is External user, but External Auditor and
// Read & Report may not create or edit; Administrator opens the admin pages).
var lowestTier = map[string]string{
	"super_admin.grant_super_admin":                           "approval",
	"super_admin.grant_view_all_items":                        "approval",
	"super_admin.edit_account_page":                           "approval",
	"super_admin.edit_subscription_page":                      "approval",
	"infosec.view_all_items":                                  "approval",
	"infosec.download_files":                                  "external_auditor",
	"infosec.export_lists":                                    "external_auditor",
	"admin.grant_admin":                                       "administrator",
	"admin.manage_users":                                      "administrator",
	"admin.edit_system_settings":                              "administrator",
	"admin.edit_system_configuration":                         "administrator",
	"admin.hide_items":                                        "administrator",
	"admin.edit_api_keys":                                     "administrator",
	"add_ons.book_assets":                                     "read_report",
	"add_ons.see_property_availability_report":                "read_report",
	"approve_own_close.approve_accreditation_items":           "approval",
	"approve_own_close.approve_assets":                        "approval",
	"approve_own_close.approve_contracts":                     "approval",
	"approve_own_close.approve_documents":                     "approval",
	"approve_own_close.approve_records":                       "approval",
	"approve_own_close.approve_risks":                         "approval",
	"approve_own_close.approve_suppliers":                     "approval",
	"approve_own_close.close_audits":                          "approval",
	"approve_own_close.close_compliance_tasks":                "approval",
	"approve_own_close.close_maintenance_tasks":               "approval",
	"approve_own_close.close_training_and_licence_tasks":      "approval",
	"approve_own_close.close_incidents":                       "approval",
	"approve_own_close.close_feedback_items":                  "approval",
	"approve_own_close.close_complaints":                      "approval",
	"approve_own_close.close_improvements":                    "approval",
	"approve_own_close.close_repairs":                         "approval",
	"communications.notify_all_users":                         "action",
	"create.add_assets":                                       "action",
	"create.add_contracts":                                    "action",
	"create.add_documents":                                    "action",
	"create.add_records":                                      "action",
	"create.add_risks":                                        "action",
	"create.add_suppliers":                                    "action",
	"create.schedule_management_register_items":               "approval",
	"create.add_reporting_register_items":                     "read_report",
	"create.schedule_meetings":                                "approval",
	"create.add_business_contacts":                            "action",
	"edit.archive_governance_register_items":                  "approval",
	"edit.archive_records":                                    "approval",
	"edit.bulk_edit_close_and_skip_close_and_halt":            "approval",
	"edit.edit_closed_items":                                  "approval",
	"edit.edit_open_items":                                    "approval",
	"edit.reassign_tasks":                                     "approval",
	"manage.manage_governance_register_items":                 "approval",
	"manage.manage_reporting_register_items":                  "approval",
	"receive_tasks.review_governance_register_items":          "action",
	"receive_tasks.review_record_register_items":              "action",
	"receive_tasks.action_audit_compliance_maintenance_tasks": "action",
	"receive_tasks.action_reporting_register_tasks":           "action",
	"visibility.see_company_account":                          "external_auditor",
	"visibility.see_unapproved_items":                         "read_report",
	"visibility.see_all_meetings":                             "external_auditor",
	"visibility.see_all_tabs":                                 "external_auditor",
	"visibility.see_analytics_page":                           "read_report",
}

// TestEveryPermissionAtItsLowestTier: held through a group, each of the 59
// permissions is allowed from its lowest tier up (licences are cumulative)
// and licence_too_low below it, one tier below included.
func TestEveryPermissionAtItsLowestTier(t *testing.T) {
	snap := everyoneHoldsEverything(t)
	perms := snap.Catalog().Permissions()
	if len(perms) != 59 || len(lowestTier) != 59 {
		t.Fatalf("%d permissions, %d table rows; want 59 of each", len(perms), len(lowestTier))
	}
	for _, p := range perms {
		t.Run(p.Codename, func(t *testing.T) {
			lowest, ok := lowestTier[p.Codename]
			if !ok {
				t.Fatalf("no row for %s", p.Codename)
			}
			min := slices.Index(tiers, lowest)
			if rank := slices.Index(tiers, p.MinLicence); rank > min {
				t.Fatalf("lowest tier %s is below the minimum licence %s", lowest, p.MinLicence)
			}
			for rank, l := range tiers {
				want := authz.ReasonLicenceTooLow
				if rank >= min {
					want = authz.ReasonGranted
				}
				if got := snap.Check("usr_"+l, p.Codename, authz.Resource{FacilityID: "fac_1"}).Reason; got != want {
					t.Errorf("licence %q: %s, want %s", l, got, want)
				}
			}
			// Without a resource the same holds: fac_1 is assigned.
			below := "usr_" + tiers[min-1]
			if got := snap.Check(below, p.Codename, authz.Resource{}).Reason; got != authz.ReasonLicenceTooLow {
				t.Errorf("one tier below (%s), no resource: %s, want licence_too_low", tiers[min-1], got)
			}
		})
	}
}
