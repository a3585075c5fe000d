package authz

import (
	"math/rand/v2"

	"github.com/gatehouse/gatehouse"
)

// compiledCatalog is a catalog turned into indexes and bitsets.
type compiledCatalog struct {
	catalog  *gatehouse.Catalog
	index    map[string]int // codename → index
	lookup   codeTable      // codename → index, for decisions
	codes    []string       // index → codename
	scoped   PermSet        // facility-scoped permissions
	all      PermSet
	view     []int     // index → its X.view when part of a view/view_own pair, else -1
	own      []int     // index → its X.view_own when part of a pair, else -1
	holdable []PermSet // licence rank → what a user of that rank may hold
	implicit []PermSet // licence rank → implicit grants of that tier and those below
	ranks    map[string]int
	// The sentences of explanations that name only a permission (and the
	// user's licence), made once: a batch of 1,000 checks explains each.
	grantedMsg    []string   // index → "granted through X"
	grantedOwnMsg []string   // index → the same, for the user's own items
	missingMsg    []string   // index → no group, direct grant or licence gives it
	licenceMsg    [][]string // licence index (as Snapshot.licences: none, then the catalog's) → index → why that licence keeps it out
}

func compileCatalog(c *gatehouse.Catalog) *compiledCatalog {
	perms := c.Permissions()
	cc := &compiledCatalog{
		catalog: c,
		index:   make(map[string]int, len(perms)),
		codes:   make([]string, len(perms)),
		view:    make([]int, len(perms)),
		own:     make([]int, len(perms)),
		ranks:   map[string]int{},
	}
	for i, p := range perms {
		cc.index[p.Codename] = i
		cc.codes[i] = p.Codename
		cc.all.add(i)
		if p.FacilityScoped {
			cc.scoped.add(i)
		}
	}
	cc.lookup = newCodeTable(cc.codes)
	cc.grantedMsg, cc.grantedOwnMsg, cc.missingMsg = make([]string, len(perms)), make([]string, len(perms)), make([]string, len(perms))
	for i, code := range cc.codes {
		cc.grantedMsg[i] = "granted through " + code
		cc.grantedOwnMsg[i] = "granted through " + code + ", for items the user created or is assigned to"
		cc.missingMsg[i] = "no group, direct grant or licence of the user gives " + code
	}
	for i, code := range cc.codes {
		cc.view[i], cc.own[i] = -1, -1
		if v, o, ok := c.OwnVariant(code); ok {
			cc.view[i], cc.own[i] = cc.index[v], cc.index[o]
		}
	}
	// Rank 0 is "no licence": everything in a catalog without licences,
	// nothing in one with a ladder.
	cc.holdable = make([]PermSet, len(c.Licences)+1)
	cc.implicit = make([]PermSet, len(c.Licences)+1)
	if !c.HasLicences() {
		cc.holdable[0] = cc.all
	}
	for _, l := range c.Licences {
		cc.ranks[l.Name] = l.Rank
		for i, code := range cc.codes {
			if c.CanHold(l.Name, code) {
				cc.holdable[l.Rank].add(i)
			}
		}
		// Implicit grants are cumulative too: a higher tier keeps them.
		cc.implicit[l.Rank] = cc.implicit[l.Rank-1]
		for _, code := range l.ImplicitPermissions {
			cc.implicit[l.Rank].add(cc.index[code])
		}
	}
	cc.licenceMsg = make([][]string, len(c.Licences)+1)
	for li := range cc.licenceMsg {
		name := "" // index 0 is no licence; the catalog's i-th has rank i+1
		if li > 0 {
			name = c.Licences[li-1].Name
		}
		cc.licenceMsg[li] = make([]string, len(perms))
		for i := range perms {
			if !cc.holdable[li].has(i) {
				cc.licenceMsg[li][i] = licenceTooLowMessage(c, name, i, cc.codes[i])
			}
		}
	}
	return cc
}

// setOf turns codenames into a set, ignoring names the catalog lacks.
func (cc *compiledCatalog) setOf(codes []string) PermSet {
	var s PermSet
	for _, code := range codes {
		if i, ok := cc.index[code]; ok {
			s.add(i)
		}
	}
	return s
}

// withImplied adds X.view_own wherever X.view is present: X.view implies it.
func (cc *compiledCatalog) withImplied(s PermSet) PermSet {
	for i := range cc.codes {
		if cc.view[i] == i && s.has(i) {
			s.add(cc.own[i])
		}
	}
	return s
}

// A codeTable finds a codename's index with one hash and one comparison: its
// seed is chosen at compile time so that no two codenames share a slot.
type codeTable struct {
	seed  uint64
	mask  uint64
	slots []uint16 // index+1 of the codename in that slot, 0 for none
	codes []string
}

func newCodeTable(codes []string) codeTable {
	size := 4
	for size < 8*len(codes) {
		size *= 2
	}
	for attempt := 1; ; attempt++ {
		ct := codeTable{seed: rand.Uint64(), mask: uint64(size - 1), slots: make([]uint16, size), codes: codes}
		ok := true
		for i, code := range codes {
			slot := &ct.slots[hashOf(ct.seed, code)&ct.mask]
			if *slot != 0 {
				ok = false
				break
			}
			*slot = uint16(i + 1)
		}
		if ok {
			return ct
		}
		if attempt%64 == 0 { // unlucky or crowded: a larger table collides less
			size *= 2
		}
	}
}

// find returns the index of a codename, or false.
func (ct *codeTable) find(code string) (int, bool) {
	i := int(ct.slots[hashOf(ct.seed, code)&ct.mask]) - 1
	if i < 0 || ct.codes[i] != code {
		return 0, false
	}
	return i, true
}
