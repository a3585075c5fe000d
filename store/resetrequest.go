package store

import (
	"time"

	"github.com/gatehouse/gatehouse"
)

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
