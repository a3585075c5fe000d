package gatehouse

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// A SiteRole is a group a user holds at one facility only: the group's
// permissions apply there (and, for its organization-wide permissions,
// "somewhere"), not at the user's other facilities. It may be time-bound.
type SiteRole struct {
	GroupID    string    `json:"group_id"`
	FacilityID string    `json:"facility_id"`
	StartsAt   time.Time `json:"starts_at,omitzero"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
}

// GrantBounds is when one organization-wide grant of a user — a group
// membership, a direct permission or a facility assignment, named by its
// grant id — is in force: from StartsAt (inclusive) until ExpiresAt
// (exclusive), to the second. A zero time is no bound.
type GrantBounds struct {
	GrantID   string    `json:"grant_id"`
	StartsAt  time.Time `json:"starts_at,omitzero"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Kinds of grant.
const (
	GrantGroup      = "group"      // a group, organization-wide or at one facility (a site role)
	GrantPermission = "permission" // a direct permission
	GrantFacility   = "facility"   // a facility assignment
)

// A Grant is one thing a user holds, as the grants routes add and remove
// them one at a time. Its id is derived from what it grants, so that it is
// stable across writes and a user holds each grant at most once:
// "group:grp_…", "group:grp_…@fac_…" (a site role), "permission:assets.view",
// "facility:fac_…".
type Grant struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	GroupID    string    `json:"group_id,omitempty"`
	Permission string    `json:"permission,omitempty"`
	FacilityID string    `json:"facility_id,omitempty"` // the assigned facility, or a site role's facility
	StartsAt   time.Time `json:"starts_at,omitzero"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
}

// GrantID is the id of a grant of kind typ: ref is the group id, the
// permission or the facility id; site the facility of a site role.
func GrantID(typ, ref, site string) string {
	if site != "" {
		return typ + ":" + ref + "@" + site
	}
	return typ + ":" + ref
}

// ParseGrantID reads a grant id into the grant it names, without bounds.
func ParseGrantID(id string) (Grant, bool) {
	typ, ref, ok := strings.Cut(id, ":")
	if !ok || ref == "" {
		return Grant{}, false
	}
	g := Grant{ID: id, Type: typ}
	switch typ {
	case GrantGroup:
		g.GroupID, g.FacilityID, _ = strings.Cut(ref, "@")
		if g.GroupID == "" || strings.HasSuffix(ref, "@") {
			return Grant{}, false
		}
	case GrantPermission:
		g.Permission = ref
	case GrantFacility:
		g.FacilityID = ref
	default:
		return Grant{}, false
	}
	return g, true
}

// ActiveAt reports whether bounds starting at start and expiring at expiry
// (zero: none) hold at t, to the second.
func ActiveAt(start, expiry, t time.Time) bool {
	t = t.Truncate(time.Second)
	return (start.IsZero() || !t.Before(start)) && (expiry.IsZero() || t.Before(expiry))
}

// Bounded reports whether a grant has a start or an expiry.
func (g Grant) Bounded() bool { return !g.StartsAt.IsZero() || !g.ExpiresAt.IsZero() }

// Grants lists everything the user holds, one grant each, in id order,
// with its bounds.
func (u *User) Grants() []Grant {
	bounds := make(map[string]GrantBounds, len(u.Bounds))
	for _, b := range u.Bounds {
		bounds[b.GrantID] = b
	}
	var out []Grant
	add := func(g Grant) {
		if b, ok := bounds[g.ID]; ok {
			g.StartsAt, g.ExpiresAt = b.StartsAt, b.ExpiresAt
		}
		out = append(out, g)
	}
	for _, id := range u.GroupIDs {
		add(Grant{ID: GrantID(GrantGroup, id, ""), Type: GrantGroup, GroupID: id})
	}
	for _, p := range u.Permissions {
		add(Grant{ID: GrantID(GrantPermission, p, ""), Type: GrantPermission, Permission: p})
	}
	for _, f := range u.FacilityIDs {
		add(Grant{ID: GrantID(GrantFacility, f, ""), Type: GrantFacility, FacilityID: f})
	}
	for _, r := range u.SiteRoles {
		out = append(out, Grant{ID: GrantID(GrantGroup, r.GroupID, r.FacilityID), Type: GrantGroup,
			GroupID: r.GroupID, FacilityID: r.FacilityID, StartsAt: r.StartsAt, ExpiresAt: r.ExpiresAt})
	}
	slices.SortFunc(out, func(a, b Grant) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Grant returns the user's grant with the id.
func (u *User) Grant(id string) (Grant, bool) {
	for _, g := range u.Grants() {
		if g.ID == id {
			return g, true
		}
	}
	return Grant{}, false
}

// AddGrant gives the user g (whose id is derived from what it grants),
// replacing the bounds of the same grant if they hold it already.
func (u *User) AddGrant(g Grant) {
	switch {
	case g.Type == GrantGroup && g.FacilityID != "":
		u.SiteRoles = slices.DeleteFunc(u.SiteRoles, func(r SiteRole) bool { return r.GroupID == g.GroupID && r.FacilityID == g.FacilityID })
		u.SiteRoles = append(u.SiteRoles, SiteRole{GroupID: g.GroupID, FacilityID: g.FacilityID, StartsAt: g.StartsAt, ExpiresAt: g.ExpiresAt})
	case g.Type == GrantGroup:
		u.GroupIDs = SortedSet(append(slices.Clip(u.GroupIDs), g.GroupID))
	case g.Type == GrantPermission:
		u.Permissions = SortedSet(append(slices.Clip(u.Permissions), g.Permission))
	case g.Type == GrantFacility:
		u.FacilityIDs = SortedSet(append(slices.Clip(u.FacilityIDs), g.FacilityID))
	}
	if g.Type != GrantGroup || g.FacilityID == "" {
		id := g.ID
		u.Bounds = slices.DeleteFunc(slices.Clone(u.Bounds), func(b GrantBounds) bool { return b.GrantID == id })
		if g.Bounded() {
			u.Bounds = append(u.Bounds, GrantBounds{GrantID: id, StartsAt: g.StartsAt, ExpiresAt: g.ExpiresAt})
		}
	}
	u.NormalizeGrants()
}

// RemoveGrant takes the grant with the id from the user; false when they
// do not hold it.
func (u *User) RemoveGrant(id string) bool {
	g, ok := u.Grant(id)
	if !ok {
		return false
	}
	without := func(list []string, v string) []string {
		return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return s == v })
	}
	switch {
	case g.Type == GrantGroup && g.FacilityID != "":
		u.SiteRoles = slices.DeleteFunc(slices.Clone(u.SiteRoles), func(r SiteRole) bool { return r.GroupID == g.GroupID && r.FacilityID == g.FacilityID })
	case g.Type == GrantGroup:
		u.GroupIDs = without(u.GroupIDs, g.GroupID)
	case g.Type == GrantPermission:
		u.Permissions = without(u.Permissions, g.Permission)
	case g.Type == GrantFacility:
		u.FacilityIDs = without(u.FacilityIDs, g.FacilityID)
	}
	u.NormalizeGrants()
	return true
}

// NormalizeGrants puts the site roles and bounds in order, to the second,
// and drops the bounds of grants the user no longer holds (a removed group
// takes its bounds with it) and bounds that bound nothing.
func (u *User) NormalizeGrants() {
	held := map[string]bool{}
	for _, id := range u.GroupIDs {
		held[GrantID(GrantGroup, id, "")] = true
	}
	for _, p := range u.Permissions {
		held[GrantID(GrantPermission, p, "")] = true
	}
	for _, f := range u.FacilityIDs {
		held[GrantID(GrantFacility, f, "")] = true
	}
	u.Bounds = NormalizeBounds(u.Bounds, held)
	u.SiteRoles = NormalizeSiteRoles(u.SiteRoles)
}

// NormalizeBounds sorts bounds by grant id, to the second, keeping the last
// of repeats, those of held grants (all with held nil) and those that bound
// something.
func NormalizeBounds(bounds []GrantBounds, held map[string]bool) []GrantBounds {
	out := make([]GrantBounds, 0, len(bounds))
	for i := len(bounds) - 1; i >= 0; i-- {
		b := bounds[i]
		b.StartsAt, b.ExpiresAt = toSecond(b.StartsAt), toSecond(b.ExpiresAt)
		if (held != nil && !held[b.GrantID]) || (b.StartsAt.IsZero() && b.ExpiresAt.IsZero()) ||
			slices.ContainsFunc(out, func(o GrantBounds) bool { return o.GrantID == b.GrantID }) {
			continue
		}
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b GrantBounds) int { return strings.Compare(a.GrantID, b.GrantID) })
	if len(out) == 0 {
		return nil // as a user without time-bound grants is read
	}
	return out
}

// NormalizeSiteRoles sorts site roles by facility then group, to the
// second, keeping the last of repeats.
func NormalizeSiteRoles(roles []SiteRole) []SiteRole {
	out := make([]SiteRole, 0, len(roles))
	for i := len(roles) - 1; i >= 0; i-- {
		r := roles[i]
		r.StartsAt, r.ExpiresAt = toSecond(r.StartsAt), toSecond(r.ExpiresAt)
		if slices.ContainsFunc(out, func(o SiteRole) bool { return o.GroupID == r.GroupID && o.FacilityID == r.FacilityID }) {
			continue
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b SiteRole) int {
		return cmp.Or(strings.Compare(a.FacilityID, b.FacilityID), strings.Compare(a.GroupID, b.GroupID))
	})
	if len(out) == 0 {
		return nil
	}
	return out
}

// toSecond is t in UTC to the second: bounds are honoured to the second.
func toSecond(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Second)
}

// A GrantBoundary is the moment one grant of a user started or expired,
// audited once (see GrantStore).
type GrantBoundary struct {
	UserID   string
	GrantID  string
	Boundary string // BoundaryStart or BoundaryExpiry
	At       time.Time
}

// Boundaries of a grant.
const (
	BoundaryStart  = "start"
	BoundaryExpiry = "expiry"
)
