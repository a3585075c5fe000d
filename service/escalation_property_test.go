package service_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store/storetest"
)

// TestNoEscalationProperty lets random limited admins attempt random writes
// of every kind through the service, on a real database, and checks after
// each accepted write, with the decision engine's own Check, that nobody
// holds a permission at a facility they did not hold before unless the
// actor holds it there (an invited user is judged on what they will hold
// on accepting), that the organization keeps an active full-access user,
// and after each refused write that nothing changed. Writes include site
// roles and time-bound grants (limited admins' own grants end too), so the
// oracle asks Check now and at each later moment a grant starts or ends:
// nobody may gain, at any of them, what the actor does not hold then.
//
// GATEHOUSE_PROPERTY_WRITES sets the number of writes per catalog (default
// 5,000: 10,000 in all; 500 on PostgreSQL, whose pass checks the storage
// rather than the rule); GATEHOUSE_PROPERTY_SEED replays a run. The SQLite
// file lives in memory-backed /dev/shm where there is one: the test is about
// the rule, and a synced commit costs milliseconds on some disks.
func TestNoEscalationProperty(t *testing.T) {
	writes := 5000
	if os.Getenv("GATEHOUSE_TEST_DB") == "postgres" {
		writes = 500
	}
	if n, err := strconv.Atoi(os.Getenv("GATEHOUSE_PROPERTY_WRITES")); err == nil {
		writes = n
	}
	seed := rand.Uint64()
	if s, err := strconv.ParseUint(os.Getenv("GATEHOUSE_PROPERTY_SEED"), 10, 64); err == nil {
		seed = s
	}
	for _, template := range []string{"facilities", "compliance"} {
		t.Run(template, func(t *testing.T) {
			p := newProperty(t, template, seed)
			t.Cleanup(func() {
				if t.Failed() { // GATEHOUSE_PROPERTY_SEED=… replays the run
					t.Logf("seed %d", seed)
				}
			})
			for range writes {
				p.step()
			}
			var reasons []string
			for r, n := range p.refused {
				reasons = append(reasons, fmt.Sprintf("%s %d", r, n))
			}
			sort.Strings(reasons)
			t.Logf("seed %d: %d writes tried, %d accepted, %d refused (%s); %d accepted writes gave someone access",
				seed, writes, p.accepted, writes-p.accepted, strings.Join(reasons, ", "), p.gains)
			if p.accepted == 0 || p.gains == 0 {
				t.Fatal("no write was accepted or gave access: the property was never put to the test")
			}
		})
	}
}

type property struct {
	*fixture
	t        *testing.T
	rng      *rand.Rand
	ctx      context.Context
	orgID    string
	catalog  *gatehouse.Catalog
	codes    []string
	licences []string
	adminOps []string // the permissions that guard admin operations

	users      []string // every user id the organization has
	admins     []string // the limited admins the system made, to act
	groups     []string
	facilities []string
	current    *stakes     // of the latest revision: refused writes change nothing
	moments    []time.Time // now, then every start and expiry the writes use
	accepted   int
	gains      int // accepted writes that gave someone access
	refused    map[string]int
}

func newProperty(t *testing.T, template string, seed uint64) *property {
	dsn := storetest.DSN(t)
	if os.Getenv("GATEHOUSE_TEST_DB") != "postgres" {
		if dir, err := os.MkdirTemp("/dev/shm", "gatehouse-property-"); err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			dsn = filepath.Join(dir, "gatehouse.db")
		}
	}
	f := newFixtureOn(t, dsn, template)
	p := &property{fixture: f, t: t, rng: rand.New(rand.NewPCG(seed, 12)), ctx: context.Background(),
		orgID: f.org.Org.ID, refused: map[string]int{}}
	base := time.Now().Truncate(time.Second)
	p.moments = []time.Time{{}, base.Add(time.Hour), base.Add(48 * time.Hour)}
	snap := p.snapshot()
	p.catalog = snap.Catalog()
	for _, perm := range p.catalog.Permissions() {
		p.codes = append(p.codes, perm.Codename)
	}
	for _, l := range p.catalog.Licences {
		p.licences = append(p.licences, l.Name)
	}
	for _, code := range p.catalog.AdminOperations {
		if !slices.Contains(p.adminOps, code) {
			p.adminOps = append(p.adminOps, code)
		}
	}
	p.users = []string{f.org.Admin.ID}
	system := gatehouse.SystemActor(p.orgID)
	for i := range 5 {
		fac := must[*gatehouse.Facility](t)(func() (*gatehouse.Facility, error) {
			fac, _, err := f.svc.CreateFacility(p.ctx, system, service.FacilityInput{Name: fmt.Sprintf("F%d", i)})
			return fac, err
		}())
		p.facilities = append(p.facilities, fac.ID)
	}
	for i := range 5 {
		g, _, err := f.svc.CreateGroup(p.ctx, system, service.GroupInput{Name: fmt.Sprintf("G%d", i), Permissions: p.some(p.codes, 6)})
		if err != nil {
			t.Fatal(err)
		}
		p.groups = append(p.groups, g.ID)
	}
	for range 12 {
		p.newUser(system, false)
	}
	return p
}

func (p *property) snapshot() *authz.Snapshot {
	snap, err := p.svc.Engine().Snapshot(p.ctx, p.orgID)
	if err != nil {
		p.t.Fatal(err)
	}
	return snap
}

// some picks up to n random elements of from.
func (p *property) some(from []string, n int) []string {
	var out []string
	for range p.rng.IntN(n + 1) {
		if len(from) > 0 {
			out = append(out, from[p.rng.IntN(len(from))])
		}
	}
	return out
}

func (p *property) pick(from []string) string {
	if len(from) == 0 {
		return "missing"
	}
	return from[p.rng.IntN(len(from))]
}

// moment is a random later moment a grant starts or ends at.
func (p *property) moment() time.Time { return p.moments[1+p.rng.IntN(len(p.moments)-1)] }

// siteRole is a random site role, time-bound one time in two.
func (p *property) siteRole() gatehouse.SiteRole {
	r := gatehouse.SiteRole{GroupID: p.pick(p.groups), FacilityID: p.pick(p.facilities)}
	switch p.rng.IntN(4) {
	case 0:
		r.ExpiresAt = p.moment()
	case 1:
		r.StartsAt = p.moments[1]
	}
	return r
}

func (p *property) licence() string {
	if len(p.licences) == 0 {
		return ""
	}
	return p.pick(p.licences)
}

// newUser adds a random user through the system; limited admins get some
// admin permissions so that they may try writes. Direct permissions stay
// within the licence (the rule), groups need not.
func (p *property) newUser(system gatehouse.Actor, admin bool) string {
	in := service.UserInput{FirstName: "P", LastName: "Q", Email: fmt.Sprintf("u%d@p.test", p.rng.Uint64()),
		Licence: p.licence(), GroupIDs: p.some(p.groups, 2), FacilityIDs: p.some(p.facilities, 3)}
	perms := p.some(p.codes, 5)
	if admin {
		// An admin without a facility manages nobody: give them one at least.
		in.FacilityIDs = append(in.FacilityIDs, p.pick(p.facilities))
		perms = append(perms, p.adminOps...)
		if p.rng.IntN(4) == 0 {
			perms = append(perms[:len(perms)-len(p.adminOps)], p.some(p.adminOps, len(p.adminOps))...)
		}
		if len(p.licences) > 0 {
			in.Licence = p.licences[len(p.licences)-1-p.rng.IntN(2)]
		}
	}
	for _, code := range perms {
		if p.catalog.CanHold(in.Licence, code) {
			in.Permissions = append(in.Permissions, code)
		}
	}
	if p.rng.IntN(4) == 0 && len(p.groups) > 0 {
		in.SiteRoles = []gatehouse.SiteRole{p.siteRole()}
	}
	if admin && len(in.GroupIDs) > 0 && p.rng.IntN(3) == 0 {
		// Some admins' own grants end: what they give must end by then.
		in.Bounds = []gatehouse.GrantBounds{{GrantID: gatehouse.GrantID(gatehouse.GrantGroup, in.GroupIDs[0], ""), ExpiresAt: p.moment()}}
	}
	inv, err := p.svc.InviteUser(p.ctx, system, in)
	if err != nil {
		p.t.Fatal(err)
	}
	p.users = append(p.users, inv.User.ID)
	if admin {
		p.admins = append(p.admins, inv.User.ID)
	}
	if p.rng.IntN(4) > 0 || admin {
		p.setStatus(inv.User.ID, gatehouse.StatusActive)
	}
	return inv.User.ID
}

// setStatus makes a user active straight in the store, as accepting the
// invitation would, without hashing a password.
func (p *property) setStatus(id string, status gatehouse.UserStatus) {
	err := p.db.Update(p.ctx, func(tx gatehouse.Tx) error {
		u, err := tx.FindUser(p.orgID, id)
		if err != nil {
			return err
		}
		u.Status = status
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		_, err = tx.BumpRevision(p.orgID)
		return err
	})
	if err == nil {
		err = p.svc.Engine().Refresh(p.ctx, p.orgID)
	}
	if err != nil {
		p.t.Fatal(err)
	}
}

// actors are the limited admins still active without full access.
func (p *property) actors(snap *authz.Snapshot) []string {
	var out []string
	for _, id := range p.admins {
		if snap.IsActive(id) && !snap.IsFullAccess(id) {
			out = append(out, id)
		}
	}
	return out
}

// step makes one random write by a random limited admin and checks it.
func (p *property) step() {
	before := p.snapshot()
	actors := p.actors(before)
	for len(actors) < 3 {
		p.newUser(gatehouse.SystemActor(p.orgID), true)
		before = p.snapshot()
		actors = p.actors(before)
	}
	actorID := p.pick(actors)
	actor := gatehouse.Actor{OrgID: p.orgID, UserID: actorID}
	if p.current == nil || p.current.revision != before.Revision {
		st := p.stakes(before)
		p.current = &st
	}
	stakesBefore := *p.current
	kind, err := p.randomWrite(actor, before)
	after := p.snapshot()
	if err != nil {
		e, ok := err.(*gatehouse.Error)
		if !ok {
			p.t.Fatalf("%s: not a domain error: %v", kind, err)
		}
		p.refused[e.Code+"/"+strings.TrimPrefix(e.Reason+e.Field, "")]++
		if os.Getenv("GATEHOUSE_PROPERTY_KINDS") != "" {
			p.refused[kind+": "+e.Code]++
		}
		if after.Revision != before.Revision {
			p.t.Fatalf("%s refused (%v) but the revision moved %d → %d", kind, err, before.Revision, after.Revision)
		}
		return
	}
	p.accepted++
	stakesAfter := p.stakes(after)
	p.current = &stakesAfter
	gave := false
	for v := range stakesBefore.views {
		view := []string{"effective access", "access once active"}[v%2] + " at " + p.momentName(v/2)
		beforeView, afterView := stakesBefore.views[v], stakesAfter.views[v]
		same := beforeView.same(afterView)
		for id, holdsAfter := range afterView.holds {
			if slices.Contains(same, id) {
				continue
			}
			for _, fac := range p.facilities {
				if !after.HasFacility(fac) {
					continue
				}
				// A facility the write created was nowhere before: what was
				// held there is what was held across the organization.
				at := fac
				if !before.HasFacility(fac) {
					at = ""
				}
				for _, code := range p.codes {
					if !holdsAfter(code, fac) || (beforeView.holds[id] != nil && beforeView.holds[id](code, at)) {
						continue
					}
					gave = true
					if at == "" && id == actorID {
						continue // creating a facility assigns its creator
					}
					if !stakesBefore.views[v-v%2].holds[actorID](code, at) {
						p.t.Fatalf("escalation (%s): %s by %s gave %s %s at %s, which the actor did not hold there", view, kind, actorID, id, code, fac)
					}
				}
			}
		}
	}
	if gave {
		p.gains++
	}
	if !stakesAfter.fullAccess {
		p.t.Fatalf("%s by %s left the organization without an active full-access user", kind, actorID)
	}
}

// stakes answers, from the engine's own checks, what each user holds where,
// in two views: their effective access, an invited user's as once accepted
// (which they do themselves); and their access once active, an inactive
// user's too (a reactivation by a full-access admin switches it on).
type stakes struct {
	revision   int64
	views      []stakeView // the two views at each of property.moments
	fullAccess bool        // some user is active with full access
}

type stakeView struct {
	effective map[string][]authz.EffectivePermission
	holds     map[string]func(code, facility string) bool // facility "": anywhere, and for a facility-scoped permission nowhere
}

func (p *property) stakes(snap *authz.Snapshot) stakes {
	var users []*gatehouse.User
	err := p.db.View(p.ctx, func(tx gatehouse.Tx) error {
		var err error
		users, err = tx.FindUsers(gatehouse.UserFilter{OrgID: p.orgID, Limit: 10000})
		return err
	})
	if err != nil {
		p.t.Fatal(err)
	}
	st := stakes{revision: snap.Revision}
	for _, u := range users {
		st.fullAccess = st.fullAccess || snap.IsFullAccess(u.ID)
	}
	for _, moment := range p.moments {
		st.views = append(st.views, p.stakeViews(snap, users, moment)...)
	}
	return st
}

func (p *property) momentName(i int) string {
	if i == 0 {
		return "now"
	}
	return p.moments[i].Format(time.RFC3339)
}

// stakeViews are the two views at moment (zero: now).
func (p *property) stakeViews(snap *authz.Snapshot, users []*gatehouse.User, moment time.Time) []stakeView {
	views := make([]stakeView, 2)
	for v, activating := range [][]gatehouse.UserStatus{{gatehouse.StatusInvited}, {gatehouse.StatusInvited, gatehouse.StatusInactive}} {
		var activate gatehouse.AccessChange
		for _, u := range users {
			if slices.Contains(activating, u.Status) {
				a := u.Access()
				a.Status = gatehouse.StatusActive
				activate.Users = append(activate.Users, a)
			}
		}
		view := snap.Apply(activate)
		if !moment.IsZero() {
			view = view.WithClock(func() time.Time { return moment })
		}
		views[v] = stakeView{holds: map[string]func(string, string) bool{}, effective: map[string][]authz.EffectivePermission{}}
		for _, u := range users {
			id := u.ID
			views[v].effective[id], _ = view.Effective(id)
			views[v].holds[id] = func(code, facility string) bool {
				if facility == "" && p.catalog.Permission(code).FacilityScoped {
					return view.IsFullAccess(id) // full access holds every facility, those to come too
				}
				res := authz.Resource{FacilityID: facility}
				if strings.HasSuffix(code, ".view_own") {
					res.CreatedBy = id // holding X.view_own is holding it for one's own items
				}
				if moment.IsZero() {
					return view.Check(id, code, res).Allowed
				}
				return view.CheckAt(id, code, res, moment).Allowed
			}
		}
	}
	return views
}

// same lists the users whose effective access (Snapshot.Effective, sources
// and all) is the same in both: no need to ask Check about them.
func (st stakeView) same(other stakeView) []string {
	var out []string
	for id, perms := range st.effective {
		if o, ok := other.effective[id]; ok && reflect.DeepEqual(perms, o) {
			out = append(out, id)
		}
	}
	return out
}

// randomWrite attempts one write of a random kind and returns its kind.
// Most attempts stay near what the actor may do — users they manage,
// permissions they hold — where the effect of a write is the only judge.
func (p *property) randomWrite(actor gatehouse.Actor, snap *authz.Snapshot) (string, error) {
	ctx, svc := p.ctx, p.svc
	target := p.pick(p.users)
	if p.rng.IntN(5) > 0 {
		var mine []string
		for _, id := range p.users {
			if snap.CanManage(actor.UserID, id) && id != actor.UserID {
				mine = append(mine, id)
			}
		}
		if len(mine) > 0 {
			target = p.pick(mine)
		}
	}
	grants := snap.GrantsOf(actor.UserID)
	codes := p.codes
	if p.rng.IntN(2) == 0 {
		codes = keys(grants.Permissions)
	}
	facilities := p.facilities
	if p.rng.IntN(2) == 0 {
		facilities = keys(grants.Facilities)
	}
	kind := p.rng.IntN(17)
	// Bounded sizes keep the oracle's checks (users × facilities ×
	// permissions after each accepted write) cheap: creations give way to
	// edits once an organization is big enough.
	switch {
	case kind == 0 && len(p.users) > 40:
		kind = 1
	case kind == 9 && len(p.groups) > 8:
		kind = 10
	case kind == 12 && len(p.facilities) > 8:
		kind = 13
	}
	switch kind {
	case 0:
		in := service.UserInput{FirstName: "N", LastName: "U", Email: fmt.Sprintf("n%d@p.test", p.rng.Uint64()),
			Licence: p.licence(), GroupIDs: p.some(p.groups, 2), Permissions: p.some(codes, 3),
			FacilityIDs: p.some(facilities, 3), FullAccess: p.rng.IntN(20) == 0}
		inv, err := svc.InviteUser(ctx, actor, in)
		if err == nil {
			p.users = append(p.users, inv.User.ID)
		}
		return "invite", err
	case 1, 2, 3:
		var patch service.UserPatch
		switch p.rng.IntN(5) {
		case 0:
			l := p.licence()
			patch.Licence = &l
		case 1:
			g := p.some(p.groups, 3)
			patch.GroupIDs = &g
		case 2:
			perms := p.some(codes, 4)
			patch.Permissions = &perms
		case 3:
			fs := p.some(facilities, 4)
			patch.FacilityIDs = &fs
		case 4:
			full := p.rng.IntN(2) == 0
			patch.FullAccess = &full
		}
		_, _, err := svc.UpdateUser(ctx, actor, target, patch)
		return "update access", err
	case 4:
		email := fmt.Sprintf("m%d@p.test", p.rng.Uint64())
		_, _, err := svc.UpdateUser(ctx, actor, target, service.UserPatch{Email: &email})
		return "change email", err
	case 5:
		_, _, err := svc.ActivateUser(ctx, actor, target)
		return "activate", err
	case 6:
		_, _, err := svc.DeactivateUser(ctx, actor, target)
		return "deactivate", err
	case 7:
		_, err := svc.DeleteUser(ctx, actor, target)
		if err == nil {
			p.users = slices.DeleteFunc(p.users, func(id string) bool { return id == target })
		}
		return "delete user", err
	case 8:
		_, err := svc.RegenerateInvite(ctx, actor, target)
		return "regenerate invite", err
	case 9:
		g, _, err := svc.CreateGroup(ctx, actor, service.GroupInput{Name: fmt.Sprintf("G%d", p.rng.Uint64()), Permissions: p.some(codes, 4)})
		if err == nil {
			p.groups = append(p.groups, g.ID)
		}
		return "create group", err
	case 10:
		perms := p.some(codes, 6)
		_, _, err := svc.UpdateGroup(ctx, actor, p.pick(p.groups), service.GroupPatch{Permissions: &perms})
		return "update group", err
	case 11:
		id := p.pick(p.groups)
		_, err := svc.DeleteGroup(ctx, actor, id)
		if err == nil {
			p.groups = slices.DeleteFunc(p.groups, func(g string) bool { return g == id })
		}
		return "delete group", err
	case 12:
		fac, _, err := svc.CreateFacility(ctx, actor, service.FacilityInput{Name: fmt.Sprintf("F%d", p.rng.Uint64())})
		if err == nil {
			p.facilities = append(p.facilities, fac.ID)
		}
		return "create facility", err
	case 14:
		r := p.siteRole()
		if p.rng.IntN(2) == 0 {
			r.FacilityID = p.pick(facilities)
		}
		_, _, _, err := svc.AddGrant(ctx, actor, target, gatehouse.Grant{Type: gatehouse.GrantGroup, GroupID: r.GroupID, FacilityID: r.FacilityID, StartsAt: r.StartsAt, ExpiresAt: r.ExpiresAt})
		return "add site role", err
	case 15:
		g := gatehouse.Grant{Type: gatehouse.GrantGroup, GroupID: p.pick(p.groups), ExpiresAt: p.moment()}
		if p.rng.IntN(2) == 0 {
			g = gatehouse.Grant{Type: gatehouse.GrantFacility, FacilityID: p.pick(facilities), ExpiresAt: p.moment()}
		}
		if p.rng.IntN(3) == 0 {
			g.ExpiresAt = time.Time{} // the same grant without its end: an extension
		}
		_, _, _, err := svc.AddGrant(ctx, actor, target, g)
		return "add time-bound grant", err
	case 16:
		var grants []string
		if err := p.db.View(ctx, func(tx gatehouse.Tx) error {
			u, err := tx.FindUser(p.orgID, target)
			if err == nil {
				for _, g := range u.Grants() {
					grants = append(grants, g.ID)
				}
			}
			return err
		}); err != nil {
			return "remove grant", err
		}
		_, _, err := svc.RemoveGrant(ctx, actor, target, p.pick(grants))
		return "remove grant", err
	default:
		id := p.pick(p.facilities)
		if p.rng.IntN(2) == 0 {
			archived := true
			_, _, err := svc.UpdateFacility(ctx, actor, id, service.FacilityPatch{Archived: &archived})
			return "archive facility", err
		}
		_, err := svc.DeleteFacility(ctx, actor, id)
		if err == nil {
			p.facilities = slices.DeleteFunc(p.facilities, func(f string) bool { return f == id })
		}
		return "delete facility", err
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
