package authz_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// referenceCatalog is a custom catalog with what the built-in ones lack:
// licences that grant permissions implicitly (one of them above what its
// tier may hold), limits with exceptions, a permission without a minimum
// licence, and an organization-wide view/view_own pair.
//
// Both halves of every pair share their facility scope. A catalog may give
// them different scopes (a permission overrides its category's), but the
// documents do not say how "X.view implies X.view_own" reads then: the
// engine applies the scope of the permission asked to both halves, this
// model the scope of each half; that case is reported as ambiguous rather
// than tested.
const referenceCatalog = `{
  "template": "reference",
  "title": "Reference model",
  "categories": [
    {"key": "tickets", "name": "Tickets", "facility_scoped": true, "permissions": [
      {"codename": "tickets.view", "label": "View", "min_licence": "pro"},
      {"codename": "tickets.view_own", "label": "View own", "min_licence": "basic"},
      {"codename": "tickets.edit", "label": "Edit", "min_licence": "basic"},
      {"codename": "tickets.export", "label": "Export", "facility_scoped": false}
    ]},
    {"key": "notes", "name": "Notes", "permissions": [
      {"codename": "notes.view", "label": "View", "min_licence": "basic"},
      {"codename": "notes.view_own", "label": "View own"},
      {"codename": "notes.write", "label": "Write", "min_licence": "pro"}
    ]},
    {"key": "rooms", "name": "Rooms", "facility_scoped": true, "permissions": [
      {"codename": "rooms.view", "label": "View"},
      {"codename": "rooms.view_own", "label": "View own"},
      {"codename": "rooms.book", "label": "Book", "min_licence": "basic"}
    ]},
    {"key": "admin", "name": "Admin", "permissions": [
      {"codename": "admin.users", "label": "Users", "min_licence": "basic"},
      {"codename": "admin.audit", "label": "Audit", "min_licence": "pro"}
    ]}
  ],
  "licences": [
    {"name": "basic", "label": "Basic", "implicit_permissions": ["notes.view_own", "tickets.view_own", "notes.write"],
     "limits": [{"text": "No admin but users", "deny_categories": ["admin"], "except": ["admin.users"]},
                {"text": "No export", "deny_permissions": ["tickets.export"]}]},
    {"name": "pro", "label": "Pro", "implicit_permissions": ["rooms.book"],
     "limits": [{"text": "No admin", "deny_categories": ["admin"]}]},
    {"name": "max", "label": "Max", "implicit_permissions": ["tickets.export"]}
  ],
  "admin_operations": {
    "view_users": "admin.users", "invite_users": "admin.users", "edit_users": "admin.users",
    "deactivate_users": "admin.users", "delete_users": "admin.users", "view_groups": "admin.users",
    "manage_groups": "admin.users", "view_facilities": "admin.users", "manage_facilities": "admin.users",
    "view_audit_log": "admin.audit"
  }
}`

// wideCatalog is a catalog of the most permissions a catalog may hold
// (gatehouse.MaxPermissions), so that every word of the engine's
// permission sets is used: 16 categories of 16 permissions (a view/view_own
// pair and 14 others), alternately facility-scoped, each with a minimum
// licence of a three-tier ladder whose tiers grant some permissions
// implicitly and keep some categories out.
func wideCatalog(tb testing.TB) *gatehouse.Catalog {
	tb.Helper()
	tiers := []string{"bronze", "silver", "gold"}
	c := gatehouse.Catalog{Template: "wide", Title: "Every permission a catalog may hold", AdminOperations: map[string]string{}}
	for i := range 16 {
		cat := gatehouse.Category{Key: fmt.Sprintf("c%d", i), Name: fmt.Sprintf("Category %d", i), FacilityScoped: i%2 == 0}
		for j := range 16 {
			action := fmt.Sprintf("a%d", j)
			switch j {
			case 0:
				action = "view"
			case 1:
				action = "view_own"
			}
			cat.Permissions = append(cat.Permissions, gatehouse.Permission{Codename: cat.Key + "." + action, Label: action, MinLicence: tiers[(i+j)%3]})
		}
		c.Categories = append(c.Categories, cat)
	}
	for i, name := range tiers {
		l := gatehouse.Licence{Name: name, Label: name, ImplicitPermissions: []string{fmt.Sprintf("c%d.view_own", 15-i), fmt.Sprintf("c%d.a%d", 12+i, 13-i)}}
		if i < 2 {
			l.Limits = []gatehouse.LicenceLimit{{Text: "Kept out", DenyCategories: []string{fmt.Sprintf("c%d", 14+i)}, Except: []string{fmt.Sprintf("c%d.a2", 14+i)}}}
		}
		c.Licences = append(c.Licences, l)
	}
	for _, op := range gatehouse.AdminOperations {
		c.AdminOperations[op] = "c1.a2"
	}
	doc, err := json.Marshal(c)
	if err != nil {
		tb.Fatal(err)
	}
	return mustParse(tb, string(doc))
}

// boundOffsets are the moments, in seconds from now, that random grants
// start and expire at: past, the current second, the next, future.
var boundOffsets = []int64{-2 * 86400, -3600, -60, -1, 0, 1, 60, 3600, 3 * 86400}

// Ids that are never in any random organization.
const (
	goneFacility = "fac_gone"  // a facility of another organization, or long deleted
	goneGroup    = "grp_gone"  // a group deleted before the state was loaded
	goneCodename = "gone.perm" // a permission no longer in the catalog
)

// randomOrg is a small random organization and the state a store would
// load for it after each change the test applies.
type randomOrg struct {
	rng      *rand.Rand
	st       gatehouse.AccessState
	now      time.Time // the snapshot's clock: mid-second, so "to the second" is tried
	deleted  []string  // facility ids deleted, which may be added again
	serial   int       // for fresh ids
	longIDs  bool      // ids that hash alike (see longID)
	codes    []string  // the catalog's codenames
	revision int64
}

func newRandomOrg(rng *rand.Rand, c *gatehouse.Catalog, groups int) *randomOrg {
	o := &randomOrg{rng: rng, now: time.Date(2026, 6, 1, 9, 0, 0, 500_000_000, time.UTC), revision: 1}
	o.st = gatehouse.AccessState{OrgID: "org_ref", Revision: 1, Catalog: c}
	o.longIDs = rng.IntN(4) == 0
	facilities := 1 + rng.IntN(4)
	if rng.IntN(10) == 0 { // users with many facilities each
		facilities = 20 + rng.IntN(20)
	}
	for range facilities {
		o.st.Facilities = append(o.st.Facilities, o.fresh("fac"))
	}
	for range groups {
		o.st.Groups = append(o.st.Groups, gatehouse.GroupAccess{ID: o.fresh("grp"), Permissions: o.somePermissions(5)})
	}
	for range 4 + rng.IntN(10) {
		o.st.Users = append(o.st.Users, o.randomUser(o.fresh("usr")))
	}
	return o
}

func (o *randomOrg) fresh(prefix string) string {
	o.serial++
	if o.longIDs {
		return longID(prefix, o.serial)
	}
	return fmt.Sprintf("%s_%d", prefix, o.serial)
}

// longID is an id that differs from the organization's other long ids only
// in its middle: the engine's tables hash the first 8 and the last 16
// bytes and the length, so all of them hash alike and must be told apart
// by comparing them whole.
func longID(prefix string, serial int) string {
	return fmt.Sprintf("%s_long_%04d_0123456789abcdefghij", prefix, serial)
}

func (o *randomOrg) chance(p float64) bool { return o.rng.Float64() < p }

func pick[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

func (o *randomOrg) codenames() []string {
	if o.codes == nil {
		for _, p := range o.st.Catalog.Permissions() {
			o.codes = append(o.codes, p.Codename)
		}
	}
	return o.codes
}

// somePermissions is up to n random codenames, now and then one the
// catalog no longer has.
func (o *randomOrg) somePermissions(n int) []string {
	var out []string
	for range o.rng.IntN(n + 1) {
		out = append(out, pick(o.rng, o.codenames()))
	}
	if o.chance(0.05) {
		out = append(out, goneCodename)
	}
	return gatehouse.SortedSet(out)
}

// someGroup is a random group id. With more than 256 groups, one time in
// two it is a group 256 slots away from another the user holds, so that
// slot classes (slot mod 256) collide.
func (o *randomOrg) someGroup(held []string) string {
	if len(o.st.Groups) == 0 || o.chance(0.04) {
		return goneGroup
	}
	if len(o.st.Groups) > 256 && len(held) > 0 && o.chance(0.5) {
		i := slices.IndexFunc(o.st.Groups, func(g gatehouse.GroupAccess) bool { return g.ID == held[0] })
		if i >= 0 {
			return o.st.Groups[(i+256)%len(o.st.Groups)].ID
		}
	}
	return pick(o.rng, o.st.Groups).ID
}

func (o *randomOrg) someFacility() string {
	if len(o.st.Facilities) == 0 || o.chance(0.06) {
		if o.longIDs && o.chance(0.5) {
			return longID("fac", 9999)
		}
		return goneFacility
	}
	return pick(o.rng, o.st.Facilities)
}

// moment is one of the bound moments, to the second.
func (o *randomOrg) moment() time.Time {
	return o.now.Truncate(time.Second).Add(time.Duration(pick(o.rng, boundOffsets)) * time.Second)
}

// randomBounds is a start, an expiry or both (past, current, future; now
// and then an empty window), never neither.
func (o *randomOrg) randomBounds() (start, expiry time.Time) {
	for start.IsZero() && expiry.IsZero() {
		if o.chance(0.6) {
			start = o.moment()
		}
		if o.chance(0.6) {
			expiry = o.moment()
		}
	}
	if !start.IsZero() && !expiry.IsZero() && !start.Before(expiry) && o.chance(0.8) {
		start, expiry = expiry, start
	}
	return start, expiry
}

func (o *randomOrg) someLicence() string {
	var names []string
	for _, l := range o.st.Catalog.Licences {
		names = append(names, l.Name)
	}
	switch {
	case o.chance(0.1):
		return "" // none
	case o.chance(0.05):
		return "platinum" // a licence the catalog does not know
	case len(names) == 0:
		return ""
	}
	return pick(o.rng, names)
}

func (o *randomOrg) someStatus() gatehouse.UserStatus {
	switch {
	case o.chance(0.08):
		return gatehouse.StatusInvited
	case o.chance(0.08):
		return gatehouse.StatusInactive
	}
	return gatehouse.StatusActive
}

func (o *randomOrg) randomUser(id string) gatehouse.UserAccess {
	u := gatehouse.UserAccess{ID: id, Status: o.someStatus(), FullAccess: o.chance(0.06), Licence: o.someLicence()}
	for range o.rng.IntN(4) {
		u.GroupIDs = gatehouse.SortedSet(append(u.GroupIDs, o.someGroup(u.GroupIDs)))
	}
	u.Permissions = o.somePermissions(2)
	for range o.rng.IntN(3 + len(o.st.Facilities)/2) {
		u.FacilityIDs = gatehouse.SortedSet(append(u.FacilityIDs, o.someFacility()))
	}
	for range o.rng.IntN(4) {
		o.addSiteRole(&u)
	}
	for _, id := range o.orgGrantIDs(u) {
		if o.chance(0.3) {
			o.bound(&u, id)
		}
	}
	return u
}

// orgGrantIDs are the ids of the user's organization-wide grants.
func (o *randomOrg) orgGrantIDs(u gatehouse.UserAccess) []string {
	var ids []string
	for _, g := range u.GroupIDs {
		ids = append(ids, gatehouse.GrantID(gatehouse.GrantGroup, g, ""))
	}
	for _, p := range u.Permissions {
		ids = append(ids, gatehouse.GrantID(gatehouse.GrantPermission, p, ""))
	}
	for _, f := range u.FacilityIDs {
		ids = append(ids, gatehouse.GrantID(gatehouse.GrantFacility, f, ""))
	}
	return ids
}

// bound gives one organization-wide grant new random bounds.
func (o *randomOrg) bound(u *gatehouse.UserAccess, grantID string) {
	start, expiry := o.randomBounds()
	u.Bounds = append(slices.DeleteFunc(slices.Clone(u.Bounds), func(b gatehouse.GrantBounds) bool { return b.GrantID == grantID }),
		gatehouse.GrantBounds{GrantID: grantID, StartsAt: start, ExpiresAt: expiry})
	u.Bounds = gatehouse.NormalizeBounds(u.Bounds, nil)
}

// addSiteRole gives the user a group at a facility, assigned to them or
// not, time-bound or not (replacing the same role's bounds).
func (o *randomOrg) addSiteRole(u *gatehouse.UserAccess) {
	r := gatehouse.SiteRole{GroupID: o.someGroup(u.GroupIDs), FacilityID: o.someFacility()}
	if len(u.FacilityIDs) > 0 && o.chance(0.4) {
		r.FacilityID = pick(o.rng, u.FacilityIDs)
	}
	if o.chance(0.4) {
		r.StartsAt, r.ExpiresAt = o.randomBounds()
	}
	u.SiteRoles = gatehouse.NormalizeSiteRoles(append(slices.Clone(u.SiteRoles), r))
}

// without drops the grants of a deleted group or facility from a user, as
// the store's foreign keys do: a facility added again later is a new one.
func without(u gatehouse.UserAccess, groupID, facilityID string) gatehouse.UserAccess {
	drop := func(list []string, v string) []string {
		return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == v })
	}
	if groupID != "" {
		u.GroupIDs = drop(u.GroupIDs, groupID)
		u.SiteRoles = slices.DeleteFunc(slices.Clone(u.SiteRoles), func(r gatehouse.SiteRole) bool { return r.GroupID == groupID })
		u.Bounds = slices.DeleteFunc(slices.Clone(u.Bounds), func(b gatehouse.GrantBounds) bool {
			return b.GrantID == gatehouse.GrantID(gatehouse.GrantGroup, groupID, "")
		})
	}
	if facilityID != "" {
		u.FacilityIDs = drop(u.FacilityIDs, facilityID)
		u.SiteRoles = slices.DeleteFunc(slices.Clone(u.SiteRoles), func(r gatehouse.SiteRole) bool { return r.FacilityID == facilityID })
		u.Bounds = slices.DeleteFunc(slices.Clone(u.Bounds), func(b gatehouse.GrantBounds) bool {
			return b.GrantID == gatehouse.GrantID(gatehouse.GrantFacility, facilityID, "")
		})
	}
	return u
}

// editUser makes one to three random edits to a copy of the user.
func (o *randomOrg) editUser(u gatehouse.UserAccess) gatehouse.UserAccess {
	u.GroupIDs, u.Permissions, u.FacilityIDs = slices.Clone(u.GroupIDs), slices.Clone(u.Permissions), slices.Clone(u.FacilityIDs)
	u.SiteRoles, u.Bounds = slices.Clone(u.SiteRoles), slices.Clone(u.Bounds)
	for range 1 + o.rng.IntN(3) {
		switch o.rng.IntN(11) {
		case 0:
			o.addSiteRole(&u)
		case 1:
			if len(u.SiteRoles) > 0 {
				u.SiteRoles = slices.Delete(u.SiteRoles, 0, 1)
			}
		case 2:
			if len(u.SiteRoles) > 0 {
				i := o.rng.IntN(len(u.SiteRoles))
				u.SiteRoles[i].StartsAt, u.SiteRoles[i].ExpiresAt = time.Time{}, time.Time{}
				if o.chance(0.7) {
					u.SiteRoles[i].StartsAt, u.SiteRoles[i].ExpiresAt = o.randomBounds()
				}
			}
		case 3:
			if ids := o.orgGrantIDs(u); len(ids) > 0 {
				o.bound(&u, pick(o.rng, ids))
			}
		case 4:
			if len(u.Bounds) > 0 {
				u.Bounds = slices.Delete(u.Bounds, 0, 1)
			}
		case 5:
			u.GroupIDs = gatehouse.SortedSet(append(u.GroupIDs, o.someGroup(u.GroupIDs)))
		case 6:
			if len(u.GroupIDs) > 0 {
				// Only the membership goes (its bounds with it below); the
				// user's site roles of the group stay.
				g := pick(o.rng, u.GroupIDs)
				u.GroupIDs = slices.DeleteFunc(u.GroupIDs, func(s string) bool { return s == g })
			}
		case 7:
			u.FacilityIDs = gatehouse.SortedSet(append(u.FacilityIDs, o.someFacility()))
		case 8:
			if len(u.FacilityIDs) > 0 {
				f := pick(o.rng, u.FacilityIDs)
				u.FacilityIDs = slices.DeleteFunc(u.FacilityIDs, func(s string) bool { return s == f })
			}
		case 9:
			u.Status, u.FullAccess = o.someStatus(), o.chance(0.1)
		case 10:
			u.Licence = o.someLicence()
			u.Permissions = o.somePermissions(2)
		}
	}
	held := map[string]bool{}
	for _, id := range o.orgGrantIDs(u) {
		held[id] = true
	}
	u.Bounds = gatehouse.NormalizeBounds(u.Bounds, held)
	u.SiteRoles = gatehouse.NormalizeSiteRoles(u.SiteRoles)
	return u
}

// someHeldGroup is the index of a random group, more often than not one
// that some user holds (organization-wide or at a site): with hundreds of
// groups, an edit of any group would seldom reach anyone.
func (o *randomOrg) someHeldGroup() int {
	if o.chance(0.7) {
		var held []string
		for _, u := range o.st.Users {
			held = append(held, u.GroupIDs...)
			for _, r := range u.SiteRoles {
				held = append(held, r.GroupID)
			}
		}
		if len(held) > 0 {
			id := pick(o.rng, held)
			if i := slices.IndexFunc(o.st.Groups, func(g gatehouse.GroupAccess) bool { return g.ID == id }); i >= 0 {
				return i
			}
		}
	}
	return o.rng.IntN(len(o.st.Groups))
}

// randomChange is one committed write, as the service would hand it to
// Snapshot.Apply, applied to the loaded state as well.
func (o *randomOrg) randomChange() gatehouse.AccessChange {
	o.revision++
	ch := gatehouse.AccessChange{Revision: o.revision}
	st := &o.st
	switch o.rng.IntN(10) {
	case 0, 1: // a group edit that adds and removes permissions
		if len(st.Groups) == 0 {
			break
		}
		i := o.someHeldGroup()
		perms := slices.DeleteFunc(slices.Clone(st.Groups[i].Permissions), func(string) bool { return o.chance(0.3) })
		perms = gatehouse.SortedSet(append(perms, o.somePermissions(3)...))
		st.Groups[i] = gatehouse.GroupAccess{ID: st.Groups[i].ID, Permissions: perms}
		ch.Groups = []gatehouse.GroupAccess{st.Groups[i]}
	case 2: // a group deletion
		if len(st.Groups) == 0 {
			break
		}
		id := st.Groups[o.someHeldGroup()].ID
		st.Groups = slices.DeleteFunc(st.Groups, func(g gatehouse.GroupAccess) bool { return g.ID == id })
		for i := range st.Users {
			st.Users[i] = without(st.Users[i], id, "")
		}
		ch.DeletedGroups = []string{id}
	case 3: // a new group, and someone put into it (or given it at a site)
		g := gatehouse.GroupAccess{ID: o.fresh("grp"), Permissions: o.somePermissions(5)}
		st.Groups = append(st.Groups, g)
		ch.Groups = []gatehouse.GroupAccess{g}
		if len(st.Users) > 0 {
			i := o.rng.IntN(len(st.Users))
			u := o.editUser(st.Users[i])
			if o.chance(0.5) {
				u.GroupIDs = gatehouse.SortedSet(append(u.GroupIDs, g.ID))
			} else {
				u.SiteRoles = gatehouse.NormalizeSiteRoles(append(u.SiteRoles, gatehouse.SiteRole{GroupID: g.ID, FacilityID: o.someFacility()}))
			}
			st.Users[i] = u
			ch.Users = []gatehouse.UserAccess{u}
		}
	case 4: // a facility deletion
		if len(st.Facilities) == 0 {
			break
		}
		id := pick(o.rng, st.Facilities)
		st.Facilities = slices.DeleteFunc(st.Facilities, func(f string) bool { return f == id })
		for i := range st.Users {
			st.Users[i] = without(st.Users[i], "", id)
		}
		o.deleted = append(o.deleted, id)
		ch.DeletedFacilities = []string{id}
	case 5: // a facility added, or one deleted added again, and someone given it
		id := o.fresh("fac")
		if len(o.deleted) > 0 && o.chance(0.7) {
			id = o.deleted[0]
			o.deleted = o.deleted[1:]
		}
		st.Facilities = append(st.Facilities, id)
		ch.Facilities = []string{id}
		if len(st.Users) > 0 && o.chance(0.7) {
			i := o.rng.IntN(len(st.Users))
			u := st.Users[i]
			u.FacilityIDs = gatehouse.SortedSet(append(slices.Clone(u.FacilityIDs), id))
			if o.chance(0.5) {
				u.SiteRoles = gatehouse.NormalizeSiteRoles(append(slices.Clone(u.SiteRoles), gatehouse.SiteRole{GroupID: o.someGroup(u.GroupIDs), FacilityID: id}))
			}
			st.Users[i] = o.editUser(u)
			ch.Users = []gatehouse.UserAccess{st.Users[i]}
		}
	case 6, 7, 8: // a user edit
		if len(st.Users) == 0 {
			break
		}
		i := o.rng.IntN(len(st.Users))
		st.Users[i] = o.editUser(st.Users[i])
		ch.Users = []gatehouse.UserAccess{st.Users[i]}
	case 9: // a user invited or deleted
		if len(st.Users) > 0 && o.chance(0.4) {
			i := o.rng.IntN(len(st.Users))
			ch.DeletedUsers = []string{st.Users[i].ID}
			st.Users = slices.Delete(st.Users, i, i+1)
			break
		}
		u := o.randomUser(o.fresh("usr"))
		st.Users = append(st.Users, u)
		ch.Users = []gatehouse.UserAccess{u}
	}
	st.Revision = o.revision
	return ch
}
