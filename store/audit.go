package store

import (
	"encoding/json"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// RecordAudit appends an event. There is no update or delete: the log is
// append-only.
func (t *tx) RecordAudit(e *gatehouse.AuditEvent) error {
	if e.ID == "" {
		e.ID = gatehouse.NewID(gatehouse.PrefixAudit)
	}
	e.At = t.now
	changes, err := json.Marshal(e.Changes)
	if err != nil {
		return err
	}
	if e.Changes == nil {
		changes = []byte("{}")
	}
	_, err = t.exec(`INSERT INTO audit_events (id, org_id, at, actor_type, actor_id, api_key_id, action, target_type, target_id, client, request_id, changes)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		e.ID, e.OrgID, e.At, e.ActorType, e.ActorID, e.APIKeyID, e.Action, e.TargetType, e.TargetID, e.Client, e.RequestID, string(changes))
	return dbError("record audit event", err)
}

// FindAuditEvents returns the organization's events, newest first.
func (t *tx) FindAuditEvents(f gatehouse.AuditFilter) ([]*gatehouse.AuditEvent, error) {
	a := args{dialect: t.dialect}
	where := []string{"org_id = " + a.add(f.OrgID)}
	for _, c := range []struct{ column, value string }{
		{"actor_id", f.ActorID}, {"target_id", f.TargetID}, {"target_type", f.TargetType}, {"action", f.Action},
	} {
		if c.value != "" {
			where = append(where, c.column+" = "+a.add(c.value))
		}
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= "+a.add(f.Since.UTC()))
	}
	if !f.Until.IsZero() {
		where = append(where, "at < "+a.add(f.Until.UTC()))
	}
	if f.Before != "" {
		where = append(where, "id < "+a.add(f.Before))
	}
	rows, err := t.query(`SELECT id, org_id, at, actor_type, actor_id, api_key_id, action, target_type, target_id, client, request_id, changes
		FROM audit_events WHERE `+strings.Join(where, " AND ")+" ORDER BY id DESC LIMIT "+a.add(limitOr(f.Limit, DefaultLimit)), a.values...)
	if err != nil {
		return nil, dbError("find audit events", err)
	}
	defer rows.Close()
	out := []*gatehouse.AuditEvent{}
	for rows.Next() {
		var e gatehouse.AuditEvent
		var changes string
		if err := rows.Scan(&e.ID, &e.OrgID, &e.At, &e.ActorType, &e.ActorID, &e.APIKeyID, &e.Action, &e.TargetType, &e.TargetID, &e.Client, &e.RequestID, &changes); err != nil {
			return nil, dbError("find audit events", err)
		}
		e.At = e.At.UTC()
		if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
			return nil, dbError("find audit events", err)
		}
		out = append(out, &e)
	}
	return out, dbError("find audit events", rows.Err())
}
