package gatehouse

import (
	"context"
	"time"
)

// An AuditEvent records one write: who did what to whom, when, from where,
// with the before and after of the fields it changed. Events are append-only.
type AuditEvent struct {
	ID         string
	OrgID      string
	At         time.Time
	ActorType  string // ActorUser, ActorAPIKey, ActorSystem or ActorAnonymous
	ActorID    string // the user, for users and API keys
	APIKeyID   string
	Action     string // e.g. "user.invited", "group.updated", "facility.assigned"
	TargetType string // "user", "group", "facility", "api_key", "session", "organization"
	TargetID   string
	Client     string // the client's address
	RequestID  string
	Changes    map[string]Change // field → before and after; never secrets
}

// A Change is one field's value before and after a write.
type Change struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// Actor types of audit events.
const (
	ActorUser      = "user"
	ActorAPIKey    = "api_key"
	ActorSystem    = "system"
	ActorAnonymous = "anonymous"
)

// AuditFilter selects audit events, newest first. Zero fields do not filter.
type AuditFilter struct {
	OrgID      string
	ActorID    string
	TargetID   string
	TargetType string
	Action     string
	Since      time.Time // at or after
	Until      time.Time // before
	Before     string    // cursor: events older than this id
	Limit      int
}

// RequestInfo is where a request came from, carried in its context so that
// audit events can say.
type RequestInfo struct {
	Client    string // the client's address
	RequestID string
	TLS       bool // the client reached Gatehouse over TLS, directly or through a trusted proxy
}

type requestInfoKey struct{}

// WithRequestInfo returns ctx carrying info.
func WithRequestInfo(ctx context.Context, info RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, info)
}

// RequestInfoFrom returns the request info of ctx; the zero value outside requests.
func RequestInfoFrom(ctx context.Context) RequestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(RequestInfo)
	return info
}

// PrefixAudit starts audit event ids.
const PrefixAudit = "evt_"
