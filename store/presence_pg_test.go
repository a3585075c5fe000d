package store

import (
	"context"
	"log/slog"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/store/storetest"
)

// member is an instance in the lease protocol, on its own DB, whose
// "engine" applies whatever it hears unless failing is set.
type member struct {
	db      *DB
	p       *Presence
	stop    context.CancelFunc
	done    chan struct{}
	applied atomic.Int64
	heard   atomic.Int64
	failing atomic.Bool
}

func join(t *testing.T, dsn, id string) *member {
	t.Helper()
	db, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	m := &member{db: db, done: make(chan struct{})}
	m.p = NewPresence(db, id, slog.Default(), func(string) (int64, bool) { return m.applied.Load(), true })
	ctx, stop := context.WithCancel(context.Background())
	m.stop = stop
	go func() {
		defer close(m.done)
		db.ListenPresent(ctx, slog.Default(), m.p, func(orgID string, revision int64, _ *gatehouse.AccessChange) error {
			if revision > m.heard.Load() {
				m.heard.Store(revision)
			}
			if orgID == "" {
				// As Service.Changed: returns once caught up, with every
				// change heard (the database's), or when ctx ends.
				for m.failing.Load() && ctx.Err() == nil {
					time.Sleep(10 * time.Millisecond)
				}
				m.applied.Store(m.heard.Load())
				return nil
			}
			if m.failing.Load() {
				return gatehouse.Unavailable("cannot read the change")
			}
			if revision > m.applied.Load() {
				m.applied.Store(revision)
			}
			return nil
		})
	}()
	t.Cleanup(func() { stop(); <-m.done })
	waitCond(t, id+" answering", m.p.Answering)
	return m
}

func waitCond(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 10 s: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// announce makes the write of revision: what a commit's NOTIFY says.
func announceRevision(t *testing.T, db *DB, orgID string, revision int64) {
	t.Helper()
	if _, err := db.db.Exec(`SELECT pg_notify($1, $2)`, db.revisionChannel(), orgID+":"+strconv.FormatInt(revision, 10)); err != nil {
		t.Fatal(err)
	}
}

// A writer waits for the instances that hold the organization, and for
// them only until they have applied its revision; not for one that does
// not hold it; not for one that left; and for one that is behind (cannot
// apply) only until its lease lapses — by which time it answers no more.
func TestPresence_WritersWaitForEveryLiveHolder(t *testing.T) {
	dsn := storetest.Postgres(t)
	ctx := context.Background()
	writer := join(t, dsn, "ins_writer")
	holder := join(t, dsn, "ins_holder")
	bystander := join(t, dsn, "ins_bystander")
	if err := holder.p.Hold(ctx, "org_1"); err != nil {
		t.Fatal(err)
	}

	// Not yet applied: the writer waits; once heard and applied, it returns.
	returned := make(chan error, 1)
	go func() { returned <- writer.p.Propagated(ctx, "org_1", 5) }()
	select {
	case err := <-returned:
		t.Fatalf("returned before the holder applied revision 5: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	announceRevision(t, writer.db, "org_1", 5)
	if err := <-returned; err != nil {
		t.Fatal(err)
	}
	if holder.applied.Load() < 5 {
		t.Fatal("the writer returned before the holder applied revision 5")
	}
	_ = bystander // holds nothing: never waited for (else the above would have waited for its lease)

	// Behind: the holder cannot apply revision 6; it stops answering at
	// once, and the writer returns only once its lease has lapsed.
	holder.failing.Store(true)
	go func() { returned <- writer.p.Propagated(ctx, "org_1", 6) }()
	announceRevision(t, writer.db, "org_1", 6)
	waitCond(t, "the holder that is behind stops answering", func() bool { return !holder.p.Answering() })
	if err := <-returned; err != nil {
		t.Fatal(err)
	}
	var live bool
	if err := writer.db.db.QueryRow(`SELECT lease_until > now() FROM instances WHERE id = 'ins_holder'`).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if live {
		t.Fatal("the writer returned while the holder's lease was live and it had not applied the revision")
	}
	if holder.p.Answering() {
		t.Fatal("the holder answers with a lapsed lease")
	}
	// Once it can catch up, it joins again and answers.
	holder.failing.Store(false)
	waitCond(t, "the holder answering again after catching up", holder.p.Answering)

	// Left: the writer does not wait at all.
	holder.stop()
	<-holder.done
	if err := holder.p.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	if err := writer.p.Propagated(ctx, "org_1", 7); err != nil {
		t.Fatal(err)
	}
	var n int
	writer.db.db.QueryRow(`SELECT count(*) FROM instance_acks WHERE instance_id = 'ins_holder'`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d acks left behind by an instance that left", n)
	}
}
