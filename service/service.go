// Package service holds Gatehouse's use cases: every read and write of the
// API, the UI and the CLI goes through it. It authorizes each operation with
// the decision engine, applies no escalation, writes in one transaction and
// brings the organization's snapshot to the new revision before returning.
package service

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// Service implements the use cases on a store and a decision engine.
type Service struct {
	store    gatehouse.Store
	engine   *authz.Engine
	presence Presence // nil: one instance
	locks    sync.Map // org id → *sync.Mutex: one writer per organization
	// apiKeys caches API keys by secret hash (see cachedKey).
	apiKeys sync.Map
	// resetQueued wakes the password-reset worker (RunResetRequests).
	resetQueued chan struct{}
	// dummyHash is checked when no user matches a sign-in, so that an
	// unknown email costs as much as a wrong password.
	dummyHash func() string

	cfg Config
	now func() time.Time
}

// Config is everything a service is told at construction; a zero field
// takes its default. Nothing of it changes afterwards.
type Config struct {
	// Clock is the time; default time.Now in UTC.
	Clock func() time.Time
	// Logger logs what the background work meets; default discards.
	Logger *slog.Logger
	// Passwords hashes and checks passwords; default Argon2id with
	// DefaultArgon2id's parameters. Tests use cheap parameters.
	Passwords PasswordHasher
	// InviteTTL is how long an invitation stays valid; default 7 days.
	InviteTTL time.Duration
	// Links builds the links that mail carries to the web UI's pages. Without
	// it, a write that would mail a link fails.
	Links gatehouse.Links
	// SessionIdle and SessionMax end sessions: unused for SessionIdle, and
	// in any case SessionMax after sign-in; default DefaultSessionIdle and
	// DefaultSessionMax.
	SessionIdle, SessionMax time.Duration
	// Throttle limits sign-ins and password-reset requests; zero fields
	// take DefaultThrottle's.
	Throttle Throttle
	// MailQueued, when set, is told after each write so that the outbox
	// sender looks at once rather than at its next poll.
	MailQueued func()
	// Presence, when set (PostgreSQL with several instances: a
	// *store.Presence), is the instance's lease: decisions are refused
	// while it may have lapsed, the organizations the engine loads are
	// recorded as held first, and a write returns only once every other
	// instance holding the organization has applied it
	// (docs/architecture.md).
	Presence Presence
	// SSOClient makes the requests to organizations' identity providers
	// (discovery, keys, token, userinfo); default a client with a
	// 10-second timeout.
	SSOClient *http.Client
}

// Presence is what the service needs of the lease protocol between
// instances (store.Presence).
type Presence interface {
	// Answering reports whether the instance's lease certainly holds.
	Answering() bool
	// Hold records that the instance is about to load the organization.
	Hold(ctx context.Context, orgID string) error
	// Propagated returns once every other live instance holding the
	// organization has applied revision, or its lease has lapsed.
	Propagated(ctx context.Context, orgID string, revision int64) error
}

// New returns a service over store, with its own decision engine.
func New(store gatehouse.Store, cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = func() time.Time { return time.Now().UTC() }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Passwords == nil {
		cfg.Passwords = DefaultArgon2id()
	}
	if cfg.InviteTTL == 0 {
		cfg.InviteTTL = 7 * 24 * time.Hour
	}
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = DefaultSessionIdle
	}
	if cfg.SessionMax == 0 {
		cfg.SessionMax = DefaultSessionMax
	}
	cfg.Throttle = cfg.Throttle.withDefaults()
	if cfg.SSOClient == nil {
		cfg.SSOClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.MailQueued == nil {
		cfg.MailQueued = func() {}
	}
	load := store.LoadAccess
	if p := cfg.Presence; p != nil {
		load = func(ctx context.Context, orgID string) (gatehouse.AccessState, error) {
			if err := p.Hold(ctx, orgID); err != nil {
				return gatehouse.AccessState{}, err
			}
			return store.LoadAccess(ctx, orgID)
		}
	}
	s := &Service{
		store:       store,
		presence:    cfg.Presence,
		engine:      authz.NewEngine(load, store.AccessChanges),
		resetQueued: make(chan struct{}, 1),
		cfg:         cfg,
		now:         cfg.Clock,
	}
	s.dummyHash = sync.OnceValue(func() string { return cfg.Passwords.Hash("gatehouse dummy password") })
	return s
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
//
// Inside the transaction the engine is never asked to load (that takes a
// connection of its own, and transactions waiting for one while holding
// another could exhaust the pool). When another instance has written since
// this one's snapshot, the write reads their changes through its own
// transaction, under the organization's lock; only when those do not
// reach (a bulk write recorded none) does it start again after a reload.
//
// With several instances (Config.Presence), the write returns only once
// every other instance that holds a live lease and the organization has
// applied it, or its lease has lapsed: waited for after the commit and
// outside the organization's lock, so that writes to one organization
// still follow each other at once (acks count for every revision up to
// theirs, so their order does not matter).
func (s *Service) write(ctx context.Context, orgID string, fn writeFunc) (revision int64, err error) {
	revision, err = s.writeLocked(ctx, orgID, fn)
	if err != nil || revision == 0 || s.presence == nil {
		return revision, err
	}
	return revision, s.presence.Propagated(ctx, orgID, revision)
}

// writeLocked is write under the organization's lock, up to applying the
// change to this instance's snapshot.
func (s *Service) writeLocked(ctx context.Context, orgID string, fn writeFunc) (revision int64, err error) {
	mu, _ := s.locks.LoadOrStore(orgID, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()

	for attempt := 1; ; attempt++ {
		snap, err := s.engine.Snapshot(ctx, orgID)
		if err != nil {
			return 0, err
		}
		var ch gatehouse.AccessChange
		var latest int64 // the organization's revision, when snap cannot reach it
		err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
			org, err := tx.LockOrganization(orgID)
			if err != nil {
				return err
			}
			if org.Revision > snap.Revision { // another instance wrote
				if snap, err = followOn(tx, snap, org.Revision); err != nil {
					latest = org.Revision
					return err
				}
			}
			if err := fn(tx, snap, &ch); err != nil {
				return err
			}
			if dryRunOf(ctx) != nil {
				return errDryRun // a dry run never commits
			}
			if ch.Revision, err = tx.BumpRevision(orgID); err != nil {
				return err
			}
			return tx.RecordAccessChange(orgID, ch)
		})
		if err == errBehind && attempt < maxWriteAttempts {
			if _, err := s.catchUp(ctx, orgID, latest); err != nil {
				return 0, err
			}
			continue
		}
		if err == errBehind {
			return 0, gatehouse.Errorf(gatehouse.ECONFLICT, "the organization is changing too fast to write to; try again")
		}
		if err != nil {
			return 0, err
		}
		s.cfg.MailQueued()
		// The engine applies it, catching up first with the other
		// instances' changes this write read.
		return ch.Revision, s.engine.Apply(ctx, orgID, ch)
	}
}

// followOn brings snap to revision with the changes recorded since, read
// through tx; errBehind when they do not follow on from snap.
func followOn(tx gatehouse.Tx, snap *authz.Snapshot, revision int64) (*authz.Snapshot, error) {
	changes, err := tx.AccessChanges(snap.OrgID, snap.Revision)
	if err != nil {
		return nil, err
	}
	for _, ch := range changes {
		if ch.Revision != snap.Revision+1 {
			return nil, errBehind
		}
		snap = snap.Apply(ch)
	}
	if snap.Revision != revision {
		return nil, errBehind
	}
	return snap, nil
}

// errBehind abandons a write whose snapshot cannot be brought up to the
// database's revision inside its transaction; maxWriteAttempts bounds how
// often a write starts again.
var errBehind = errors.New("snapshot behind the database")

const maxWriteAttempts = 3

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
// snapshots this instance holds catch up. After missed news, Changed
// returns only once every organization held has caught up from the
// recorded changes (trying again while the database does not answer), or
// when ctx ends: store.Listen counts the instance as listening only then.
// The error says that news of one organization could not be applied (the
// instance is behind on it until it catches up).
func (s *Service) Changed(ctx context.Context, orgID string, revision int64, ch *gatehouse.AccessChange) error {
	wait := 100 * time.Millisecond
	for {
		err := s.engine.Heard(ctx, orgID, revision, ch)
		if err == nil {
			return nil
		}
		s.cfg.Logger.Warn("catching up with another instance", "org_id", orgID, "err", err)
		if orgID != "" || ctx.Err() != nil {
			return err // the next news, or missed news, catches it up
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 2*time.Second)
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
