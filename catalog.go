package gatehouse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// A Catalog is an organization's permission catalog: categories of
// permissions, the ordered licence ladder, and which permission guards each of
// Gatehouse's own admin operations. It is data, read from a JSON file.
type Catalog struct {
	Template        string            `json:"template"`
	Title           string            `json:"title"`
	Source          string            `json:"source,omitempty"`  // the document the catalog implements
	Reading         []string          `json:"reading,omitempty"` // how that document was read where it is ambiguous
	Categories      []Category        `json:"categories"`
	Licences        []Licence         `json:"licences"` // lowest tier first; empty when the catalog has none
	DefaultLicence  string            `json:"default_licence,omitempty"`
	AdminOperations map[string]string `json:"admin_operations"` // operation → guarding codename

	byCodename map[string]*Permission
	categories map[string]*Category
}

// A Category groups permissions, e.g. "Work Orders".
type Category struct {
	Key            string       `json:"key"`
	Name           string       `json:"name"`
	FacilityScoped bool         `json:"facility_scoped"` // default for its permissions
	Permissions    []Permission `json:"permissions"`
}

// A Permission is one right, named by a codename such as "work_orders.view".
type Permission struct {
	Codename   string `json:"codename"`
	Label      string `json:"label"`
	MinLicence string `json:"min_licence,omitempty"` // licence name; "" means any
	// Scoped overrides the category's facility scope when set.
	Scoped *bool `json:"facility_scoped,omitempty"`

	Category       string `json:"-"` // category key, set on load
	FacilityScoped bool   `json:"-"` // resolved scope, set on load
}

// A Licence is one tier of the licence ladder. A tier may hold any
// permission whose minimum licence is its own or lower, less its limits, plus
// anything a lower tier may hold (licences are cumulative).
type Licence struct {
	Name                string         `json:"name"`
	Label               string         `json:"label"`
	Summary             string         `json:"summary,omitempty"` // the source's wording for the tier
	ImplicitPermissions []string       `json:"implicit_permissions"`
	Limits              []LicenceLimit `json:"limits,omitempty"`
	Rank                int            `json:"-"` // 1 for the lowest tier, set on load
}

// A LicenceLimit is one "cannot ..." of a tier: the permissions it keeps
// out of reach of that tier even though their minimum licence allows them.
type LicenceLimit struct {
	Text            string   `json:"text"`
	DenyCategories  []string `json:"deny_categories,omitempty"`
	DenyPermissions []string `json:"deny_permissions,omitempty"`
	Except          []string `json:"except,omitempty"`
	Reading         string   `json:"reading,omitempty"`
}

// Gatehouse's own admin operations; each catalog names the permission that
// guards each of them.
const (
	OpViewUsers        = "view_users"
	OpInviteUsers      = "invite_users"
	OpEditUsers        = "edit_users"
	OpDeactivateUsers  = "deactivate_users"
	OpDeleteUsers      = "delete_users"
	OpViewGroups       = "view_groups"
	OpManageGroups     = "manage_groups"
	OpViewFacilities   = "view_facilities"
	OpManageFacilities = "manage_facilities"
	OpViewAuditLog     = "view_audit_log"
	OpManageSecurity   = "manage_security" // the organization's MFA policy
	// OpManageApplications guards the organization's OpenID Connect
	// clients (docs/oidc.md).
	OpManageApplications = "manage_applications"
)

// AdminOperations lists every operation a catalog must map.
var AdminOperations = []string{
	OpViewUsers, OpInviteUsers, OpEditUsers, OpDeactivateUsers, OpDeleteUsers,
	OpViewGroups, OpManageGroups, OpViewFacilities, OpManageFacilities, OpViewAuditLog,
	OpManageSecurity, OpManageApplications,
}

// laterOperations are the operations added after catalogs were first
// written: an organization's catalog is stored as it was given at
// creation, so one written before an operation existed takes the mapping
// of the older operation named here.
var laterOperations = map[string]string{OpManageSecurity: OpEditUsers, OpManageApplications: OpManageGroups}

// MaxPermissions bounds a catalog so that permission sets fit a fixed bitset.
const MaxPermissions = 256

var (
	codenamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$`)
	keyPattern      = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// ParseCatalog reads and validates a catalog file. Errors name the field at
// fault and its line, e.g. `line 12: categories[1].permissions[0].codename:
// duplicate codename "assets.view"`.
func ParseCatalog(data []byte) (*Catalog, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Catalog
	if err := dec.Decode(&c); err != nil {
		return nil, catalogSyntaxError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &Error{Code: EINVALID, Message: fmt.Sprintf("catalog: line %d: unexpected data after the catalog object", lineAt(data, skipSpace(data, dec.InputOffset())))}
	}
	lines := jsonLines(data)
	if err := c.resolve(); err != nil {
		if e, ok := err.(*Error); ok {
			if line, found := lines[e.Field]; found {
				e.Message = fmt.Sprintf("line %d: %s: %s", line, e.Field, e.Message)
			} else {
				e.Message = fmt.Sprintf("%s: %s", e.Field, e.Message)
			}
			e.Message = "catalog: " + e.Message
		}
		return nil, err
	}
	return &c, nil
}

func catalogSyntaxError(data []byte, err error) error {
	var offset int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		offset = e.Offset
	case *json.UnmarshalTypeError:
		offset = e.Offset
		return &Error{Code: EINVALID, Field: e.Field, Message: fmt.Sprintf("catalog: line %d: %s: expected %s", lineAt(data, offset), e.Field, e.Type)}
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		// The decoder gives no offset here: find the first use of the key.
		offset = int64(bytes.Index(data, []byte(field)))
		name := strings.Trim(field, `"`)
		return &Error{Code: EINVALID, Field: name, Message: fmt.Sprintf("catalog: line %d: unknown field %s", lineAt(data, max(offset, 0)), field)}
	}
	if offset >= 0 {
		return &Error{Code: EINVALID, Message: fmt.Sprintf("catalog: line %d: %v", lineAt(data, offset), err)}
	}
	return &Error{Code: EINVALID, Message: fmt.Sprintf("catalog: %v", err)}
}

// resolve checks every rule of a catalog and fills the derived fields.
func (c *Catalog) resolve() error {
	if !keyPattern.MatchString(c.Template) {
		return Invalid("template", "must be a lower-case name such as \"facilities\"")
	}
	if len(c.Categories) == 0 {
		return Invalid("categories", "a catalog needs at least one category")
	}
	c.byCodename = map[string]*Permission{}
	c.categories = map[string]*Category{}
	licences := map[string]int{}
	for i := range c.Licences {
		l := &c.Licences[i]
		field := fmt.Sprintf("licences[%d].name", i)
		if !keyPattern.MatchString(l.Name) {
			return Invalid(field, "licence name %q must be lower-case letters, digits and underscores", l.Name)
		}
		if _, dup := licences[l.Name]; dup {
			return Invalid(field, "duplicate licence %q", l.Name)
		}
		l.Rank = i + 1
		licences[l.Name] = l.Rank
	}
	first := map[string]string{}
	count := 0
	for i := range c.Categories {
		cat := &c.Categories[i]
		if !keyPattern.MatchString(cat.Key) {
			return Invalid(fmt.Sprintf("categories[%d].key", i), "category key %q must be lower-case letters, digits and underscores", cat.Key)
		}
		if _, dup := c.categories[cat.Key]; dup {
			return Invalid(fmt.Sprintf("categories[%d].key", i), "duplicate category %q", cat.Key)
		}
		if strings.TrimSpace(cat.Name) == "" {
			return Invalid(fmt.Sprintf("categories[%d].name", i), "category needs a name")
		}
		c.categories[cat.Key] = cat
		for j := range cat.Permissions {
			p := &cat.Permissions[j]
			at := fmt.Sprintf("categories[%d].permissions[%d]", i, j)
			if !codenamePattern.MatchString(p.Codename) {
				return Invalid(at+".codename", "codename %q must look like \"work_orders.view\"", p.Codename)
			}
			if prev, dup := first[p.Codename]; dup {
				return Invalid(at+".codename", "duplicate codename %q (first at %s)", p.Codename, prev)
			}
			if strings.TrimSpace(p.Label) == "" {
				return Invalid(at+".label", "permission %q needs a label", p.Codename)
			}
			if p.MinLicence != "" {
				if _, ok := licences[p.MinLicence]; !ok {
					return Invalid(at+".min_licence", "unknown licence %q", p.MinLicence)
				}
			}
			first[p.Codename] = at + ".codename"
			p.Category = cat.Key
			p.FacilityScoped = cat.FacilityScoped
			if p.Scoped != nil {
				p.FacilityScoped = *p.Scoped
			}
			c.byCodename[p.Codename] = p
			count++
		}
	}
	if count > MaxPermissions {
		return Invalid("categories", "a catalog holds at most %d permissions, this one has %d", MaxPermissions, count)
	}
	// X.view implies X.view_own, and a check of either reads the other: a
	// pair whose halves differ in scope would have no one reading.
	for _, cat := range c.Categories {
		for _, p := range cat.Permissions {
			if view, own, ok := c.OwnVariant(p.Codename); ok && p.Codename == own && c.byCodename[view].FacilityScoped != p.FacilityScoped {
				return Invalid(first[own], "%s and %s must both be facility-scoped or both organization-wide", view, own)
			}
		}
	}
	for i, l := range c.Licences {
		for j, code := range l.ImplicitPermissions {
			if c.byCodename[code] == nil {
				return Invalid(fmt.Sprintf("licences[%d].implicit_permissions[%d]", i, j), "unknown permission %q", code)
			}
		}
		for j, lim := range l.Limits {
			at := fmt.Sprintf("licences[%d].limits[%d]", i, j)
			for k, key := range lim.DenyCategories {
				if c.categories[key] == nil {
					return Invalid(fmt.Sprintf("%s.deny_categories[%d]", at, k), "unknown category %q", key)
				}
			}
			for k, code := range lim.DenyPermissions {
				if c.byCodename[code] == nil {
					return Invalid(fmt.Sprintf("%s.deny_permissions[%d]", at, k), "unknown permission %q", code)
				}
			}
			for k, code := range lim.Except {
				if c.byCodename[code] == nil {
					return Invalid(fmt.Sprintf("%s.except[%d]", at, k), "unknown permission %q", code)
				}
			}
		}
	}
	if c.DefaultLicence != "" {
		if _, ok := licences[c.DefaultLicence]; !ok {
			return Invalid("default_licence", "unknown licence %q", c.DefaultLicence)
		}
	}
	for op := range c.AdminOperations {
		if !slices.Contains(AdminOperations, op) {
			return Invalid("admin_operations."+op, "unknown admin operation %q; known: %s", op, strings.Join(AdminOperations, ", "))
		}
	}
	for _, op := range AdminOperations {
		code, ok := c.AdminOperations[op]
		if older, later := laterOperations[op]; !ok && later {
			code, ok = c.AdminOperations[older]
			if ok {
				c.AdminOperations[op] = code
			}
		}
		if !ok {
			return Invalid("admin_operations", "missing admin-operation mapping for %q", op)
		}
		if c.byCodename[code] == nil {
			return Invalid("admin_operations."+op, "unknown permission %q", code)
		}
	}
	return nil
}

// Permission returns the permission with the given codename, or nil.
func (c *Catalog) Permission(codename string) *Permission { return c.byCodename[codename] }

// Permissions returns every permission in catalog order.
func (c *Catalog) Permissions() []*Permission {
	out := make([]*Permission, 0, len(c.byCodename))
	for i := range c.Categories {
		for j := range c.Categories[i].Permissions {
			out = append(out, &c.Categories[i].Permissions[j])
		}
	}
	return out
}

// HasLicences reports whether the catalog has a licence ladder.
func (c *Catalog) HasLicences() bool { return len(c.Licences) > 0 }

// Licence returns the licence tier with the given name, or nil.
func (c *Catalog) Licence(name string) *Licence {
	for i := range c.Licences {
		if c.Licences[i].Name == name {
			return &c.Licences[i]
		}
	}
	return nil
}

// LicenceRank returns the rank of a licence: 0 for "" (no licence) and for
// unknown names.
func (c *Catalog) LicenceRank(name string) int {
	if l := c.Licence(name); l != nil {
		return l.Rank
	}
	return 0
}

// HighestLicence is the top tier, given to an organization's first admin.
func (c *Catalog) HighestLicence() string {
	if len(c.Licences) == 0 {
		return ""
	}
	return c.Licences[len(c.Licences)-1].Name
}

// NewUserLicence is the licence a new user gets when none is chosen.
func (c *Catalog) NewUserLicence() string {
	if c.DefaultLicence != "" || len(c.Licences) == 0 {
		return c.DefaultLicence
	}
	return c.Licences[0].Name
}

// CanHold reports whether a user of the given licence may hold a permission:
// its minimum licence is at or below the tier and no limit of the tier keeps
// it out, or a lower tier may hold it (licences are cumulative). In a catalog
// without licences every permission can be held.
func (c *Catalog) CanHold(licence, codename string) bool {
	p := c.byCodename[codename]
	if p == nil {
		return false
	}
	if !c.HasLicences() {
		return true
	}
	rank := c.LicenceRank(licence)
	for r := rank; r >= 1; r-- {
		if c.LicenceRank(p.MinLicence) <= r && !c.Licences[r-1].limits(p) {
			return true
		}
	}
	return false
}

// limits reports whether one of the tier's own limits keeps p out.
func (l *Licence) limits(p *Permission) bool {
	for _, lim := range l.Limits {
		if slices.Contains(lim.Except, p.Codename) {
			continue
		}
		if slices.Contains(lim.DenyCategories, p.Category) || slices.Contains(lim.DenyPermissions, p.Codename) {
			return true
		}
	}
	return false
}

// LimitOf returns the first limit of the tier that keeps p out, or nil.
func (l *Licence) LimitOf(p *Permission) *LicenceLimit {
	for i, lim := range l.Limits {
		if slices.Contains(lim.Except, p.Codename) {
			continue
		}
		if slices.Contains(lim.DenyCategories, p.Category) || slices.Contains(lim.DenyPermissions, p.Codename) {
			return &l.Limits[i]
		}
	}
	return nil
}

// OwnVariant returns, for "X.view" or "X.view_own", the codenames of X.view
// and X.view_own when both exist in the catalog. X.view implies X.view_own.
func (c *Catalog) OwnVariant(codename string) (view, own string, ok bool) {
	prefix, action, found := strings.Cut(codename, ".")
	if !found || (action != "view" && action != "view_own") {
		return "", "", false
	}
	view, own = prefix+".view", prefix+".view_own"
	return view, own, c.byCodename[view] != nil && c.byCodename[own] != nil
}

// jsonLines maps each field path of a JSON document, written as
// "categories[1].permissions[0].codename", to the line where its value starts.
func jsonLines(data []byte) map[string]int {
	lines := map[string]int{}
	dec := json.NewDecoder(bytes.NewReader(data))
	var walk func(path string) error
	walk = func(path string) error {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if path != "" {
			lines[path] = lineAt(data, skipSpace(data, start))
		}
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				key, err := dec.Token()
				if err != nil {
					return err
				}
				sub := fmt.Sprint(key)
				if path != "" {
					sub = path + "." + sub
				}
				if err := walk(sub); err != nil {
					return err
				}
			}
			_, err = dec.Token()
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			_, err = dec.Token()
		}
		return err
	}
	_ = walk("")
	return lines
}

func skipSpace(data []byte, at int64) int64 {
	for at < int64(len(data)) && strings.IndexByte(" \t\r\n,:", data[at]) >= 0 {
		at++
	}
	return at
}

func lineAt(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}
