package authz

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
)

// tableKeys are keys of every kind a table may hold: generated ids, short
// test ids, ids that differ only in the middle, long ones.
func tableKeys(n int) []string {
	keys := []string{"a", "usr_b", "usr_tech", "usr_0123456789abcdef", strings.Repeat("x", 300)}
	for i := range n {
		switch i % 3 {
		case 0:
			keys = append(keys, gatehouse.NewID(gatehouse.PrefixUser))
		case 1:
			keys = append(keys, fmt.Sprintf("usr_%07d", i))
		default:
			keys = append(keys, fmt.Sprintf("usr_%d_same_tail_0123456789", i)) // equal last 16 bytes
		}
	}
	return keys
}

// TestShardedTableMatchesAMap: after any mix of upserts and deletes, a
// table finds exactly what a map holds, and the tables it was made from
// still find what they held.
func TestShardedTableMatchesAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	keys := tableKeys(3000)
	st := newShardedTable(rng.Uint64(), shardBits(len(keys)/2))
	model := map[string]string{}
	var recs []record
	for _, k := range keys[:len(keys)/2] {
		recs = append(recs, record{key: []byte(k), payload: []byte("v0:" + k)})
		model[k] = "v0:" + k
	}
	st.build(recs)
	check := func(st shardedTable, model map[string]string) {
		t.Helper()
		if st.len() != len(model) {
			t.Fatalf("table holds %d records, want %d", st.len(), len(model))
		}
		for _, k := range keys {
			got := st.find(k)
			if want, ok := model[k]; !ok && got != nil || ok && string(got) != want {
				t.Fatalf("find(%.20q) = %q, want %q (present %v)", k, got, want, ok)
			}
		}
	}
	check(st, model)
	for round := range 50 {
		prev, prevModel := st, cloneMap(model)
		var upserts []record
		var deletes []string
		for range 1 + rng.IntN(20) {
			k := keys[rng.IntN(len(keys))]
			if rng.IntN(3) == 0 {
				deletes = append(deletes, k)
				delete(model, k)
			} else {
				v := fmt.Sprintf("v%d:%s", round+1, k)
				upserts = append(upserts, record{key: []byte(k), payload: []byte(v)})
			}
		}
		for _, r := range upserts { // upserts win over deletes of the same key
			model[string(r.key)] = string(r.payload)
		}
		var added int
		st, added = st.with(upserts, deletes)
		if added != len(model)-len(prevModel) {
			t.Fatalf("with says %d records were added, the model %d", added, len(model)-len(prevModel))
		}
		check(st, model)
		check(prev, prevModel)
	}
}

func firstFacility(u gatehouse.UserAccess) string {
	if len(u.FacilityIDs) == 0 {
		return ""
	}
	return u.FacilityIDs[0]
}

func TestHashOfStringsAndBytesAgree(t *testing.T) {
	for _, k := range tableKeys(30) {
		if hashOf(7, k) != hashOf(7, []byte(k)) {
			t.Errorf("hashOf(%q) differs for string and []byte", k)
		}
	}
	if hashOf(7, "usr_a") == hashOf(8, "usr_a") {
		t.Error("the seed does not change the hash")
	}
}

// TestApplyMatchesCompileAtScale: a long chain of random writes to an
// organization of a few thousand users, applied shard by shard, answers
// every check as compiling the final state does.
func TestApplyMatchesCompileAtScale(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cat, _, err := catalogs.Load("facilities")
	if err != nil {
		t.Fatal(err)
	}
	perms := cat.Permissions()
	st := gatehouse.AccessState{OrgID: "org_a", Revision: 1, Catalog: cat}
	for i := range 60 {
		st.Facilities = append(st.Facilities, fmt.Sprintf("fac_%03d", i))
	}
	for i := range 12 {
		g := gatehouse.GroupAccess{ID: fmt.Sprintf("grp_%02d", i)}
		for range 1 + rng.IntN(8) {
			g.Permissions = append(g.Permissions, perms[rng.IntN(len(perms))].Codename)
		}
		st.Groups = append(st.Groups, g)
	}
	randomUser := func(id string) gatehouse.UserAccess {
		u := gatehouse.UserAccess{ID: id, Status: []gatehouse.UserStatus{gatehouse.StatusActive, gatehouse.StatusActive, gatehouse.StatusInvited, gatehouse.StatusInactive}[rng.IntN(4)],
			FullAccess: rng.IntN(50) == 0}
		for range rng.IntN(3) {
			u.GroupIDs = append(u.GroupIDs, st.Groups[rng.IntN(len(st.Groups))].ID)
		}
		if rng.IntN(5) == 0 {
			u.Permissions = []string{perms[rng.IntN(len(perms))].Codename}
		}
		for range rng.IntN(6) {
			u.FacilityIDs = append(u.FacilityIDs, st.Facilities[rng.IntN(len(st.Facilities))])
		}
		return u
	}
	for i := range 3000 {
		st.Users = append(st.Users, randomUser(fmt.Sprintf("usr_%05d", i)))
	}
	snap := Compile(st)
	final := st
	final.Users = slices.Clone(st.Users)
	final.Groups = slices.Clone(st.Groups)
	final.Facilities = slices.Clone(st.Facilities)
	next := 3000
	for rev := int64(2); rev < 200; rev++ {
		ch := gatehouse.AccessChange{Revision: rev}
		switch rng.IntN(10) {
		case 0: // a group edit
			g := gatehouse.GroupAccess{ID: final.Groups[rng.IntN(len(final.Groups))].ID, Permissions: []string{perms[rng.IntN(len(perms))].Codename}}
			ch.Groups = []gatehouse.GroupAccess{g}
			final.Groups[slices.IndexFunc(final.Groups, func(o gatehouse.GroupAccess) bool { return o.ID == g.ID })] = g
		case 1: // a new facility, assigned to a new user
			f := fmt.Sprintf("fac_new_%d", rev)
			u := randomUser(fmt.Sprintf("usr_%05d", next))
			next++
			u.FacilityIDs = append(u.FacilityIDs, f)
			ch.Facilities, ch.Users = []string{f}, []gatehouse.UserAccess{u}
			final.Facilities = append(final.Facilities, f)
			final.Users = append(final.Users, u)
		case 2: // a deletion
			i := rng.IntN(len(final.Users))
			ch.DeletedUsers = []string{final.Users[i].ID}
			final.Users = slices.Delete(final.Users, i, i+1)
		case 3: // a facility deleted, with its assignments (the store cascades)
			i := rng.IntN(len(final.Facilities))
			f := final.Facilities[i]
			ch.DeletedFacilities = []string{f}
			final.Facilities = slices.Delete(final.Facilities, i, i+1)
			for j := range final.Users {
				final.Users[j].FacilityIDs = slices.DeleteFunc(slices.Clone(final.Users[j].FacilityIDs), func(id string) bool { return id == f })
			}
		default: // edits of a few users, some perhaps in one shard
			for range 1 + rng.IntN(4) {
				i := rng.IntN(len(final.Users))
				u := randomUser(final.Users[i].ID)
				ch.Users = append(ch.Users, u)
				final.Users[i] = u
			}
		}
		snap = snap.Apply(ch)
	}
	final.Revision = snap.Revision
	want := Compile(final)
	if snap.UserCount() != want.UserCount() {
		t.Fatalf("%d users after the writes, want %d", snap.UserCount(), want.UserCount())
	}
	for _, u := range final.Users[:600] {
		for _, p := range perms {
			for _, f := range []string{"", final.Facilities[rng.IntN(len(final.Facilities))], firstFacility(u)} {
				r := Resource{FacilityID: f}
				if got, w := snap.Check(u.ID, p.Codename, r), want.Check(u.ID, p.Codename, r); got != w {
					t.Fatalf("%s %s %q: applied %+v, compiled %+v", u.ID, p.Codename, f, got, w)
				}
			}
		}
	}
}

// TestALargeTableFindsEveryKey builds a table whose arena spans several
// 2 MiB pages, so that on Linux it asks for huge pages (hugepages_linux.go),
// and finds every key in it: the advice may change where the records lie
// in physical memory, never what a look-up finds.
func TestALargeTableFindsEveryKey(t *testing.T) {
	keys := tableKeys(60_000)
	payload := strings.Repeat("p", 100)
	st := newShardedTable(7, shardBits(len(keys)))
	recs := make([]record, len(keys))
	for i, k := range keys {
		recs[i] = record{key: []byte(k), payload: []byte(payload + k)}
	}
	st.build(recs)
	arena := 0
	for _, sh := range st.shards {
		arena += len(sh.t)
	}
	if arena < 3*hugePageSize {
		t.Fatalf("the arena is %d bytes, too small to ask for huge pages", arena)
	}
	for _, k := range keys {
		if got := st.find(k); string(got) != payload+k {
			t.Fatalf("find(%.20q) = %.30q", k, got)
		}
	}
	if st.find("usr_absent") != nil {
		t.Fatal("found a key never put in")
	}
}
