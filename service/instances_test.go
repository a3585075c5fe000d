package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/store/storetest"
)

// Several instances of Gatehouse on one database (PostgreSQL behind a load
// balancer; here also two handles on one SQLite file) each hold their own
// snapshots. These tests make a write on one and read it on the other.

// secondInstance opens another service on the fixture's database.
func (f *fixture) secondInstance() *service.Service {
	f.t.Helper()
	db, err := store.Open(context.Background(), f.path)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { db.Close() })
	return service.New(db, f.config())
}

// listeningInstance opens another service on the fixture's PostgreSQL
// database that catches up as it hears of writes, as serve wires it. The
// channel gets each announced change once the instance has applied it (nil
// when the change did not travel with the news).
func (f *fixture) listeningInstance() (*service.Service, <-chan *gatehouse.AccessChange) {
	f.t.Helper()
	db, err := store.Open(context.Background(), f.path)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { db.Close() })
	svc := service.New(db, f.config())
	listening, stop := context.WithCancel(context.Background())
	f.t.Cleanup(stop)
	heard := make(chan *gatehouse.AccessChange, 100)
	listens := make(chan bool, 10)
	go db.Listen(listening, slog.Default(), func(orgID string, revision int64, ch *gatehouse.AccessChange) {
		svc.Changed(listening, orgID, revision, ch)
		if orgID == "" { // connected: the first news is "catch up on everything"
			listens <- true
		} else {
			heard <- ch
		}
	})
	<-listens
	return svc, heard
}

func explainOn(t *testing.T, svc *service.Service, actor gatehouse.Actor, userID, perm string, res authz.Resource, minRevision int64) authz.Explanation {
	t.Helper()
	x, _, err := svc.Explain(context.Background(), actor, userID, perm, res, minRevision)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestOtherInstance_CatchesUpFromRecordedChangesWithoutReloading(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	other := f.secondInstance()
	depot, _, _ := f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: "Depot"})
	tech, _, err := f.svc.CreateGroup(ctx, f.admin, service.GroupInput{Name: "Technician", Permissions: []string{"work_orders.view"}})
	if err != nil {
		t.Fatal(err)
	}
	u := f.activeUser(f.admin, service.UserInput{FirstName: "Tess", LastName: "Tech", Email: "tess@acme.test", GroupIDs: []string{tech.ID}, FacilityIDs: []string{depot.ID}})
	at := authz.Resource{FacilityID: depot.ID}

	// The other instance loads the organization as it is now.
	if x := explainOn(t, other, f.admin, u.ID, "work_orders.edit", at, 0); x.Allowed {
		t.Fatal("edit allowed before the group has it")
	}
	reloads := other.Engine().Reloads()

	perms := []string{"work_orders.view", "work_orders.edit"}
	_, rev, err := f.svc.UpdateGroup(ctx, f.admin, tech.ID, service.GroupPatch{Permissions: &perms})
	if err != nil {
		t.Fatal(err)
	}
	// Asked for that revision, the other instance answers from it at once.
	if x := explainOn(t, other, f.admin, u.ID, "work_orders.edit", at, rev); !x.Allowed {
		t.Fatalf("other instance at revision %d: %+v", rev, x)
	}
	// Several writes behind, it applies each in turn.
	_, _, err = f.svc.DeactivateUser(ctx, f.admin, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, rev, err = f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: "Store 2"})
	if err != nil {
		t.Fatal(err)
	}
	if x := explainOn(t, other, f.admin, u.ID, "work_orders.view", at, rev); x.Reason != authz.ReasonUserInactive {
		t.Fatalf("deactivated user on the other instance: %+v", x)
	}
	if got := other.Engine().Reloads(); got != reloads {
		t.Errorf("the other instance reloaded the organization %d times to catch up", got-reloads)
	}
	// A revision nobody has written is refused, and reloads nothing.
	_, _, err = other.Explain(ctx, f.admin, u.ID, "work_orders.view", at, rev+100)
	wantCode(t, err, gatehouse.EINVALID)
	if got := other.Engine().Reloads(); got != reloads {
		t.Errorf("a min_revision from the future reloaded the organization")
	}
}

func TestOtherInstance_WritesOnTopOfTheLatestState(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	other := f.secondInstance()
	// The other instance holds the organization before the first writes.
	explainOn(t, other, f.admin, f.org.Admin.ID, "users.view", authz.Resource{}, 0)

	tech, _, err := f.svc.CreateGroup(ctx, f.admin, service.GroupInput{Name: "Technician", Permissions: []string{"assets.view"}})
	if err != nil {
		t.Fatal(err)
	}
	// The other instance's write names the group it has not seen: it must
	// catch up inside the write rather than refuse the group.
	inv, err := other.InviteUser(ctx, f.admin, service.UserInput{FirstName: "Nia", LastName: "New", Email: "nia@acme.test", GroupIDs: []string{tech.ID}})
	if err != nil {
		t.Fatal(err)
	}
	u, rev, err := other.UpdateUser(ctx, f.admin, inv.User.ID, service.UserPatch{})
	if err != nil {
		t.Fatal(err)
	}
	for name, svc := range map[string]*service.Service{"first": f.svc, "other": other} {
		x := explainOn(t, svc, f.admin, u.ID, "assets.view", authz.Resource{}, rev)
		if x.Reason != authz.ReasonUserInvited {
			t.Errorf("%s instance: %+v", name, x)
		}
	}
}

// Concurrent writes from two instances to one organization queue up on its
// lock: every one gets its own revision, and both instances end with the
// same state.
func TestOtherInstance_ConcurrentWritesGetOneRevisionEach(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	other := f.secondInstance()
	// The other instance holds the organization before the writes start.
	explainOn(t, other, f.admin, f.org.Admin.ID, "users.view", authz.Resource{}, 0)
	const each = 10
	var mu sync.Mutex
	revisions := map[int64]bool{}
	var groups []string
	var wg sync.WaitGroup
	errs := make(chan error, 2*each)
	for i, svc := range []*service.Service{f.svc, other} {
		wg.Go(func() {
			for j := range each {
				g, rev, err := svc.CreateGroup(ctx, f.admin, service.GroupInput{Name: fmt.Sprintf("Group %d-%d", i, j), Permissions: []string{"assets.view"}})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				revisions[rev] = true
				groups = append(groups, g.ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(revisions) != 2*each {
		t.Fatalf("%d distinct revisions for %d writes", len(revisions), 2*each)
	}
	var latest int64
	for rev := range revisions {
		latest = max(latest, rev)
	}
	for name, svc := range map[string]*service.Service{"first": f.svc, "other": other} {
		snap, err := svc.Fresh(ctx, f.org.Org.ID, latest)
		if err != nil {
			t.Fatal(err)
		}
		held := 0
		for _, g := range groups {
			if snap.HasGroup(g) {
				held++
			}
		}
		if snap.Revision != latest || held != 2*each {
			t.Errorf("%s instance: revision %d with %d of the groups, want %d with %d", name, snap.Revision, held, latest, 2*each)
		}
	}
}

// On PostgreSQL, an instance hears of the other's writes as they commit
// (LISTEN/NOTIFY) and catches up without being asked for a revision.
func TestOtherInstance_HearsOfWritesOnPostgres(t *testing.T) {
	f := newFixtureOn(t, storetest.Postgres(t), "facilities")
	ctx := context.Background()
	other, heard := f.listeningInstance()
	explainOn(t, other, f.admin, f.org.Admin.ID, "users.view", authz.Resource{}, 0)
	reloads := other.Engine().Reloads()

	_, rev, err := f.svc.CreateGroup(ctx, f.admin, service.GroupInput{Name: "Technician", Permissions: []string{"assets.view"}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for {
		if got, _ := other.Engine().Revision(f.org.Org.ID); got >= rev {
			break
		}
		select {
		case <-heard:
		case <-deadline:
			t.Fatalf("the other instance did not hear of revision %d", rev)
		}
	}
	if got := other.Engine().Reloads(); got != reloads {
		t.Errorf("the other instance reloaded the organization to catch up")
	}
}

// A write that recorded no change (a bulk seed) leaves a gap in the log:
// the other instance reloads the organization rather than guess.
func TestOtherInstance_ReloadsAcrossAGapInTheLog(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	other := f.secondInstance()
	explainOn(t, other, f.admin, f.org.Admin.ID, "users.view", authz.Resource{}, 0)
	reloads := other.Engine().Reloads()
	var rev int64
	err := f.db.Update(ctx, func(tx gatehouse.Tx) (err error) {
		rev, err = tx.BumpRevision(f.org.Org.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tech, rev2, err := f.svc.CreateGroup(ctx, f.admin, service.GroupInput{Name: "Technician"})
	if err != nil || rev2 != rev+1 {
		t.Fatalf("group at revision %d after %d: %v", rev2, rev, err)
	}
	snap, err := other.Fresh(ctx, f.org.Org.ID, rev2)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Revision != rev2 || !snap.HasGroup(tech.ID) {
		t.Fatalf("other instance at revision %d, group held: %v", snap.Revision, snap.HasGroup(tech.ID))
	}
	if got := other.Engine().Reloads(); got != reloads+1 {
		t.Errorf("%d reloads across the gap, want 1", got-reloads)
	}
}

// BenchmarkOtherInstanceHearsOfWrite times a group edit on one instance and
// how long after it returns the other instance holds the new revision, on
// PostgreSQL:
//
//	GATEHOUSE_TEST_POSTGRES=$(bash .ci/postgres) go test -run x -bench OtherInstance ./service
func BenchmarkOtherInstanceHearsOfWrite(b *testing.B) {
	dsn := storetest.Postgres(b)
	ctx := context.Background()
	open := func() (*store.DB, *service.Service) {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db, service.New(db, testsupport.ServiceConfig(baseURL, nil))
	}
	_, first := open()
	_, data, _ := catalogs.Load("facilities")
	org, err := first.CreateOrganization(ctx, service.NewOrganization{Name: "Acme", Catalog: data, AdminEmail: "admin@acme.test"})
	if err != nil {
		b.Fatal(err)
	}
	admin := gatehouse.Actor{OrgID: org.Org.ID, UserID: org.Admin.ID}
	db, other := open()
	listening, stop := context.WithCancel(ctx)
	defer stop()
	go db.Listen(listening, slog.Default(), func(orgID string, revision int64, ch *gatehouse.AccessChange) {
		other.Changed(listening, orgID, revision, ch)
	})
	g, _, err := first.CreateGroup(ctx, admin, service.GroupInput{Name: "Technician"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := other.Fresh(ctx, org.Org.ID, 0); err != nil {
		b.Fatal(err)
	}
	var waited time.Duration
	b.ResetTimer()
	for i := range b.N {
		perms := []string{"assets.view"}
		if i%2 == 0 {
			perms = append(perms, "assets.edit")
		}
		_, rev, err := first.UpdateGroup(ctx, admin, g.ID, service.GroupPatch{Permissions: &perms})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for {
			if got, _ := other.Engine().Revision(org.Org.ID); got >= rev {
				break
			}
			if time.Since(start) > 5*time.Second {
				b.Fatalf("the other instance never heard of revision %d", rev)
			}
			runtime.Gosched()
		}
		waited += time.Since(start)
	}
	b.ReportMetric(float64(waited.Microseconds())/float64(b.N), "µs-until-other-instance/op")
}

// A change too large for a notification (a user given 300 facilities) is
// read back from the database by the instances that hear of it.
func TestOtherInstance_ReadsBackAChangeTooLargeToAnnounce(t *testing.T) {
	f := newFixtureOn(t, storetest.Postgres(t), "facilities")
	ctx := context.Background()
	var facilities []*gatehouse.Facility
	for i := range 300 {
		facilities = append(facilities, &gatehouse.Facility{Name: fmt.Sprintf("Site %03d with a long name", i)})
	}
	if _, err := f.db.BulkInsert(ctx, store.Bulk{OrgID: f.org.Org.ID, Facilities: facilities}); err != nil {
		t.Fatal(err)
	}
	u := f.activeUser(f.admin, service.UserInput{FirstName: "Tess", LastName: "Tech", Email: "tess@acme.test", Permissions: []string{"assets.view"}})
	other, heard := f.listeningInstance()
	explainOn(t, other, f.admin, u.ID, "assets.view", authz.Resource{}, 0)
	reloads := other.Engine().Reloads()

	ids := make([]string, len(facilities))
	for i, fac := range facilities {
		ids[i] = fac.ID
	}
	_, rev, err := f.svc.UpdateUser(ctx, f.admin, u.ID, service.UserPatch{FacilityIDs: &ids})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case ch := <-heard:
		if ch != nil {
			t.Errorf("a change of %d facilities travelled in the notification", len(ids))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no notification")
	}
	if got, _ := other.Engine().Revision(f.org.Org.ID); got != rev {
		t.Fatalf("other instance at revision %d, want %d", got, rev)
	}
	last := authz.Resource{FacilityID: ids[len(ids)-1]}
	if x := explainOn(t, other, f.admin, u.ID, "assets.view", last, 0); !x.Allowed {
		t.Fatalf("other instance: %+v", x)
	}
	if got := other.Engine().Reloads(); got != reloads {
		t.Errorf("the other instance reloaded the organization")
	}
}

// More concurrent writes than the connection pool holds (20 on
// PostgreSQL), each to an organization the instance has not loaded yet: a
// write must never wait for a second connection while holding one.
func TestOtherInstance_ManyFirstWritesDoNotExhaustThePool(t *testing.T) {
	f := newFixture(t, "facilities")
	const orgs = 30
	admins := make([]gatehouse.Actor, orgs)
	for i := range admins {
		org := f.newOrg(fmt.Sprintf("Org%d", i), "facilities")
		admins[i] = gatehouse.Actor{OrgID: org.Org.ID, UserID: org.Admin.ID}
	}
	fresh := f.secondInstance()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errs := make(chan error, orgs)
	for _, admin := range admins {
		go func() {
			_, _, err := fresh.CreateFacility(ctx, admin, service.FacilityInput{Name: "Depot"})
			errs <- err
		}()
	}
	for range orgs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
