package store

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/jackc/pgx/v5"
)

// Listen tells changed about every revision that a write commits, by any
// instance on the same PostgreSQL database, until ctx ends, with the change
// itself when it fitted in the notification (nil otherwise: read it with
// AccessChanges). changed("", 0, nil)
// means that news may have been missed (Listen has just connected, or
// reconnected after losing its connection): the caller should catch up on
// everything it holds, and Listening is true from when that call returns
// until the connection is lost. A lost connection is tried again after
// listenBackoff, doubling to maxListenBackoff while the attempts fail, and
// from listenBackoff again once one has connected. On SQLite, where one
// process owns the file, Listen returns at once.
func (db *DB) Listen(ctx context.Context, logger *slog.Logger, changed func(orgID string, revision int64, ch *gatehouse.AccessChange)) {
	db.ListenPresent(ctx, logger, nil, func(orgID string, revision int64, ch *gatehouse.AccessChange) error {
		changed(orgID, revision, ch)
		return nil
	})
}

// ListenPresent is Listen for an instance that takes part in the lease
// protocol (docs/architecture.md) through presence, when not nil: on each
// connection it joins (registers, catches up, acks), then renews its lease
// every RenewEvery and acks each change once changed has applied it. An
// error from changed about one organization means the instance is behind:
// it stops answering and renewing until changed("", 0, nil) has caught
// everything up. Acks from other instances wake the writers waiting for
// them.
func (db *DB) ListenPresent(ctx context.Context, logger *slog.Logger, presence *Presence, changed func(orgID string, revision int64, ch *gatehouse.AccessChange) error) {
	if db.dialect != dialectPostgres {
		return
	}
	backoff := listenBackoff
	for ctx.Err() == nil {
		connected, err := db.listenOnce(ctx, presence, changed)
		if presence != nil {
			presence.lost(ctx)
		}
		if ctx.Err() != nil {
			return
		}
		if connected {
			backoff = listenBackoff // this failure is the first of its outage
		}
		logger.Warn("listening for other instances' writes", "err", err, "retry_in", backoff)
		if !listenWait(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, maxListenBackoff)
	}
}

// Listening reports whether this instance hears every write of the other
// instances: always on SQLite; on PostgreSQL while Listen holds its
// connection and has caught up since it connected.
func (db *DB) Listening() bool {
	return db.dialect != dialectPostgres || db.listening.Load()
}

// listenBackoff and maxListenBackoff bound the wait before Listen connects
// again; listenWait waits (variables for tests).
var (
	listenBackoff    = 250 * time.Millisecond
	maxListenBackoff = time.Second // the instance answers again within about a second of the database's return
	listenWait       = waitFor
)

// waitFor waits for d, or less when ctx ends: whether d passed.
func waitFor(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// listenConnectTimeout bounds one attempt to connect for LISTEN, so that a
// server that does not answer is tried again rather than waited for.
const listenConnectTimeout = 5 * time.Second

// listenQuiet is how long Listen waits for news before it checks that its
// connection still works (a variable for tests).
var listenQuiet = 30 * time.Second

// listenOnce holds one dedicated connection (not one of the pool's) on
// the revision channel until it fails; connected says whether it got as
// far as listening.
func (db *DB) listenOnce(ctx context.Context, p *Presence, changed func(string, int64, *gatehouse.AccessChange) error) (connected bool, err error) {
	connecting, cancel := context.WithTimeout(ctx, listenConnectTimeout)
	conn, err := pgx.Connect(connecting, db.dsn)
	cancel()
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{db.revisionChannel()}.Sanitize()); err != nil {
		return false, err
	}
	catchUp := func() error {
		changed("", 0, nil) // returns once caught up, or when ctx ends
		return ctx.Err()
	}
	if p == nil {
		catchUp()
	} else {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{db.ackChannel()}.Sanitize()); err != nil {
			return false, err
		}
		if err := p.join(ctx, conn, catchUp); err != nil {
			return true, err
		}
	}
	db.listening.Store(true)
	defer db.listening.Store(false)
	behind := false
	nextRenewal := time.Now().Add(RenewEvery)
	for {
		quiet := listenQuiet
		if p != nil {
			if quiet = time.Until(nextRenewal); quiet <= 0 {
				if behind {
					if err := catchUp(); err != nil {
						return true, err
					}
					if err := p.ackAll(ctx, conn); err != nil {
						return true, err
					}
					behind = false
				}
				renewed, err := p.renew(ctx, conn)
				if err != nil {
					return true, err
				}
				if !renewed {
					p.logger.Warn("the instance's lease lapsed; joining again", "instance", p.id)
					if err := p.join(ctx, conn, catchUp); err != nil {
						return true, err
					}
				}
				nextRenewal = time.Now().Add(RenewEvery)
				continue
			}
		}
		// A connection that died without a word (a half-open TCP
		// connection) would wait forever: after a quiet spell, ask.
		wait, cancel := context.WithTimeout(ctx, quiet)
		n, err := conn.WaitForNotification(wait)
		cancel()
		if err != nil && ctx.Err() == nil && wait.Err() == context.DeadlineExceeded {
			if p != nil {
				continue // time to renew, which asks
			}
			ping, cancel := context.WithTimeout(ctx, 10*time.Second)
			err = conn.Ping(ping)
			cancel()
			if err == nil {
				continue
			}
		}
		if err != nil {
			return true, err
		}
		if p != nil && n.Channel == db.ackChannel() {
			p.acked(n.Payload)
			continue
		}
		orgID, revision, ch, ok := parseNotification(n.Payload)
		if !ok {
			continue
		}
		if err := changed(orgID, revision, ch); err != nil && p != nil {
			behind = true
			p.stop() // it may not answer until it has caught up
			continue
		}
		if p != nil && !behind {
			if err := p.ack(ctx, conn, orgID, revision); err != nil {
				return true, err
			}
		}
	}
}

// parseNotification reads "<org id>:<revision>[:<change as JSON>]".
func parseNotification(payload string) (orgID string, revision int64, ch *gatehouse.AccessChange, ok bool) {
	orgID, rest, ok := strings.Cut(payload, ":")
	rev, data, withChange := strings.Cut(rest, ":")
	revision, err := strconv.ParseInt(rev, 10, 64)
	if !ok || err != nil {
		return "", 0, nil, false
	}
	if withChange {
		ch = new(gatehouse.AccessChange)
		if json.Unmarshal([]byte(data), ch) != nil || ch.Revision != revision {
			ch = nil // read it from the table instead
		}
	}
	return orgID, revision, ch, true
}
