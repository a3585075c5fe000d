package authz

import (
	"slices"

	"github.com/gatehouse/gatehouse"
)

// userShards splits users so that a write copies one small shard, not the
// whole organization (copy-on-write keeps snapshots immutable).
const userShards = 1024

// A Snapshot is one organization's state at one revision, compiled for
// decisions. It is immutable: writes make a new one with Apply.
type Snapshot struct {
	OrgID    string
	Revision int64

	cat          *compiledCatalog
	users        [userShards]map[string]*userEntry
	userCount    int
	groups       []groupEntry // slot → group; slots are never reused
	groupSlot    map[string]int32
	facilitySlot map[string]int32
	facilityIDs  []string // slot → id, "" once deleted
}

type userEntry struct {
	id         string
	status     gatehouse.UserStatus
	fullAccess bool
	licence    string
	rank       int
	groups     []int32 // group slots
	direct     PermSet
	facilities []int32 // facility slots, sorted
}

type groupEntry struct {
	id      string
	perms   PermSet
	deleted bool
}

func shardOf(id string) int {
	// FNV-1a over the id: ids end in random characters, any of which spread well.
	h := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	return int(h % userShards)
}

// Compile builds the snapshot of an organization's whole state.
func Compile(st gatehouse.AccessState) *Snapshot {
	s := &Snapshot{
		OrgID:        st.OrgID,
		Revision:     st.Revision,
		cat:          compileCatalog(st.Catalog),
		groupSlot:    make(map[string]int32, len(st.Groups)),
		facilitySlot: make(map[string]int32, len(st.Facilities)),
		facilityIDs:  make([]string, 0, len(st.Facilities)),
		groups:       make([]groupEntry, 0, len(st.Groups)),
	}
	for _, id := range st.Facilities {
		s.facilitySlot[id] = int32(len(s.facilityIDs))
		s.facilityIDs = append(s.facilityIDs, id)
	}
	for _, g := range st.Groups {
		s.groupSlot[g.ID] = int32(len(s.groups))
		s.groups = append(s.groups, groupEntry{id: g.ID, perms: s.cat.setOf(g.Permissions)})
	}
	for i := range s.users {
		s.users[i] = make(map[string]*userEntry, len(st.Users)/userShards+1)
	}
	for _, u := range st.Users {
		s.users[shardOf(u.ID)][u.ID] = s.entryOf(u)
	}
	s.userCount = len(st.Users)
	return s
}

func (s *Snapshot) entryOf(u gatehouse.UserAccess) *userEntry {
	e := &userEntry{
		id:         u.ID,
		status:     u.Status,
		fullAccess: u.FullAccess,
		licence:    u.Licence,
		rank:       s.cat.ranks[u.Licence],
		direct:     s.cat.setOf(u.Permissions),
	}
	for _, g := range u.GroupIDs {
		if slot, ok := s.groupSlot[g]; ok {
			e.groups = append(e.groups, slot)
		}
	}
	for _, f := range u.FacilityIDs {
		if slot, ok := s.facilitySlot[f]; ok {
			e.facilities = append(e.facilities, slot)
		}
	}
	slices.Sort(e.facilities)
	return e
}

// Apply returns the snapshot after one committed write. It copies only what
// the write touched: the changed users' shards, and the group and facility
// tables when those changed.
func (s *Snapshot) Apply(ch gatehouse.AccessChange) *Snapshot {
	next := *s // copies the shard array, shares the shards
	next.Revision = ch.Revision
	if len(ch.Facilities) > 0 || len(ch.DeletedFacilities) > 0 {
		next.facilitySlot = cloneMap(s.facilitySlot)
		next.facilityIDs = slices.Clone(s.facilityIDs)
		for _, id := range ch.Facilities {
			if _, ok := next.facilitySlot[id]; !ok {
				next.facilitySlot[id] = int32(len(next.facilityIDs))
				next.facilityIDs = append(next.facilityIDs, id)
			}
		}
		for _, id := range ch.DeletedFacilities {
			if slot, ok := next.facilitySlot[id]; ok {
				next.facilityIDs[slot] = ""
				delete(next.facilitySlot, id)
			}
		}
	}
	if len(ch.Groups) > 0 || len(ch.DeletedGroups) > 0 {
		next.groupSlot = cloneMap(s.groupSlot)
		next.groups = slices.Clone(s.groups)
		for _, g := range ch.Groups {
			entry := groupEntry{id: g.ID, perms: next.cat.setOf(g.Permissions)}
			if slot, ok := next.groupSlot[g.ID]; ok {
				next.groups[slot] = entry
			} else {
				next.groupSlot[g.ID] = int32(len(next.groups))
				next.groups = append(next.groups, entry)
			}
		}
		for _, id := range ch.DeletedGroups {
			if slot, ok := next.groupSlot[id]; ok {
				next.groups[slot] = groupEntry{id: id, deleted: true}
				delete(next.groupSlot, id)
			}
		}
	}
	copied := map[int]bool{}
	shard := func(id string) map[string]*userEntry {
		i := shardOf(id)
		if !copied[i] {
			next.users[i] = cloneMap(s.users[i])
			copied[i] = true
		}
		return next.users[i]
	}
	for _, u := range ch.Users {
		m := shard(u.ID)
		if _, ok := m[u.ID]; !ok {
			next.userCount++
		}
		m[u.ID] = next.entryOf(u)
	}
	for _, id := range ch.DeletedUsers {
		m := shard(id)
		if _, ok := m[id]; ok {
			next.userCount--
			delete(m, id)
		}
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

func (s *Snapshot) user(id string) *userEntry { return s.users[shardOf(id)][id] }

// HasUser reports whether the organization has the user.
func (s *Snapshot) HasUser(id string) bool { return s.user(id) != nil }

// HasFacility reports whether the organization has the facility.
func (s *Snapshot) HasFacility(id string) bool { _, ok := s.facilitySlot[id]; return ok }

// HasGroup reports whether the organization has the group.
func (s *Snapshot) HasGroup(id string) bool { _, ok := s.groupSlot[id]; return ok }

// IsActive reports whether the organization has the user and they are active.
func (s *Snapshot) IsActive(id string) bool {
	u := s.user(id)
	return u != nil && u.status == gatehouse.StatusActive
}
