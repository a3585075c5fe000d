package store

import (
	"hash/crc64"
	"time"

	"github.com/gatehouse/gatehouse"
)

// LockThrottle takes a PostgreSQL advisory lock, held until the
// transaction ends, on the kind and account: without it two transactions
// (READ COMMITTED) each count the events before the other's insert, and
// parallel attempts all pass. On SQLite the transaction already holds the
// database's only write lock (BEGIN IMMEDIATE). Two keys may share a lock
// id; they then only wait for each other.
func (t *tx) LockThrottle(kind, account string) error {
	if t.dialect != dialectPostgres {
		return nil
	}
	id := int64(crc64.Checksum([]byte("gatehouse throttle "+kind+" "+account), crc64.MakeTable(crc64.ECMA)) >> 1)
	_, err := t.exec(`SELECT pg_advisory_xact_lock($1)`, id)
	return dbError("lock throttle", err)
}

// AddThrottleEvent records one event and prunes its kind's old events: the
// table holds no more than the throttles' windows.
func (t *tx) AddThrottleEvent(e gatehouse.ThrottleEvent, pruneBefore time.Time) error {
	if _, err := t.exec(`DELETE FROM throttle_events WHERE kind = $1 AND at < $2`, e.Kind, pruneBefore.UTC()); err != nil {
		return dbError("prune throttle events", err)
	}
	_, err := t.exec(`INSERT INTO throttle_events (kind, account, address, at) VALUES ($1, $2, $3, $4)`,
		e.Kind, e.Account, e.Address, e.At.UTC())
	return dbError("add throttle event", err)
}

// ThrottleEvents returns the times of the newest matching events, newest first.
func (t *tx) ThrottleEvents(f gatehouse.ThrottleFilter) ([]time.Time, error) {
	a := args{dialect: t.dialect}
	q := `SELECT at FROM throttle_events WHERE kind = ` + a.add(f.Kind) + ` AND at >= ` + a.add(f.Since.UTC())
	if f.Account != "" {
		q += ` AND account = ` + a.add(f.Account)
	}
	if f.Address != "" {
		q += ` AND address = ` + a.add(f.Address)
	}
	q += ` ORDER BY at DESC LIMIT ` + a.add(limitOr(f.Limit, DefaultLimit))
	rows, err := t.query(q, a.values...)
	if err != nil {
		return nil, dbError("throttle events", err)
	}
	defer rows.Close()
	out := []time.Time{}
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			return nil, dbError("throttle events", err)
		}
		out = append(out, at.UTC())
	}
	return out, dbError("throttle events", rows.Err())
}

// DeleteThrottleEvents forgets an account's events, from one address or all.
func (t *tx) DeleteThrottleEvents(kind, account, address string) error {
	var err error
	if address == "" {
		_, err = t.exec(`DELETE FROM throttle_events WHERE kind = $1 AND account = $2`, kind, account)
	} else {
		_, err = t.exec(`DELETE FROM throttle_events WHERE kind = $1 AND account = $2 AND address = $3`, kind, account, address)
	}
	return dbError("delete throttle events", err)
}
