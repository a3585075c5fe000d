package authz

import "slices"

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
}

// Effective lists every permission the user holds, in catalog order. An
// invited or inactive user holds nothing. ok is false for an unknown user.
func (s *Snapshot) Effective(userID string) (perms []EffectivePermission, ok bool) {
	u := s.user(userID)
	if u == nil {
		return nil, false
	}
	perms = []EffectivePermission{}
	if !u.active() {
		return perms, true
	}
	set := s.grantable(u)
	for i, code := range s.cat.codes {
		if !set.has(i) {
			continue
		}
		p := s.cat.catalog.Permission(code)
		e := EffectivePermission{Codename: code, Category: p.Category, FacilityScoped: p.FacilityScoped, FacilityIDs: []string{}}
		if u.fullAccess() {
			e.GrantedBy = []Source{{Kind: SourceFullAccess}}
			e.AllFacilities = true
		} else {
			// The grant's sources, not Explain: a facility-scoped permission of a
			// user without facilities is held, and denied only for lack of scope.
			grant, ownOnly := s.cat.grantFor(i, &set)
			e.GrantedBy, e.OwnOnly = s.sources(u, grant), ownOnly
			if p.FacilityScoped {
				e.FacilityIDs = s.facilitiesOf(u)
			} else {
				e.AllFacilities = true
			}
		}
		perms = append(perms, e)
	}
	return perms, true
}

// A Filter tells a list query which rows a user may see for a permission:
// every facility, these facilities, or none; and whether only their own items.
type Filter struct {
	Decision
	AllFacilities bool     `json:"all_facilities"`
	FacilityIDs   []string `json:"facility_ids"`
	OwnOnly       bool     `json:"own_only"`
}

// Filter answers "which rows may the user see with permission?".
func (s *Snapshot) Filter(userID, permission string) Filter {
	x := s.Explain(userID, permission, Resource{})
	f := Filter{Decision: x.Decision, FacilityIDs: []string{}, OwnOnly: x.OwnOnly}
	if !x.Allowed {
		return f
	}
	if x.Reason == ReasonFullAccess || !s.cat.scoped.has(s.cat.index[permission]) {
		f.AllFacilities = true
		return f
	}
	f.FacilityIDs = s.facilitiesOf(s.user(userID))
	return f
}

// grantable is what the user may grant to others under no escalation: their
// effective set within their licence, with X.view_own wherever X.view is.
func (s *Snapshot) grantable(u userRecord) PermSet {
	if u.fullAccess() {
		return s.cat.all
	}
	var set PermSet
	s.held(u, &set)
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
