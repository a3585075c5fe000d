package store

import (
	"database/sql"
	"time"

	"github.com/gatehouse/gatehouse"
)

// EnqueueMail adds a message to the outbox, due at once.
func (t *tx) EnqueueMail(m *gatehouse.OutboxMail) error {
	if m.ID == "" {
		m.ID = gatehouse.NewID(gatehouse.PrefixMail)
	}
	m.CreatedAt = t.now
	if m.NextAttemptAt.IsZero() {
		m.NextAttemptAt = t.now
	}
	_, err := t.exec(`INSERT INTO outbox (id, org_id, recipient, subject, text_body, html_body, attempts, next_attempt_at, last_error, sent_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, 0, $7, '', NULL, $8)`,
		m.ID, m.OrgID, m.Message.To, m.Message.Subject, m.Message.Text, m.Message.HTML, m.NextAttemptAt.UTC(), m.CreatedAt)
	return dbError("enqueue mail", err)
}

// PendingMail returns unsent mail due at now, oldest first.
func (t *tx) PendingMail(now time.Time, limit int) ([]*gatehouse.OutboxMail, error) {
	rows, err := t.query(`SELECT id, org_id, recipient, subject, text_body, html_body, attempts, next_attempt_at, last_error, sent_at, created_at
		FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2`, now.UTC(), limitOr(limit, DefaultLimit))
	if err != nil {
		return nil, dbError("pending mail", err)
	}
	defer rows.Close()
	out := []*gatehouse.OutboxMail{}
	for rows.Next() {
		var m gatehouse.OutboxMail
		var sent sql.NullTime
		if err := rows.Scan(&m.ID, &m.OrgID, &m.Message.To, &m.Message.Subject, &m.Message.Text, &m.Message.HTML,
			&m.Attempts, &m.NextAttemptAt, &m.LastError, &sent, &m.CreatedAt); err != nil {
			return nil, dbError("pending mail", err)
		}
		m.NextAttemptAt, m.CreatedAt, m.SentAt = m.NextAttemptAt.UTC(), m.CreatedAt.UTC(), timePtr(sent)
		m.Message.ID = m.ID
		out = append(out, &m)
	}
	return out, dbError("pending mail", rows.Err())
}

// ClaimMail moves a due message's next attempt to the lease's end, so that
// no other sender takes it meanwhile; false when another sender was first.
func (t *tx) ClaimMail(id string, now, until time.Time) (bool, error) {
	res, err := t.exec(`UPDATE outbox SET next_attempt_at = $3 WHERE id = $1 AND sent_at IS NULL AND next_attempt_at <= $2`,
		id, now.UTC(), until.UTC())
	if err != nil {
		return false, dbError("claim mail", err)
	}
	n, err := res.RowsAffected()
	return n == 1, dbError("claim mail", err)
}

// MarkMailSent records delivery; the message is never sent again. Its body
// is cleared: it carries a token (invitation, reset, verification) that must
// not stay in the database in the clear once it has been mailed.
func (t *tx) MarkMailSent(id string, at time.Time) error {
	_, err := t.exec(`UPDATE outbox SET sent_at = $2, attempts = attempts + 1, last_error = '', text_body = '', html_body = '' WHERE id = $1`, id, at.UTC())
	return dbError("mark mail sent", err)
}

// MarkMailFailed records a failed attempt and when to try again.
func (t *tx) MarkMailFailed(id string, attempts int, next time.Time, lastError string) error {
	_, err := t.exec(`UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4 WHERE id = $1`,
		id, attempts, next.UTC(), lastError)
	return dbError("mark mail failed", err)
}
