package authz_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// benchOrg is a generated organization and checks to ask of it.
type benchOrg struct {
	state   gatehouse.AccessState
	snap    *authz.Snapshot
	mixed   []query // allowed and denied, as they come
	allowed []query
	denied  []query
	bigID   string // the group with bigMembers members
}

type query struct {
	user, perm string
	res        authz.Resource
}

const bigMembers = 5000

// genOrg builds an organization of the facilities template: most users in 1–3
// groups and 1–20 facilities, a tenth of them holding only view_own
// permissions, one in a hundred with full access, some with direct grants.
// Group 0 has bigMembers members more than its share.
//
// With grants, a fifth of the users also hold one or two groups at one
// facility each (site roles, at facilities not assigned to them half the
// time) and a tenth have a time-bound grant (a site role or group
// membership ending in a week, or a facility assignment that started a week
// ago and ends in a day), drawn from a generator of their own so that the
// rest of the organization is the same as without.
func genOrg(tb testing.TB, users, facilities, groups int, grants bool) *benchOrg {
	rng := rand.New(rand.NewPCG(1, uint64(users)))
	grng := rand.New(rand.NewPCG(2, uint64(users)))
	week := time.Now().Add(7 * 24 * time.Hour)
	cat := mustCatalog(tb, "facilities")
	var codes, ownCodes []string
	for _, p := range cat.Permissions() {
		if _, own, ok := cat.OwnVariant(p.Codename); ok && own == p.Codename {
			ownCodes = append(ownCodes, p.Codename)
			continue
		}
		codes = append(codes, p.Codename)
	}
	st := gatehouse.AccessState{OrgID: "org_bench", Revision: 1, Catalog: cat}
	for i := range facilities {
		st.Facilities = append(st.Facilities, fmt.Sprintf("fac_%06d", i))
	}
	// A tenth of the groups grant view_own and never the matching view.
	var ownGroups, fullGroups []string
	for i := range groups {
		g := gatehouse.GroupAccess{ID: fmt.Sprintf("grp_%04d", i)}
		if i%10 == 9 {
			g.Permissions = append([]string{}, ownCodes...)
			g.Permissions = append(g.Permissions, "work_orders.edit", "assets.view", "service_reports.create")
			ownGroups = append(ownGroups, g.ID)
		} else {
			n := 3 + rng.IntN(10)
			for _, k := range rng.Perm(len(codes))[:n] {
				g.Permissions = append(g.Permissions, codes[k])
			}
			fullGroups = append(fullGroups, g.ID)
		}
		st.Groups = append(st.Groups, g)
	}
	org := &benchOrg{bigID: fullGroups[0]}
	for i := range users {
		u := gatehouse.UserAccess{ID: fmt.Sprintf("usr_%07d", i), Status: gatehouse.StatusActive}
		switch {
		case i%100 == 7:
			u.FullAccess = true
		case i%10 == 3:
			u.GroupIDs = []string{ownGroups[rng.IntN(len(ownGroups))]}
		default:
			for range 1 + rng.IntN(3) {
				if g := fullGroups[rng.IntN(len(fullGroups))]; !slices.Contains(u.GroupIDs, g) {
					u.GroupIDs = append(u.GroupIDs, g)
				}
			}
		}
		if i < bigMembers && !u.FullAccess && !slices.Contains(u.GroupIDs, org.bigID) {
			u.GroupIDs = append(u.GroupIDs, org.bigID)
		}
		if i%7 == 0 {
			u.Permissions = []string{codes[rng.IntN(len(codes))]}
		}
		if i%50 == 11 {
			u.Status = gatehouse.StatusInactive
		}
		for range 1 + rng.IntN(20) {
			if f := st.Facilities[rng.IntN(facilities)]; !slices.Contains(u.FacilityIDs, f) {
				u.FacilityIDs = append(u.FacilityIDs, f)
			}
		}
		if grants && !u.FullAccess {
			if grng.IntN(5) == 0 {
				for range 1 + grng.IntN(2) {
					f := st.Facilities[grng.IntN(facilities)]
					if grng.IntN(2) == 0 {
						f = u.FacilityIDs[grng.IntN(len(u.FacilityIDs))]
					}
					u.SiteRoles = append(u.SiteRoles, gatehouse.SiteRole{GroupID: fullGroups[grng.IntN(len(fullGroups))], FacilityID: f})
				}
			}
			if grng.IntN(10) == 0 {
				switch {
				case len(u.SiteRoles) > 0:
					u.SiteRoles[0].ExpiresAt = week
				case len(u.GroupIDs) > 0 && grng.IntN(2) == 0:
					u.Bounds = []gatehouse.GrantBounds{{GrantID: gatehouse.GrantID(gatehouse.GrantGroup, u.GroupIDs[0], ""), ExpiresAt: week}}
				default:
					u.Bounds = []gatehouse.GrantBounds{{GrantID: gatehouse.GrantID(gatehouse.GrantFacility, u.FacilityIDs[0], ""),
						StartsAt: week.Add(-14 * 24 * time.Hour), ExpiresAt: week.Add(-6 * 24 * time.Hour)}}
				}
			}
		}
		st.Users = append(st.Users, u)
	}
	org.state = st
	org.snap = authz.Compile(st)

	// Questions the host platform asks: a user, a permission, and an item in
	// one of the user's facilities most of the time.
	perms := append(slices.Clone(codes), ownCodes...)
	for len(org.allowed) < 1024 || len(org.denied) < 1024 || len(org.mixed) < 1024 {
		u := st.Users[rng.IntN(users)]
		q := query{user: u.ID, perm: perms[rng.IntN(len(perms))]}
		switch rng.IntN(4) {
		case 0: // anywhere
		case 1: // a facility of the organization
			q.res.FacilityID = st.Facilities[rng.IntN(facilities)]
		default: // one of the user's facilities, perhaps their own item
			q.res.FacilityID = u.FacilityIDs[rng.IntN(len(u.FacilityIDs))]
			if rng.IntN(2) == 0 {
				q.res.CreatedBy = u.ID
			} else {
				q.res.AssigneeID = st.Users[rng.IntN(users)].ID
			}
		}
		if len(org.mixed) < 1024 {
			org.mixed = append(org.mixed, q)
		}
		if org.snap.Check(q.user, q.perm, q.res).Allowed {
			if len(org.allowed) < 1024 {
				org.allowed = append(org.allowed, q)
			}
		} else if len(org.denied) < 1024 {
			org.denied = append(org.denied, q)
		}
	}
	return org
}

var (
	largeOnce  sync.Once
	large      *benchOrg
	grantsOnce sync.Once
	grants     *benchOrg
	smallOnce  sync.Once
	small      *benchOrg
)

// largeOrg is 100,000 users, 10,000 facilities and 200 groups, built once
// and only by the benchmarks that need it.
func largeOrg(tb testing.TB) *benchOrg {
	largeOnce.Do(func() { large = genOrg(tb, 100_000, 10_000, 200, false) })
	return large
}

// grantsOrg is largeOrg with site roles and time-bound grants.
func grantsOrg(tb testing.TB) *benchOrg {
	grantsOnce.Do(func() { grants = genOrg(tb, 100_000, 10_000, 200, true) })
	return grants
}

func smallOrg(tb testing.TB) *benchOrg {
	smallOnce.Do(func() { small = genOrg(tb, 1_000, 100, 20, false) })
	return small
}

var sinkDecision authz.Decision

func benchmarkCheck(b *testing.B, org *benchOrg) {
	for _, set := range []struct {
		name string
		qs   []query
	}{{"mixed", org.mixed}, {"allowed", org.allowed}, {"denied", org.denied}} {
		b.Run(set.name, func(b *testing.B) {
			qs := set.qs[:1024]
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				q := &qs[i&1023]
				sinkDecision = org.snap.Check(q.user, q.perm, q.res)
				i++
			}
		})
	}
}

func BenchmarkCheck(b *testing.B) {
	org := largeOrg(b)
	b.ResetTimer()
	benchmarkCheck(b, org)
}

// BenchmarkCheckWithGrants is BenchmarkCheck with a fifth of the users
// holding site roles and a tenth a time-bound grant.
func BenchmarkCheckWithGrants(b *testing.B) {
	org := grantsOrg(b)
	b.ResetTimer()
	benchmarkCheck(b, org)
}

func BenchmarkCheck1kUsers(b *testing.B) {
	benchmarkCheck(b, smallOrg(b))
}

func BenchmarkCheck1kUsersWithGrants(b *testing.B) {
	benchmarkCheck(b, genOrg(b, 1_000, 100, 20, true))
}

func BenchmarkExplain(b *testing.B) {
	org := largeOrg(b)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		q := &org.mixed[i&1023]
		sinkDecision = org.snap.Explain(q.user, q.perm, q.res).Decision
		i++
	}
}

var sinkSnapshot *authz.Snapshot

// BenchmarkApplyGroupEdit applies an edit of a group with 5,000 members: the
// members point at the group, so none of them is copied.
func BenchmarkApplyGroupEdit(b *testing.B) {
	org := largeOrg(b)
	ch := gatehouse.AccessChange{Revision: 2, Groups: []gatehouse.GroupAccess{{ID: org.bigID, Permissions: []string{"work_orders.view", "assets.view"}}}}
	members := 0
	for _, u := range org.state.Users {
		if slices.Contains(u.GroupIDs, org.bigID) {
			members++
		}
	}
	if members < bigMembers {
		b.Fatalf("group %s has %d members, want at least %d", org.bigID, members, bigMembers)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		sinkSnapshot = org.snap.Apply(ch)
	}
	b.StopTimer()
	if next := org.snap.Apply(ch); next.Check(org.state.Users[0].ID, "work_orders.view", authz.Resource{}).Reason == authz.ReasonPermissionMissing {
		b.Errorf("a member of %s lacks work_orders.view after the edit", org.bigID)
	}
}

// BenchmarkJudgeGroupEdit judges a limited admin's edit of the group with
// 5,000 members in the 100,000-user organization, the worst case of no
// escalation on the effect: the edit is accepted, so every member's access
// before and after is compared with the actor's. The actor holds every
// permission at every facility but one that none of the members has,
// without full access.
func BenchmarkJudgeGroupEdit(b *testing.B) {
	benchmarkJudgeGroupEdit(b, true)
}

// BenchmarkJudgeGroupEditCovered is the same edit by an actor who holds
// every permission at every facility: no member can gain anything they
// lack, which Judge sees without a look at the members.
func BenchmarkJudgeGroupEditCovered(b *testing.B) {
	benchmarkJudgeGroupEdit(b, false)
}

func benchmarkJudgeGroupEdit(b *testing.B, memberByMember bool) {
	org := largeOrg(b)
	var all []string
	for _, p := range org.state.Catalog.Permissions() {
		all = append(all, p.Codename)
	}
	snap := org.snap
	if memberByMember {
		snap = snap.Apply(gatehouse.AccessChange{Revision: 2, Facilities: []string{"fac_nobody"}})
	}
	snap = snap.Apply(gatehouse.AccessChange{Revision: 3, Users: []gatehouse.UserAccess{{ID: "usr_wide", Status: gatehouse.StatusActive,
		Permissions: all, FacilityIDs: org.state.Facilities}}})
	ch := gatehouse.AccessChange{Revision: 4, Groups: []gatehouse.GroupAccess{{ID: org.bigID, Permissions: []string{"work_orders.view", "assets.view", "reports.view"}}}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		next := snap.Apply(ch)
		if err := snap.Judge("usr_wide", next, authz.Write{Change: ch}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImpactGroupEdit is the same edit's dry run: every member's
// gains and losses spelled out.
func BenchmarkImpactGroupEdit(b *testing.B) {
	org := largeOrg(b)
	ch := gatehouse.AccessChange{Revision: 2, Groups: []gatehouse.GroupAccess{{ID: org.bigID, Permissions: []string{"work_orders.view", "assets.view", "reports.view"}}}}
	next := org.snap.Apply(ch)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if len(org.snap.Impact(next, ch)) < bigMembers/2 {
			b.Fatal("the edit reaches too few members")
		}
	}
}

// BenchmarkApplyUserEdit applies an edit of one user: one shard is copied.
func BenchmarkApplyUserEdit(b *testing.B) {
	org := largeOrg(b)
	u := org.state.Users[42]
	u.FacilityIDs = []string{org.state.Facilities[0], org.state.Facilities[1]}
	ch := gatehouse.AccessChange{Revision: 2, Users: []gatehouse.UserAccess{u}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		sinkSnapshot = org.snap.Apply(ch)
	}
}

// BenchmarkCompile is the cost of a whole-organization rebuild, which Apply
// avoids on every write.
func BenchmarkCompile(b *testing.B) {
	org := largeOrg(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		sinkSnapshot = authz.Compile(org.state)
	}
}

// TestCheckAllocatesNothing: Check reads maps and bitsets and allocates
// nothing, whatever it answers.
func TestCheckAllocatesNothing(t *testing.T) {
	fac := authz.Compile(facilitiesOrg(t))
	comp := authz.Compile(complianceOrg(t))
	sites := authz.Compile(sitesOrg(t)).WithClock(func() time.Time { return t0 })
	tests := []struct {
		snap *authz.Snapshot
		q    query
		want authz.Reason
	}{
		{fac, query{"usr_tech", "work_orders.edit", authz.Resource{FacilityID: "fac_1"}}, authz.ReasonGranted},
		{fac, query{"usr_tech", "work_orders.view", authz.Resource{FacilityID: "fac_1", CreatedBy: "usr_tech"}}, authz.ReasonGranted},
		{fac, query{"usr_manager", "reports.view", authz.Resource{}}, authz.ReasonGranted},
		{fac, query{"usr_admin", "audit_logs.view", authz.Resource{FacilityID: "fac_3"}}, authz.ReasonFullAccess},
		{fac, query{"usr_b", "work_orders.view", authz.Resource{}}, authz.ReasonUserNotFound},
		{fac, query{"usr_tech", "work_orders.fly", authz.Resource{}}, authz.ReasonUnknownPermission},
		{fac, query{"usr_tech", "work_orders.edit", authz.Resource{FacilityID: "fac_b"}}, authz.ReasonFacilityNotFound},
		{fac, query{"usr_invited", "work_orders.view", authz.Resource{}}, authz.ReasonUserInvited},
		{fac, query{"usr_inactive", "work_orders.view", authz.Resource{}}, authz.ReasonUserInactive},
		{fac, query{"usr_tech", "reports.view", authz.Resource{}}, authz.ReasonPermissionMissing},
		{fac, query{"usr_tech", "work_orders.edit", authz.Resource{FacilityID: "fac_2"}}, authz.ReasonFacilityNotAssigned},
		{fac, query{"usr_nofac", "work_orders.view", authz.Resource{}}, authz.ReasonFacilityNotAssigned},
		{fac, query{"usr_tech", "work_orders.view", authz.Resource{FacilityID: "fac_1", CreatedBy: "usr_admin"}}, authz.ReasonNotOwn},
		{comp, query{"usr_auditor", "create.add_assets", authz.Resource{FacilityID: "fac_1"}}, authz.ReasonLicenceTooLow},
		{sites, query{"usr_mixed", "work_orders.view", authz.Resource{FacilityID: "fac_2", CreatedBy: "usr_x"}}, authz.ReasonGranted},
		{sites, query{"usr_mixed", "work_orders.view", authz.Resource{FacilityID: "fac_1", CreatedBy: "usr_x"}}, authz.ReasonNotOwn},
		{sites, query{"usr_site", "work_orders.create", authz.Resource{FacilityID: "fac_2"}}, authz.ReasonFacilityNotAssigned},
		{sites, query{"usr_temp", "work_orders.view", authz.Resource{FacilityID: "fac_1"}}, authz.ReasonGranted},
		{sites, query{"usr_future", "users.view", authz.Resource{}}, authz.ReasonPermissionMissing},
	}
	for _, tc := range tests {
		q := tc.q
		if got := tc.snap.Check(q.user, q.perm, q.res).Reason; got != tc.want {
			t.Fatalf("%+v: %s, want %s", q, got, tc.want)
		}
		if n := testing.AllocsPerRun(100, func() { sinkDecision = tc.snap.Check(q.user, q.perm, q.res) }); n != 0 {
			t.Errorf("Check(%s, %s, %+v) -> %s allocates %v times", q.user, q.perm, q.res, tc.want, n)
		}
	}

	for name, org := range map[string]*benchOrg{"": smallOrg(t), " with site roles and time bounds": genOrg(t, 1_000, 100, 20, true)} {
		checkNoAllocs(t, name, org)
	}
}

func checkNoAllocs(t *testing.T, kind string, org *benchOrg) {
	for name, qs := range map[string][]query{"allowed" + kind: org.allowed, "denied" + kind: org.denied} {
		n := testing.AllocsPerRun(10, func() {
			for i := range qs {
				sinkDecision = org.snap.Check(qs[i].user, qs[i].perm, qs[i].res)
			}
		})
		if n != 0 {
			t.Errorf("%d %s checks of a generated organization allocate %v times", len(qs), name, n)
		}
	}
}

// BenchmarkExplainAppend explains checks into one reused buffer of
// sources, as a check-batch does, in the organization with site roles and
// time-bound grants.
func BenchmarkExplainAppend(b *testing.B) {
	org := grantsOrg(b)
	buf := make([]authz.Source, 0, 2048)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if i&1023 == 0 {
			buf = buf[:0]
		}
		q := &org.mixed[i&1023]
		var x authz.Explanation
		x, buf = org.snap.ExplainAtAppend(buf, q.user, q.perm, q.res, time.Time{})
		sinkDecision = x.Decision
		i++
	}
}
