package gatehouse_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
)

// tinyCatalog is a small valid catalog; each case below breaks one rule of it.
// One permission per line, so that every field path has a line of its own.
const tinyCatalog = `{
  "template": "tiny",
  "title": "Tiny",
  "categories": [
    {
      "key": "assets",
      "name": "Assets",
      "facility_scoped": true,
      "permissions": [
        {"codename": "assets.view", "label": "View", "min_licence": "basic"},
        {"codename": "assets.edit", "label": "Edit", "min_licence": "pro"}
      ]
    },
    {
      "key": "users",
      "name": "Users",
      "permissions": [
        {"codename": "users.view", "label": "View"},
        {"codename": "users.edit", "label": "Edit"}
      ]
    }
  ],
  "licences": [
    {"name": "basic", "label": "Basic", "implicit_permissions": ["assets.view"], "limits": [{"text": "Cannot manage users", "deny_categories": ["users"]}]},
    {"name": "pro", "label": "Pro", "implicit_permissions": []}
  ],
  "default_licence": "basic",
  "admin_operations": {
    "view_users": "users.view",
    "invite_users": "users.edit",
    "edit_users": "users.edit",
    "deactivate_users": "users.edit",
    "delete_users": "users.edit",
    "view_groups": "users.view",
    "manage_groups": "users.edit",
    "view_facilities": "assets.view",
    "manage_facilities": "assets.edit",
    "view_audit_log": "users.view"
  }
}
`

func TestParseCatalogValid(t *testing.T) {
	c, err := gatehouse.ParseCatalog([]byte(tinyCatalog))
	if err != nil {
		t.Fatalf("ParseCatalog: %v", err)
	}
	if got := len(c.Permissions()); got != 4 {
		t.Errorf("Permissions() has %d entries, want 4", got)
	}
	p := c.Permission("assets.edit")
	if p == nil || p.Category != "assets" || !p.FacilityScoped || p.MinLicence != "pro" {
		t.Errorf("assets.edit resolved to %+v", p)
	}
	if p := c.Permission("users.view"); p == nil || p.FacilityScoped {
		t.Errorf("users.view resolved to %+v, want not facility-scoped", p)
	}
	if c.LicenceRank("basic") != 1 || c.LicenceRank("pro") != 2 || c.LicenceRank("") != 0 || c.LicenceRank("nope") != 0 {
		t.Errorf("ranks: basic=%d pro=%d none=%d unknown=%d", c.LicenceRank("basic"), c.LicenceRank("pro"), c.LicenceRank(""), c.LicenceRank("nope"))
	}
	if c.HighestLicence() != "pro" || c.NewUserLicence() != "basic" {
		t.Errorf("HighestLicence=%q NewUserLicence=%q", c.HighestLicence(), c.NewUserLicence())
	}
	// basic keeps users out; pro has no limit, and cumulative tiers do not
	// take away what a higher tier may hold.
	for _, tc := range []struct {
		licence, codename string
		want              bool
	}{
		{"basic", "assets.view", true},
		{"basic", "assets.edit", false},
		{"basic", "users.view", false},
		{"pro", "users.view", true},
		{"pro", "assets.edit", true},
		{"", "assets.view", false},
		{"pro", "nope.view", false},
	} {
		if got := c.CanHold(tc.licence, tc.codename); got != tc.want {
			t.Errorf("CanHold(%q, %q) = %v, want %v", tc.licence, tc.codename, got, tc.want)
		}
	}
}

func TestParseCatalogErrors(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(string) string
		field   string // the field path the message must name; "" for syntax errors
		marker  string // the last occurrence of marker is on the line the message must name
		message string // a further fragment the message must contain
	}{
		{
			name:    "duplicate codename",
			edit:    replace(`{"codename": "users.edit", "label": "Edit"}`, `{"codename": "users.view", "label": "Edit again"}`),
			field:   "categories[1].permissions[1].codename",
			marker:  `"label": "Edit again"`,
			message: `duplicate codename "users.view" (first at categories[1].permissions[0].codename)`,
		},
		{
			name:    "duplicate codename across categories",
			edit:    replace(`{"codename": "users.view", "label": "View"}`, `{"codename": "assets.view", "label": "View"}`),
			field:   "categories[1].permissions[0].codename",
			marker:  `"assets.view", "label": "View"}`,
			message: `duplicate codename "assets.view"`,
		},
		{
			name:    "view and view_own of different scopes",
			edit:    replace(`{"codename": "users.edit", "label": "Edit"}`, `{"codename": "users.view_own", "label": "View own", "facility_scoped": true}`),
			field:   "categories[1].permissions[1].codename",
			marker:  `"users.view_own"`,
			message: `users.view and users.view_own must both be facility-scoped or both organization-wide`,
		},
		{
			name:    "unknown licence in min_licence",
			edit:    replace(`"min_licence": "pro"`, `"min_licence": "platinum"`),
			field:   "categories[0].permissions[1].min_licence",
			marker:  `"platinum"`,
			message: `unknown licence "platinum"`,
		},
		{
			name:    "unknown category in a licence limit's deny_categories",
			edit:    replace(`"deny_categories": ["users"]`, `"deny_categories": ["users", "billing"]`),
			field:   "licences[0].limits[0].deny_categories[1]",
			marker:  `"billing"`,
			message: `unknown category "billing"`,
		},
		{
			name:    "unknown permission in a licence limit's deny_permissions",
			edit:    replace(`"deny_categories": ["users"]`, `"deny_permissions": ["users.fly"]`),
			field:   "licences[0].limits[0].deny_permissions[0]",
			marker:  `"users.fly"`,
			message: `unknown permission "users.fly"`,
		},
		{
			name:    "unknown permission in implicit_permissions",
			edit:    replace(`"implicit_permissions": ["assets.view"]`, `"implicit_permissions": ["assets.view", "assets.fly"]`),
			field:   "licences[0].implicit_permissions[1]",
			marker:  `"assets.fly"`,
			message: `unknown permission "assets.fly"`,
		},
		{
			name:    "duplicate licence",
			edit:    replace(`{"name": "pro", "label": "Pro"`, `{"name": "basic", "label": "Pro"`),
			field:   "licences[1].name",
			marker:  `{"name": "basic", "label": "Pro"`,
			message: `duplicate licence "basic"`,
		},
		{
			name:    "unknown default licence",
			edit:    replace(`"default_licence": "basic"`, `"default_licence": "gold"`),
			field:   "default_licence",
			marker:  `"gold"`,
			message: `unknown licence "gold"`,
		},
		{
			name:    "missing admin-operation mapping",
			edit:    replace(`    "delete_users": "users.edit",`+"\n", ""),
			field:   "admin_operations",
			marker:  `"admin_operations": {`,
			message: `missing admin-operation mapping for "delete_users"`,
		},
		{
			name:    "unknown permission in admin_operations",
			edit:    replace(`"view_audit_log": "users.view"`, `"view_audit_log": "audit_logs.view"`),
			field:   "admin_operations.view_audit_log",
			marker:  `"audit_logs.view"`,
			message: `unknown permission "audit_logs.view"`,
		},
		{
			name:    "unknown admin operation",
			edit:    replace(`"view_audit_log": "users.view"`, `"view_audit_log": "users.view", "launch_rockets": "users.edit"`),
			field:   "admin_operations.launch_rockets",
			marker:  `"launch_rockets"`,
			message: `unknown admin operation "launch_rockets"`,
		},
		{
			name:    "bad codename",
			edit:    replace(`"codename": "assets.view"`, `"codename": "Assets View"`),
			field:   "categories[0].permissions[0].codename",
			marker:  `"Assets View"`,
			message: `codename "Assets View" must look like`,
		},
		{
			name:    "codename without a category prefix",
			edit:    replace(`"codename": "users.edit"`, `"codename": "edit"`),
			field:   "categories[1].permissions[1].codename",
			marker:  `"codename": "edit"`,
			message: `codename "edit" must look like`,
		},
		{
			name:    "permission without a label",
			edit:    replace(`{"codename": "users.edit", "label": "Edit"}`, `{"codename": "users.edit", "label": " "}`),
			field:   "categories[1].permissions[1].label",
			marker:  `"label": " "`,
			message: `permission "users.edit" needs a label`,
		},
		{
			name:    "duplicate category",
			edit:    replace(`"key": "users"`, `"key": "assets"`),
			field:   "categories[1].key",
			marker:  `"key": "assets"`,
			message: `duplicate category "assets"`,
		},
		{
			name:    "bad category key",
			edit:    replace(`"key": "users"`, `"key": "Users!"`),
			field:   "categories[1].key",
			marker:  `"Users!"`,
			message: `category key "Users!"`,
		},
		{
			name:    "bad template name",
			edit:    replace(`"template": "tiny"`, `"template": "Tiny Catalog"`),
			field:   "template",
			marker:  `"Tiny Catalog"`,
			message: `must be a lower-case name`,
		},
		{
			name:    "wrong JSON type",
			edit:    replace(`"facility_scoped": true`, `"facility_scoped": "yes"`),
			field:   "categories.facility_scoped",
			marker:  `"yes"`,
			message: "expected bool",
		},
		{
			name:   "JSON syntax error",
			edit:   replace(`{"codename": "assets.edit", "label": "Edit", "min_licence": "pro"}`, `{"codename": "assets.edit" "label": "Edit", "min_licence": "pro"}`),
			marker: `"assets.edit" "label"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := tc.edit(tinyCatalog)
			_, err := gatehouse.ParseCatalog([]byte(doc))
			if err == nil {
				t.Fatal("ParseCatalog accepted the catalog")
			}
			if code := gatehouse.ErrorCode(err); code != gatehouse.EINVALID {
				t.Fatalf("code = %q, want %q (err %v)", code, gatehouse.EINVALID, err)
			}
			var e *gatehouse.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not a *gatehouse.Error", err)
			}
			msg := e.Message
			t.Log(msg)
			if !strings.HasPrefix(msg, "catalog: ") {
				t.Errorf("message %q does not start with \"catalog: \"", msg)
			}
			line := lineOf(t, doc, tc.marker)
			if want := fmt.Sprintf("line %d:", line); !strings.Contains(msg, want) {
				t.Errorf("message %q does not name %q", msg, want)
			}
			if tc.field != "" {
				if e.Field != tc.field {
					t.Errorf("Field = %q, want %q", e.Field, tc.field)
				}
				if !strings.Contains(msg, tc.field+":") {
					t.Errorf("message %q does not name the field %q", msg, tc.field)
				}
			}
			if !strings.Contains(msg, tc.message) {
				t.Errorf("message %q does not contain %q", msg, tc.message)
			}
		})
	}
}

// An unknown field is most often a typo of a known one; the message names it.
func TestParseCatalogUnknownField(t *testing.T) {
	doc := strings.Replace(tinyCatalog, `"min_licence": "pro"`, `"min_license": "pro"`, 1)
	_, err := gatehouse.ParseCatalog([]byte(doc))
	if gatehouse.ErrorCode(err) != gatehouse.EINVALID {
		t.Fatalf("err = %v, want an invalid error", err)
	}
	if msg := gatehouse.ErrorMessage(err); !strings.Contains(msg, `"min_license"`) || !strings.Contains(msg, "line 11") {
		t.Errorf("message %q does not name the unknown field and its line", msg)
	}
}

func TestParseCatalogRefusesTrailingData(t *testing.T) {
	_, err := gatehouse.ParseCatalog([]byte(tinyCatalog + "{}\n"))
	if msg := gatehouse.ErrorMessage(err); gatehouse.ErrorCode(err) != gatehouse.EINVALID || !strings.Contains(msg, "line 41") {
		t.Fatalf("err = %v, want invalid naming line 41", err)
	}
}

func TestParseCatalogTooManyPermissions(t *testing.T) {
	var perms []string
	for i := 0; i <= gatehouse.MaxPermissions; i++ {
		perms = append(perms, fmt.Sprintf(`{"codename": "bulk.p%d", "label": "P%d"}`, i, i))
	}
	doc := strings.Replace(tinyCatalog, `"categories": [`, `"categories": [
    {"key": "bulk", "name": "Bulk", "permissions": [`+strings.Join(perms, ",\n")+`]},`, 1)
	_, err := gatehouse.ParseCatalog([]byte(doc))
	var e *gatehouse.Error
	if !errors.As(err, &e) || e.Code != gatehouse.EINVALID || e.Field != "categories" {
		t.Fatalf("err = %v, want invalid on field categories", err)
	}
	if !strings.Contains(e.Message, fmt.Sprintf("at most %d permissions", gatehouse.MaxPermissions)) {
		t.Errorf("message %q does not state the bound", e.Message)
	}
}

func replace(old, new string) func(string) string {
	return func(doc string) string {
		if !strings.Contains(doc, old) {
			panic(fmt.Sprintf("test catalog has no %q", old))
		}
		return strings.Replace(doc, old, new, 1)
	}
}

// lineOf returns the 1-based line of the last occurrence of marker in doc.
func lineOf(t *testing.T, doc, marker string) int {
	t.Helper()
	i := strings.LastIndex(doc, marker)
	if i < 0 {
		t.Fatalf("marker %q not in document", marker)
	}
	return strings.Count(doc[:i], "\n") + 1
}
