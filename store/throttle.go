package store

import (
	"time"

	"github.com/gatehouse/gatehouse"
)

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

// EnqueueResetRequest queues a request, due at once.
func (t *tx) EnqueueResetRequest(r *gatehouse.ResetRequest) error {
	if r.ID == "" {
		r.ID = gatehouse.NewID(gatehouse.PrefixResetRequest)
	}
	if r.RequestedAt.IsZero() {
		r.RequestedAt = t.now
	}
	r.ClaimedUntil = r.RequestedAt
	_, err := t.exec(`INSERT INTO reset_requests (id, email, client, requested_at, claimed_until) VALUES ($1, $2, $3, $4, $5)`,
		r.ID, r.Email, r.Client, r.RequestedAt.UTC(), r.ClaimedUntil.UTC())
	return dbError("enqueue reset request", err)
}

// DueResetRequests returns the requests no worker holds at now, oldest first.
func (t *tx) DueResetRequests(now time.Time, limit int) ([]*gatehouse.ResetRequest, error) {
	rows, err := t.query(`SELECT id, email, client, requested_at, claimed_until FROM reset_requests
		WHERE claimed_until <= $1 ORDER BY requested_at, id LIMIT $2`, now.UTC(), limitOr(limit, DefaultLimit))
	if err != nil {
		return nil, dbError("due reset requests", err)
	}
	defer rows.Close()
	out := []*gatehouse.ResetRequest{}
	for rows.Next() {
		var r gatehouse.ResetRequest
		if err := rows.Scan(&r.ID, &r.Email, &r.Client, &r.RequestedAt, &r.ClaimedUntil); err != nil {
			return nil, dbError("due reset requests", err)
		}
		r.RequestedAt, r.ClaimedUntil = r.RequestedAt.UTC(), r.ClaimedUntil.UTC()
		out = append(out, &r)
	}
	return out, dbError("due reset requests", rows.Err())
}

// ClaimResetRequest moves a due request's lease to until; false when another
// worker was first.
func (t *tx) ClaimResetRequest(id string, now, until time.Time) (bool, error) {
	res, err := t.exec(`UPDATE reset_requests SET claimed_until = $3 WHERE id = $1 AND claimed_until <= $2`, id, now.UTC(), until.UTC())
	if err != nil {
		return false, dbError("claim reset request", err)
	}
	n, err := res.RowsAffected()
	return n == 1, dbError("claim reset request", err)
}

// DeleteResetRequest removes a handled request; a missing one is no error.
func (t *tx) DeleteResetRequest(id string) error {
	_, err := t.exec(`DELETE FROM reset_requests WHERE id = $1`, id)
	return dbError("delete reset request", err)
}
