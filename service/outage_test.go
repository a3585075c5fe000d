package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
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
