package catalogs_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
)

func load(t *testing.T, template string) *gatehouse.Catalog {
	t.Helper()
	c, _, err := catalogs.Load(template)
	if err != nil {
		t.Fatalf("Load(%q): %v", template, err)
	}
	return c
}

func TestTemplates(t *testing.T) {
	if got, want := catalogs.Templates(), []string{"compliance", "facilities"}; !slices.Equal(got, want) {
		t.Fatalf("Templates() = %v, want %v", got, want)
	}
	for _, name := range catalogs.Templates() {
		c, data, err := catalogs.Load(name)
		if err != nil {
			t.Fatalf("Load(%q): %v", name, err)
		}
		if c.Template != name || len(data) == 0 || len(c.Reading) == 0 || c.Source == "" {
			t.Errorf("%s: template %q, %d bytes, %d reading notes, source %q", name, c.Template, len(data), len(c.Reading), c.Source)
		}
	}
	_, _, err := catalogs.Load("nope")
	var e *gatehouse.Error
	if !errors.As(err, &e) || e.Code != gatehouse.EINVALID || e.Field != "template" || !strings.Contains(e.Message, "compliance, facilities") {
		t.Errorf("Load(nope) = %v, want invalid template naming the built-in ones", err)
	}
}

// facilities holds exactly seed 000's permission table.
func TestFacilitiesCatalog(t *testing.T) {
	c := load(t, "facilities")

	wantCategories := []string{"facilities", "assets", "contractors", "contracts", "work_orders", "service_reports", "users", "reports", "audit_logs"}
	var gotCategories []string
	for _, cat := range c.Categories {
		gotCategories = append(gotCategories, cat.Key)
	}
	if !slices.Equal(gotCategories, wantCategories) {
		t.Errorf("categories = %v, want %v", gotCategories, wantCategories)
	}

	want := []string{
		"facilities.view", "facilities.create", "facilities.edit", "facilities.delete", "facilities.archive",
		"assets.view", "assets.create", "assets.edit", "assets.delete", "assets.archive",
		"contractors.view", "contractors.create", "contractors.edit", "contractors.delete", "contractors.archive",
		"contracts.view", "contracts.create", "contracts.edit", "contracts.delete", "contracts.archive",
		"work_orders.view", "work_orders.create", "work_orders.edit", "work_orders.delete", "work_orders.archive", "work_orders.send", "work_orders.view_own",
		"service_reports.view", "service_reports.create", "service_reports.edit", "service_reports.delete", "service_reports.archive", "service_reports.send", "service_reports.view_own",
		"users.view", "users.create", "users.edit", "users.delete",
		"reports.view",
		"audit_logs.view",
	}
	if len(want) != 40 {
		t.Fatalf("the test lists %d codenames, seed 000 has 40", len(want))
	}
	var got []string
	for _, p := range c.Permissions() {
		got = append(got, p.Codename)
	}
	if !slices.Equal(got, want) {
		t.Errorf("codenames:\n got %v\nwant %v", got, want)
	}

	if c.HasLicences() || len(c.Licences) != 0 || c.HighestLicence() != "" || c.NewUserLicence() != "" {
		t.Errorf("facilities has licences: %+v", c.Licences)
	}

	scoped := map[string]bool{"facilities": true, "assets": true, "work_orders": true, "service_reports": true}
	for _, p := range c.Permissions() {
		if p.FacilityScoped != scoped[p.Category] {
			t.Errorf("%s: facility_scoped = %v, want %v", p.Codename, p.FacilityScoped, scoped[p.Category])
		}
		if p.MinLicence != "" {
			t.Errorf("%s: min_licence %q in a catalog without licences", p.Codename, p.MinLicence)
		}
		if !c.CanHold("", p.Codename) {
			t.Errorf("%s cannot be held without a licence", p.Codename)
		}
	}

	for _, x := range []string{"work_orders", "service_reports"} {
		view, own, ok := c.OwnVariant(x + ".view_own")
		if !ok || view != x+".view" || own != x+".view_own" {
			t.Errorf("OwnVariant(%s.view_own) = %q, %q, %v", x, view, own, ok)
		}
	}
	if _, _, ok := c.OwnVariant("assets.view"); ok {
		t.Error("assets.view has no view_own variant")
	}
}

// licence names the compliance catalog gives the seed's "minimum required
// licence" column.
var seedLicence = map[string]string{
	"external user":   "external_auditor",
	"read and report": "read_report",
	"action":          "action",
	"approval":        "approval",
}

// seed004 is seed 004's permission table, row by row, as the seed writes it:
// permission type, permission, minimum required licence.
var seed004 = []struct{ category, label, min string }{
	{"Super Admin", "Grant super admin permissions to users", "Approval"},
	{"Super Admin", "Grant view all items permissions to users", "Approval"},
	{"Super Admin", "Edit Account page", "Approval"},
	{"Super Admin", "Edit subscription page", "Approval"},
	{"InfoSec", "View all items", "Approval"},
	{"InfoSec", "Download files", "External user"},
	{"InfoSec", "Export lists", "External user"},
	{"Admin", "Grant admin permissions to users", "External user"},
	{"Admin", "Create and edit users, roles, and teams", "External user"},
	{"Admin", "Edit system settings", "External user"},
	{"Admin", "Edit system configuration", "External user"},
	{"Admin", "Hide items", "External user"},
	{"Admin", "Edit API keys", "External user"},
	{"Add-ons", "Book assets", "Read and report"},
	{"Add-ons", "See Property availability report", "Read and report"},
	{"Approve/Own/Close", "Approve accreditation items", "Approval"},
	{"Approve/Own/Close", "Approve assets", "Approval"},
	{"Approve/Own/Close", "Approve contracts", "Approval"},
	{"Approve/Own/Close", "Approve documents", "Approval"},
	{"Approve/Own/Close", "Approve records", "Approval"},
	{"Approve/Own/Close", "Approve risks", "Approval"},
	{"Approve/Own/Close", "Approve suppliers", "Approval"},
	{"Approve/Own/Close", "Close audits", "Approval"},
	{"Approve/Own/Close", "Close compliance tasks", "Approval"},
	{"Approve/Own/Close", "Close maintenance tasks", "Approval"},
	{"Approve/Own/Close", "Close training and licence tasks", "Approval"},
	{"Approve/Own/Close", "Close incidents", "Approval"},
	{"Approve/Own/Close", "Close feedback items", "Approval"},
	{"Approve/Own/Close", "Close complaints", "Approval"},
	{"Approve/Own/Close", "Close improvements", "Approval"},
	{"Approve/Own/Close", "Close repairs", "Approval"},
	{"Communications", "Notify all users", "Action"},
	{"Create", "Add assets", "Action"},
	{"Create", "Add contracts", "Action"},
	{"Create", "Add documents", "Action"},
	{"Create", "Add records", "Action"},
	{"Create", "Add risks", "Action"},
	{"Create", "Add suppliers", "Action"},
	{"Create", "Schedule items in Management Registers", "Approval"},
	{"Create", "Add items to Reporting registers", "Read and report"},
	{"Create", "Schedule and manage meetings", "Approval"},
	{"Create", "Add business contacts", "Action"},
	{"Edit", "Archive Governance register items", "Approval"},
	{"Edit", "Archive records", "Approval"},
	{"Edit", "Bulk edit, Close and skip, Close and halt", "Approval"},
	{"Edit", "Edit closed items", "Approval"},
	{"Edit", "Edit open items", "Approval"},
	{"Edit", "Re-assign tasks", "Approval"},
	{"Manage", "Manage Governance register items", "Approval"},
	{"Manage", "Manage Reporting register items", "Approval"},
	{"Receive tasks", "Review Governance register items", "Action"},
	{"Receive tasks", "Review Record register items", "Action"},
	{"Receive tasks", "Action Audit, Compliance and Maintenance tasks", "Action"},
	{"Receive tasks", "Action Reporting register tasks", "Action"},
	{"Visibility", "See Company account", "External user"},
	{"Visibility", "See unapproved items", "Read and report"},
	{"Visibility", "See all meetings", "External user"},
	{"Visibility", "See all tabs: All tasks, All Schedule, Archived and Closed", "External user"},
	{"Visibility", "See Analytics page", "Read and Report"},
}

// compliance holds every row of seed 004's permission table.
func TestComplianceCatalogHoldsSeed004(t *testing.T) {
	c := load(t, "compliance")
	if len(seed004) != 59 {
		t.Fatalf("the test lists %d rows, seed 004 has 59", len(seed004))
	}
	if got := len(c.Permissions()); got != 59 {
		t.Errorf("compliance has %d permissions, want 59", got)
	}
	wantCategories := []string{"Super Admin", "InfoSec", "Admin", "Add-ons", "Approve/Own/Close", "Communications", "Create", "Edit", "Manage", "Receive tasks", "Visibility"}
	var gotCategories []string
	for _, cat := range c.Categories {
		gotCategories = append(gotCategories, cat.Name)
	}
	if !slices.Equal(gotCategories, wantCategories) {
		t.Errorf("categories = %v, want the seed's 11: %v", gotCategories, wantCategories)
	}

	matched := map[string]bool{}
	for _, row := range seed004 {
		t.Run(row.category+"/"+row.label, func(t *testing.T) {
			want, ok := seedLicence[strings.ToLower(row.min)]
			if !ok {
				t.Fatalf("unknown seed licence %q", row.min)
			}
			var found *gatehouse.Permission
			for i := range c.Categories {
				cat := &c.Categories[i]
				if cat.Name != row.category {
					continue
				}
				for j := range cat.Permissions {
					if cat.Permissions[j].Label == row.label {
						found = &cat.Permissions[j]
					}
				}
			}
			if found == nil {
				t.Fatalf("no permission labelled %q in category %q", row.label, row.category)
			}
			if matched[found.Codename] {
				t.Errorf("%s matched twice", found.Codename)
			}
			matched[found.Codename] = true
			if found.MinLicence != want {
				t.Errorf("%s: min_licence %q, want %q (seed: %q)", found.Codename, found.MinLicence, want, row.min)
			}
			if c.Permission(found.Codename) != found {
				t.Errorf("%s: Permission() does not find it", found.Codename)
			}
		})
	}
	for _, p := range c.Permissions() {
		if !matched[p.Codename] {
			t.Errorf("%s is in the catalog but not in seed 004", p.Codename)
		}
	}
}

func TestComplianceLicenceLadder(t *testing.T) {
	c := load(t, "compliance")
	want := []struct{ name, label string }{
		{"external_auditor", "External Auditor"},
		{"read_report", "Read & Report"},
		{"administrator", "Administrator"},
		{"action", "Action"},
		{"approval", "Approval"},
	}
	if len(c.Licences) != len(want) {
		t.Fatalf("%d licences, want %d", len(c.Licences), len(want))
	}
	for i, w := range want {
		l := c.Licences[i]
		if l.Name != w.name || l.Label != w.label || l.Rank != i+1 || c.LicenceRank(w.name) != i+1 {
			t.Errorf("licence %d = %s %q rank %d, want %s %q rank %d", i, l.Name, l.Label, l.Rank, w.name, w.label, i+1)
		}
		if len(l.ImplicitPermissions) != 0 {
			t.Errorf("%s grants %v implicitly; the catalog's reading says no tier does", l.Name, l.ImplicitPermissions)
		}
	}
	for i := 1; i < len(want); i++ {
		if !(c.LicenceRank(want[i-1].name) < c.LicenceRank(want[i].name)) {
			t.Errorf("%s is not below %s", want[i-1].name, want[i].name)
		}
	}
	if c.HighestLicence() != "approval" || c.NewUserLicence() != "external_auditor" {
		t.Errorf("HighestLicence=%q NewUserLicence=%q", c.HighestLicence(), c.NewUserLicence())
	}
}

// The compliance catalog's reading: items, tasks and registers live in a
// facility; the rest acts on the whole organization.
func TestComplianceFacilityScope(t *testing.T) {
	c := load(t, "compliance")
	scoped := map[string]bool{"add_ons": true, "approve_own_close": true, "create": true, "edit": true, "manage": true, "receive_tasks": true}
	for _, p := range c.Permissions() {
		want := scoped[p.Category] && p.Codename != "create.add_business_contacts"
		if p.FacilityScoped != want {
			t.Errorf("%s: facility_scoped = %v, want %v", p.Codename, p.FacilityScoped, want)
		}
	}
}

func TestAdminOperationsMapped(t *testing.T) {
	for _, name := range catalogs.Templates() {
		c := load(t, name)
		if len(c.AdminOperations) != len(gatehouse.AdminOperations) {
			t.Errorf("%s maps %d admin operations, want %d", name, len(c.AdminOperations), len(gatehouse.AdminOperations))
		}
		for _, op := range gatehouse.AdminOperations {
			code, ok := c.AdminOperations[op]
			if !ok {
				t.Errorf("%s: admin operation %s is not mapped", name, op)
				continue
			}
			if c.Permission(code) == nil {
				t.Errorf("%s: admin operation %s maps to unknown permission %q", name, op, code)
			}
		}
	}
	// The mappings the catalogs' reading notes state.
	want := map[string]map[string]string{
		"facilities": {
			gatehouse.OpViewUsers: "users.view", gatehouse.OpInviteUsers: "users.create", gatehouse.OpEditUsers: "users.edit",
			gatehouse.OpDeactivateUsers: "users.edit", gatehouse.OpDeleteUsers: "users.delete", gatehouse.OpViewGroups: "users.view",
			gatehouse.OpManageGroups: "users.edit", gatehouse.OpViewFacilities: "facilities.view",
			gatehouse.OpManageFacilities: "facilities.edit", gatehouse.OpViewAuditLog: "audit_logs.view",
		},
		"compliance": {
			gatehouse.OpViewUsers: "admin.manage_users", gatehouse.OpInviteUsers: "admin.manage_users", gatehouse.OpEditUsers: "admin.manage_users",
			gatehouse.OpDeactivateUsers: "admin.manage_users", gatehouse.OpDeleteUsers: "admin.manage_users", gatehouse.OpViewGroups: "admin.manage_users",
			gatehouse.OpManageGroups: "admin.manage_users", gatehouse.OpViewFacilities: "visibility.see_company_account",
			gatehouse.OpManageFacilities: "admin.edit_system_configuration", gatehouse.OpViewAuditLog: "infosec.view_all_items",
		},
	}
	for name, ops := range want {
		c := load(t, name)
		for op, code := range ops {
			if got := c.AdminOperations[op]; got != code {
				t.Errorf("%s: %s guarded by %q, want %q", name, op, got, code)
			}
		}
	}
}
