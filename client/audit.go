package client

import (
	"context"
	"iter"
	"time"
)

// AuditQuery filters and pages ListAuditEvents.
type AuditQuery struct {
	ActorID    string    // events by this user
	TargetID   string    // events about this user, group, facility, key or session
	TargetType string    // user, group, facility, api_key, session or organization
	Action     string    // e.g. user.deactivated
	Since      time.Time // at or after
	Until      time.Time // before
	Paging
}

// ListAuditEvents returns one page of the audit log, newest first.
func (c *Client) ListAuditEvents(ctx context.Context, q AuditQuery) (Page[AuditEvent], error) {
	v := q.values()
	for k, s := range map[string]string{"actor_id": q.ActorID, "target_id": q.TargetID, "target_type": q.TargetType, "action": q.Action} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if !q.Since.IsZero() {
		v.Set("since", q.Since.Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.Format(time.RFC3339Nano))
	}
	return listPage[AuditEvent](ctx, c, "/api/v1/audit-events", v)
}

// AllAuditEvents iterates over every event the query matches, newest
// first, page by page.
func (c *Client) AllAuditEvents(ctx context.Context, q AuditQuery) iter.Seq2[AuditEvent, error] {
	return all(ctx, q.Cursor, func(ctx context.Context, cursor string) (Page[AuditEvent], error) {
		q.Cursor = cursor
		return c.ListAuditEvents(ctx, q)
	})
}
