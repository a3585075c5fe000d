package authz_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// TestEngineAgreesWithReferenceModel compares the engine's Check, CheckAt,
// Explain and ExplainAt with referenceDecide on random organizations of
// four catalogs (facilities, compliance, referenceCatalog and wideCatalog):
// each compiled, then after each of a chain of Snapshot.Apply changes
// against the state a store would load after them. Every answer must agree on
// allowed, reason, own_only and the set of sources (kind, id, facility,
// start, expiry); Check must agree with Explain, and ExplainAtAppend
// explaining a batch into one buffer with ExplainAt. Each snapshot is also
// asked the effective access of a few users and a few list filters, now and
// at explicit moments, against referenceEffectiveAccess and referenceFilter
// (reference_effective_test.go).
//
// Each run draws a new seed; GATEHOUSE_REFERENCE_SEED=… replays one (the
// seed is logged). GATEHOUSE_REFERENCE_ORGS sets the number of random
// organizations (default 150: about 330,000 decisions, 3,500 effective
// accesses and 4,500 filters, 2–3 s).
func TestEngineAgreesWithReferenceModel(t *testing.T) {
	seed := rand.Uint64()
	if s, err := strconv.ParseUint(os.Getenv("GATEHOUSE_REFERENCE_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay: GATEHOUSE_REFERENCE_SEED=%d go test ./authz -run TestEngineAgreesWithReferenceModel", seed)
		}
	})
	catalogs := []*gatehouse.Catalog{mustCatalog(t, "facilities"), mustCatalog(t, "compliance"), mustParse(t, referenceCatalog), wideCatalog(t)}
	rng := rand.New(rand.NewPCG(seed, 0x7ef))
	c := &comparer{t: t, seen: map[string]int{}}
	orgs, changes := 150, 12
	if n, err := strconv.Atoi(os.Getenv("GATEHOUSE_REFERENCE_ORGS")); err == nil {
		orgs = n
	}
	for i := range orgs {
		groups := 1 + rng.IntN(12)
		if i%15 == 14 { // some organizations with more groups than a slot class holds
			groups = 257 + rng.IntN(150)
		}
		o := newRandomOrg(rng, catalogs[i%len(catalogs)], groups)
		snap := authz.Compile(o.st).WithClock(func() time.Time { return o.now })
		c.compare(o, snap, fmt.Sprintf("organization %d (%s, %d groups), compiled", i, o.st.Catalog.Template, groups), 250, 3)
		for step := range changes {
			ch := o.randomChange()
			snap = snap.Apply(ch)
			c.compare(o, snap, fmt.Sprintf("organization %d (%s), after change %d %+v", i, o.st.Catalog.Template, step+1, ch), 40, 1)
		}
		if c.failures > 0 {
			break
		}
	}
	var seen []string
	for k, n := range c.seen {
		seen = append(seen, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(seen)
	t.Logf("seed %d: %d decisions, %d effective accesses and %d filters compared (%s)", seed, c.decisions, c.effectives, c.filters, strings.Join(seen, ", "))
	if c.failures > 0 {
		t.Fatalf("%d decisions disagree with the reference model", c.failures)
	}
	// The run must have put every clause to the test.
	for _, r := range gatehouse.Reasons() {
		if r.Decision && c.seen[string(r.Reason)] == 0 {
			t.Errorf("no decision came out %s: the random organizations do not reach that clause", r.Reason)
		}
	}
	for _, k := range []string{"own_only", "site role source", "time-bound source", "at a boundary"} {
		if c.seen[k] == 0 {
			t.Errorf("no allowed decision with a %s", k)
		}
	}
	for _, k := range []string{"effective: scoped, no facility", "effective: own-only facility", "effective: site role at a facility",
		"filter: own_only_facility_ids", "filter: own-only facilities", "filter: facility_ids"} {
		if c.seen[k] == 0 {
			t.Errorf("no agreed case of %s", k)
		}
	}
}

// comparer asks the engine and the reference model the same questions.
type comparer struct {
	t          *testing.T
	decisions  int
	effectives int
	filters    int
	failures   int
	seen       map[string]int // how often each reason and each kind of case came up

	// A batch explains its checks into one buffer (ExplainAtAppend), as
	// the API's check-batch does; each explanation's sources must survive
	// the ones explained after it.
	buf   []authz.Source
	batch []batchAnswer
}

type batchAnswer struct {
	user, perm string // the question, formatted only if the answer is wrong
	r          authz.Resource
	at         time.Time
	got        []authz.Source
	want       sourceSet
}

// compare asks n random questions, each now and at two other moments, as
// one batch; then the effective access of k random users and k list
// filters, each now and at one other moment.
func (c *comparer) compare(o *randomOrg, snap *authz.Snapshot, where string, n, k int) {
	c.buf, c.batch = c.buf[:0], c.batch[:0]
	for range n {
		user := o.someUserID()
		perm := o.somePermissionFor(user)
		r := o.someResource(user)
		c.one(o, snap, where, user, perm, r, time.Time{})
		c.one(o, snap, where, user, perm, r, o.someMoment())
		c.one(o, snap, where, user, perm, r, o.someMoment())
	}
	for i := range k {
		user := o.someUserID()
		c.effective(o, snap, where, user, time.Time{})
		if i > 0 || o.chance(0.5) { // the slowest part of the reference model: not every time
			c.effective(o, snap, where, user, o.someMoment())
		}
		user = o.someListUserID()
		perm := o.someListPermissionFor(user)
		c.filter(o, snap, where, user, perm, time.Time{})
		c.filter(o, snap, where, user, perm, o.someMoment())
	}
	for _, a := range c.batch {
		if !sourcesOf(a.got).equal(a.want) {
			c.failures++
			c.t.Errorf("%s\n%s: in a batch, the sources became %v; want %v", where, fmt.Sprintf("check %s %s %+v at %s", a.user, a.perm, a.r, a.at), sourcesOf(a.got), a.want)
			return
		}
	}
}

func (c *comparer) one(o *randomOrg, snap *authz.Snapshot, where, user, perm string, r authz.Resource, at time.Time) {
	c.decisions++
	moment := at
	if at.IsZero() {
		moment = o.now
	}
	allowed, reason, ownOnly, sources := referenceDecide(o.st, user, perm, r, moment)
	var d authz.Decision
	var x authz.Explanation
	if at.IsZero() {
		d, x = snap.Check(user, perm, r), snap.Explain(user, perm, r)
	} else {
		d, x = snap.CheckAt(user, perm, r, at), snap.ExplainAt(user, perm, r, at)
	}
	got := sourcesOf(x.GrantedBy)
	var inBatch authz.Explanation
	inBatch, c.buf = snap.ExplainAtAppend(c.buf, user, perm, r, at)
	c.batch = append(c.batch, batchAnswer{user, perm, r, at, inBatch.GrantedBy, sources})
	if x.Allowed == allowed && x.Reason.Name() == reason && x.OwnOnly == ownOnly && got.equal(sources) && d == x.Decision &&
		inBatch.Decision == x.Decision && inBatch.OwnOnly == x.OwnOnly && inBatch.Message == x.Message {
		c.count(reason, ownOnly, sources, moment)
		return
	}
	c.failures++
	if c.failures > 5 {
		return
	}
	asked := "now (" + o.now.Format(time.RFC3339Nano) + ")"
	if !at.IsZero() {
		asked = at.Format(time.RFC3339Nano)
	}
	c.t.Errorf("%s\ncheck %s %s %+v at %s\nreference: allowed=%v reason=%s own_only=%v sources=%v\nExplain:   allowed=%v reason=%s own_only=%v sources=%v\nCheck:     allowed=%v reason=%s\nin a batch: %+v\n%s",
		where, user, perm, r, asked,
		allowed, reason, ownOnly, sources,
		x.Allowed, x.Reason, x.OwnOnly, got,
		d.Allowed, d.Reason, inBatch, describeUser(o.st, user))
}

// count records what kind of case an agreed decision was, so that the
// test can show it reached every clause.
func (c *comparer) count(reason gatehouse.Reason, ownOnly bool, sources sourceSet, moment time.Time) {
	c.seen[string(reason)]++
	if ownOnly {
		c.seen["own_only"]++
	}
	for k := range sources {
		parts := strings.Split(k, "|")
		if parts[2] != "" {
			c.seen["site role source"]++
		}
		if parts[3] != "-" || parts[4] != "-" {
			c.seen["time-bound source"]++
			if parts[3] == moment.UTC().Format(time.RFC3339) {
				c.seen["at a boundary"]++
			}
		}
	}
}

// someUserID is a user of the organization, now and then one it does not
// have.
func (o *randomOrg) someUserID() string {
	switch {
	case len(o.st.Users) == 0 || o.chance(0.02):
		if o.longIDs && o.chance(0.5) {
			return longID("usr", 9999)
		}
		return "usr_nobody"
	case o.chance(0.01):
		return ""
	}
	return pick(o.rng, o.st.Users).ID
}

// somePermissionFor is, more often than not, a permission the user holds
// something of: their groups', site roles', direct or licence's
// permissions, or the other half of a view/view_own pair; else any of the
// catalog, now and then one it does not have.
func (o *randomOrg) somePermissionFor(userID string) string {
	if o.chance(0.04) {
		return pick(o.rng, []string{goneCodename, "work_orders.fly", "admin.manage_users", "tickets.view"})
	}
	i := slices.IndexFunc(o.st.Users, func(u gatehouse.UserAccess) bool { return u.ID == userID })
	if i < 0 || o.chance(0.35) {
		return pick(o.rng, o.codenames())
	}
	u := o.st.Users[i]
	related := slices.Clone(u.Permissions)
	groups := slices.Clone(u.GroupIDs)
	for _, r := range u.SiteRoles {
		groups = append(groups, r.GroupID)
	}
	for _, g := range o.st.Groups {
		if slices.Contains(groups, g.ID) {
			related = append(related, g.Permissions...)
		}
	}
	for _, l := range o.st.Catalog.Licences {
		related = append(related, l.ImplicitPermissions...)
	}
	if len(related) == 0 {
		return pick(o.rng, o.codenames())
	}
	p := pick(o.rng, related)
	if category, action, _ := strings.Cut(p, "."); o.chance(0.3) && action == "view" {
		p = category + ".view_own"
	} else if o.chance(0.3) && action == "view_own" {
		p = category + ".view"
	}
	return p
}

// someListUserID is a user to filter a list for: one time in two, one
// with site roles, whose facilities may differ in what they give.
func (o *randomOrg) someListUserID() string {
	var withRoles []string
	for _, u := range o.st.Users {
		if len(u.SiteRoles) > 0 {
			withRoles = append(withRoles, u.ID)
		}
	}
	if len(withRoles) > 0 && o.chance(0.5) {
		return pick(o.rng, withRoles)
	}
	return o.someUserID()
}

// someListPermissionFor is a permission to filter a list by: more often
// than not X.view or X.view_own, where own-only facilities come from.
func (o *randomOrg) someListPermissionFor(userID string) string {
	p := o.somePermissionFor(userID)
	for range 3 {
		if view, _ := viewPair(o.st.Catalog, p); view != nil {
			break
		}
		p = o.somePermissionFor(userID)
	}
	return p
}

// someResource is a resource at one of the user's facilities, another of
// the organization, or none, or not in the organization; the item is the
// user's (created or assigned), someone else's, or nobody's.
func (o *randomOrg) someResource(userID string) authz.Resource {
	var r authz.Resource
	switch {
	case o.chance(0.3):
	case o.chance(0.5):
		var mine []string
		if i := slices.IndexFunc(o.st.Users, func(u gatehouse.UserAccess) bool { return u.ID == userID }); i >= 0 {
			mine = slices.Clone(o.st.Users[i].FacilityIDs)
			for _, s := range o.st.Users[i].SiteRoles {
				mine = append(mine, s.FacilityID)
			}
		}
		if len(mine) > 0 {
			r.FacilityID = pick(o.rng, mine)
		} else {
			r.FacilityID = o.someFacility()
		}
	default:
		r.FacilityID = o.someFacility()
	}
	switch o.rng.IntN(6) {
	case 0:
		r.CreatedBy = userID
	case 1:
		r.AssigneeID = userID
	case 2:
		r.CreatedBy = "usr_other"
	case 3:
		r.CreatedBy, r.AssigneeID = "usr_other", "usr_another"
	}
	return r
}

// someMoment is a moment to ask at: exactly at a bound's second, half a
// second either side of it, a second before it, or a month away.
func (o *randomOrg) someMoment() time.Time {
	base := o.moment()
	switch o.rng.IntN(6) {
	case 0:
		return base.Add(-time.Second)
	case 1:
		return base.Add(500 * time.Millisecond)
	case 2:
		return base.Add(-500 * time.Millisecond)
	case 3:
		return o.now.Add(time.Duration(pick(o.rng, []int{-30, 30})) * 24 * time.Hour)
	}
	return base
}

// TestSiteRoleBoundsStayWithTheirRole is the smallest disagreement the
// reference model found: each site role is in force on its own dates,
// whatever the order of its facility's id among the user's other roles.
// Here the role at fac_10 starts in an hour and the role at fac_2 has no
// bounds; "fac_10" sorts before "fac_2" as a string but was compiled after
// it.
func TestSiteRoleBoundsStayWithTheirRole(t *testing.T) {
	st := gatehouse.AccessState{OrgID: "org_ref", Revision: 1, Catalog: mustCatalog(t, "facilities"),
		Facilities: []string{"fac_2", "fac_10"},
		Groups:     []gatehouse.GroupAccess{{ID: "grp_a", Permissions: []string{"assets.view"}}},
		Users: []gatehouse.UserAccess{{ID: "usr_1", Status: active, SiteRoles: []gatehouse.SiteRole{
			{GroupID: "grp_a", FacilityID: "fac_10", StartsAt: t0.Add(time.Hour)},
			{GroupID: "grp_a", FacilityID: "fac_2"},
		}}}}
	snap := authz.Compile(st).WithClock(func() time.Time { return t0 })
	for _, tc := range []struct {
		facility string
		at       time.Time
		want     authz.Reason
	}{
		{"fac_10", t0, authz.ReasonFacilityNotAssigned}, // not started yet
		{"fac_2", t0, authz.ReasonGranted},
		{"fac_10", t0.Add(time.Hour), authz.ReasonGranted},
		{"fac_2", t0.Add(time.Hour), authz.ReasonGranted},
	} {
		r := authz.Resource{FacilityID: tc.facility}
		_, reason, _, sources := referenceDecide(st, "usr_1", "assets.view", r, tc.at)
		if reason != tc.want.Name() {
			t.Fatalf("the reference model says %s at %s %s, the test %s", reason, tc.facility, tc.at, tc.want)
		}
		x := snap.ExplainAt("usr_1", "assets.view", r, tc.at)
		if x.Reason != tc.want || !sourcesOf(x.GrantedBy).equal(sources) {
			t.Errorf("assets.view at %s, %s: %s %v, want %s %v", tc.facility, tc.at.Format(time.RFC3339), x.Reason, sourcesOf(x.GrantedBy), tc.want, sources)
		}
	}
}
