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
}

// accessOf is the effective access of u: nothing unless active. asIfActive
// reads an invited or inactive user as they would be once (re)activated,
// which is what acting on their account puts at stake.
func (s *Snapshot) accessOf(u userRecord, asIfActive bool) access {
	return s.accessIn(u, asIfActive, nil)
}

// accessIn is accessOf with the facilities appended to buf[:0], so that
// judging thousands of users reuses one buffer.
func (s *Snapshot) accessIn(u userRecord, asIfActive bool, buf []int32) access {
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
	a := access{perms: s.grantable(u), facilities: buf[:0]}
	for i := range u.facilityCount() {
		if slot := u.facility(i); s.facilityIDs[slot] != "" {
			a.facilities = append(a.facilities, slot)
		}
	}
	return a
}

// atStake is the access a preview shows: what an active user holds, and
// what an invited user will hold on accepting their invitation (which they
// do themselves). An inactive user holds nothing until reactivated.
func (s *Snapshot) atStake(u userRecord) access {
	return s.accessOf(u, u != nil && u.status() == statusInvited)
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
}

func (d *delta) empty() bool {
	return !d.full && d.anywhere == (PermSet{}) &&
		(d.newPerms == (PermSet{}) || len(d.at) == 0) && (d.oldPerms == (PermSet{}) || len(d.extra) == 0)
}

// gained is what after holds that before does not. Full access counts as
// every permission at every facility that exists.
func (cc *compiledCatalog) gained(before, after access) delta {
	d := delta{full: after.full && !before.full}
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
	at      []uint64 // the facility slots of access, as a bitmap: judging a big group asks once per member facility
	created func(slot int32) bool
}

func newHolder(a access, created func(slot int32) bool) *holder {
	h := &holder{access: a, created: created}
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
		if d.anywhere.has(i) && !h.perms.has(i) {
			return i, -1, false
		}
	}
	for _, part := range []struct {
		perms *PermSet
		at    []int32
	}{{&d.newPerms, d.at}, {&d.oldPerms, d.extra}} {
		if len(part.at) == 0 || *part.perms == (PermSet{}) {
			continue
		}
		for i := range cc.codes {
			if part.perms.has(i) && !h.perms.has(i) {
				return i, part.at[0], false
			}
		}
		for _, f := range part.at {
			if !h.hasFacility(f) {
				return firstOf(part.perms, len(cc.codes)), f, false
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
func (s *Snapshot) Impact(next *Snapshot, ch gatehouse.AccessChange) []UserImpact {
	out := []UserImpact{}
	s.eachReached(next, ch, func(id []byte, was, is userRecord) bool {
		before, after := s.atStake(was), next.atStake(is)
		gained, lost := s.cat.gained(before, after), s.cat.gained(after, before)
		if !gained.empty() || !lost.empty() {
			out = append(out, UserImpact{UserID: string(id),
				Gained: next.grants(&gained), Lost: s.grants(&lost), HeldBeyondLicence: next.beyondLicence(is)})
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
	return false
}

func (u userRecord) atAnyFacility(slots []int32) bool {
	for _, slot := range slots {
		if u.hasFacility(slot) {
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
		}
	}
	return out
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
