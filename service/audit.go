package service

import (
	"context"
	"reflect"
	"slices"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// record appends the audit event of a write, in the write's transaction:
// the event exists if and only if the write committed.
func record(ctx context.Context, tx gatehouse.Tx, actor gatehouse.Actor, action, targetType, targetID string, changes map[string]gatehouse.Change) error {
	return tx.RecordAudit(auditEvent(ctx, actor, action, targetType, targetID, changes))
}

// auditEvent is the audit event of a write by actor, in the request ctx
// carries.
func auditEvent(ctx context.Context, actor gatehouse.Actor, action, targetType, targetID string, changes map[string]gatehouse.Change) *gatehouse.AuditEvent {
	info := gatehouse.RequestInfoFrom(ctx)
	return &gatehouse.AuditEvent{
		OrgID: actor.OrgID, ActorType: actor.Type(), ActorID: actor.UserID, APIKeyID: actor.APIKeyID,
		Action: action, TargetType: targetType, TargetID: targetID,
		Client: info.Client, RequestID: info.RequestID, Changes: changes,
	}
}

// diff returns the fields whose values differ, with before and after. A nil
// before (creation) or after (deletion) records every field on one side.
func diff(before, after map[string]any) map[string]gatehouse.Change {
	out := map[string]gatehouse.Change{}
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	for k := range keys {
		b, a := before[k], after[k]
		if !reflect.DeepEqual(b, a) {
			out[k] = gatehouse.Change{Before: b, After: a}
		}
	}
	return out
}

// The fields of each entity that the audit log shows. Secrets (password
// hashes, token hashes) are never among them.

func userFields(u *gatehouse.User) map[string]any {
	if u == nil {
		return nil
	}
	return map[string]any{
		"first_name": u.FirstName, "last_name": u.LastName, "email": u.Email, "phone": u.Phone,
		"status": string(u.Status), "full_access": u.FullAccess, "licence": u.Licence,
		"group_ids": slices.Clone(u.GroupIDs), "permissions": slices.Clone(u.Permissions),
		"facility_ids": slices.Clone(u.FacilityIDs), "email_verified": u.EmailVerified,
		"pending_email": u.PendingEmail,
	}
}

func groupFields(g *gatehouse.Group) map[string]any {
	if g == nil {
		return nil
	}
	return map[string]any{"name": g.Name, "description": g.Description, "permissions": slices.Clone(g.Permissions)}
}

func facilityFields(f *gatehouse.Facility) map[string]any {
	if f == nil {
		return nil
	}
	return map[string]any{"name": f.Name, "external_id": f.ExternalID, "archived": f.Archived}
}

// AuditEvents returns a page of the organization's audit log, newest first.
func (s *Service) AuditEvents(ctx context.Context, actor gatehouse.Actor, f gatehouse.AuditFilter) ([]*gatehouse.AuditEvent, error) {
	var out []*gatehouse.AuditEvent
	err := s.view(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot) error {
		if err := authorize(snap, actor, gatehouse.OpViewAuditLog, authz.Resource{}); err != nil {
			return err
		}
		f.OrgID = actor.OrgID
		events, err := tx.FindAuditEvents(f)
		out = events
		return err
	})
	return out, err
}
