package authz

import (
	"math/rand/v2"
	"slices"

	"github.com/gatehouse/gatehouse"
)

// shardBits is how finely a table of n records is split: about 128 records a
// shard, so that a write rebuilds a few kilobytes, not the whole
// organization (snapshots are copy-on-write), while a small organization
// keeps its few shards in a few cache lines. The split is chosen at Compile;
// an organization that grows afterwards grows its shards until its next
// full load.
func shardBits(n int) uint {
	bits := uint(4)
	for bits < 16 && n>>bits > 128 {
		bits++
	}
	return bits
}

// A Snapshot is one organization's state at one revision, compiled for
// decisions. It is immutable: writes make a new one with Apply.
type Snapshot struct {
	OrgID    string
	Revision int64

	cat         *compiledCatalog
	users       shardedTable // user id → userRecord
	userCount   int
	licences    []string     // licence index → name; 0 is "", then the catalog's, then unknown names
	groups      []groupEntry // slot → group; slots are never reused
	groupSlot   map[string]int32
	facilities  shardedTable // facility id → its slot, 4 bytes
	facilityIDs []string     // slot → id, "" once deleted
	// gone has a bit set for each deleted facility slot: what a check of a
	// site role asks, from a few cache lines rather than the ids.
	gone []uint64
	// reachedBy is, per permission index, the classes of the group slots
	// (slot mod 256) whose groups hold it or its view/view_own sibling: what
	// a check of a user with site roles or time bounds compares with the
	// record's reach (see extraMatters).
	reachedBy []PermSet
	// keysRevoked is the revision of the latest change known to have
	// deleted API keys: the snapshot's own revision when it was compiled
	// (what came before is unknown then).
	keysRevoked int64
	// now is the time in unix seconds, read only when a check reaches a
	// time-bound grant (see WithClock).
	now func() int64
}

type groupEntry struct {
	id      string
	perms   PermSet
	deleted bool
}

// Compile builds the snapshot of an organization's whole state.
func Compile(st gatehouse.AccessState) *Snapshot {
	seed := rand.Uint64()
	s := &Snapshot{
		OrgID:       st.OrgID,
		Revision:    st.Revision,
		keysRevoked: st.Revision,
		cat:         compileCatalog(st.Catalog),
		users:       newShardedTable(seed, shardBits(len(st.Users))),
		groupSlot:   make(map[string]int32, len(st.Groups)),
		facilities:  newShardedTable(seed, shardBits(len(st.Facilities))),
		facilityIDs: make([]string, 0, len(st.Facilities)),
		groups:      make([]groupEntry, 0, len(st.Groups)),
		now:         systemNow,
	}
	s.licences = []string{""}
	for _, l := range st.Catalog.Licences {
		s.licences = append(s.licences, l.Name)
	}
	facilities := make([]record, 0, len(st.Facilities))
	for _, id := range st.Facilities {
		facilities = append(facilities, s.facilityRecord(id, int32(len(s.facilityIDs))))
		s.facilityIDs = append(s.facilityIDs, id)
	}
	s.facilities.build(facilities)
	for _, g := range st.Groups {
		s.groupSlot[g.ID] = int32(len(s.groups))
		s.groups = append(s.groups, groupEntry{id: g.ID, perms: s.cat.setOf(g.Permissions)})
	}
	s.setReachedBy(nil)
	users := make([]record, len(st.Users))
	var scratch []byte
	for i, u := range st.Users {
		start := len(scratch)
		scratch = append(scratch, u.ID...)
		scratch = s.appendUser(scratch, u)
		// Slices of scratch stay valid when it grows: they keep the old array.
		users[i] = record{key: scratch[start : start+len(u.ID)], payload: scratch[start+len(u.ID) : len(scratch) : len(scratch)]}
	}
	s.users.build(users)
	s.userCount = s.users.len()
	return s
}

func (s *Snapshot) facilityRecord(id string, slot int32) record {
	return record{key: []byte(id), payload: le.AppendUint32(nil, uint32(slot))}
}

// A userRecord is the packed, decision-relevant part of one user, stored
// right after the user's id in its table shard, in as few bytes as it takes
// (a check reads it whole, and every cache line costs):
//
//	0  flags      1 byte: status (2 bits), full access, has direct permissions,
//	              has site roles or time bounds (extra), and which kinds of time bounds
//	1  rank       1 byte: the licence's rank, 0 for none or unknown
//	2  licence    2 bytes: index into Snapshot.licences
//	4  groups     2 bytes: number of group slots
//	6  facilities 4 bytes: number of facility slots
//	10 reach      32 bytes, only with flagExtra: the classes of the groups of its
//	              site roles and time-bound memberships (see extraMatters)
//	   direct     32 bytes, only with direct permissions: their PermSet
//	   then group slots, 4 bytes each, then facility slots, 4 bytes each, sorted
//	   then, only with flagExtra, site roles and time bounds (see siterole.go)
//
// A nil userRecord is a user the organization does not have.
type userRecord []byte

const (
	statusActive = iota + 1
	statusInvited
	statusInactive

	flagStatus     = 3
	flagFullAccess = 1 << 2
	flagDirect     = 1 << 3
	userFixedLen   = 10
	permSetLen     = 32
)

func (u userRecord) status() byte       { return u[0] & flagStatus }
func (u userRecord) active() bool       { return u[0]&flagStatus == statusActive }
func (u userRecord) fullAccess() bool   { return u[0]&flagFullAccess != 0 }
func (u userRecord) rank() int          { return int(u[1]) }
func (u userRecord) licence() int       { return int(le.Uint16(u[2:])) }
func (u userRecord) groupCount() int    { return int(le.Uint16(u[4:])) }
func (u userRecord) facilityCount() int { return int(le.Uint32(u[6:])) }

// groupsAt is where the group slots start.
// (without a branch: whether a user has direct permissions or extras is
// as likely as not from one check to the next).
func (u userRecord) groupsAt() int {
	return u.directAt() + int(u[0]>>3&1)*permSetLen
}

// directAt is where the direct permissions are, when the user has some.
func (u userRecord) directAt() int {
	return userFixedLen + int(u[0]>>4&1)*permSetLen
}

func (u userRecord) group(i int) int32 { return int32(le.Uint32(u[u.groupsAt()+4*i:])) }

func (u userRecord) facility(i int) int32 {
	return int32(le.Uint32(u[u.groupsAt()+4*(u.groupCount()+i):]))
}

func (u userRecord) direct() PermSet {
	if u[0]&flagDirect == 0 {
		return PermSet{}
	}
	at := u.directAt()
	d := u[at : at+permSetLen]
	return PermSet{le.Uint64(d), le.Uint64(d[8:]), le.Uint64(d[16:]), le.Uint64(d[24:])}
}

// hasFacility reports whether the facility slot is assigned to the user, by
// binary search of the sorted slots.
func (u userRecord) hasFacility(slot int32) bool {
	at := u.groupsAt() + 4*u.groupCount()
	slots := u[at : at+4*u.facilityCount()]
	lo, hi := 0, len(slots)/4
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		v := int32(le.Uint32(slots[4*mid:]))
		switch {
		case v == slot:
			return true
		case v < slot:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return false
}

// appendUser appends u's record to b. Groups and facilities the snapshot
// does not have are left out.
func (s *Snapshot) appendUser(b []byte, u gatehouse.UserAccess) []byte {
	var flags byte
	switch u.Status {
	case gatehouse.StatusActive:
		flags = statusActive
	case gatehouse.StatusInvited:
		flags = statusInvited
	default:
		flags = statusInactive
	}
	if u.FullAccess {
		flags |= flagFullAccess
	}
	direct := s.cat.setOf(u.Permissions)
	if direct != (PermSet{}) {
		flags |= flagDirect
	}
	groups := make([]int32, 0, len(u.GroupIDs))
	for _, g := range u.GroupIDs {
		if slot, ok := s.groupSlot[g]; ok {
			groups = append(groups, slot)
		}
	}
	facilities := make([]int32, 0, len(u.FacilityIDs))
	for _, f := range u.FacilityIDs {
		if slot, ok := s.facilitySlot(f); ok {
			facilities = append(facilities, slot)
		}
	}
	slices.Sort(facilities)
	facilities = slices.Compact(facilities)
	trailer, ext := s.extraOf(u, groups, facilities)
	if ext.present {
		flags |= flagExtra | ext.flags
	}
	b = append(b, flags, byte(s.cat.ranks[u.Licence]))
	b = le.AppendUint16(b, uint16(s.licenceIndex(u.Licence)))
	b = le.AppendUint16(b, uint16(len(groups)))
	b = le.AppendUint32(b, uint32(len(facilities)))
	if ext.present {
		for _, w := range ext.reach {
			b = le.AppendUint64(b, w)
		}
	}
	if flags&flagDirect != 0 {
		for _, w := range direct {
			b = le.AppendUint64(b, w)
		}
	}
	for _, g := range groups {
		b = le.AppendUint32(b, uint32(g))
	}
	for _, f := range facilities {
		b = le.AppendUint32(b, uint32(f))
	}
	return append(b, trailer...)
}

// licenceIndex returns the index of a licence name in s.licences. Names the
// catalog does not know (rank 0, holding nothing) are added: a snapshot
// being built is not shared yet, and Apply gives the next one its own copy.
func (s *Snapshot) licenceIndex(name string) int {
	if i := slices.Index(s.licences, name); i >= 0 {
		return i
	}
	s.licences = append(s.licences, name)
	return len(s.licences) - 1
}

// KeysRevokedAt is the revision of the latest write this snapshot knows to
// have deleted API keys (the revision it was compiled at, when later): an
// API key read from the database at this revision or after it was not
// deleted by any write the snapshot holds.
func (s *Snapshot) KeysRevokedAt() int64 { return s.keysRevoked }

// Apply returns the snapshot after one committed write. It copies only what
// the write touched: the shards of the changed users, and the group and
// facility tables when those changed.
func (s *Snapshot) Apply(ch gatehouse.AccessChange) *Snapshot {
	next := *s
	next.Revision = ch.Revision
	if ch.APIKeysRevoked {
		next.keysRevoked = ch.Revision
	}
	next.licences = slices.Clip(s.licences) // an unknown licence appends to a copy
	if len(ch.Facilities) > 0 || len(ch.DeletedFacilities) > 0 {
		next.facilityIDs = slices.Clone(s.facilityIDs)
		next.gone = slices.Clone(s.gone)
		defer next.markGone()
		var added []record
		var deleted []string
		for _, id := range ch.Facilities {
			if _, ok := next.facilitySlot(id); !ok && !slices.ContainsFunc(added, func(r record) bool { return string(r.key) == id }) {
				added = append(added, next.facilityRecord(id, int32(len(next.facilityIDs))))
				next.facilityIDs = append(next.facilityIDs, id)
			}
		}
		for _, id := range ch.DeletedFacilities {
			if slot, ok := next.facilitySlot(id); ok {
				next.facilityIDs[slot] = ""
				deleted = append(deleted, id)
			}
			if i := slices.IndexFunc(added, func(r record) bool { return string(r.key) == id }); i >= 0 {
				next.facilityIDs[le.Uint32(added[i].payload)] = ""
				added = slices.Delete(added, i, i+1)
			}
		}
		next.facilities, _ = s.facilities.with(added, deleted)
	}
	if len(ch.Groups) > 0 || len(ch.DeletedGroups) > 0 {
		next.groupSlot = cloneMap(s.groupSlot)
		next.groups = slices.Clone(s.groups)
		var changed []int32
		for _, g := range ch.Groups {
			entry := groupEntry{id: g.ID, perms: next.cat.setOf(g.Permissions)}
			if slot, ok := next.groupSlot[g.ID]; ok {
				next.groups[slot] = entry
				changed = append(changed, slot)
			} else {
				next.groupSlot[g.ID] = int32(len(next.groups))
				next.groups = append(next.groups, entry)
				changed = append(changed, int32(len(next.groups)-1))
			}
		}
		for _, id := range ch.DeletedGroups {
			if slot, ok := next.groupSlot[id]; ok {
				next.groups[slot] = groupEntry{id: id, deleted: true}
				delete(next.groupSlot, id)
				changed = append(changed, slot)
			}
		}
		if changed != nil {
			next.setReachedBy(changed)
		}
	}
	if len(ch.Users) > 0 || len(ch.DeletedUsers) > 0 {
		upserts := make([]record, len(ch.Users))
		for i, u := range ch.Users {
			upserts[i] = record{key: []byte(u.ID), payload: next.appendUser(nil, u)}
		}
		var added int
		next.users, added = s.users.with(upserts, ch.DeletedUsers)
		next.userCount += added
	}
	return &next
}

func cloneMap[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Catalog returns the organization's catalog.
func (s *Snapshot) Catalog() *gatehouse.Catalog { return s.cat.catalog }

// UserCount is the number of users in the snapshot.
func (s *Snapshot) UserCount() int { return s.userCount }

// user returns the user's record, nil when the organization has no such user.
func (s *Snapshot) user(id string) userRecord { return userRecord(s.users.find(id)) }

// facilitySlot returns the slot of a facility of the organization.
func (s *Snapshot) facilitySlot(id string) (int32, bool) {
	rec := s.facilities.find(id)
	if rec == nil {
		return -1, false
	}
	return int32(le.Uint32(rec)), true
}

// HasUser reports whether the organization has the user.
func (s *Snapshot) HasUser(id string) bool { return s.user(id) != nil }

// HasFacility reports whether the organization has the facility.
func (s *Snapshot) HasFacility(id string) bool { _, ok := s.facilitySlot(id); return ok }

// HasGroup reports whether the organization has the group.
func (s *Snapshot) HasGroup(id string) bool { _, ok := s.groupSlot[id]; return ok }

// SeatOf is the licence tier in which the user takes a seat: their
// licence while they are active or invited; "" when they are inactive,
// have no licence or are not in the organization.
func (s *Snapshot) SeatOf(id string) string {
	u := s.user(id)
	if u == nil || u.status() == statusInactive {
		return ""
	}
	return s.licences[u.licence()]
}

// IsActive reports whether the organization has the user and they are active.
func (s *Snapshot) IsActive(id string) bool {
	u := s.user(id)
	return u != nil && u.active()
}

// markGone sets the bits of gone from facilityIDs.
func (s *Snapshot) markGone() {
	for slot, id := range s.facilityIDs {
		if id == "" {
			for slot>>6 >= len(s.gone) {
				s.gone = append(s.gone, 0)
			}
			s.gone[slot>>6] |= 1 << (slot & 63)
		}
	}
}

// exists reports whether the facility slot has not been deleted.
func (s *Snapshot) exists(slot int32) bool {
	return int(slot>>6) >= len(s.gone) || s.gone[slot>>6]&(1<<(slot&63)) == 0
}
