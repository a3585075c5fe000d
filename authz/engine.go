package authz

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

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
//
// Each organization has a lock of its own, which serializes its loads and
// applies: a large organization compiling cold holds up only itself, never
// the checks, writes or catch-ups of the others.
type Engine struct {
	load    Loader
	changes ChangeLoader
	reloads atomic.Int64                     // whole-organization compiles, for tests and metrics
	mu      sync.Mutex                       // serializes additions to orgs; never held during I/O
	orgs    atomic.Pointer[map[string]*held] // copy-on-write
	clock   func() time.Time                 // nil: the system clock
}

// SetClock makes the engine's snapshots read the time from now when a
// check reaches a time-bound grant. Call it before the engine's first use.
func (e *Engine) SetClock(now func() time.Time) { e.clock = now }

// held is one organization in the engine. It joins the engine's map when
// its first load starts, so that news heard during the load finds its lock
// and waits for the load, whose state may predate the news.
type held struct {
	mu   sync.Mutex               // serializes the organization's loads and applies
	snap atomic.Pointer[Snapshot] // nil until a load succeeds
}

// NewEngine returns an engine that loads organizations with load and
// catches up with other instances' writes through changes.
func NewEngine(load Loader, changes ChangeLoader) *Engine {
	e := &Engine{load: load, changes: changes}
	e.orgs.Store(&map[string]*held{})
	return e
}

// loaded returns the organization when the engine holds its snapshot (it
// may be loading it anew), or nil.
func (e *Engine) loaded(orgID string) *held {
	if h := (*e.orgs.Load())[orgID]; h != nil && h.snap.Load() != nil {
		return h
	}
	return nil
}

// entry returns the organization's place in the engine, adding it when it
// has none.
func (e *Engine) entry(orgID string) *held {
	if h := (*e.orgs.Load())[orgID]; h != nil {
		return h
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if h := (*e.orgs.Load())[orgID]; h != nil {
		return h
	}
	next := cloneMap(*e.orgs.Load())
	h := &held{}
	next[orgID] = h
	e.orgs.Store(&next)
	return h
}

// forget takes the organization out of the engine's map, if h is still its
// entry there. Whoever waits on h.mu meanwhile finds no snapshot (a
// catch-up leaves it to the next use) or loads one of its own.
func (e *Engine) forget(orgID string, h *held) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if (*e.orgs.Load())[orgID] != h {
		return
	}
	next := cloneMap(*e.orgs.Load())
	delete(next, orgID)
	e.orgs.Store(&next)
}

// Snapshot returns the organization's current snapshot, loading it on first use.
func (e *Engine) Snapshot(ctx context.Context, orgID string) (*Snapshot, error) {
	if h := (*e.orgs.Load())[orgID]; h != nil {
		if snap := h.snap.Load(); snap != nil {
			return snap, nil
		}
	}
	h := e.entry(orgID)
	h.mu.Lock()
	defer h.mu.Unlock()
	if snap := h.snap.Load(); snap != nil {
		return snap, nil // loaded while this call waited
	}
	return e.reload(ctx, orgID, h)
}

// reload compiles the organization afresh; h.mu must be held. When the
// first load fails, the organization leaves the engine's map again, so that
// ids that name no organization leave nothing behind.
func (e *Engine) reload(ctx context.Context, orgID string, h *held) (*Snapshot, error) {
	st, err := e.load(ctx, orgID)
	if err != nil {
		if h.snap.Load() == nil {
			e.forget(orgID, h)
		}
		return nil, err
	}
	snap := Compile(st)
	if e.clock != nil {
		snap = snap.WithClock(e.clock)
	}
	e.reloads.Add(1)
	h.snap.Store(snap)
	return snap, nil
}

// Apply brings the organization's snapshot to the change's revision. A change
// that does not follow the current revision (another instance wrote in
// between) catches up through the recorded changes instead, which reloads
// the whole organization if they do not reach: a snapshot is never wrong,
// only slower.
func (e *Engine) Apply(ctx context.Context, orgID string, ch gatehouse.AccessChange) error {
	h := (*e.orgs.Load())[orgID]
	if h == nil {
		return nil // not loaded yet: the first use loads the committed state
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	cur := h.snap.Load()
	switch {
	case cur == nil: // its load failed: the next use loads the committed state
		return nil
	case ch.Revision <= cur.Revision:
		return nil
	case ch.Revision == cur.Revision+1:
		h.snap.Store(cur.Apply(ch))
		return nil
	default: // other instances wrote in between: their changes, then this one
		return e.catchUp(ctx, orgID, h)
	}
}

// CatchUp brings the organization's snapshot to the latest committed
// revision, e.g. after a write by another instance: it applies the changes
// recorded since its revision, in order, and reloads the whole organization
// only when they do not follow on from it (too far behind, or a bulk write
// that recorded none). An organization not loaded yet is left for its first
// use to load.
func (e *Engine) CatchUp(ctx context.Context, orgID string) error {
	h := (*e.orgs.Load())[orgID]
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return e.catchUp(ctx, orgID, h)
}

// catchUp is CatchUp with h.mu held.
func (e *Engine) catchUp(ctx context.Context, orgID string, h *held) error {
	cur := h.snap.Load()
	if cur == nil {
		return nil
	}
	changes, err := e.changes(ctx, orgID, cur.Revision)
	if err != nil {
		return err
	}
	for _, ch := range changes {
		if ch.Revision != cur.Revision+1 {
			_, err := e.reload(ctx, orgID, h)
			return err
		}
		cur = cur.Apply(ch)
	}
	h.snap.Store(cur)
	return nil
}

// Heard takes news of a write that may have come from another instance:
// the organization reached revision, by ch when the news carried it. An
// organization the engine holds catches up; one it is loading catches up
// once loaded (its lock waits for the load, whose state may predate the
// write); one it does not hold is left for its first use. An empty orgID
// means news may have been missed: every organization held catches up,
// those that are free first, then those busy loading or applying, once
// they are done, so that one slow organization delays no other.
func (e *Engine) Heard(ctx context.Context, orgID string, revision int64, ch *gatehouse.AccessChange) error {
	if orgID == "" {
		return e.catchUpAll(ctx)
	}
	h := (*e.orgs.Load())[orgID]
	if h == nil {
		return nil // not held here
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	cur := h.snap.Load()
	if cur == nil || cur.Revision >= revision {
		return nil // its load failed, or this instance made the write
	}
	if ch != nil && ch.Revision == cur.Revision+1 {
		h.snap.Store(cur.Apply(*ch)) // the next change: no need to read it
		return nil
	}
	return e.catchUp(ctx, orgID, h)
}

// catchUpAll catches every organization held up: those whose lock is free
// at once, then the others, waiting for each.
func (e *Engine) catchUpAll(ctx context.Context) error {
	var errs []error
	var busy []string
	orgs := *e.orgs.Load()
	for id, h := range orgs {
		if !h.mu.TryLock() {
			busy = append(busy, id)
			continue
		}
		errs = append(errs, e.catchUp(ctx, id, h))
		h.mu.Unlock()
	}
	for _, id := range busy {
		h := orgs[id]
		h.mu.Lock()
		errs = append(errs, e.catchUp(ctx, id, h))
		h.mu.Unlock()
	}
	return errors.Join(errs...)
}

// Refresh reloads the whole organization from storage.
func (e *Engine) Refresh(ctx context.Context, orgID string) error {
	h := e.entry(orgID)
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := e.reload(ctx, orgID, h)
	return err
}

// Revision returns the revision of the organization's snapshot, and false
// when the engine does not hold it (it loads on first use).
func (e *Engine) Revision(orgID string) (int64, bool) {
	if h := e.loaded(orgID); h != nil {
		return h.snap.Load().Revision, true
	}
	return 0, false
}

// Loaded returns the ids of the organizations the engine holds.
func (e *Engine) Loaded() []string {
	m := *e.orgs.Load()
	ids := make([]string, 0, len(m))
	for id, h := range m {
		if h.snap.Load() != nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// Reloads counts the whole-organization compiles the engine has made.
func (e *Engine) Reloads() int64 { return e.reloads.Load() }
