package authz

import (
	"slices"
	"strings"
)

// An EffectivePermission is one permission a user holds, where it comes
// from and where it applies.
type EffectivePermission struct {
	Codename       string   `json:"codename"`
	Category       string   `json:"category"`
	GrantedBy      []Source `json:"granted_by"`
	FacilityScoped bool     `json:"facility_scoped"`
	AllFacilities  bool     `json:"all_facilities"`
	FacilityIDs    []string `json:"facility_ids"`
	OwnOnly        bool     `json:"own_only"`
	// Facilities is, for a facility-scoped permission, each facility of
	// FacilityIDs with what grants the permission there (site roles name
	// their facility) and whether only for the user's own items.
	Facilities []FacilityGrant `json:"facilities"`
}

// A FacilityGrant is a facility-scoped permission at one facility.
type FacilityGrant struct {
	FacilityID string   `json:"facility_id"`
	GrantedBy  []Source `json:"granted_by"`
	OwnOnly    bool     `json:"own_only"`
}

// Effective lists every permission the user holds now, in catalog order.
// An invited or inactive user holds nothing. ok is false for an unknown user.
func (s *Snapshot) Effective(userID string) (perms []EffectivePermission, ok bool) {
	u := s.user(userID)
	if u == nil {
		return nil, false
	}
	perms = []EffectivePermission{}
	if !u.active() {
		return perms, true
	}
	t := s.now()
	set := s.grantableAt(u, t)
	places := s.places(u, t)
	for i, code := range s.cat.codes {
		if !set.has(i) {
			continue
		}
		p := s.cat.catalog.Permission(code)
		e := EffectivePermission{Codename: code, Category: p.Category, FacilityScoped: p.FacilityScoped, FacilityIDs: []string{}, Facilities: []FacilityGrant{}}
		if u.fullAccess() {
			e.GrantedBy = []Source{{Kind: SourceFullAccess}}
			e.AllFacilities = true
		} else {
			// The grant's sources, not Explain: a facility-scoped permission of a
			// user without facilities is held, and denied only for lack of scope.
			grant, ownOnly := s.cat.grantFor(i, &set)
			e.GrantedBy, e.OwnOnly = s.sourcesAt(u, grant, t, -1, false, nil), ownOnly
			if p.FacilityScoped {
				for _, pl := range places {
					if g, own := s.cat.grantWithin(i, &pl.held, &s.cat.holdable[u.rank()]); g >= 0 {
						e.FacilityIDs = append(e.FacilityIDs, pl.id)
						e.Facilities = append(e.Facilities, FacilityGrant{FacilityID: pl.id, GrantedBy: s.sourcesAt(u, g, t, pl.slot, true, nil), OwnOnly: own})
					}
				}
			} else {
				e.AllFacilities = true
			}
		}
		perms = append(perms, e)
	}
	return perms, true
}

// A place is a facility where the user holds something at one moment:
// assigned to them, or where they hold a site role.
type place struct {
	slot int32
	id   string
	held PermSet // before the licence filter
}

// places lists the user's places at t, in facility id order.
func (s *Snapshot) places(u userRecord, t int64) []place {
	var org PermSet
	s.orgHeld(u, t, &org)
	var out []place
	for _, f := range s.facilitiesAt(u, t, nil) {
		out = append(out, place{slot: f, id: s.facilityIDs[f], held: org})
	}
	for _, f := range s.siteFacilities(u, t) {
		var site PermSet
		s.siteHeld(u, t, f, &site)
		if i := slices.IndexFunc(out, func(p place) bool { return p.slot == f }); i >= 0 {
			out[i].held.or(&site)
		} else {
			out = append(out, place{slot: f, id: s.facilityIDs[f], held: site})
		}
	}
	slices.SortFunc(out, func(a, b place) int { return strings.Compare(a.id, b.id) })
	return out
}

// A Filter tells a list query which rows a user may see for a permission:
// every facility, these facilities, or none; and whether only their own items.
type Filter struct {
	Decision
	AllFacilities bool     `json:"all_facilities"`
	FacilityIDs   []string `json:"facility_ids"`
	OwnOnly       bool     `json:"own_only"`
	// OwnOnlyFacilityIDs are facilities where the user sees only their own
	// items while seeing every item at FacilityIDs (a site role with X.view
	// at one facility, X.view_own elsewhere). Empty when OwnOnly tells all.
	OwnOnlyFacilityIDs []string `json:"own_only_facility_ids,omitempty"`
}

// Filter answers "which rows may the user see with permission?" now.
func (s *Snapshot) Filter(userID, permission string) Filter {
	x := s.Explain(userID, permission, Resource{})
	f := Filter{Decision: x.Decision, FacilityIDs: []string{}, OwnOnly: x.OwnOnly}
	if !x.Allowed {
		return f
	}
	p := s.cat.index[permission]
	if x.Reason == ReasonFullAccess || !s.cat.scoped.has(p) {
		f.AllFacilities = true
		return f
	}
	u := s.user(userID)
	var own []string
	for _, pl := range s.places(u, s.now()) {
		if g, ownOnly := s.cat.grantWithin(p, &pl.held, &s.cat.holdable[u.rank()]); g >= 0 && ownOnly {
			own = append(own, pl.id)
		} else if g >= 0 {
			f.FacilityIDs = append(f.FacilityIDs, pl.id)
		}
	}
	switch {
	case len(f.FacilityIDs) == 0:
		f.FacilityIDs, f.OwnOnly = own, true
	case len(own) > 0:
		f.OwnOnly, f.OwnOnlyFacilityIDs = false, own
	}
	return f
}

// grantable is what the user may grant to others under no escalation: their
// effective set within their licence, with X.view_own wherever X.view is.
func (s *Snapshot) grantable(u userRecord) PermSet {
	return s.grantableAt(u, s.now())
}

// grantableAt is grantable at t, site roles included: every permission the
// user holds somewhere.
func (s *Snapshot) grantableAt(u userRecord, t int64) PermSet {
	if u.fullAccess() {
		return s.cat.all
	}
	var set, sites PermSet
	s.orgHeld(u, t, &set)
	s.siteHeld(u, t, -1, &sites)
	set.or(&sites)
	set.and(&s.cat.holdable[u.rank()])
	return s.cat.withImplied(set)
}

func (s *Snapshot) facilitiesOf(u userRecord) []string {
	ids := make([]string, 0, u.facilityCount())
	for i := range u.facilityCount() {
		if id := s.facilityIDs[u.facility(i)]; id != "" {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}
