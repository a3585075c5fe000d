package authz

import (
	"math"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse"
)

// Site roles and time-bound grants live in an optional trailer of the user
// record, after the facility slots, flagged by flagExtra, so that users
// without them are read exactly as before and a check of one of them pays
// nothing for the feature:
//
//	sites  2 bytes: number of site roles
//	timed  2 bytes: number of time-bound grants
//	then per site role: group slot, facility slot (4 bytes each), sorted by facility
//	then per time-bound grant: kind, index (4 bytes each), start, end (8 bytes each,
//	unix seconds; math.MinInt64 / math.MaxInt64 for none)
//
// A time-bound grant's index is the group slot, the permission index, the
// facility slot, or the site role's position, by kind.
const (
	flagExtra = 1 << 4
	// flagTimedFacility and flagTimedPermission mark a user with a
	// time-bound facility assignment or direct permission: kinds of grant
	// the record's reach does not cover (see extraMatters).
	flagTimedFacility   = 1 << 5
	flagTimedPermission = 1 << 6

	timedGroup = iota
	timedPermission
	timedFacility
	timedSite

	siteLen  = 8
	timedLen = 24
)

func (u userRecord) extra() bool { return u[0]&flagExtra != 0 }

// extraAt is where the trailer starts.
func (u userRecord) extraAt() int { return u.groupsAt() + 4*(u.groupCount()+u.facilityCount()) }

func (u userRecord) siteCount() int {
	if !u.extra() {
		return 0
	}
	return int(le.Uint16(u[u.extraAt():]))
}

func (u userRecord) timedCount() int {
	if !u.extra() {
		return 0
	}
	return int(le.Uint16(u[u.extraAt()+2:]))
}

// site returns the group and facility slots of the i-th site role.
func (u userRecord) site(i int) (group, facility int32) {
	at := u.extraAt() + 4 + siteLen*i
	return int32(le.Uint32(u[at:])), int32(le.Uint32(u[at+4:]))
}

// timed returns the i-th time-bound grant.
func (u userRecord) timed(i int) (kind int, index int32, start, end int64) {
	at := u.extraAt() + 4 + siteLen*u.siteCount() + timedLen*i
	return int(le.Uint32(u[at:])), int32(le.Uint32(u[at+4:])), int64(le.Uint64(u[at+8:])), int64(le.Uint64(u[at+16:]))
}

// noTimed is a moment that is no moment: no time-bound grant is in force
// at it. A check allowed then is allowed at any moment, and one no
// time-bound grant can change is answered there, without the clock (see
// decide).
const noTimed = math.MinInt64

// inForce reports whether the grant of kind and index is in force at t
// (unix seconds, or noTimed): grants without bounds always are.
func (u userRecord) inForce(kind int, index int32, t int64) bool {
	if !u.extra() {
		return true
	}
	at := u.extraAt()
	n := int(le.Uint16(u[at+2:]))
	if n == 0 {
		return true
	}
	timed := u[at+4+siteLen*int(le.Uint16(u[at:])):]
	for i := range n {
		e := timed[timedLen*i : timedLen*(i+1)]
		if int(le.Uint32(e)) == kind && int32(le.Uint32(e[4:])) == index {
			return boundsHold(int64(le.Uint64(e[8:])), int64(le.Uint64(e[16:])), t)
		}
	}
	return true
}

func boundsHold(start, end, t int64) bool {
	return t != noTimed && start <= t && t < end
}

// trailer is the record's site roles and bounds, for comparing two records.
func (u userRecord) trailer() []byte {
	if u == nil || !u.extra() {
		return nil
	}
	return u[u.extraAt():]
}

// extraSummary is what the head of a user record says of its trailer.
type extraSummary struct {
	present bool
	flags   byte    // flagTimedFacility, flagTimedPermission
	reach   PermSet // bit slot%256 of each group of a site role or time-bound membership
}

// extraOf is the trailer of u's record and its summary; no trailer when u
// has no site roles or time bounds the snapshot can place.
func (s *Snapshot) extraOf(u gatehouse.UserAccess, groups, facilities []int32) ([]byte, extraSummary) {
	type timed struct {
		kind       int
		index      int32
		start, end int64
	}
	bound := func(kind int, index int32, start, expiry time.Time) timed {
		t := timed{kind: kind, index: index, start: math.MinInt64, end: math.MaxInt64}
		if !start.IsZero() {
			t.start = start.Unix()
		}
		if !expiry.IsZero() {
			t.end = expiry.Unix()
		}
		return t
	}
	// Site roles are stored sorted by facility slot, and a time-bound one
	// is named by its position there: sorted first, numbered after, so
	// that each keeps its own bounds (facility slots and ids sort apart).
	type siteRole struct {
		group, facility int32
		role            gatehouse.SiteRole
	}
	var roles []siteRole
	for _, r := range gatehouse.NormalizeSiteRoles(u.SiteRoles) {
		g, gok := s.groupSlot[r.GroupID]
		f, fok := s.facilitySlot(r.FacilityID)
		if gok && fok {
			roles = append(roles, siteRole{g, f, r})
		}
	}
	slices.SortStableFunc(roles, func(a, b siteRole) int { return int(a.facility - b.facility) })
	var sites [][2]int32
	var times []timed
	for _, r := range roles {
		if !r.role.StartsAt.IsZero() || !r.role.ExpiresAt.IsZero() {
			times = append(times, bound(timedSite, int32(len(sites)), r.role.StartsAt, r.role.ExpiresAt))
		}
		sites = append(sites, [2]int32{r.group, r.facility})
	}
	for _, bd := range u.Bounds {
		g, ok := gatehouse.ParseGrantID(bd.GrantID)
		if !ok {
			continue
		}
		switch g.Type {
		case gatehouse.GrantGroup:
			if slot, ok := s.groupSlot[g.GroupID]; ok && g.FacilityID == "" && slices.Contains(groups, slot) {
				times = append(times, bound(timedGroup, slot, bd.StartsAt, bd.ExpiresAt))
			}
		case gatehouse.GrantPermission:
			if i, ok := s.cat.index[g.Permission]; ok && slices.Contains(u.Permissions, g.Permission) {
				times = append(times, bound(timedPermission, int32(i), bd.StartsAt, bd.ExpiresAt))
			}
		case gatehouse.GrantFacility:
			if slot, ok := s.facilitySlot(g.FacilityID); ok && slices.Contains(facilities, slot) {
				times = append(times, bound(timedFacility, slot, bd.StartsAt, bd.ExpiresAt))
			}
		}
	}
	var ext extraSummary
	if len(sites) == 0 && len(times) == 0 {
		return nil, ext
	}
	ext.present = true
	for _, st := range sites {
		ext.reach.add(int(st[0]) % reachClasses)
	}
	for _, t := range times {
		switch t.kind {
		case timedGroup:
			ext.reach.add(int(t.index) % reachClasses)
		case timedFacility:
			ext.flags |= flagTimedFacility
		case timedPermission:
			ext.flags |= flagTimedPermission
		}
	}
	var b []byte
	b = le.AppendUint16(b, uint16(len(sites)))
	b = le.AppendUint16(b, uint16(len(times)))
	for _, st := range sites {
		b = le.AppendUint32(b, uint32(st[0]))
		b = le.AppendUint32(b, uint32(st[1]))
	}
	for _, t := range times {
		b = le.AppendUint32(b, uint32(t.kind))
		b = le.AppendUint32(b, uint32(t.index))
		b = le.AppendUint64(b, uint64(t.start))
		b = le.AppendUint64(b, uint64(t.end))
	}
	return b, ext
}

// orgHeld is the union of the user's organization-wide groups', direct and
// licence permissions in force at t, before the licence filter.
func (s *Snapshot) orgHeld(u userRecord, t int64, set *PermSet) {
	if u.timedCount() == 0 {
		s.held(u, set) // nothing to leave out
		return
	}
	*set = u.direct()
	for i := range u.timedCount() {
		if kind, idx, start, end := u.timed(i); kind == timedPermission && !boundsHold(start, end, t) {
			set[idx>>6] &^= 1 << (uint(idx) & 63)
		}
	}
	set.or(&s.cat.implicit[u.rank()])
	for i := range u.groupCount() {
		slot := u.group(i)
		if grp := &s.groups[slot]; !grp.deleted && u.inForce(timedGroup, slot, t) {
			set.or(&grp.perms)
		}
	}
}

// sitesHeld is the union of the groups the user holds, in force at t, at
// the facility slot (none for -1) and at any facility that exists, in one
// pass over the site roles.
func (s *Snapshot) sitesHeld(u userRecord, t int64, slot int32, at, anywhere *PermSet) {
	*at, *anywhere = PermSet{}, PermSet{}
	if !u.extra() {
		return
	}
	start := u.extraAt()
	n, timed := int(le.Uint16(u[start:])), le.Uint16(u[start+2:]) != 0
	sites := u[start+4 : start+4+siteLen*n]
	for i := range n {
		g, f := int32(le.Uint32(sites[siteLen*i:])), int32(le.Uint32(sites[siteLen*i+4:]))
		grp := &s.groups[g]
		if grp.deleted || (timed && !u.inForce(timedSite, int32(i), t)) {
			continue
		}
		if f == slot {
			at.or(&grp.perms)
		}
		if s.exists(f) {
			anywhere.or(&grp.perms)
		}
	}
}

// siteHeld is one of sitesHeld's unions: at the facility slot, or with -1
// at any facility that exists.
func (s *Snapshot) siteHeld(u userRecord, t int64, slot int32, set *PermSet) {
	var other PermSet
	if slot >= 0 {
		s.sitesHeld(u, t, slot, set, &other)
		return
	}
	s.sitesHeld(u, t, -1, &other, set)
}

// assignedAt reports whether the facility slot is assigned to the user at t.
func (u userRecord) assignedAt(slot int32, t int64) bool {
	return u.hasFacility(slot) && u.inForce(timedFacility, slot, t)
}

// anyFacilityAt reports whether one of the user's assigned facilities
// exists and is in force at t.
func (s *Snapshot) anyFacilityAt(u userRecord, t int64) bool {
	if u[0]&flagTimedFacility == 0 {
		return s.anyFacility(u)
	}
	for i := range u.facilityCount() {
		if f := u.facility(i); s.exists(f) && u.inForce(timedFacility, f, t) {
			return true
		}
	}
	return false
}

// facilitiesAt is the user's assigned facilities that exist and are in
// force at t, appended to buf[:0], sorted.
func (s *Snapshot) facilitiesAt(u userRecord, t int64, buf []int32) []int32 {
	out := buf[:0]
	for i := range u.facilityCount() {
		if f := u.facility(i); s.facilityIDs[f] != "" && u.inForce(timedFacility, f, t) {
			out = append(out, f)
		}
	}
	return out
}

// siteFacilities is the facilities (existing) at which the user holds a
// site role in force at t, sorted, without repeats.
func (s *Snapshot) siteFacilities(u userRecord, t int64) []int32 {
	var out []int32
	for i := range u.siteCount() {
		if _, f := u.site(i); s.facilityIDs[f] != "" && u.inForce(timedSite, int32(i), t) && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// boundaries is every start and expiry of the user's time-bound grants
// after t, in unix seconds.
func (u userRecord) boundaries(after int64) []int64 {
	var out []int64
	if u == nil {
		return nil
	}
	for i := range u.timedCount() {
		_, _, start, end := u.timed(i)
		for _, b := range []int64{start, end} {
			if b > after && b != math.MaxInt64 {
				out = append(out, b)
			}
		}
	}
	return out
}

// NextChange is the first moment after t at which a time-bound grant of
// the organization starts or expires, and false when none will: until
// then, every answer of the snapshot stays as it is at t.
func (s *Snapshot) NextChange(t time.Time) (time.Time, bool) {
	next, found := int64(math.MaxInt64), false
	for _, sh := range s.users.shards {
		sh.t.each(func(_, payload []byte) {
			for _, b := range userRecord(payload).boundaries(t.Unix()) {
				if b < next {
					next, found = b, true
				}
			}
		})
	}
	if !found {
		return time.Time{}, false
	}
	return time.Unix(next, 0).UTC(), true
}

// WithClock returns the snapshot reading the time from now when a check
// reaches a time-bound grant (the default is the system clock). Writes keep
// the clock: Apply copies it.
func (s *Snapshot) WithClock(now func() time.Time) *Snapshot {
	next := *s
	next.now = func() int64 { return now().Unix() }
	return &next
}

func systemNow() int64 { return time.Now().Unix() }

// extraMatters reports whether a site role or a time-bound grant of the
// user could change the answer for permission index p: a site role's group
// or a time-bound group, site role or direct grant holding p (or its
// view/view_own sibling), or, for a facility-scoped permission, a
// time-bound facility assignment. When none could, the user is answered as
// one without them: the organization-wide grants decide, the same at every
// moment and at every facility.
//
// It runs on every check of such a user, so it reads the head of the
// record only: the reach (one bit per class of group slots, slot mod 256)
// against the classes of the groups that hold p. With up to 256 groups it
// is exact; beyond, a class shared by another group can only send the
// check to the full path, never skip it.
func (s *Snapshot) extraMatters(u userRecord, p int) bool {
	if u[0]&flagTimedFacility != 0 && s.cat.scoped.has(p) {
		return true
	}
	if u[0]&flagTimedPermission != 0 && s.timedMatters(u, p) {
		return true
	}
	r := u[userFixedLen : userFixedLen+permSetLen]
	by := &s.reachedBy[p]
	return le.Uint64(r)&by[0]|le.Uint64(r[8:])&by[1]|le.Uint64(r[16:])&by[2]|le.Uint64(r[24:])&by[3] != 0
}

// reachClasses is how many classes of group slots a user record's reach
// tells apart: one bit each.
const reachClasses = 256

// setReachedBy rebuilds reachedBy for the classes of the group slots
// given (every class when slots is nil), from the groups' permissions.
func (s *Snapshot) setReachedBy(slots []int32) {
	if slots == nil {
		s.reachedBy = make([]PermSet, len(s.cat.codes))
		for slot := range s.groups {
			s.addReach(int32(slot))
		}
		return
	}
	s.reachedBy = slices.Clone(s.reachedBy)
	for _, slot := range slots {
		class := int(slot) % reachClasses
		for p := range s.reachedBy {
			s.reachedBy[p][class>>6] &^= 1 << (class & 63)
		}
		for other := class; other < len(s.groups); other += reachClasses {
			s.addReach(int32(other))
		}
	}
}

// addReach sets the class of the group slot for every permission the group
// holds, or holds the view/view_own sibling of.
func (s *Snapshot) addReach(slot int32) {
	grp := &s.groups[slot]
	if grp.deleted {
		return
	}
	class := int(slot) % reachClasses
	for p := range s.reachedBy {
		view, own := s.cat.view[p], s.cat.own[p]
		if grp.perms.has(p) || (view >= 0 && (grp.perms.has(view) || grp.perms.has(own))) {
			s.reachedBy[p].add(class)
		}
	}
}

// timedMatters reports whether a time-bound grant of the user could give
// permission index p (or its view/view_own sibling): a group or site role
// holding it, the direct permission itself, or, for a facility-scoped
// permission, a time-bound facility assignment.
func (s *Snapshot) timedMatters(u userRecord, p int) bool {
	var set PermSet
	for i := range u.timedCount() {
		kind, idx, _, _ := u.timed(i)
		switch kind {
		case timedGroup:
			set.or(&s.groups[idx].perms)
		case timedSite:
			g, _ := u.site(int(idx))
			set.or(&s.groups[g].perms)
		case timedPermission:
			set.add(int(idx))
		case timedFacility:
			if s.cat.scoped.has(p) {
				return true
			}
		}
	}
	if set.has(p) {
		return true
	}
	view, own := s.cat.view[p], s.cat.own[p]
	return view >= 0 && (set.has(view) || set.has(own))
}
