package client_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/client"
)

const checkPath = "/api/v1/authz/check"

// cacheFixture is a technician who may edit work orders in North through
// the Technician group.
type cacheFixture struct {
	e                   *env
	north, south, group string
	tess                string
}

func newCacheFixture(t *testing.T) *cacheFixture {
	ctx := context.Background()
	e := newEnv(t, "facilities")
	north := must2[*client.Facility](t)(e.admin.CreateFacility(ctx, client.NewFacility{Name: "North"}))
	south := must2[*client.Facility](t)(e.admin.CreateFacility(ctx, client.NewFacility{Name: "South"}))
	g := must2[*client.Group](t)(e.admin.CreateGroup(ctx, client.NewGroup{Name: "Technician", Permissions: []string{"work_orders.edit"}}))
	tess := e.activeUser("tess", client.NewUser{GroupIDs: []string{g.ID}, FacilityIDs: []string{north.ID, south.ID}})
	return &cacheFixture{e: e, north: north.ID, south: south.ID, group: g.ID, tess: tess}
}

// check asks through gh whether Tess may edit work orders in a facility.
func (f *cacheFixture) check(t *testing.T, gh *testClient, facility string, want bool) {
	t.Helper()
	ok, err := gh.Check(context.Background(), f.tess, "work_orders.edit", client.Resource{FacilityID: facility})
	if err != nil {
		t.Fatal(err)
	}
	if ok != want {
		t.Fatalf("check in %s: %v, want %v", facility, ok, want)
	}
}

// setGroup sets the Technician group's permissions through gh.
func (f *cacheFixture) setGroup(t *testing.T, gh *testClient, perms ...string) client.Revision {
	t.Helper()
	_, rev, err := gh.UpdateGroup(context.Background(), f.group, client.GroupPatch{Permissions: client.Ptr(perms)})
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

// wantChecks checks how many checks gh has sent to the server.
func wantChecks(t *testing.T, gh *testClient, n int) {
	t.Helper()
	if got := gh.calls.count(checkPath); got != n {
		t.Fatalf("%d checks sent to the server, want %d", got, n)
	}
}

// minRevision is the min_revision a recorded check sent (0 when absent).
func minRevision(c call) client.Revision {
	f, _ := c.body["min_revision"].(float64)
	return client.Revision(f)
}

func TestCache(t *testing.T) {
	f := newCacheFixture(t)
	e := f.e

	t.Run("a write through the client retires cached answers and later checks ask for it", func(t *testing.T) {
		gh := e.client(e.adminKey, client.WithCacheTTL(time.Minute))
		f.check(t, gh, f.north, true)
		wantChecks(t, gh, 1)
		f.check(t, gh, f.north, true) // from the cache
		f.check(t, gh, f.north, true)
		wantChecks(t, gh, 1)
		f.check(t, gh, f.south, true) // another resource is another question
		wantChecks(t, gh, 2)

		rev := f.setGroup(t, gh) // revoke
		if gh.Revision() != rev {
			t.Fatalf("client at revision %d after a write at %d", gh.Revision(), rev)
		}
		f.check(t, gh, f.north, false)
		wantChecks(t, gh, 3)
		if got := minRevision(gh.calls.last(checkPath)); got != rev {
			t.Fatalf("the check after the write sent min_revision %d, want %d", got, rev)
		}
		f.check(t, gh, f.north, false) // the new answer is cached in turn
		wantChecks(t, gh, 3)

		rev = f.setGroup(t, gh, "work_orders.edit") // grant again
		f.check(t, gh, f.north, true)
		f.check(t, gh, f.south, true)
		wantChecks(t, gh, 5)
		if got := minRevision(gh.calls.last(checkPath)); got != rev {
			t.Fatalf("min_revision %d, want %d", got, rev)
		}
	})

	t.Run("a newer answer from the server retires older entries", func(t *testing.T) {
		gh := e.client(e.adminKey, client.WithCacheTTL(time.Minute))
		f.check(t, gh, f.north, true)
		wantChecks(t, gh, 1)
		// A write elsewhere: this client does not know of it yet.
		_, rev, err := e.admin.CreateFacility(context.Background(), client.NewFacility{Name: "East"})
		if err != nil {
			t.Fatal(err)
		}
		f.check(t, gh, f.north, true)
		wantChecks(t, gh, 1)
		// Another question is answered at the new revision ...
		f.check(t, gh, f.south, true)
		if gh.Revision() != rev {
			t.Fatalf("client at %d, want %d", gh.Revision(), rev)
		}
		// ... which retires the answer from before it.
		f.check(t, gh, f.north, true)
		wantChecks(t, gh, 3)
	})

	t.Run("a revision learnt elsewhere retires older entries", func(t *testing.T) {
		gh := e.client(e.adminKey, client.WithCacheTTL(time.Minute))
		f.check(t, gh, f.north, true)
		rev := f.setGroup(t, e.admin) // revoked elsewhere
		f.check(t, gh, f.north, true) // stale, until the client hears of it
		wantChecks(t, gh, 1)
		gh.ObserveRevision(rev)
		gh.ObserveRevision(rev - 1) // never lowers it
		if gh.Revision() != rev {
			t.Fatalf("revision %d, want %d", gh.Revision(), rev)
		}
		f.check(t, gh, f.north, false)
		wantChecks(t, gh, 2)
		if got := minRevision(gh.calls.last(checkPath)); got != rev {
			t.Fatalf("min_revision %d, want %d", got, rev)
		}
		f.setGroup(t, e.admin, "work_orders.edit")
	})

	t.Run("entries expire after the TTL", func(t *testing.T) {
		const ttl = 300 * time.Millisecond
		gh := e.client(e.adminKey, client.WithCacheTTL(ttl))
		start := time.Now()
		f.check(t, gh, f.north, true)
		f.setGroup(t, e.admin) // revoked elsewhere
		if time.Since(start) < ttl/2 {
			f.check(t, gh, f.north, true) // still the cached answer
			wantChecks(t, gh, 1)
		}
		time.Sleep(time.Until(start.Add(ttl + 10*time.Millisecond)))
		f.check(t, gh, f.north, false)
		f.setGroup(t, e.admin, "work_orders.edit")
	})

	t.Run("the cache is bounded, least recently used out first", func(t *testing.T) {
		gh := e.client(e.adminKey, client.WithCacheTTL(time.Minute), client.WithCacheSize(2))
		ctx := context.Background()
		ask := func(userID string) {
			t.Helper()
			if _, err := gh.Check(ctx, userID, "work_orders.edit", client.Resource{FacilityID: f.north}); err != nil {
				t.Fatal(err)
			}
		}
		ask("usr_a")
		ask("usr_b")
		ask("usr_a") // a is now the most recently used
		wantChecks(t, gh, 2)
		ask("usr_c") // evicts b
		ask("usr_a")
		wantChecks(t, gh, 3)
		ask("usr_b")
		wantChecks(t, gh, 4)
	})

	t.Run("without a cache every check asks", func(t *testing.T) {
		gh := e.client(e.adminKey, client.WithoutCache())
		f.check(t, gh, f.north, true)
		f.check(t, gh, f.north, true)
		wantChecks(t, gh, 2)
	})

	t.Run("decisions from the cache are copies", func(t *testing.T) {
		gh := e.client(e.adminKey, client.WithCacheTTL(time.Minute))
		ctx := context.Background()
		d := must[*client.Decision](t)(gh.CheckDetail(ctx, f.tess, "work_orders.edit", client.Resource{FacilityID: f.north}))
		d.GrantedBy[0].ID = "changed"
		again := must[*client.Decision](t)(gh.CheckDetail(ctx, f.tess, "work_orders.edit", client.Resource{FacilityID: f.north}))
		if again.GrantedBy[0].ID != f.group || !again.Allowed || again.Reason != "granted" {
			t.Fatalf("cached decision: %+v", again)
		}
		wantChecks(t, gh, 1)
	})

	t.Run("batches and filters ask for the latest revision the client knows", func(t *testing.T) {
		gh := e.client(e.adminKey)
		ctx := context.Background()
		rev := f.setGroup(t, gh, "work_orders.edit", "work_orders.view")
		results := must[[]client.Decision](t)(gh.CheckBatch(ctx, []client.CheckRequest{
			{UserID: f.tess, Permission: "work_orders.view", Resource: client.Resource{FacilityID: f.north}},
			{UserID: f.tess, Permission: "work_orders.view", MinRevision: 1},
		}))
		if !results[0].Allowed || !results[1].Allowed {
			t.Fatalf("batch: %+v", results)
		}
		for _, c := range gh.calls.last("/api/v1/authz/check-batch").body["checks"].([]any) {
			if got := client.Revision(c.(map[string]any)["min_revision"].(float64)); got != rev {
				t.Fatalf("batch min_revision %d, want %d", got, rev)
			}
		}
		rev = f.setGroup(t, gh, "work_orders.edit")
		if filter := must[*client.Filter](t)(gh.Filter(ctx, f.tess, "work_orders.view")); filter.Allowed {
			t.Fatalf("filter after revoking: %+v", filter)
		}
		if got := minRevision(gh.calls.last("/api/v1/authz/filter")); got != rev {
			t.Fatalf("filter min_revision %d, want %d", got, rev)
		}
	})

	t.Run("concurrent checks", func(t *testing.T) {
		gh := e.client(e.adminKey, client.WithCacheSize(3))
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				for j := range 20 {
					facility := []string{f.north, f.south, "fac_other", "fac_more"}[(i+j)%4]
					ok, err := gh.Check(context.Background(), f.tess, "work_orders.edit", client.Resource{FacilityID: facility})
					if err != nil || ok != (facility == f.north || facility == f.south) {
						t.Errorf("check in %s: %v, %v", facility, ok, err)
						return
					}
				}
			})
		}
		wg.Wait()
	})
}
