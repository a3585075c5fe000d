package catalogs_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
)

const referenceFile = "../docs/permissions-reference.md"

func builtinReference(t *testing.T) string {
	t.Helper()
	ref, err := catalogs.BuiltinReference()
	if err != nil {
		t.Fatalf("BuiltinReference: %v", err)
	}
	return ref
}

// section returns the part of the reference about one template.
func section(t *testing.T, ref, template string) string {
	t.Helper()
	start := strings.Index(ref, fmt.Sprintf("## `%s`:", template))
	if start < 0 {
		t.Fatalf("the reference has no section for %s", template)
	}
	rest := ref[start:]
	if end := strings.Index(rest[1:], "\n## `"); end >= 0 {
		rest = rest[:end+1]
	}
	return rest
}

// The committed docs/permissions-reference.md is the generator's output.
func TestReferenceFileIsUpToDate(t *testing.T) {
	want := builtinReference(t)
	got, err := os.ReadFile(referenceFile)
	if err != nil {
		t.Fatalf("%v\nrun: go run ./cmd/gatehouse catalog reference --out docs/permissions-reference.md", err)
	}
	if string(got) == want {
		return
	}
	gotLines, wantLines := strings.Split(string(got), "\n"), strings.Split(want, "\n")
	line := 0
	for line < len(gotLines) && line < len(wantLines) && gotLines[line] == wantLines[line] {
		line++
	}
	at := func(lines []string) string {
		if line < len(lines) {
			return lines[line]
		}
		return "(end of file)"
	}
	t.Fatalf("docs/permissions-reference.md is out of date (first difference at line %d):\n file: %s\n want: %s\nrun: go run ./cmd/gatehouse catalog reference --out docs/permissions-reference.md",
		line+1, at(gotLines), at(wantLines))
}

func TestReferenceIsDeterministic(t *testing.T) {
	first := builtinReference(t)
	for range 5 {
		if builtinReference(t) != first {
			t.Fatal("two renderings of the reference differ")
		}
	}
}

func TestReferenceListsEveryCodename(t *testing.T) {
	ref := builtinReference(t)
	if f, c := strings.Index(ref, "## `facilities`:"), strings.Index(ref, "## `compliance`:"); f < 0 || c < f {
		t.Fatalf("want the facilities section before the compliance one (at %d, %d)", f, c)
	}
	for _, template := range []string{"facilities", "compliance"} {
		c := load(t, template)
		sec := section(t, ref, template)
		for _, cat := range c.Categories {
			if !strings.Contains(sec, fmt.Sprintf("#### %s (`%s`)", cat.Name, cat.Key)) {
				t.Errorf("%s: category %s missing", template, cat.Key)
			}
		}
		for _, p := range c.Permissions() {
			if !strings.Contains(sec, "| `"+p.Codename+"` | "+p.Label+" |") {
				t.Errorf("%s: no row for %s", template, p.Codename)
			}
		}
		for _, r := range c.Reading {
			if !strings.Contains(sec, "- "+r+"\n") {
				t.Errorf("%s: reading note missing: %s", template, r)
			}
		}
		for _, op := range gatehouse.AdminOperations {
			if !strings.Contains(sec, fmt.Sprintf("| `%s` | `%s` |", op, c.AdminOperations[op])) {
				t.Errorf("%s: admin operation %s missing", template, op)
			}
		}
	}
	if got := strings.Count(section(t, ref, "facilities"), "\n| `"); got != 40+len(gatehouse.AdminOperations) {
		t.Errorf("facilities: %d codename and operation rows, want 40 + %d", got, len(gatehouse.AdminOperations))
	}
}

func TestReferencePermissionColumns(t *testing.T) {
	ref := builtinReference(t)
	for template, rows := range map[string][]string{
		"facilities": {
			"| `work_orders.view_own` | View Own | — | yes |",
			"| `facilities.archive` | Archive | — | yes |",
			"| `contractors.view` | View | — | no |",
			"| `audit_logs.view` | View Audit Logs | — | no |",
		},
		"compliance": {
			"| `super_admin.grant_super_admin` | Grant super admin permissions to users | Approval | no |",
			"| `infosec.download_files` | Download files | External Auditor | no |",
			"| `admin.manage_users` | Create and edit users, roles, and teams | External Auditor | no |",
			"| `add_ons.book_assets` | Book assets | Read & Report | yes |",
			"| `create.add_assets` | Add assets | Action | yes |",
			"| `create.add_business_contacts` | Add business contacts | Action | no |",
			"| `create.add_reporting_register_items` | Add items to Reporting registers | Read & Report | yes |",
			"| `visibility.see_analytics_page` | See Analytics page | Read & Report | no |",
		},
	} {
		sec := section(t, ref, template)
		for _, row := range rows {
			if !strings.Contains(sec, row+"\n") {
				t.Errorf("%s: row missing or wrong: %s", template, row)
			}
		}
	}
	if !strings.Contains(section(t, ref, "facilities"), "This catalog has no licences") {
		t.Error("facilities: the reference should say the catalog has no licences")
	}
}

func TestReferenceComplianceLadder(t *testing.T) {
	sec := section(t, builtinReference(t), "compliance")
	tiers := []struct {
		row, held string
	}{
		{"| 1 | `external_auditor` | External Auditor | Cannot create/edit |", "##### 1. External Auditor (`external_auditor`): 5 of 59 permissions"},
		{"| 2 | `read_report` | Read & Report |", "##### 2. Read & Report (`read_report`): 10 of 59 permissions"},
		{"| 3 | `administrator` | Administrator |", "##### 3. Administrator (`administrator`): 16 of 59 permissions"},
		{"| 4 | `action` | Action |", "##### 4. Action (`action`): 28 of 59 permissions"},
		{"| 5 | `approval` | Approval | Can do everything |", "##### 5. Approval (`approval`): 59 of 59 permissions"},
	}
	last, lastHeld := -1, -1
	for _, tier := range tiers {
		at := strings.Index(sec, tier.row)
		if at < 0 || at < last {
			t.Errorf("ladder row missing or out of order: %s", tier.row)
		}
		held := strings.Index(sec, tier.held)
		if held < 0 || held < lastHeld {
			t.Errorf("tier heading missing or out of order: %s", tier.held)
		}
		last, lastHeld = at, held
	}

	// Limits are listed with their text, what they keep out and their reading.
	for _, row := range []string{
		"| External Auditor | Cannot create/edit | Create (category), Edit (category), Admin (category) | — | — |",
		"| Read & Report | Can only create items in the Reporting registers | Create (category), Edit (category), Admin (category) | `create.add_reporting_register_items` | the seed's wording is \"Cannot only create items in the Reporting registers\"; read as \"can only create items in the Reporting registers\", the double negative being a slip: the tier's one create permission is Add items to Reporting registers |",
		"| Action | Cannot manage or approve | Manage (category), Approve/Own/Close (category) | — | — |",
		"| Approval | none | — | — | — |",
	} {
		if !strings.Contains(sec, row+"\n") {
			t.Errorf("limit row missing: %s", row)
		}
	}

	// The cumulative effect: Administrator keeps Read & Report's reporting
	// register item although its own limit keeps the Create category out.
	admin := sec[strings.Index(sec, "##### 3. Administrator"):strings.Index(sec, "##### 4. Action")]
	if !strings.Contains(admin, "- Create: `create.add_reporting_register_items`\n") {
		t.Errorf("Administrator should hold create.add_reporting_register_items:\n%s", admin)
	}
	if !strings.Contains(admin, "- Admin: `admin.grant_admin`") {
		t.Errorf("Administrator should hold the Admin category:\n%s", admin)
	}
}

// The generator works on any catalog: implicit grants are cumulative and
// what a tier's own limits keep out is named.
func TestReferenceOfCustomCatalog(t *testing.T) {
	c, err := gatehouse.ParseCatalog([]byte(`{
  "template": "custom", "title": "Custom | test",
  "categories": [{"key": "a", "name": "A", "facility_scoped": true, "permissions": [
    {"codename": "a.view", "label": "View", "min_licence": "basic"},
    {"codename": "a.export", "label": "Export", "facility_scoped": false}]}],
  "licences": [
    {"name": "basic", "label": "Basic", "implicit_permissions": ["a.view"],
     "limits": [{"text": "Cannot export", "deny_permissions": ["a.export"], "reading": "exports are for pros"}]},
    {"name": "pro", "label": "Pro", "implicit_permissions": []}],
  "admin_operations": {"view_users": "a.view", "invite_users": "a.view", "edit_users": "a.view",
    "deactivate_users": "a.view", "delete_users": "a.view", "view_groups": "a.view", "manage_groups": "a.view",
    "view_facilities": "a.view", "manage_facilities": "a.view", "view_audit_log": "a.view"}
}`))
	if err != nil {
		t.Fatal(err)
	}
	ref := catalogs.Reference(c)
	for _, want := range []string{
		"| [`custom`](#template-custom) | Custom \\| test | 1 | 2 | 2 |",
		"2 permissions in 1 category; licence ladder Basic < Pro.",
		"| `a.view` | View | Basic | yes |",
		"| `a.export` | Export | — | no |",
		"| 1 | `basic` | Basic | — | `a.view` | 1 of 2 |",
		"| 2 | `pro` | Pro | — | — | 2 of 2 |",
		"| Basic | Cannot export | `a.export` | — | exports are for pros |",
		"Kept out by its own limits although their minimum licence is this tier or lower: `a.export` (Cannot export).",
		"Granted implicitly (by this tier or a lower one): `a.view`.",
	} {
		if !strings.Contains(ref, want) {
			t.Errorf("reference lacks %q:\n%s", want, ref)
		}
	}
	if strings.Count(ref, "Granted implicitly (by this tier or a lower one): `a.view`.") != 2 {
		t.Error("Pro should keep Basic's implicit grant")
	}
}
