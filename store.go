package gatehouse

import (
	"context"
	"time"
)

// Store is durable storage. Every write runs in one transaction through
// Update; the store package implements it with plain SQL on SQLite and
// PostgreSQL.
type Store interface {
	// Update runs fn in one read-write transaction: all of it commits or none.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// LoadAccess reads what the decision engine needs of one organization.
	LoadAccess(ctx context.Context, orgID string) (AccessState, error)
	// AccessChanges returns the changes recorded after revision, in order,
	// for an instance to catch up with writes made by others.
	AccessChanges(ctx context.Context, orgID string, after int64) ([]AccessChange, error)
	Close() error
}

// Tx is one transaction. Every method is scoped to an organization: an id
// from another organization is not found.
type Tx interface {
	CreateOrganization(org *Organization, catalog []byte) error
	FindOrganization(id string) (*Organization, error)
	// LockOrganization is FindOrganization for a write: it holds the
	// organization's write lock until the transaction ends, so that writes
	// to one organization never interleave, whatever instance makes them.
	LockOrganization(id string) (*Organization, error)
	FindOrganizations() ([]*Organization, error)
	// Catalog returns the organization's catalog file, as given at creation.
	Catalog(orgID string) ([]byte, error)
	// BumpRevision records a write to the organization and returns the new revision.
	BumpRevision(orgID string) (int64, error)
	// RecordAccessChange stores what a write changed, under its revision,
	// for the other instances on the same database.
	RecordAccessChange(orgID string, ch AccessChange) error
	// AccessChanges returns the changes recorded after revision, in order.
	AccessChanges(orgID string, after int64) ([]AccessChange, error)

	FindUsers(f UserFilter) ([]*User, error)
	FindUser(orgID, id string) (*User, error)
	FindUserByEmail(orgID, email string) (*User, error)
	CreateUser(u *User) error
	// UpdateUser stores every field of u, its groups, direct permissions and facilities.
	UpdateUser(u *User) error
	DeleteUser(orgID, id string) error
	// CountActiveFullAccess counts active full-access users other than exceptID.
	CountActiveFullAccess(orgID, exceptID string) (int, error)
	SetPassword(orgID, userID, hash string) error
	PasswordHash(orgID, userID string) (string, error)

	FindGroups(f GroupFilter) ([]*Group, error)
	FindGroup(orgID, id string) (*Group, error)
	CreateGroup(g *Group) error
	UpdateGroup(g *Group) error
	DeleteGroup(orgID, id string) error
	// GroupMembers returns the ids of the group's users.
	GroupMembers(orgID, groupID string) ([]string, error)

	FindFacilities(f FacilityFilter) ([]*Facility, error)
	FindFacility(orgID, id string) (*Facility, error)
	CreateFacility(f *Facility) error
	UpdateFacility(f *Facility) error
	DeleteFacility(orgID, id string) error
	// FacilityUsers returns the ids of the users assigned to the facility.
	FacilityUsers(orgID, facilityID string) ([]string, error)

	CreateInvitation(inv *Invitation) error
	FindInvitationByToken(tokenHash string) (*Invitation, error)
	// RevokeInvitations ends every open invitation of the user.
	RevokeInvitations(orgID, userID string) error
	AcceptInvitation(orgID, id string, at time.Time) error

	CreateAPIKey(k *APIKey) error
	FindAPIKeyBySecret(secretHash string) (*APIKey, error)
	FindAPIKeys(orgID, userID string) ([]*APIKey, error)
	DeleteAPIKey(orgID, id string) error
	DeleteUserAPIKeys(orgID, userID string) error
	// TouchAPIKey records that the key was used.
	TouchAPIKey(orgID, id string, at time.Time) error

	// FindUsersByEmailAnyOrg returns the users with the email in every
	// organization, for sign-in, where the email is all a person gives.
	FindUsersByEmailAnyOrg(email string) ([]*User, error)
	CreateUserToken(t *UserToken) error
	// FindUserToken returns the token with the hash even when it is used,
	// revoked or expired, so the caller can say which.
	FindUserToken(tokenHash string) (*UserToken, error)
	// UseUserToken marks an open token used; a used or revoked one is a conflict.
	UseUserToken(orgID, id string, at time.Time) error
	// RevokeUserTokens ends every open token of the user with the purpose.
	RevokeUserTokens(orgID, userID, purpose string) error

	// EnqueueMail adds a message to the durable outbox.
	EnqueueMail(m *OutboxMail) error
	// PendingMail returns unsent mail due at now, oldest first.
	PendingMail(now time.Time, limit int) ([]*OutboxMail, error)
	// ClaimMail takes a due message for one sender until the lease ends; it
	// reports false when another sender claimed it first.
	ClaimMail(id string, now, until time.Time) (bool, error)
	MarkMailSent(id string, at time.Time) error
	MarkMailFailed(id string, attempts int, next time.Time, lastError string) error

	// RecordAudit appends an event; nothing updates or deletes one.
	RecordAudit(e *AuditEvent) error
	FindAuditEvents(f AuditFilter) ([]*AuditEvent, error)

	// AddThrottleEvent records a throttled event and deletes every event of
	// its kind older than pruneBefore, so that the table stays small.
	AddThrottleEvent(e ThrottleEvent, pruneBefore time.Time) error
	// ThrottleEvents returns the times of the newest events that match f,
	// newest first, at most f.Limit.
	ThrottleEvents(f ThrottleFilter) ([]time.Time, error)
	// DeleteThrottleEvents forgets the events of the kind for the account,
	// from the address only when address is not empty.
	DeleteThrottleEvents(kind, account, address string) error

	// EnqueueResetRequest queues a password-reset request for the worker.
	EnqueueResetRequest(r *ResetRequest) error
	// DueResetRequests returns queued requests not claimed at now, oldest first.
	DueResetRequests(now time.Time, limit int) ([]*ResetRequest, error)
	// ClaimResetRequest takes a due request until the lease ends; it reports
	// false when another worker claimed or finished it first.
	ClaimResetRequest(id string, now, until time.Time) (bool, error)
	// DeleteResetRequest removes a handled request.
	DeleteResetRequest(id string) error

	CreateSession(s *Session) error
	FindSessionByToken(tokenHash string) (*Session, error)
	FindSessions(orgID, userID string) ([]*Session, error)
	TouchSession(orgID, id string, at time.Time) error
	DeleteSession(orgID, id string) error
	DeleteUserSessions(orgID, userID string) error
}

// UserFilter selects users. Zero fields do not filter.
type UserFilter struct {
	OrgID      string
	Status     UserStatus
	GroupID    string
	FacilityID string
	Query      string // case-insensitive substring of first name, last name or email
	// Within, when not nil, keeps users assigned to at least one of these
	// facilities (the scope of an admin without full access).
	Within []string
	// Sort orders the users: SortID (the default: creation order), SortName
	// (last name, first name) or SortEmail; Desc reverses it.
	Sort string
	Desc bool
	// After is the cursor: the id of the last user seen, in any order.
	After string
	Limit int
}

// Sort orders of the user list.
const (
	SortID    = ""
	SortName  = "name"
	SortEmail = "email"
)

// SortOrders lists the valid sort orders.
var SortOrders = []string{SortID, SortName, SortEmail}

// GroupFilter selects groups.
type GroupFilter struct {
	OrgID string
	After string
	Limit int
}

// FacilityFilter selects facilities.
type FacilityFilter struct {
	OrgID    string
	Archived *bool
	Within   []string // when not nil, only these facilities
	After    string
	Limit    int
}

// A ThrottleEvent is one event a throttle counts: a failed sign-in or a
// password-reset request, for an account (a normalized email, whether or not
// a user has it) from a client address.
type ThrottleEvent struct {
	Kind    string
	Account string
	Address string
	At      time.Time
}

// Kinds of throttle events.
const (
	ThrottleSignInFailure = "sign_in_failure"
	ThrottleResetRequest  = "reset_request"
	ThrottleResetMailed   = "reset_mailed" // a reset link mailed, per account
)

// ThrottleFilter selects throttle events of one kind at or after Since. An
// empty Account or Address matches any.
type ThrottleFilter struct {
	Kind    string
	Account string
	Address string
	Since   time.Time
	Limit   int
}

// A ResetRequest is a password-reset request waiting for the worker that
// looks its email up and mails the users it names.
type ResetRequest struct {
	ID           string
	Email        string
	Client       string // the address it came from, for the audit log
	RequestedAt  time.Time
	ClaimedUntil time.Time
}

// PrefixResetRequest starts reset request ids.
const PrefixResetRequest = "rst_"
