package service_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/store/storetest"
)

// While the database cannot be reached, recording an API key's last use
// fails; authentication does not.
func TestAPIKey_FailedLastUsedUpdateDoesNotFailAuthentication(t *testing.T) {
	f := newFixture(t, "facilities")
	clk := f.fakeClock()
	ctx := context.Background()
	key, err := f.svc.CreateAPIKey(ctx, f.admin, "job")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateAPIKey(ctx, key.Secret); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Minute) // the next use is recorded
	f.db.Close()
	actor, err := f.svc.AuthenticateAPIKey(ctx, key.Secret)
	if err != nil || actor.UserID != f.admin.UserID {
		t.Fatalf("authentication with the database gone: %+v %v", actor, err)
	}
}

// While the database cannot be reached, a key read before the latest write
// still works as long as its owner is active and no write since deleted API
// keys; a deleted key, and the key of a user deactivated meanwhile (even
// if active again), do not.
func TestAPIKey_CachedKeyServesThroughAnOutageUnlessRevoked(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	ann := f.activeUser(f.admin, service.UserInput{FirstName: "Ann", LastName: "Able", Email: "ann@acme.test"})
	bob := f.activeUser(f.admin, service.UserInput{FirstName: "Bob", LastName: "Baker", Email: "bob@acme.test"})
	asAnn := gatehouse.Actor{OrgID: f.org.Org.ID, UserID: ann.ID}
	asBob := gatehouse.Actor{OrgID: f.org.Org.ID, UserID: bob.ID}
	deleted := must[*service.NewKey](t)(f.svc.CreateAPIKey(ctx, asAnn, "deleted"))
	bobs := must[*service.NewKey](t)(f.svc.CreateAPIKey(ctx, asBob, "deactivated"))
	kept := must[*service.NewKey](t)(f.svc.CreateAPIKey(ctx, f.admin, "kept"))
	for _, k := range []*service.NewKey{deleted, bobs, kept} {
		if _, err := f.svc.AuthenticateAPIKey(ctx, k.Secret); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.DeleteAPIKey(ctx, asAnn, deleted.Key.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.DeactivateUser(ctx, f.admin, bob.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.ActivateUser(ctx, f.admin, bob.ID); err != nil {
		t.Fatal(err)
	}
	// kept is read again after the revocations, then a write moves the
	// revision past it.
	if _, err := f.svc.AuthenticateAPIKey(ctx, kept.Secret); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: "Depot"}); err != nil {
		t.Fatal(err)
	}
	f.db.Close()
	if actor, err := f.svc.AuthenticateAPIKey(ctx, kept.Secret); err != nil || actor.UserID != f.admin.UserID {
		t.Fatalf("a key older than the snapshot, database gone: %+v %v", actor, err)
	}
	for name, k := range map[string]*service.NewKey{"deleted key": deleted, "key of a user deactivated since": bobs} {
		_, err := f.svc.AuthenticateAPIKey(ctx, k.Secret)
		if err == nil {
			t.Errorf("%s works from the cache", name)
		} else if code := gatehouse.ErrorCode(err); code != gatehouse.EUNAVAILABLE && code != gatehouse.EUNAUTHORIZED {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// An instance whose LISTEN connection is cut misses the notifications of
// writes made meanwhile; once it reconnects, it catches up every
// organization it holds from the recorded changes, and only then counts
// as listening (/readyz).
func TestReconnect_CatchesUpEveryLoadedOrganization(t *testing.T) {
	f := newFixtureOn(t, storetest.Postgres(t), "facilities")
	ctx := context.Background()
	other := f.newOrg("Globex", "facilities")
	otherAdmin := gatehouse.Actor{OrgID: other.Org.ID, UserID: other.Admin.ID}
	proxy, dsn := storetest.NewProxy(t, f.path)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := service.New(db, f.config())
	listening, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		db.Listen(listening, slog.New(slog.DiscardHandler), func(orgID string, revision int64, ch *gatehouse.AccessChange) {
			svc.Changed(listening, orgID, revision, ch)
		})
	}()
	defer func() { stop(); <-done }()
	for _, org := range []string{f.org.Org.ID, other.Org.ID} {
		if _, err := svc.Engine().Snapshot(ctx, org); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "listening", db.Listening)

	proxy.Cut()
	waitFor(t, "the lost connection noticed", func() bool { return !db.Listening() })
	var want [2]int64
	var err1, err2 error
	_, want[0], err1 = f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: "Depot"})
	_, want[1], err2 = f.svc.CreateFacility(ctx, otherAdmin, service.FacilityInput{Name: "Plant"})
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if db.Listening() {
		t.Fatal("listening while cut off")
	}
	proxy.Restore()
	waitFor(t, "listening again", db.Listening)
	// Listening means caught up: no waiting for the revisions.
	for i, org := range []string{f.org.Org.ID, other.Org.ID} {
		if rev, _ := svc.Engine().Revision(org); rev < want[i] {
			t.Errorf("%s at revision %d once listening again, want %d", org, rev, want[i])
		}
	}
	if n := svc.Engine().Reloads(); n != 2 {
		t.Errorf("%d whole-organization compiles, want the 2 first loads (catch-up from recorded changes)", n)
	}
}

// waitFor waits for cond, failing the test after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 10 s", what)
		}
	}
}
