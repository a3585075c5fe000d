package store

import (
	"context"
	"fmt"
	"hash/crc32"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/jackc/pgx/v5"
)

// Presence is one serving instance's membership of the instances that share
// a PostgreSQL database (docs/architecture.md): a short lease in the
// instances table, renewed through the instance's LISTEN connection only
// while that connection works and the instance has applied every write it
// heard of; for each organization it holds in memory, the newest revision
// it has applied (instance_acks), announced on the ack channel. A write is
// acknowledged to its caller only once every other instance holding a live
// lease and the organization has applied it (Propagated); an instance
// whose own lease may have lapsed answers no decision (Answering).
type Presence struct {
	db     *DB
	id     string
	logger *slog.Logger
	// revision reports the revision of an organization the instance holds
	// in memory (its decision engine), for the acks after a catch-up.
	revision func(orgID string) (int64, bool)

	base     time.Time    // the monotonic origin of deadline
	deadline atomic.Int64 // nanoseconds after base until which the instance may answer; 0: it may not
	leaving  atomic.Bool

	mu      sync.Mutex
	held    map[string]bool                   // organizations with a row in instance_acks
	waiters map[string]map[chan struct{}]bool // organization → writers waiting for acks
}

// The lease's timing: LeaseTime in the database, renewed every
// RenewEvery; the instance counts on its lease until the time it sent
// its last successful renewal + LeaseTime − LeaseMargin, so that it stops
// answering before any writer can see the lease lapse (variables for
// tests).
var (
	LeaseTime   = 2 * time.Second
	RenewEvery  = 500 * time.Millisecond
	LeaseMargin = 250 * time.Millisecond
)

// NewPresence returns the presence of the instance id on db; revision
// reports what the instance's engine holds. Nothing is written until
// ListenPresent runs it.
func NewPresence(db *DB, id string, logger *slog.Logger, revision func(orgID string) (int64, bool)) *Presence {
	return &Presence{
		db: db, id: id, logger: logger, revision: revision,
		base:    time.Now(),
		held:    map[string]bool{},
		waiters: map[string]map[chan struct{}]bool{},
	}
}

// ID is the instance's id in the instances table.
func (p *Presence) ID() string { return p.id }

// Answering reports whether the instance's lease certainly holds: one
// atomic load and a monotonic clock reading.
func (p *Presence) Answering() bool {
	return int64(time.Since(p.base)) < p.deadline.Load()
}

// stop makes the instance refuse decisions until its next renewal.
func (p *Presence) stop() { p.deadline.Store(0) }

// ackChannel is the channel on which instances announce "<org id>:<revision>"
// once they have applied it, next to revisionChannel.
func (db *DB) ackChannel() string {
	if db.schema == "public" || db.schema == "" {
		return "gatehouse_acks"
	}
	return fmt.Sprintf("gatehouse_acks_%08x", crc32.ChecksumIEEE([]byte(db.schema)))
}

// Hold records, before the instance loads an organization, that it holds
// it: from then on writers wait for its acks of the organization's
// revisions. A load's state is read after this row is committed, so a
// write that commits before it is in the load, and one that commits after
// it waits for this instance.
func (p *Presence) Hold(ctx context.Context, orgID string) error {
	p.mu.Lock()
	held := p.held[orgID]
	p.mu.Unlock()
	if held {
		return nil
	}
	if _, err := p.db.db.ExecContext(ctx, `INSERT INTO instance_acks (instance_id, org_id, revision) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING`, p.id, orgID); err != nil {
		return dbError("hold organization", err)
	}
	p.mu.Lock()
	p.held[orgID] = true
	p.mu.Unlock()
	return nil
}

// waitQuery counts the other instances with a live lease that hold the
// organization and have not applied the revision, and says in how many
// seconds the first of their leases lapses.
const waitQuery = `SELECT count(*), COALESCE(EXTRACT(EPOCH FROM (min(i.lease_until) - now()))::float8, 0)
FROM instances i JOIN instance_acks a ON a.instance_id = i.id AND a.org_id = $2
WHERE i.id <> $1 AND i.lease_until > now() AND a.revision < $3`

// Propagated returns once every other instance that holds a live lease and
// the organization has applied revision, or its lease has lapsed: woken by
// their acks, and at the latest when the first of their leases would
// lapse. It gives up with an EUNAVAILABLE error when the database does not
// answer or after twice the lease time.
func (p *Presence) Propagated(ctx context.Context, orgID string, revision int64) error {
	woken := make(chan struct{}, 1)
	p.mu.Lock()
	if p.waiters[orgID] == nil {
		p.waiters[orgID] = map[chan struct{}]bool{}
	}
	p.waiters[orgID][woken] = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.waiters[orgID], woken)
		if len(p.waiters[orgID]) == 0 {
			delete(p.waiters, orgID)
		}
		p.mu.Unlock()
	}()
	giveUp := time.Now().Add(2*LeaseTime + RenewEvery)
	for {
		var pending int
		var lapse float64
		if err := p.db.db.QueryRowContext(ctx, waitQuery, p.id, orgID, revision).Scan(&pending, &lapse); err != nil {
			return unconfirmed(revision, err)
		}
		if pending == 0 {
			return nil
		}
		left := time.Until(giveUp)
		if left <= 0 {
			return unconfirmed(revision, fmt.Errorf("%d instances neither applied it nor lost their lease", pending))
		}
		wait := min(time.Duration(lapse*float64(time.Second))+time.Millisecond, LeaseTime, left)
		t := time.NewTimer(wait)
		select {
		case <-woken:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return unconfirmed(revision, ctx.Err())
		}
		t.Stop()
	}
}

// unconfirmed is the answer to a write that committed but that not every
// instance is known to have applied.
func unconfirmed(revision int64, cause error) error {
	return &unavailableError{
		domain: gatehouse.Unavailable("the write was made (revision %d), but not every instance confirmed it: until they do, checks without min_revision elsewhere may not reflect it; do not repeat it", revision),
		cause:  cause,
	}
}

// acked wakes the writers waiting for the organization of an ack.
func (p *Presence) acked(payload string) {
	orgID, _, _ := strings.Cut(payload, ":")
	p.mu.Lock()
	defer p.mu.Unlock()
	for w := range p.waiters[orgID] {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

// heldOrgs lists the organizations with a row in instance_acks.
func (p *Presence) heldOrgs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	ids := make([]string, 0, len(p.held))
	for id := range p.held {
		ids = append(ids, id)
	}
	return ids
}

func (p *Presence) holds(orgID string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held[orgID]
}

// ack records on the listening connection that the instance applied the
// organization's revision, and wakes its writers.
func (p *Presence) ack(ctx context.Context, conn *pgx.Conn, orgID string, revision int64) error {
	if !p.holds(orgID) {
		return nil // writers do not wait for this instance
	}
	_, err := conn.Exec(ctx, `WITH u AS (UPDATE instance_acks SET revision = GREATEST(revision, $3) WHERE instance_id = $1 AND org_id = $2)
SELECT pg_notify($4, $5)`, p.id, orgID, revision, p.db.ackChannel(), orgID+":"+strconv.FormatInt(revision, 10))
	return err
}

// ackAll acks every organization held at the engine's revision (after a
// catch-up); with zero for those it does not hold in memory, it (re)creates
// their rows.
func (p *Presence) ackAll(ctx context.Context, conn *pgx.Conn) error {
	orgs := p.heldOrgs()
	revs := make([]int64, len(orgs))
	for i, id := range orgs {
		revs[i], _ = p.revision(id)
	}
	_, err := conn.Exec(ctx, `WITH u AS (
  INSERT INTO instance_acks (instance_id, org_id, revision) SELECT $1, o, r FROM unnest($2::text[], $3::bigint[]) AS v(o, r)
  ON CONFLICT (org_id, instance_id) DO UPDATE SET revision = GREATEST(instance_acks.revision, EXCLUDED.revision))
SELECT pg_notify($4, o || ':' || r) FROM unnest($2::text[], $3::bigint[]) AS v(o, r) WHERE r > 0`, p.id, orgs, revs, p.db.ackChannel())
	return err
}

// renew extends a lease that has not lapsed, on the listening connection;
// whether it did.
func (p *Presence) renew(ctx context.Context, conn *pgx.Conn) (bool, error) {
	sent := time.Since(p.base)
	c, cancel := context.WithTimeout(ctx, LeaseTime-LeaseMargin)
	defer cancel()
	tag, err := conn.Exec(c, `UPDATE instances SET lease_until = now() + $2 * interval '1 millisecond' WHERE id = $1 AND lease_until > now()`,
		p.id, LeaseTime.Milliseconds())
	if err != nil {
		p.stop()
		return false, err
	}
	if tag.RowsAffected() != 1 {
		p.stop()
		return false, nil
	}
	if !p.leaving.Load() {
		p.deadline.Store(int64(sent + LeaseTime - LeaseMargin))
	}
	return true, nil
}

// join (re)registers the instance, once it listens: a fresh lease first
// (from then on writers wait for it) and rows for every organization it
// holds, then it catches up every organization from the recorded changes
// (so that no write made before the lease was seen is missed), acks them,
// and renews the lease, which counts from that renewal. A catch-up that
// outlasts the lease starts again.
func (p *Presence) join(ctx context.Context, conn *pgx.Conn, catchUp func() error) error {
	for {
		if p.leaving.Load() {
			return nil
		}
		if _, err := conn.Exec(ctx, `DELETE FROM instance_acks WHERE instance_id IN (SELECT id FROM instances WHERE lease_until < now() - interval '10 minutes')`); err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, `DELETE FROM instances WHERE lease_until < now() - interval '10 minutes'`); err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, `INSERT INTO instances (id, lease_until) VALUES ($1, now() + $2 * interval '1 millisecond')
ON CONFLICT (id) DO UPDATE SET lease_until = EXCLUDED.lease_until`, p.id, LeaseTime.Milliseconds()); err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, `INSERT INTO instance_acks (instance_id, org_id, revision) SELECT $1, o, 0 FROM unnest($2::text[]) AS o ON CONFLICT DO NOTHING`,
			p.id, p.heldOrgs()); err != nil {
			return err
		}
		if err := catchUp(); err != nil {
			return err
		}
		if err := p.ackAll(ctx, conn); err != nil {
			return err
		}
		ok, err := p.renew(ctx, conn)
		if err != nil || ok {
			return err
		}
		p.logger.Warn("the instance's lease lapsed while it caught up; joining again", "instance", p.id)
	}
}

// lost gives the lease up at once when the listening connection is lost
// (the instance may miss writes from now on): it stops answering, and
// tells writers not to wait for it if the database still answers.
func (p *Presence) lost(ctx context.Context) {
	p.stop()
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), RenewEvery)
	defer cancel()
	p.db.db.ExecContext(c, `UPDATE instances SET lease_until = now() WHERE id = $1`, p.id)
}

// Leave ends the instance's membership on shutdown: it stops answering
// decisions and deletes its lease, so that writers stop waiting for it at
// once. Call it once ListenPresent has returned.
func (p *Presence) Leave(ctx context.Context) error {
	p.leaving.Store(true)
	p.stop()
	if _, err := p.db.db.ExecContext(ctx, `DELETE FROM instances WHERE id = $1`, p.id); err != nil {
		return dbError("leave", err)
	}
	_, err := p.db.db.ExecContext(ctx, `DELETE FROM instance_acks WHERE instance_id = $1`, p.id)
	return dbError("leave", err)
}
