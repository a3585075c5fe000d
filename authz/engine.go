package authz

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/gatehouse/gatehouse"
)

// A Loader reads an organization's whole access state from storage.
type Loader func(ctx context.Context, orgID string) (gatehouse.AccessState, error)

// Engine keeps the current snapshot of every organization it has been asked
// about. Readers take a snapshot without locks; writers apply each committed
// change in revision order.
type Engine struct {
	load Loader
	mu   sync.Mutex                                           // serializes loads and applies
	orgs atomic.Pointer[map[string]*atomic.Pointer[Snapshot]] // copy-on-write
}

// NewEngine returns an engine that loads organizations with load.
func NewEngine(load Loader) *Engine {
	e := &Engine{load: load}
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
// that does not follow the current revision (one was missed) reloads the
// whole organization instead, so a snapshot is never wrong, only slower.
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
	default:
		_, err := e.reload(ctx, orgID)
		return err
	}
}

// Refresh reloads the organization when storage is ahead of the snapshot,
// e.g. after a write by another instance.
func (e *Engine) Refresh(ctx context.Context, orgID string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err := e.reload(ctx, orgID)
	return err
}
