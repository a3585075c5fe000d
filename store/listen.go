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
// everything it holds. On SQLite, where one process owns the file, Listen
// returns at once.
func (db *DB) Listen(ctx context.Context, logger *slog.Logger, changed func(orgID string, revision int64, ch *gatehouse.AccessChange)) {
	if db.dialect != dialectPostgres {
		return
	}
	backoff := time.Second
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, changed)
		if ctx.Err() != nil {
			return
		}
		logger.Warn("listening for other instances' writes", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// listenQuiet is how long Listen waits for news before it checks that its
// connection still works (a variable for tests).
var listenQuiet = 30 * time.Second

// listenOnce holds one dedicated connection (not one of the pool's) on
// the revision channel until it fails.
func (db *DB) listenOnce(ctx context.Context, changed func(string, int64, *gatehouse.AccessChange)) error {
	conn, err := pgx.Connect(ctx, db.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{db.revisionChannel()}.Sanitize()); err != nil {
		return err
	}
	changed("", 0, nil)
	for {
		// A connection that died without a word (a half-open TCP
		// connection) would wait forever: after a quiet spell, ask.
		wait, cancel := context.WithTimeout(ctx, listenQuiet)
		n, err := conn.WaitForNotification(wait)
		cancel()
		if err != nil && ctx.Err() == nil && wait.Err() == context.DeadlineExceeded {
			ping, cancel := context.WithTimeout(ctx, 10*time.Second)
			err = conn.Ping(ping)
			cancel()
			if err == nil {
				continue
			}
		}
		if err != nil {
			return err
		}
		if orgID, revision, ch, ok := parseNotification(n.Payload); ok {
			changed(orgID, revision, ch)
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
