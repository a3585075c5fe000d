package store

import (
	"encoding/json"

	"github.com/gatehouse/gatehouse"
)

// The batch writes of one transaction: what a CSV import of thousands of
// users writes, many rows per statement (bulkInsert) rather than a
// statement per row, so that 10,000 users take seconds on PostgreSQL too,
// where each statement is a round trip.

// CreateUsers stores new users of the organization with their groups,
// direct permissions and facilities, as CreateUser does one. The caller has
// checked that their groups and facilities exist; the schema refuses
// anything else, without naming the row.
func (t *tx) CreateUsers(orgID string, users []*gatehouse.User) error {
	return dbError("create users", t.bulkUsers(orgID, users))
}

// TakenEmails returns those of emails that a user of the organization has,
// normalized (gatehouse.NormalizeEmail), sorted.
func (t *tx) TakenEmails(orgID string, emails []string) ([]string, error) {
	keys := make([]string, 0, len(emails))
	for _, e := range emails {
		if e = gatehouse.NormalizeEmail(e); e != "" {
			keys = append(keys, e)
		}
	}
	keys = normalizeIDs(keys)
	taken := []string{}
	for start, step := 0, t.maxArgs()-1; start < len(keys); start += step {
		a := args{dialect: t.dialect}
		org := a.add(orgID)
		found, err := t.strings("SELECT email_lower FROM users WHERE org_id = "+org+" AND email_lower IN "+
			a.in(keys[start:min(start+step, len(keys))])+" ORDER BY email_lower", a.values...)
		if err != nil {
			return nil, dbError("find taken emails", err)
		}
		taken = append(taken, found...)
	}
	return taken, nil
}

// CreateInvitations stores new invitations, as CreateInvitation does one,
// for users of the organization created in this transaction or before.
func (t *tx) CreateInvitations(orgID string, invs []*gatehouse.Invitation) error {
	ins := t.newBulkInsert("invitations", "id, org_id, user_id, token_hash, expires_at, accepted_at, revoked_at, created_at")
	for _, inv := range invs {
		if inv.ID == "" {
			inv.ID = gatehouse.NewID(gatehouse.PrefixInvitation)
		}
		inv.OrgID, inv.CreatedAt = orgID, t.now
		if err := ins.add(inv.ID, orgID, inv.UserID, inv.TokenHash, inv.ExpiresAt.UTC(), nullTime(inv.AcceptedAt), nullTime(inv.RevokedAt), inv.CreatedAt); err != nil {
			return dbError("create invitations", err)
		}
	}
	return dbError("create invitations", ins.flush())
}

// RecordAudits appends events of the organization, as RecordAudit does one.
func (t *tx) RecordAudits(orgID string, events []*gatehouse.AuditEvent) error {
	ins := t.newBulkInsert("audit_events", "id, org_id, at, actor_type, actor_id, api_key_id, action, target_type, target_id, client, request_id, changes")
	for _, e := range events {
		if e.ID == "" {
			e.ID = gatehouse.NewID(gatehouse.PrefixAudit)
		}
		e.OrgID, e.At = orgID, t.now
		changes := []byte("{}")
		if e.Changes != nil {
			var err error
			if changes, err = json.Marshal(e.Changes); err != nil {
				return err
			}
		}
		if err := ins.add(e.ID, orgID, e.At, e.ActorType, e.ActorID, e.APIKeyID, e.Action, e.TargetType, e.TargetID, e.Client, e.RequestID, string(changes)); err != nil {
			return dbError("record audit events", err)
		}
	}
	return dbError("record audit events", ins.flush())
}

// EnqueueMails adds messages to the outbox, as EnqueueMail does one.
func (t *tx) EnqueueMails(mails []*gatehouse.OutboxMail) error {
	ins := t.newBulkInsert("outbox", "id, org_id, recipient, subject, text_body, html_body, attempts, next_attempt_at, last_error, created_at")
	for _, m := range mails {
		if m.ID == "" {
			m.ID = gatehouse.NewID(gatehouse.PrefixMail)
		}
		m.CreatedAt = t.now
		if m.NextAttemptAt.IsZero() {
			m.NextAttemptAt = t.now
		}
		if err := ins.add(m.ID, m.OrgID, m.Message.To, m.Message.Subject, m.Message.Text, m.Message.HTML, 0, m.NextAttemptAt.UTC(), "", m.CreatedAt); err != nil {
			return dbError("enqueue mails", err)
		}
	}
	return dbError("enqueue mails", ins.flush())
}
