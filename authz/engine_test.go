package authz_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// storage is an organization's state and change log as the engine reads
// them, at a revision the test moves on.
type storage struct {
	mu      sync.Mutex
	state   gatehouse.AccessState
	changes []gatehouse.AccessChange
	loading chan struct{} // when set, a load waits for it to close
	started chan struct{} // when set, a load that waits sends on it first
}

func (s *storage) load(ctx context.Context, orgID string) (gatehouse.AccessState, error) {
	s.mu.Lock()
	st, wait, started := s.state, s.loading, s.started
	s.mu.Unlock()
	if wait != nil {
		if started != nil {
			started <- struct{}{}
		}
		<-wait
	}
	return st, nil
}

func (s *storage) since(ctx context.Context, orgID string, after int64) ([]gatehouse.AccessChange, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []gatehouse.AccessChange
	for _, ch := range s.changes {
		if ch.Revision > after {
			out = append(out, ch)
		}
	}
	return out, nil
}

// write records a change to the state and the log, as another instance's
// committed write would.
func (s *storage) write(ch gatehouse.AccessChange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changes = append(s.changes, ch)
	s.state.Revision = ch.Revision
}

// News of a write that commits while the organization is being loaded
// (the load read the state before the write) must not be lost.
func TestEngine_NewsDuringALoadIsNotLost(t *testing.T) {
	st := &storage{state: facilitiesOrg(t), loading: make(chan struct{}), started: make(chan struct{})}
	e := authz.NewEngine(st.load, st.since)
	ctx := context.Background()
	loaded := make(chan *authz.Snapshot)
	go func() {
		snap, err := e.Snapshot(ctx, "org_a") // reads revision 1, then waits
		if err != nil {
			t.Error(err)
		}
		loaded <- snap
	}()
	<-st.started // the load is under way
	st.write(gatehouse.AccessChange{Revision: 2, DeletedUsers: []string{"usr_tech"}})
	heard := make(chan error)
	go func() { heard <- e.Heard(ctx, "org_a", 2, nil) }()
	time.Sleep(20 * time.Millisecond)
	close(st.loading)
	if snap := <-loaded; snap.Revision != 1 {
		t.Fatalf("the load read revision %d", snap.Revision)
	}
	if err := <-heard; err != nil {
		t.Fatal(err)
	}
	if rev, _ := e.Revision("org_a"); rev != 2 {
		t.Fatalf("after the news of revision 2, the engine is at %d", rev)
	}
	if snap, _ := e.Snapshot(ctx, "org_a"); snap.HasUser("usr_tech") {
		t.Fatal("the deleted user is still there")
	}
}

func TestEngine_HeardAppliesWhatTheNewsCarries(t *testing.T) {
	st := &storage{state: facilitiesOrg(t)}
	e := authz.NewEngine(st.load, st.since)
	ctx := context.Background()
	if _, err := e.Snapshot(ctx, "org_a"); err != nil {
		t.Fatal(err)
	}
	// Carried: applied without reading the log (which does not have it).
	ch := gatehouse.AccessChange{Revision: 2, DeletedUsers: []string{"usr_tech"}}
	if err := e.Heard(ctx, "org_a", 2, &ch); err != nil {
		t.Fatal(err)
	}
	// Not carried, two behind: read from the log, in order.
	st.write(ch)
	st.write(gatehouse.AccessChange{Revision: 3, DeletedUsers: []string{"usr_direct"}})
	st.write(gatehouse.AccessChange{Revision: 4, DeletedUsers: []string{"usr_nofac"}})
	if err := e.Heard(ctx, "org_a", 4, nil); err != nil {
		t.Fatal(err)
	}
	snap, _ := e.Snapshot(ctx, "org_a")
	if snap.Revision != 4 || snap.HasUser("usr_tech") || snap.HasUser("usr_direct") || snap.HasUser("usr_nofac") || !snap.HasUser("usr_admin") {
		t.Fatalf("at revision %d: %v %v %v", snap.Revision, snap.HasUser("usr_tech"), snap.HasUser("usr_direct"), snap.HasUser("usr_nofac"))
	}
	// Old news changes nothing; news of an organization not held loads nothing.
	if err := e.Heard(ctx, "org_a", 3, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.Heard(ctx, "org_other", 9, nil); err != nil {
		t.Fatal(err)
	}
	if e.Reloads() != 1 || len(e.Loaded()) != 1 {
		t.Fatalf("%d reloads, %d organizations held", e.Reloads(), len(e.Loaded()))
	}
	// A gap in the log (a write that recorded no change): a reload.
	st.mu.Lock()
	st.state.Revision = 6
	st.mu.Unlock()
	st.write(gatehouse.AccessChange{Revision: 6})
	if err := e.Heard(ctx, "org_a", 6, nil); err != nil {
		t.Fatal(err)
	}
	if rev, _ := e.Revision("org_a"); rev != 6 || e.Reloads() != 2 {
		t.Fatalf("across a gap: revision %d after %d reloads", rev, e.Reloads())
	}
}

// organizations is the storage of several organizations, by id.
type organizations map[string]*storage

func (o organizations) load(ctx context.Context, orgID string) (gatehouse.AccessState, error) {
	return o[orgID].load(ctx, orgID)
}

func (o organizations) since(ctx context.Context, orgID string, after int64) ([]gatehouse.AccessChange, error) {
	return o[orgID].since(ctx, orgID, after)
}

// While one organization compiles cold (its load blocks until the test
// lets it go), every other organization loads, applies, catches up, hears
// news and reloads; then the slow one finishes with the news it heard
// meanwhile applied after its load.
func TestEngine_ASlowLoadBlocksNoOtherOrganization(t *testing.T) {
	slow := &storage{state: facilitiesOrg(t), loading: make(chan struct{}), started: make(chan struct{})}
	other := facilitiesOrg(t)
	other.OrgID = "org_b"
	fast := &storage{state: other}
	third := facilitiesOrg(t)
	third.OrgID = "org_c"
	orgs := organizations{"org_a": slow, "org_b": fast, "org_c": {state: third}}
	e := authz.NewEngine(orgs.load, orgs.since)
	ctx := context.Background()
	release := sync.OnceFunc(func() { close(slow.loading) })
	t.Cleanup(release) // should a step below fail while org_a still loads

	if _, err := e.Snapshot(ctx, "org_b"); err != nil {
		t.Fatal(err)
	}
	loadedA := make(chan *authz.Snapshot, 1)
	go func() {
		snap, err := e.Snapshot(ctx, "org_a")
		if err != nil {
			t.Error(err)
		}
		loadedA <- snap
	}()
	<-slow.started // org_a's load is under way, and waits

	// News of org_a heard now waits for its load: it may predate the write.
	slow.write(gatehouse.AccessChange{Revision: 2, DeletedUsers: []string{"usr_tech"}})
	heardA := make(chan error, 1)
	go func() { heardA <- e.Heard(ctx, "org_a", 2, nil) }()

	// Everything of org_b and org_c goes on meanwhile. A step that waited
	// for org_a would wait for ever: the guard only ends such a test.
	steps := []struct {
		name string
		do   func() error
	}{
		{"Refresh", func() error { return e.Refresh(ctx, "org_b") }},
		{"Apply", func() error {
			ch := gatehouse.AccessChange{Revision: 2, DeletedUsers: []string{"usr_tech"}}
			fast.write(ch)
			return e.Apply(ctx, "org_b", ch)
		}},
		{"CatchUp", func() error {
			fast.write(gatehouse.AccessChange{Revision: 3, DeletedUsers: []string{"usr_direct"}})
			return e.CatchUp(ctx, "org_b")
		}},
		{"Heard", func() error {
			fast.write(gatehouse.AccessChange{Revision: 4, DeletedUsers: []string{"usr_nofac"}})
			return e.Heard(ctx, "org_b", 4, nil)
		}},
		{"Snapshot of another organization, cold", func() error {
			_, err := e.Snapshot(ctx, "org_c")
			return err
		}},
	}
	for _, step := range steps {
		done := make(chan error, 1)
		go func() { done <- step.do() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s of org_b waited for org_a's load", step.name)
		}
	}
	snap, err := e.Snapshot(ctx, "org_b")
	if err != nil {
		t.Fatal(err)
	}
	if snap.Revision != 4 || snap.HasUser("usr_tech") || snap.HasUser("usr_direct") || snap.HasUser("usr_nofac") {
		t.Fatalf("org_b at revision %d", snap.Revision)
	}
	if _, held := e.Revision("org_a"); held {
		t.Fatal("org_a is held before its load finished")
	}
	select {
	case err := <-heardA:
		t.Fatalf("the news of org_a did not wait for its load (%v)", err)
	default:
	}

	release()
	if snap := <-loadedA; snap.Revision != 1 {
		t.Fatalf("org_a's load read revision %d", snap.Revision)
	}
	if err := <-heardA; err != nil {
		t.Fatal(err)
	}
	if snap, _ := e.Snapshot(ctx, "org_a"); snap.Revision != 2 || snap.HasUser("usr_tech") {
		t.Fatalf("after its load, org_a is at revision %d", snap.Revision)
	}
}

// News that may have been missed (Heard with no organization) catches up
// every organization held, the free ones first: one still loading delays
// no other, and catches up once loaded.
func TestEngine_MissedNewsDoesNotWaitForASlowLoad(t *testing.T) {
	slow := &storage{state: facilitiesOrg(t)}
	other := facilitiesOrg(t)
	other.OrgID = "org_b"
	fast := &storage{state: other}
	orgs := organizations{"org_a": slow, "org_b": fast}
	e := authz.NewEngine(orgs.load, orgs.since)
	ctx := context.Background()
	for _, id := range []string{"org_a", "org_b"} {
		if _, err := e.Snapshot(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	// org_a reloads, slowly (a refresh); writes to both meanwhile.
	slow.mu.Lock()
	slow.loading, slow.started = make(chan struct{}), make(chan struct{})
	slow.mu.Unlock()
	release := sync.OnceFunc(func() { close(slow.loading) })
	t.Cleanup(release)
	refreshed := make(chan error, 1)
	go func() { refreshed <- e.Refresh(ctx, "org_a") }()
	<-slow.started
	slow.write(gatehouse.AccessChange{Revision: 2, DeletedUsers: []string{"usr_tech"}})
	fast.write(gatehouse.AccessChange{Revision: 2, DeletedUsers: []string{"usr_tech"}})

	// org_b catches up while org_a still loads: its revision moves before
	// the load is let go.
	heard := make(chan error, 1)
	go func() { heard <- e.Heard(ctx, "", 0, nil) }()
	caughtUp := make(chan struct{})
	go func() {
		defer close(caughtUp)
		for {
			if rev, _ := e.Revision("org_b"); rev == 2 {
				return
			}
			select {
			case err := <-heard:
				t.Error("Heard returned before org_a's load ended")
				heard <- err
				return
			default:
				runtime.Gosched()
			}
		}
	}()
	select {
	case <-caughtUp:
	case <-time.After(10 * time.Second):
		t.Fatal("org_b did not catch up while org_a was loading")
	}

	release()
	if err := <-refreshed; err != nil {
		t.Fatal(err)
	}
	if err := <-heard; err != nil {
		t.Fatal(err)
	}
	if rev, _ := e.Revision("org_a"); rev != 2 {
		t.Fatalf("org_a at revision %d after the missed news", rev)
	}
}
