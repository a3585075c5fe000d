package authz

import (
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// access is one user's effective access in one snapshot, as pairs of
// permission × facility: with full access every permission everywhere;
// otherwise the organization-wide permissions of perms everywhere and its
// facility-scoped ones at each of facilities.
type access struct {
	full       bool
	perms      PermSet // within the licence, X.view_own wherever X.view
	facilities []int32 // sorted slots of facilities that still exist
	// sites are what the user's site roles give at each facility, within
	// the licence, sorted by slot: facility-scoped permissions there, and
	// organization-wide ones everywhere.
	sites []siteAccess
}

type siteAccess struct {
	slot  int32
	perms PermSet
}

// at is the access's permissions at the facility slot.
func (a *access) at(slot int32) PermSet {
	var set PermSet
	if _, ok := slices.BinarySearch(a.facilities, slot); ok {
		set = a.perms
	}
	if i, ok := slices.BinarySearchFunc(a.sites, slot, func(s siteAccess, slot int32) int { return int(s.slot - slot) }); ok {
		set.or(&a.sites[i].perms)
	}
	return set
}

// somewhere is every permission the access holds somewhere.
func (a *access) somewhere() PermSet {
	set := a.perms
	for i := range a.sites {
		set.or(&a.sites[i].perms)
	}
	return set
}

// accessOf is the effective access of u: nothing unless active. asIfActive
// reads an invited or inactive user as they would be once (re)activated,
// which is what acting on their account puts at stake.
func (s *Snapshot) accessOf(u userRecord, asIfActive bool) access {
	return s.accessIn(u, asIfActive, nil, s.now())
}

// accessIn is accessOf at t (unix seconds) with the facilities appended to
// buf[:0], so that judging thousands of users reuses one buffer.
func (s *Snapshot) accessIn(u userRecord, asIfActive bool, buf []int32, t int64) access {
	if u == nil || (!asIfActive && !u.active()) {
		return access{}
	}
	if u.fullAccess() {
		// Every permission at every facility, those to come too.
		a := access{full: true, perms: s.cat.all, facilities: buf[:0]}
		for slot, id := range s.facilityIDs {
			if id != "" {
				a.facilities = append(a.facilities, int32(slot))
			}
		}
		return a
	}
	var held PermSet
	s.orgHeld(u, t, &held)
	held.and(&s.cat.holdable[u.rank()])
	a := access{perms: s.cat.withImplied(held), facilities: s.facilitiesAt(u, t, buf)}
	for _, f := range s.siteFacilities(u, t) {
		var site PermSet
		s.siteHeld(u, t, f, &site)
		site.and(&s.cat.holdable[u.rank()])
		a.sites = append(a.sites, siteAccess{slot: f, perms: s.cat.withImplied(site)})
	}
	slices.SortFunc(a.sites, func(x, y siteAccess) int { return int(x.slot - y.slot) })
	return a
}

// atStake is the access a preview shows: what an active user holds, and
// what an invited user will hold on accepting their invitation (which they
// do themselves). An inactive user holds nothing until reactivated.
func (s *Snapshot) atStake(u userRecord, t int64) access {
	return s.accessIn(u, u != nil && u.status() == statusInvited, nil, t)
}

// A delta is what one user's access gains (or, read the other way, loses)
// between two snapshots, in the pairs of access.
type delta struct {
	full     bool    // gains full access: every permission everywhere, facilities to come too
	anywhere PermSet // organization-wide permissions gained
	newPerms PermSet // facility-scoped permissions gained at every facility of at
	at       []int32
	oldPerms PermSet // facility-scoped permissions held before, gained at extra
	extra    []int32
	sites    []siteAccess // with site roles on either side: facility-scoped permissions gained, facility by facility
}

// gained is what after holds that before does not. Full access counts as
// every permission at every facility that exists.
func (cc *compiledCatalog) gained(before, after access) delta {
	d := delta{full: after.full && !before.full}
	if (len(before.sites) > 0 || len(after.sites) > 0) && !before.full && !after.full {
		// Facility by facility: a site role holds different permissions at
		// each of its facilities.
		was, is := before.somewhere(), after.somewhere()
		d.anywhere = is
		d.anywhere.andNot(&was)
		d.anywhere.andNot(&cc.scoped)
		places := slices.Clone(after.facilities)
		for _, st := range after.sites {
			places = append(places, st.slot)
		}
		slices.Sort(places)
		for _, f := range slices.Compact(places) {
			g, had := after.at(f), before.at(f)
			g.andNot(&had)
			g.and(&cc.scoped)
			if g != (PermSet{}) {
				d.sites = append(d.sites, siteAccess{slot: f, perms: g})
			}
		}
		return d
	}
	fresh := after.perms
	fresh.andNot(&before.perms)
	d.anywhere = fresh
	d.anywhere.andNot(&cc.scoped)
	d.newPerms = fresh
	d.newPerms.and(&cc.scoped)
	d.at = after.facilities
	d.oldPerms = after.perms
	d.oldPerms.and(&before.perms)
	d.oldPerms.and(&cc.scoped)
	d.extra = minus(after.facilities, before.facilities)
	return d
}

// minus returns the slots of a that are not in b; both are sorted.
func minus(a, b []int32) []int32 {
	var out []int32
	for _, v := range a {
		if _, found := slices.BinarySearch(b, v); !found {
			out = append(out, v)
		}
	}
	return out
}

// holder is whom a delta is judged against: an actor's access before the
// write, plus the facilities the write itself created and assigned to them
// (creating a facility assigns its creator, and nobody held anything there).
type holder struct {
	access
	at       []uint64 // the facility slots of access, as a bitmap: judging a big group asks once per member facility
	created  func(slot int32) bool
	anywhere PermSet // every permission held somewhere, site roles included
}

// heldAt is what h holds at the facility slot.
func (h *holder) heldAt(slot int32) PermSet {
	var set PermSet
	if h.hasFacility(slot) {
		set = h.perms
	}
	if i, ok := slices.BinarySearchFunc(h.sites, slot, func(s siteAccess, slot int32) int { return int(s.slot - slot) }); ok {
		set.or(&h.sites[i].perms)
	}
	return set
}

func newHolder(a access, created func(slot int32) bool) *holder {
	h := &holder{access: a, created: created, anywhere: a.somewhere()}
	for _, slot := range a.facilities {
		for int(slot>>6) >= len(h.at) {
			h.at = append(h.at, 0)
		}
		h.at[slot>>6] |= 1 << (slot & 63)
	}
	return h
}

func (h *holder) hasFacility(slot int32) bool {
	if int(slot>>6) < len(h.at) && h.at[slot>>6]&(1<<(slot&63)) != 0 {
		return true
	}
	return h.created != nil && h.created(slot)
}

// uncovered returns a permission and facility slot of d that h does not hold
// (slot -1 for an organization-wide permission or for everywhere), or ok.
func (cc *compiledCatalog) uncovered(h *holder, d *delta) (perm int, slot int32, ok bool) {
	if h.full {
		return 0, 0, true
	}
	if d.full {
		return -1, -1, false
	}
	for i := range cc.codes {
		if d.anywhere.has(i) && !h.anywhere.has(i) {
			return i, -1, false
		}
	}
	parts := []struct {
		perms *PermSet
		at    []int32
	}{{&d.newPerms, d.at}, {&d.oldPerms, d.extra}}
	for i := range d.sites {
		parts = append(parts, struct {
			perms *PermSet
			at    []int32
		}{&d.sites[i].perms, []int32{d.sites[i].slot}})
	}
	for _, part := range parts {
		if len(part.at) == 0 || *part.perms == (PermSet{}) {
			continue
		}
		for i := range cc.codes {
			if part.perms.has(i) && !h.anywhere.has(i) {
				return i, part.at[0], false
			}
		}
		for _, f := range part.at {
			if held := h.heldAt(f); !part.perms.subsetOf(&held) {
				missing := *part.perms
				missing.andNot(&held)
				return firstOf(&missing, len(cc.codes)), f, false
			}
		}
	}
	return 0, 0, true
}

func firstOf(s *PermSet, n int) int {
	for i := range n {
		if s.has(i) {
			return i
		}
	}
	return -1
}

// A Grant is one permission with where it applies: everywhere, or at these
// facilities.
type Grant struct {
	Permission    string   `json:"permission"`
	AllFacilities bool     `json:"all_facilities" doc:"Everywhere: an organization-wide permission, or full access"`
	FacilityIDs   []string `json:"facility_ids" doc:"The facilities, for a facility-scoped permission"`
	// HiddenFacilities counts facilities of the grant that the caller, an
	// admin without full access, does not manage: left out of FacilityIDs.
	HiddenFacilities int `json:"hidden_facilities,omitempty" required:"false" doc:"How many more facilities, not assigned to the caller, the grant applies to"`
}

// A UserImpact is what one write changes in one user's effective access.
type UserImpact struct {
	UserID string  `json:"user_id" doc:"Empty for a user outside the caller's facilities"`
	Gained []Grant `json:"gained"`
	Lost   []Grant `json:"lost"`
	// HeldBeyondLicence are permissions the user's groups or direct grants
	// give after the write that their licence keeps out: held, not in force.
	HeldBeyondLicence []string `json:"held_beyond_licence"`
}

// Impact is what the write from s to next changes in the effective access
// of every user it reaches, in id order; users whose access does not change
// are left out.
//
// With time-bound grants, it is the change now and at every later start or
// expiry of the user's grants: a grant that starts next week is gained, an
// expiry set on a grant is a loss.
func (s *Snapshot) Impact(next *Snapshot, ch gatehouse.AccessChange) []UserImpact {
	out := []UserImpact{}
	now := s.now()
	s.eachReached(next, ch, func(id []byte, was, is userRecord) bool {
		var gainedAll, lostAll []Grant
		for _, t := range moments(now, was, is) {
			before, after := s.atStake(was, t), next.atStake(is, t)
			gained, lost := s.cat.gained(before, after), s.cat.gained(after, before)
			gainedAll = mergeGrants(gainedAll, next.grants(&gained))
			lostAll = mergeGrants(lostAll, s.grants(&lost))
		}
		if len(gainedAll) > 0 || len(lostAll) > 0 {
			out = append(out, UserImpact{UserID: string(id),
				Gained: s.inCatalogOrder(gainedAll), Lost: s.inCatalogOrder(lostAll), HeldBeyondLicence: next.beyondLicence(is)})
		}
		return true
	})
	slices.SortFunc(out, func(a, b UserImpact) int { return strings.Compare(a.UserID, b.UserID) })
	return out
}

// eachReached calls fn with every user whose access the change from s to
// next may alter — the users it writes, and the members of the groups and
// the users of the facilities it changes or deletes — with their records
// before and after (nil where there is none), until fn returns false.
// Users the change does not write keep their record: a group edit reaches
// its 5,000 members without a look-up or an allocation each.
func (s *Snapshot) eachReached(next *Snapshot, ch gatehouse.AccessChange, fn func(id []byte, before, after userRecord) bool) {
	written := make(map[string]bool, len(ch.Users)+len(ch.DeletedUsers))
	for _, u := range ch.Users {
		written[u.ID] = true
	}
	for _, id := range ch.DeletedUsers {
		written[id] = true
	}
	for id := range written {
		if !fn([]byte(id), s.user(id), next.user(id)) {
			return
		}
	}
	var groups []int32
	for _, g := range ch.Groups {
		if slot, ok := s.groupSlot[g.ID]; ok {
			groups = append(groups, slot)
		}
	}
	for _, id := range ch.DeletedGroups {
		if slot, ok := s.groupSlot[id]; ok {
			groups = append(groups, slot)
		}
	}
	var facilities []int32
	for _, id := range ch.DeletedFacilities {
		if slot, ok := s.facilitySlot(id); ok {
			facilities = append(facilities, slot)
		}
	}
	// Full access holds every facility: one more or one fewer changes it.
	everywhere := len(ch.Facilities) > 0 || len(ch.DeletedFacilities) > 0
	if len(groups) == 0 && !everywhere {
		return
	}
	for _, sh := range s.users.shards {
		more := true
		sh.t.each(func(id, payload []byte) {
			u := userRecord(payload)
			if more && (u.inAnyGroup(groups) || u.atAnyFacility(facilities) || (everywhere && u.fullAccess())) && !written[string(id)] {
				more = fn(id, u, u)
			}
		})
		if !more {
			return
		}
	}
}

func (u userRecord) inAnyGroup(slots []int32) bool {
	for i := range u.groupCount() {
		if slices.Contains(slots, u.group(i)) {
			return true
		}
	}
	for i := range u.siteCount() {
		if g, _ := u.site(i); slices.Contains(slots, g) {
			return true
		}
	}
	return false
}

func (u userRecord) atAnyFacility(slots []int32) bool {
	for _, slot := range slots {
		if u.hasFacility(slot) {
			return true
		}
	}
	for i := range u.siteCount() {
		if _, f := u.site(i); slices.Contains(slots, f) {
			return true
		}
	}
	return false
}

// grants spells a delta out as one Grant per permission, in catalog order.
func (s *Snapshot) grants(d *delta) []Grant {
	out := []Grant{}
	at, extra := s.idsOf(d.at), s.idsOf(d.extra)
	for i, code := range s.cat.codes {
		switch {
		case d.anywhere.has(i), d.full && d.newPerms.has(i):
			out = append(out, Grant{Permission: code, AllFacilities: true, FacilityIDs: []string{}})
		case d.newPerms.has(i) && len(at) > 0:
			out = append(out, Grant{Permission: code, FacilityIDs: at})
		case d.oldPerms.has(i) && len(extra) > 0:
			out = append(out, Grant{Permission: code, FacilityIDs: extra})
		case len(d.sites) > 0:
			var slots []int32
			for _, st := range d.sites {
				if st.perms.has(i) {
					slots = append(slots, st.slot)
				}
			}
			if len(slots) > 0 {
				out = append(out, Grant{Permission: code, FacilityIDs: s.idsOf(slots)})
			}
		}
	}
	return out
}

// moments are now and every later start or expiry of the records' grants,
// in order: the moments at which their access may change.
func moments(now int64, records ...userRecord) []int64 {
	out := []int64{now}
	for _, u := range records {
		out = append(out, u.boundaries(now)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// mergeGrants adds more to grants, a permission's facilities joining.
func mergeGrants(grants, more []Grant) []Grant {
	for _, g := range more {
		i := slices.IndexFunc(grants, func(h Grant) bool { return h.Permission == g.Permission })
		if i < 0 {
			grants = append(grants, g)
			continue
		}
		grants[i].AllFacilities = grants[i].AllFacilities || g.AllFacilities
		ids := append(slices.Clone(grants[i].FacilityIDs), g.FacilityIDs...)
		slices.Sort(ids)
		grants[i].FacilityIDs = slices.Compact(ids)
		if grants[i].AllFacilities {
			grants[i].FacilityIDs = []string{}
		}
	}
	return grants
}

// inCatalogOrder sorts grants by their permission's place in the catalog,
// never nil.
func (s *Snapshot) inCatalogOrder(grants []Grant) []Grant {
	if grants == nil {
		return []Grant{}
	}
	slices.SortFunc(grants, func(a, b Grant) int { return s.cat.index[a.Permission] - s.cat.index[b.Permission] })
	return grants
}

func (s *Snapshot) idsOf(slots []int32) []string {
	ids := make([]string, 0, len(slots))
	for _, slot := range slots {
		ids = append(ids, s.facilityIDs[slot])
	}
	slices.Sort(ids)
	return ids
}

// beyondLicence lists the permissions the user's groups and direct grants
// give that their licence keeps out.
func (s *Snapshot) beyondLicence(u userRecord) []string {
	out := []string{}
	if u == nil || u.fullAccess() {
		return out
	}
	var held PermSet
	s.held(u, &held)
	for i, code := range s.cat.codes {
		if held.has(i) && !s.cat.holdable[u.rank()].has(i) {
			out = append(out, code)
		}
	}
	return out
}

// Visible is impact as actorID may see it: with full access, all of it;
// otherwise users outside the actor's facilities keep their place but not
// their id, and facilities not assigned to the actor are left out (the
// grant says how many with HiddenFacilities), so that a dry run reveals no
// more than the actor's lists do.
func (s *Snapshot) Visible(actorID string, impact []UserImpact) []UserImpact {
	actor := s.user(actorID)
	if actor != nil && actor.fullAccess() {
		return impact
	}
	out := make([]UserImpact, len(impact))
	for i, u := range impact {
		if !s.CanManage(actorID, u.UserID) {
			u.UserID = ""
		}
		u.Gained, u.Lost = s.visibleGrants(actor, u.Gained), s.visibleGrants(actor, u.Lost)
		out[i] = u
	}
	return out
}

func (s *Snapshot) visibleGrants(actor userRecord, grants []Grant) []Grant {
	out := make([]Grant, len(grants))
	for i, g := range grants {
		ids := make([]string, 0, len(g.FacilityIDs))
		for _, id := range g.FacilityIDs {
			if slot, ok := s.facilitySlot(id); ok && actor != nil && actor.hasFacility(slot) {
				ids = append(ids, id)
			}
		}
		g.HiddenFacilities = len(g.FacilityIDs) - len(ids)
		g.FacilityIDs = ids
		out[i] = g
	}
	return out
}
