package authz_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// This file is a reference model of allowed(user, permission, resource),
// written from the normative decision of PRODUCT.md and from
// docs/decision.md ("Site roles and time-bound grants"), not from the
// engine: it reads the plain gatehouse.AccessState with maps and loops,
// as slowly and obviously as it likes. TestEngineAgreesWithReferenceModel
// (reference_diff_test.go) compares the engine with it on random
// organizations.
//
// Where the documents leave a choice open, the existing table tests settle
// it; each such reading is noted where it is made, naming its test.

// sourceSet is the set of sources an allowed decision names, each written
// as one comparable string (kind, id, facility, start, expiry).
type sourceSet map[string]bool

func sourceKey(kind, id, facility string, start, expiry time.Time) string {
	at := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	return strings.Join([]string{kind, id, facility, at(start), at(expiry)}, "|")
}

func sourcesOf(srcs []authz.Source) sourceSet {
	out := sourceSet{}
	for _, s := range srcs {
		out[sourceKey(s.Kind, s.ID, s.FacilityID, s.StartsAt, s.ExpiresAt)] = true
	}
	return out
}

func (s sourceSet) String() string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return "{" + strings.Join(keys, ", ") + "}"
}

func (s sourceSet) equal(o sourceSet) bool {
	if len(s) != len(o) {
		return false
	}
	for k := range s {
		if !o[k] {
			return false
		}
	}
	return true
}

// inForceAt: a grant is in force from its start (inclusive) until its
// expiry (exclusive), to the second; a zero time is no bound.
func inForceAt(start, expiry, at time.Time) bool {
	t := at.Truncate(time.Second)
	if !start.IsZero() && t.Before(start) {
		return false
	}
	if !expiry.IsZero() && !t.Before(expiry) {
		return false
	}
	return true
}

// referenceLicence is the user's place on the catalog's licence ladder.
type referenceLicence struct {
	catalog *gatehouse.Catalog
	name    string
	rank    int // 1 for the lowest tier; 0 for no licence or one the catalog does not know
}

func ladderRank(c *gatehouse.Catalog, name string) int {
	for i, l := range c.Licences {
		if l.Name == name {
			return i + 1
		}
	}
	return 0
}

// mayHold: a catalog without licences lets every user hold every
// permission. Otherwise a tier may hold every permission whose minimum
// licence is its own or lower, less what its limits keep out, plus
// everything a lower tier may hold (licences are cumulative).
//
// Reading: with a ladder, a user without a licence (or with one the
// catalog does not know) is on no tier and may hold nothing, whatever the
// permission's minimum (TestDecision "licence_too_low without any licence
// in a licensed catalog", TestUnknownLicenceHoldsNothing).
func (l referenceLicence) mayHold(p *gatehouse.Permission) bool {
	if len(l.catalog.Licences) == 0 {
		return true
	}
	for tier := 1; tier <= l.rank; tier++ {
		if ladderRank(l.catalog, p.MinLicence) <= tier && !keptOut(l.catalog.Licences[tier-1], p) {
			return true
		}
	}
	return false
}

// keptOut: one of the tier's own limits denies p's category or p itself,
// and does not except p.
func keptOut(tier gatehouse.Licence, p *gatehouse.Permission) bool {
	for _, lim := range tier.Limits {
		if slices.Contains(lim.Except, p.Codename) {
			continue
		}
		if slices.Contains(lim.DenyCategories, p.Category) || slices.Contains(lim.DenyPermissions, p.Codename) {
			return true
		}
	}
	return false
}

// grantsImplicitly: implicit permissions are granted to every user of the
// tier and of the tiers above.
func (l referenceLicence) grantsImplicitly(codename string) bool {
	for tier := 1; tier <= l.rank; tier++ {
		if slices.Contains(l.catalog.Licences[tier-1].ImplicitPermissions, codename) {
			return true
		}
	}
	return false
}

// referenceUser is one user's grants in force at one moment, with the
// organization's groups and facilities as they exist.
type referenceUser struct {
	st      gatehouse.AccessState
	user    gatehouse.UserAccess
	licence referenceLicence
	at      time.Time
}

func (u referenceUser) bounds(grantID string) (start, expiry time.Time) {
	for _, b := range u.user.Bounds {
		if b.GrantID == grantID {
			start, expiry = b.StartsAt, b.ExpiresAt
		}
	}
	return start, expiry
}

func (u referenceUser) grantInForce(grantID string) bool {
	start, expiry := u.bounds(grantID)
	return inForceAt(start, expiry, u.at)
}

func (u referenceUser) facilityExists(id string) bool { return slices.Contains(u.st.Facilities, id) }

// groupHolds reports whether the group exists and holds the permission.
// A deleted group grants nothing (TestDecision "deleted group grants
// nothing").
func (u referenceUser) groupHolds(groupID, codename string) bool {
	for _, g := range u.st.Groups {
		if g.ID == groupID {
			return slices.Contains(g.Permissions, codename)
		}
	}
	return false
}

// assigned lists the facilities assigned to the user at the moment: an
// assignment in force, of a facility that exists (a deleted facility is
// assigned to nobody: TestApply "facility deletion: a user whose only
// facility it was has none left").
func (u referenceUser) assigned() []string {
	var out []string
	for _, f := range u.user.FacilityIDs {
		if u.facilityExists(f) && u.grantInForce(gatehouse.GrantID(gatehouse.GrantFacility, f, "")) {
			out = append(out, f)
		}
	}
	return out
}

// organizationWideSources are the grants in force that give the
// permission everywhere the user is assigned: organization-wide groups,
// direct permissions and the licence's implicit grants. A source names its
// own bounds; a facility assignment is not a source and its bounds are not
// named (TestSiteRolesAndTimeBounds "a time-bound facility assignment,
// before its end").
func (u referenceUser) organizationWideSources(codename string) sourceSet {
	out := sourceSet{}
	for _, g := range u.user.GroupIDs {
		id := gatehouse.GrantID(gatehouse.GrantGroup, g, "")
		if u.groupHolds(g, codename) && u.grantInForce(id) {
			start, expiry := u.bounds(id)
			out[sourceKey(authz.SourceGroup, g, "", start, expiry)] = true
		}
	}
	if slices.Contains(u.user.Permissions, codename) {
		id := gatehouse.GrantID(gatehouse.GrantPermission, codename, "")
		if u.grantInForce(id) {
			start, expiry := u.bounds(id)
			out[sourceKey(authz.SourceDirect, "", "", start, expiry)] = true
		}
	}
	if u.licence.grantsImplicitly(codename) {
		out[sourceKey(authz.SourceLicence, u.licence.name, "", time.Time{}, time.Time{})] = true
	}
	return out
}

// siteSources are the site roles in force that give the permission, at
// one facility or (facility "") at any facility that exists.
func (u referenceUser) siteSources(codename, facility string) sourceSet {
	out := sourceSet{}
	for _, r := range u.user.SiteRoles {
		if facility != "" && r.FacilityID != facility {
			continue
		}
		if u.facilityExists(r.FacilityID) && u.groupHolds(r.GroupID, codename) && inForceAt(r.StartsAt, r.ExpiresAt, u.at) {
			out[sourceKey(authz.SourceGroup, r.GroupID, r.FacilityID, r.StartsAt, r.ExpiresAt)] = true
		}
	}
	return out
}

// anywhere is every source in force of the permission, wherever it
// applies: what clause 3a asks ("in the effective set").
func (u referenceUser) anywhere(codename string) sourceSet {
	out := u.organizationWideSources(codename)
	for k := range u.siteSources(codename, "") {
		out[k] = true
	}
	return out
}

// grantingAt is what grants the permission at the facility asked about
// (facility "": asked without one), before the licence:
//   - not facility-scoped: every source anywhere; a site role's
//     organization-wide permission counts as held "somewhere", which is all
//     such a permission asks;
//   - facility-scoped at F: the organization-wide sources if F is assigned,
//     and the site roles at F (a site role does not assign its facility);
//   - facility-scoped without a facility: the organization-wide sources if
//     some facility is assigned, and the site roles at any facility.
//
// Reading: the organization-wide sources of a facility-scoped permission
// are named only where they apply, and a site role only at its own
// facility (TestSiteRolesAndTimeBounds "org-wide + site role: …").
func (u referenceUser) grantingAt(p *gatehouse.Permission, facility string) sourceSet {
	if !p.FacilityScoped {
		return u.anywhere(p.Codename)
	}
	out := u.siteSources(p.Codename, facility)
	applies := len(u.assigned()) > 0
	if facility != "" {
		applies = slices.Contains(u.assigned(), facility)
	}
	if applies {
		for k := range u.organizationWideSources(p.Codename) {
			out[k] = true
		}
	}
	return out
}

// referenceDecide answers allowed(user, permission, resource) at the
// moment at (to the second) from the documents, and names the reason, the
// own-only flag and the sources of an allowed answer.
func referenceDecide(st gatehouse.AccessState, userID, permission string, r authz.Resource, at time.Time) (allowed bool, reason gatehouse.Reason, ownOnly bool, sources sourceSet) {
	deny := func(why gatehouse.Reason) (bool, gatehouse.Reason, bool, sourceSet) {
		return false, why, false, sourceSet{}
	}
	// 1. The user, the permission and the resource's facility are of the
	// organization, tried in that order.
	i := slices.IndexFunc(st.Users, func(u gatehouse.UserAccess) bool { return u.ID == userID })
	if i < 0 {
		return deny(gatehouse.ReasonUserNotFound)
	}
	asked := st.Catalog.Permission(permission)
	if asked == nil {
		return deny(gatehouse.ReasonUnknownPermission)
	}
	if r.FacilityID != "" && !slices.Contains(st.Facilities, r.FacilityID) {
		return deny(gatehouse.ReasonFacilityNotFound)
	}
	user := st.Users[i]
	// 2. Active: invited and inactive users may do nothing, full access or not.
	switch user.Status {
	case gatehouse.StatusInvited:
		return deny(gatehouse.ReasonUserInvited)
	case gatehouse.StatusInactive:
		return deny(gatehouse.ReasonUserInactive)
	}
	// 3. Full access bypasses every check below (facility and licence
	// included); it is never time-bound.
	if user.FullAccess {
		return true, gatehouse.ReasonFullAccess, false, sourceSet{sourceKey(authz.SourceFullAccess, "", "", time.Time{}, time.Time{}): true}
	}
	u := referenceUser{st: st, user: user, at: at,
		licence: referenceLicence{catalog: st.Catalog, name: user.Licence, rank: ladderRank(st.Catalog, user.Licence)}}

	// The permissions that may answer: X.view implies X.view_own, and a
	// user holding only X.view_own is asked the own-item question, so for
	// either of a view/view_own pair both count.
	candidates := []*gatehouse.Permission{asked}
	view, own := viewPair(st.Catalog, permission)
	if view != nil {
		candidates = []*gatehouse.Permission{view, own}
	}

	// 3a. In the effective set: some grant in force gives it, anywhere.
	if !slices.ContainsFunc(candidates, func(p *gatehouse.Permission) bool { return len(u.anywhere(p.Codename)) > 0 }) {
		return deny(gatehouse.ReasonPermissionMissing)
	}
	// ... and the licence may hold it: the licence filters every source alike.
	held := slices.DeleteFunc(slices.Clone(candidates), func(p *gatehouse.Permission) bool {
		return len(u.anywhere(p.Codename)) == 0 || !u.licence.mayHold(p)
	})
	if len(held) == 0 {
		return deny(gatehouse.ReasonLicenceTooLow)
	}
	// 3b. Where it is asked: at the resource's facility, or somewhere.
	here := slices.DeleteFunc(held, func(p *gatehouse.Permission) bool { return len(u.grantingAt(p, r.FacilityID)) == 0 })
	if len(here) == 0 {
		return deny(gatehouse.ReasonFacilityNotAssigned)
	}
	if view == nil {
		return true, gatehouse.ReasonGranted, false, u.grantingAt(asked, r.FacilityID)
	}
	// 3c. X.view held here answers for every item, and its sources are
	// named (TestDecision "view implies view_own": the view_own group is
	// not named). Holding only X.view_own here, the item must be the
	// user's: created by or assigned to them; asked without any resource,
	// they are allowed for their own items (own_only).
	//
	// Reading: view_own is read at the facility asked about; asked without
	// a facility, X.view held at some facility answers for every item.
	// An item with a facility but no creator or assignee is not the user's
	// (TestDecision "only view_own, item without creator or assignee").
	if slices.Contains(here, view) {
		return true, gatehouse.ReasonGranted, false, u.grantingAt(view, r.FacilityID)
	}
	if r == (authz.Resource{}) || r.CreatedBy == userID || r.AssigneeID == userID {
		return true, gatehouse.ReasonGranted, true, u.grantingAt(own, r.FacilityID)
	}
	return deny(gatehouse.ReasonNotOwn)
}

// viewPair is, for X.view or X.view_own, both halves of the pair when the
// catalog has both; nil, nil otherwise.
func viewPair(c *gatehouse.Catalog, codename string) (view, own *gatehouse.Permission) {
	category, action, _ := strings.Cut(codename, ".")
	if action != "view" && action != "view_own" {
		return nil, nil
	}
	view, own = c.Permission(category+".view"), c.Permission(category+".view_own")
	if view == nil || own == nil {
		return nil, nil
	}
	return view, own
}

// describeUser is a user's state for a failure message: the user, the
// groups they refer to, and the organization's facilities.
func describeUser(st gatehouse.AccessState, userID string) string {
	var b strings.Builder
	i := slices.IndexFunc(st.Users, func(u gatehouse.UserAccess) bool { return u.ID == userID })
	if i < 0 {
		return fmt.Sprintf("no user %q", userID)
	}
	u := st.Users[i]
	fmt.Fprintf(&b, "user %+v\n", u)
	refs := slices.Clone(u.GroupIDs)
	for _, r := range u.SiteRoles {
		refs = append(refs, r.GroupID)
	}
	for _, g := range st.Groups {
		if slices.Contains(refs, g.ID) {
			fmt.Fprintf(&b, "  group %s: %v\n", g.ID, g.Permissions)
		}
	}
	fmt.Fprintf(&b, "  facilities %v; catalog %s", st.Facilities, st.Catalog.Template)
	return b.String()
}
