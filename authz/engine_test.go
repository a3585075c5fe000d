package authz_test

import (
	"context"
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
}

func (s *storage) load(ctx context.Context, orgID string) (gatehouse.AccessState, error) {
	s.mu.Lock()
	st, wait := s.state, s.loading
	s.mu.Unlock()
	if wait != nil {
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
	st := &storage{state: facilitiesOrg(t), loading: make(chan struct{})}
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
	time.Sleep(20 * time.Millisecond) // the load is under way
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
