// Package service holds Gatehouse's use cases: every read and write of the
// API, the UI and the CLI goes through it. It authorizes each operation with
// the decision engine, applies no escalation, writes in one transaction and
// brings the organization's snapshot to the new revision before returning.
package service

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// Service implements the use cases on a store and a decision engine.
type Service struct {
	store  gatehouse.Store
	engine *authz.Engine
	locks  sync.Map // org id → *sync.Mutex: one writer per organization
	// apiKeys caches API keys by secret hash (see cachedKey).
	apiKeys sync.Map
	// signIns throttles failed sign-ins per email and per client address.
	signIns *throttle

	// InviteTTL is how long an invitation stays valid.
	InviteTTL time.Duration
	// SessionIdle and SessionMax end sessions: unused, and in any case.
	SessionIdle, SessionMax time.Duration
	// Now is the clock, replaceable in tests.
	Now func() time.Time
	// MailQueued, when set, is told after each write so that the outbox
	// sender looks at once rather than at its next poll.
	MailQueued func()
	// BaseURL starts the links in emails, e.g. https://gatehouse.example.com.
	BaseURL string
	Logger  *slog.Logger
}

// New returns a service over store, with its own decision engine.
func New(store gatehouse.Store) *Service {
	return &Service{
		store:       store,
		engine:      authz.NewEngine(store.LoadAccess, store.AccessChanges),
		signIns:     newThrottle(signInFailures, signInWindow),
		InviteTTL:   7 * 24 * time.Hour,
		SessionIdle: DefaultSessionIdle,
		SessionMax:  DefaultSessionMax,
		Now:         func() time.Time { return time.Now().UTC() },
	}
}

// Engine returns the decision engine, for callers that check directly.
func (s *Service) Engine() *authz.Engine { return s.engine }

// A write sees the snapshot the transaction starts from and records in ch
// what it changed for the engine.
type writeFunc func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange) error

// write runs fn in one transaction of the organization, bumps its revision
// and applies the change to the snapshot before returning, so that the very
// next check sees it. Writes to one organization are serialized so that
// snapshot changes apply in revision order.
func (s *Service) write(ctx context.Context, orgID string, fn writeFunc) (revision int64, err error) {
	mu, _ := s.locks.LoadOrStore(orgID, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()

	var ch gatehouse.AccessChange
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		org, err := tx.LockOrganization(orgID)
		if err != nil {
			return err
		}
		snap, err := s.engine.Snapshot(ctx, orgID)
		if err != nil {
			return err
		}
		if snap.Revision < org.Revision { // another instance wrote: catch up first
			if snap, err = s.catchUp(ctx, orgID, org.Revision); err != nil {
				return err
			}
		}
		if err := fn(tx, snap, &ch); err != nil {
			return err
		}
		if ch.Revision, err = tx.BumpRevision(orgID); err != nil {
			return err
		}
		return tx.RecordAccessChange(orgID, ch)
	})
	if err != nil {
		return 0, err
	}
	if s.MailQueued != nil {
		s.MailQueued()
	}
	return ch.Revision, s.engine.Apply(ctx, orgID, ch)
}

// catchUp brings this instance's snapshot of the organization to revision
// at least, after writes by other instances: from the changes they
// recorded, or, when those do not reach it, by reloading.
func (s *Service) catchUp(ctx context.Context, orgID string, revision int64) (*authz.Snapshot, error) {
	if err := s.engine.CatchUp(ctx, orgID); err != nil {
		return nil, err
	}
	snap, err := s.engine.Snapshot(ctx, orgID)
	if err != nil || snap.Revision >= revision {
		return snap, err
	}
	// Still behind: reload only if the database is ahead (a write that
	// recorded no change), not for a revision nobody has written yet.
	var latest int64
	err = s.store.View(ctx, func(tx gatehouse.Tx) error {
		org, err := tx.FindOrganization(orgID)
		if err == nil {
			latest = org.Revision
		}
		return err
	})
	if err != nil || latest <= snap.Revision {
		return snap, err
	}
	if err := s.engine.Refresh(ctx, orgID); err != nil {
		return nil, err
	}
	return s.engine.Snapshot(ctx, orgID)
}

// Changed is told that an organization reached a revision, by a write of
// any instance (store.Listen on PostgreSQL), with the change when the news
// carried it; an empty orgID means some news may have been missed. The
// snapshots this instance holds catch up.
func (s *Service) Changed(ctx context.Context, orgID string, revision int64, ch *gatehouse.AccessChange) {
	orgs := []string{orgID}
	if orgID == "" {
		orgs = s.engine.Loaded()
	}
	for _, id := range orgs {
		have, loaded := s.engine.Revision(id)
		if !loaded || (orgID != "" && have >= revision) {
			continue // not held here, or this instance made the write
		}
		var err error
		if ch != nil && ch.Revision == have+1 {
			err = s.engine.Apply(ctx, id, *ch) // the next change: no need to read it
		} else {
			err = s.engine.CatchUp(ctx, id)
		}
		if err != nil && s.Logger != nil {
			s.Logger.Warn("catching up with another instance", "org_id", id, "err", err)
		}
	}
}

// snapshot returns the organization's current snapshot.
func (s *Service) snapshot(ctx context.Context, orgID string) (*authz.Snapshot, error) {
	return s.engine.Snapshot(ctx, orgID)
}

// authorize checks that the actor may perform an admin operation, through
// the same decision the API offers to others, with the permission the
// catalog maps to the operation.
func authorize(snap *authz.Snapshot, actor gatehouse.Actor, op string, res authz.Resource) error {
	if actor.IsSystem() {
		return nil
	}
	code := snap.Catalog().AdminOperations[op]
	if d := snap.Check(actor.UserID, code, res); !d.Allowed {
		x := snap.Explain(actor.UserID, code, res)
		return gatehouse.Forbidden(x.Reason.String(), "%s requires %s: %s", op, code, x.Message)
	}
	return nil
}
