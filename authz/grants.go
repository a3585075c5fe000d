package authz

import "github.com/gatehouse/gatehouse"

// Grants is what an actor may hand out under no escalation: what a form
// offers them, so that a limited admin never sees a control they may not use.
// The write paths check the same rules again (Judge).
type Grants struct {
	FullAccess  bool            // may set full access, and grant anything
	Permissions map[string]bool // codenames they may grant
	Groups      map[string]bool // group ids they may add (every permission held)
	Facilities  map[string]bool // facility ids they may assign; nil with full access (all)
	MaxLicence  int             // highest licence rank they may give
}

// GrantsOf returns what the actor may grant. An unknown or inactive actor
// may grant nothing.
func (s *Snapshot) GrantsOf(actorID string) Grants {
	g := Grants{Permissions: map[string]bool{}, Groups: map[string]bool{}, Facilities: map[string]bool{}}
	u := s.user(actorID)
	if u == nil || !u.active() {
		return g
	}
	if u.fullAccess() {
		g.FullAccess, g.Facilities, g.MaxLicence = true, nil, len(s.cat.catalog.Licences)
	} else {
		g.MaxLicence = u.rank()
		for _, id := range s.facilitiesOf(u) {
			g.Facilities[id] = true
		}
	}
	mine := s.grantable(u)
	for i, code := range s.cat.codes {
		if mine.has(i) {
			g.Permissions[code] = true
		}
	}
	for _, grp := range s.groups {
		if !grp.deleted && grp.perms.subsetOf(&mine) {
			g.Groups[grp.id] = true
		}
	}
	return g
}

// CanFacility reports whether the grants include assigning the facility.
func (g Grants) CanFacility(id string) bool { return g.FullAccess || g.Facilities[id] }

// CanLicence reports whether the grants include giving the licence.
func (g Grants) CanLicence(c *gatehouse.Catalog, name string) bool {
	return c.LicenceRank(name) <= g.MaxLicence
}
