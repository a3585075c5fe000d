package store

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Listen tells changed about every revision that a write commits, by any
// instance on the same PostgreSQL database, until ctx ends. changed("", 0)
// means that news may have been missed (Listen has just connected, or
// reconnected after losing its connection): the caller should catch up on
// everything it holds. On SQLite, where one process owns the file, Listen
// returns at once.
func (db *DB) Listen(ctx context.Context, logger *slog.Logger, changed func(orgID string, revision int64)) {
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

// listenOnce holds one dedicated connection (not one of the pool's) on
// RevisionChannel until it fails.
func (db *DB) listenOnce(ctx context.Context, changed func(string, int64)) error {
	conn, err := pgx.Connect(ctx, db.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+RevisionChannel); err != nil {
		return err
	}
	changed("", 0)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		orgID, rev, ok := strings.Cut(n.Payload, ":")
		revision, err := strconv.ParseInt(rev, 10, 64)
		if ok && err == nil {
			changed(orgID, revision)
		}
	}
}
