package api

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
)

type auditEventJSON struct {
	ID         string                      `json:"id"`
	At         time.Time                   `json:"at"`
	ActorType  string                      `json:"actor_type" enum:"user,api_key,system,anonymous"`
	ActorID    string                      `json:"actor_id" doc:"The user who acted (also for API keys)"`
	APIKeyID   string                      `json:"api_key_id,omitempty"`
	Action     string                      `json:"action" example:"user.invited"`
	TargetType string                      `json:"target_type" example:"user"`
	TargetID   string                      `json:"target_id"`
	Client     string                      `json:"client" doc:"The client's address"`
	RequestID  string                      `json:"request_id"`
	Changes    map[string]gatehouse.Change `json:"changes" doc:"Changed fields with their values before and after"`
}

func toAuditEvent(e *gatehouse.AuditEvent) auditEventJSON {
	changes := e.Changes
	if changes == nil {
		changes = map[string]gatehouse.Change{}
	}
	return auditEventJSON{ID: e.ID, At: e.At, ActorType: e.ActorType, ActorID: e.ActorID, APIKeyID: e.APIKeyID,
		Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID, Client: e.Client, RequestID: e.RequestID, Changes: changes}
}

type listAuditInput struct {
	ActorID    string    `query:"actor_id" doc:"Only events by this user"`
	TargetID   string    `query:"target_id" doc:"Only events about this user, group, facility, key or session"`
	TargetType string    `query:"target_type" enum:"user,group,facility,api_key,session,organization"`
	Action     string    `query:"action" doc:"Only this action, e.g. user.deactivated"`
	Since      time.Time `query:"since" doc:"At or after this time (RFC 3339)"`
	Until      time.Time `query:"until" doc:"Before this time (RFC 3339)"`
	Paging
}

func (h *handlers) listAuditEvents(ctx context.Context, in *listAuditInput) (*listOutput[auditEventJSON], error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	before, err := in.after(gatehouse.PrefixAudit) // newest first: the cursor is the last id seen
	if err != nil {
		return nil, err
	}
	events, err := h.svc.AuditEvents(ctx, actor, gatehouse.AuditFilter{ActorID: in.ActorID, TargetID: in.TargetID,
		TargetType: in.TargetType, Action: in.Action, Since: in.Since, Until: in.Until, Before: before, Limit: in.Limit + 1})
	if err != nil {
		return nil, err
	}
	return page(events, in.Limit, func(e *gatehouse.AuditEvent) string { return e.ID }, toAuditEvent), nil
}
