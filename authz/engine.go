package authz

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/gatehouse/gatehouse"
)

// A Loader reads an organization's whole access state from storage.
type Loader func(ctx context.Context, orgID string) (gatehouse.AccessState, error)

// A ChangeLoader reads the changes storage recorded after a revision, in
// order: what other instances wrote.
type ChangeLoader func(ctx context.Context, orgID string, after int64) ([]gatehouse.AccessChange, error)

// Engine keeps the current snapshot of every organization it has been asked
// about. Readers take a snapshot without locks; writers apply each committed
// change in revision order.
type Engine struct {
	load    Loader
	changes ChangeLoader
	reloads atomic.Int64                                         // whole-organization compiles, for tests and metrics
	mu      sync.Mutex                                           // serializes loads and applies
	orgs    atomic.Pointer[map[string]*atomic.Pointer[Snapshot]] // copy-on-write
}

// NewEngine returns an engine that loads organizations with load and
// catches up with other instances' writes through changes.
func NewEngine(load Loader, changes ChangeLoader) *Engine {
	e := &Engine{load: load, changes: changes}
	e.orgs.Store(&map[string]*atomic.Pointer[Snapshot]{})
	return e
}

// Snapshot returns the organization's current snapshot, loading it on first use.
func (e *Engine) Snapshot(ctx context.Context, orgID string) (*Snapshot, error) {
	if p := (*e.orgs.Load())[orgID]; p != nil {
		return p.Load(), nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := (*e.orgs.Load())[orgID]; p != nil {
		return p.Load(), nil
	}
	return e.reload(ctx, orgID)
}

// reload compiles the organization afresh; e.mu must be held.
func (e *Engine) reload(ctx context.Context, orgID string) (*Snapshot, error) {
	st, err := e.load(ctx, orgID)
	if err != nil {
		return nil, err
	}
	snap := Compile(st)
	e.reloads.Add(1)
	if p := (*e.orgs.Load())[orgID]; p != nil {
		p.Store(snap)
		return snap, nil
	}
	next := cloneMap(*e.orgs.Load())
	p := &atomic.Pointer[Snapshot]{}
	p.Store(snap)
	next[orgID] = p
	e.orgs.Store(&next)
	return snap, nil
}

// Apply brings the organization's snapshot to the change's revision. A change
// that does not follow the current revision (another instance wrote in
// between) catches up through the recorded changes instead, which reloads
// the whole organization if they do not reach: a snapshot is never wrong,
// only slower.
func (e *Engine) Apply(ctx context.Context, orgID string, ch gatehouse.AccessChange) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := (*e.orgs.Load())[orgID]
	if p == nil {
		return nil // not loaded yet: the first use loads the committed state
	}
	cur := p.Load()
	switch {
	case ch.Revision <= cur.Revision:
		return nil
	case ch.Revision == cur.Revision+1:
		p.Store(cur.Apply(ch))
		return nil
	default: // other instances wrote in between: their changes, then this one
		return e.catchUp(ctx, orgID)
	}
}

// CatchUp brings the organization's snapshot to the latest committed
// revision, e.g. after a write by another instance: it applies the changes
// recorded since its revision, in order, and reloads the whole organization
// only when they do not follow on from it (too far behind, or a bulk write
// that recorded none). An organization not loaded yet is left for its first
// use to load.
func (e *Engine) CatchUp(ctx context.Context, orgID string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.catchUp(ctx, orgID)
}

// catchUp is CatchUp with e.mu held.
func (e *Engine) catchUp(ctx context.Context, orgID string) error {
	p := (*e.orgs.Load())[orgID]
	if p == nil {
		return nil
	}
	cur := p.Load()
	changes, err := e.changes(ctx, orgID, cur.Revision)
	if err != nil {
		return err
	}
	for _, ch := range changes {
		if ch.Revision != cur.Revision+1 {
			_, err := e.reload(ctx, orgID)
			return err
		}
		cur = cur.Apply(ch)
	}
	p.Store(cur)
	return nil
}

// Heard takes news of a write that may have come from another instance:
// the organization reached revision, by ch when the news carried it. An
// organization the engine holds catches up; one it is loading catches up
// once loaded (the lock waits for the load, whose state may predate the
// write); one it does not hold is left for its first use. An empty orgID
// means news may have been missed: every organization held catches up.
func (e *Engine) Heard(ctx context.Context, orgID string, revision int64, ch *gatehouse.AccessChange) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if orgID == "" {
		var errs []error
		for id := range *e.orgs.Load() {
			errs = append(errs, e.catchUp(ctx, id))
		}
		return errors.Join(errs...)
	}
	p := (*e.orgs.Load())[orgID]
	if p == nil || p.Load().Revision >= revision {
		return nil // not held here, or this instance made the write
	}
	if cur := p.Load(); ch != nil && ch.Revision == cur.Revision+1 {
		p.Store(cur.Apply(*ch)) // the next change: no need to read it
		return nil
	}
	return e.catchUp(ctx, orgID)
}

// Refresh reloads the whole organization from storage.
func (e *Engine) Refresh(ctx context.Context, orgID string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err := e.reload(ctx, orgID)
	return err
}

// Revision returns the revision of the organization's snapshot, and false
// when the engine does not hold it (it loads on first use).
func (e *Engine) Revision(orgID string) (int64, bool) {
	if p := (*e.orgs.Load())[orgID]; p != nil {
		return p.Load().Revision, true
	}
	return 0, false
}

// Loaded returns the ids of the organizations the engine holds.
func (e *Engine) Loaded() []string {
	m := *e.orgs.Load()
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	return ids
}

// Reloads counts the whole-organization compiles the engine has made.
func (e *Engine) Reloads() int64 { return e.reloads.Load() }
