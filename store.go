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

// Tx is one transaction: every store of the domain, one small interface per
// entity, in three groups that say how far each method reaches.
//
//   - OrgScoped: every method acts in one organization, named by an orgID
//     argument or by the OrgID of the record or filter it is given; an id
//     from another organization is not found.
//   - Lookups: the finders that search every organization, because what
//     the caller holds (a secret, a token, an email) is all there is to go
//     on until the record found names its organization.
//   - ServerWide: the queues and counters of the whole server (mail
//     outbox, sign-in and reset throttles, reset requests, the sweep of
//     expired sign-in requests), which serve every organization at once.
type Tx interface {
	OrgScoped
	Lookups
	ServerWide
}

// OrgScoped is every store that acts in one organization: each method takes
// the organization's id (orgID) or a record or filter whose OrgID names it,
// and an id from another organization is not found.
type OrgScoped interface {
	OrganizationStore
	UserStore
	GroupStore
	FacilityStore
	InvitationStore
	APIKeyStore
	UserTokenStore
	SessionStore
	AuditStore
	GrantStore
	SSOConnectionStore
	LicenceSeatStore
	MFAStore
	OIDCClientStore
	OIDCGrantStore
}

// GrantStore finds the starts and expiries of time-bound grants that have
// passed, to audit each once: whichever instance marks one first audits it.
type GrantStore interface {
	// PassedGrantBoundaries returns the boundaries at or before the
	// transaction's time not yet marked: those after the organization's
	// watermark (less GrantBoundaryLookback), and every one of the users
	// given — those the transaction wrote, whose grants may have been
	// given with dates already past.
	PassedGrantBoundaries(orgID string, users []string) ([]GrantBoundary, error)
	// MarkGrantBoundary marks a boundary seen; false when it already was.
	MarkGrantBoundary(orgID string, b GrantBoundary) (bool, error)
	// AdvanceGrantBoundaryWatermark records that the boundaries at or
	// before the transaction's time have been audited.
	AdvanceGrantBoundaryWatermark(orgID string) error
}

// GrantBoundaryLookback is how far before an organization's watermark
// boundaries are read again: a boundary a transaction stored while another
// moved the watermark past it (both in flight), or one that an instance
// whose clock runs behind stored as future, is audited all the same. The
// boundaries marked seen are not audited twice.
const GrantBoundaryLookback = 10 * time.Minute

// OrganizationStore holds organizations, their catalogs, their revisions
// and the access changes recorded under them.
type OrganizationStore interface {
	CreateOrganization(org *Organization, catalog []byte) error
	FindOrganization(orgID string) (*Organization, error)
	// LockOrganization is FindOrganization for a write: it holds the
	// organization's write lock until the transaction ends, so that writes
	// to one organization never interleave, whatever instance makes them.
	LockOrganization(orgID string) (*Organization, error)
	// Catalog returns the organization's catalog file, as given at creation.
	Catalog(orgID string) ([]byte, error)
	// BumpRevision records a write to the organization and returns the new revision.
	BumpRevision(orgID string) (int64, error)
	// RecordAccessChange stores what a write changed, under its revision,
	// for the other instances on the same database.
	RecordAccessChange(orgID string, ch AccessChange) error
	// AccessChanges returns the changes recorded after revision, in order.
	AccessChanges(orgID string, after int64) ([]AccessChange, error)
}

// UserStore holds users, with their groups, direct permissions, facilities
// and password hashes.
type UserStore interface {
	FindUsers(f UserFilter) ([]*User, error)
	// CountUsers counts the users f selects, ignoring its paging (After,
	// Offset, Limit).
	CountUsers(f UserFilter) (int, error)
	FindUser(orgID, id string) (*User, error)
	FindUserByEmail(orgID, email string) (*User, error)
	CreateUser(u *User) error
	// CreateUsers stores many new users of the organization at once (an
	// import), their groups and facilities already checked.
	CreateUsers(orgID string, users []*User) error
	// TakenEmails returns those of emails some user of the organization
	// has, normalized.
	TakenEmails(orgID string, emails []string) ([]string, error)
	// UpdateUser stores every field of u, its groups, direct permissions and facilities.
	UpdateUser(u *User) error
	DeleteUser(orgID, id string) error
	// CountActiveFullAccess counts active full-access users other than exceptID.
	CountActiveFullAccess(orgID, exceptID string) (int, error)
	SetPassword(orgID, userID, hash string) error
	PasswordHash(orgID, userID string) (string, error)
}

// GroupStore holds permission groups.
type GroupStore interface {
	FindGroups(f GroupFilter) ([]*Group, error)
	FindGroup(orgID, id string) (*Group, error)
	CreateGroup(g *Group) error
	UpdateGroup(g *Group) error
	DeleteGroup(orgID, id string) error
	// GroupMembers returns the ids of the group's users.
	GroupMembers(orgID, groupID string) ([]string, error)
}

// FacilityStore holds facilities.
type FacilityStore interface {
	FindFacilities(f FacilityFilter) ([]*Facility, error)
	FindFacility(orgID, id string) (*Facility, error)
	CreateFacility(f *Facility) error
	UpdateFacility(f *Facility) error
	DeleteFacility(orgID, id string) error
	// FacilityUsers returns the ids of the users assigned to the facility.
	FacilityUsers(orgID, facilityID string) ([]string, error)
}

// InvitationStore holds invitations; Lookups finds one by its token.
type InvitationStore interface {
	CreateInvitation(inv *Invitation) error
	// CreateInvitations stores many new invitations of the organization's
	// users at once (an import).
	CreateInvitations(orgID string, invs []*Invitation) error
	// RevokeInvitations ends every open invitation of the user.
	RevokeInvitations(orgID, userID string) error
	AcceptInvitation(orgID, id string, at time.Time) error
}

// APIKeyStore holds API keys; Lookups finds one by its secret.
type APIKeyStore interface {
	CreateAPIKey(k *APIKey) error
	FindAPIKeys(orgID, userID string) ([]*APIKey, error)
	DeleteAPIKey(orgID, id string) error
	DeleteUserAPIKeys(orgID, userID string) error
	// TouchAPIKey records that the key was used.
	TouchAPIKey(orgID, id string, at time.Time) error
}

// UserTokenStore holds the single-use tokens mailed to users (email
// verification, password reset, email change); Lookups finds one by its hash.
type UserTokenStore interface {
	CreateUserToken(t *UserToken) error
	// UseUserToken marks an open token used; a used or revoked one is a conflict.
	UseUserToken(orgID, id string, at time.Time) error
	// RevokeUserTokens ends every open token of the user with the purpose.
	RevokeUserTokens(orgID, userID, purpose string) error
}

// SessionStore holds the web UI's sessions; Lookups finds one by its token.
type SessionStore interface {
	CreateSession(s *Session) error
	FindSessions(orgID, userID string) ([]*Session, error)
	TouchSession(orgID, id string, at time.Time) error
	DeleteSession(orgID, id string) error
	// DeleteUserSessions ends every session of the user, and every MFA
	// step of theirs in progress (a sign-in waiting for its second factor).
	DeleteUserSessions(orgID, userID string) error
}

// SSOConnectionStore holds an organization's single sign-on connections
// and the sign-ins sent to their providers; Lookups finds connections by
// domain and takes a state back.
type SSOConnectionStore interface {
	FindSSOConnections(orgID string) ([]*SSOConnection, error)
	FindSSOConnection(orgID, id string) (*SSOConnection, error)
	// CreateSSOConnection and UpdateSSOConnection store every field, with
	// the domains and default groups; a domain another connection of the
	// organization claims is a conflict.
	CreateSSOConnection(c *SSOConnection) error
	UpdateSSOConnection(c *SSOConnection) error
	DeleteSSOConnection(orgID, id string) error
	// CreateSSOState stores a sign-in sent to a provider, and deletes the
	// expired ones of every organization so that the table stays small.
	CreateSSOState(st *SSOState) error
}

// LicenceSeatStore holds how many seats each licence tier of an
// organization has. A tier without seats set is unlimited.
type LicenceSeatStore interface {
	// LicenceSeats returns the seats set, by tier name.
	LicenceSeats(orgID string) (map[string]int, error)
	// SetLicenceSeats sets a tier's seats; nil makes it unlimited.
	SetLicenceSeats(orgID, licence string, seats *int) error
	// SeatsUsed counts, by tier name, the users who take a seat: active or
	// invited users with that licence.
	SeatsUsed(orgID string) (map[string]int, error)
}

// AuditStore is the audit log.
type AuditStore interface {
	// RecordAudit appends an event; nothing updates or deletes one.
	RecordAudit(e *AuditEvent) error
	// RecordAudits appends many events of the organization at once (an import).
	RecordAudits(orgID string, events []*AuditEvent) error
	FindAuditEvents(f AuditFilter) ([]*AuditEvent, error)
}

// Lookups are the finders that are not scoped to an organization. Each
// starts from something that identifies a record on its own, before anyone
// knows which organization it is in. The record found names its
// organization, and everything after it goes through the scoped stores
// with that organization.
type Lookups interface {
	// FindOrganizations returns every organization, by id: for operators
	// (they manage the server, not one organization).
	FindOrganizations() ([]*Organization, error)
	// FindUsersByEmailAnyOrg returns the users with the email in every
	// organization, oldest organization first: for sign-in and password
	// reset, where the email is all a person gives.
	FindUsersByEmailAnyOrg(email string) ([]*User, error)
	// FindAPIKeyBySecret returns the key with the secret hash: the bearer
	// secret is all a request carries.
	FindAPIKeyBySecret(secretHash string) (*APIKey, error)
	// FindSessionByToken returns the session with the token hash: the
	// cookie is all a browser sends.
	FindSessionByToken(tokenHash string) (*Session, error)
	// FindInvitationByToken returns the invitation with the token hash even
	// when it has expired, been accepted or been revoked, so the caller can
	// say which: the mailed link is all an invitee has.
	FindInvitationByToken(tokenHash string) (*Invitation, error)
	// FindUserToken returns the token with the hash even when it is used,
	// revoked or expired, so the caller can say which: the mailed link is
	// all its holder has.
	FindUserToken(tokenHash string) (*UserToken, error)
	// FindSSOConnectionsByDomain returns the SSO connections that claim
	// the email domain in every organization, oldest organization first:
	// the email is all a person signing in gives.
	FindSSOConnectionsByDomain(domain string) ([]*SSOConnection, error)
	// TakeSSOState deletes and returns the state with the hash, expired or
	// not (the caller says which); not found when it was taken already:
	// the state parameter is all a returning browser carries.
	TakeSSOState(stateHash string) (*SSOState, error)
	// FindMFAChallenge returns the challenge with the token hash even when
	// used or expired: the pending sign-in's token is all a browser holds.
	FindMFAChallenge(tokenHash string) (*MFAChallenge, error)
	// The OpenID provider's finders (see OIDCLookups).
	OIDCLookups
}

// ServerWide is the stores that serve every organization at once: the
// queues that background workers drain and the throttles that count
// requests before anyone is known.
type ServerWide interface {
	OutboxStore
	ThrottleStore
	ResetRequestStore
	SigningKeyStore
	OIDCRequestSweepStore
}

// OIDCRequestSweepStore deletes expired sign-in requests of the OpenID
// provider in every organization at once: anyone may start one, so none
// may stay for ever.
type OIDCRequestSweepStore interface {
	// PruneOIDCAuthRequests deletes the requests made before the time.
	PruneOIDCAuthRequests(createdBefore time.Time) error
}

// OutboxStore is the durable mail outbox. One sender drains it for every
// organization, so its methods after EnqueueMail go by the message's id.
type OutboxStore interface {
	// EnqueueMail adds a message to the durable outbox.
	EnqueueMail(m *OutboxMail) error
	// EnqueueMails adds many messages at once (an import).
	EnqueueMails(mails []*OutboxMail) error
	// PendingMail returns unsent mail due at now, oldest first.
	PendingMail(now time.Time, limit int) ([]*OutboxMail, error)
	// ClaimMail takes a due message for one sender until the lease ends; it
	// reports false when another sender claimed it first.
	ClaimMail(id string, now, until time.Time) (bool, error)
	MarkMailSent(id string, at time.Time) error
	MarkMailFailed(id string, attempts int, next time.Time, lastError string) error
}

// ThrottleStore counts failed sign-ins and password-reset requests. They
// are counted per account (an email, whether or not any user of any
// organization has it) and per client address, before anyone is known, so
// no organization is involved.
type ThrottleStore interface {
	// LockThrottle holds, until the transaction ends, a lock on the kind's
	// events of the account, so that two instances admitting attempts of
	// one account at once count one after the other: each sees the
	// attempt the other counted.
	LockThrottle(kind, account string) error
	// AddThrottleEvent records a throttled event and deletes every event of
	// its kind older than pruneBefore, so that the table stays small.
	AddThrottleEvent(e ThrottleEvent, pruneBefore time.Time) error
	// ThrottleEvents returns the times of the newest events that match f,
	// newest first, at most f.Limit.
	ThrottleEvents(f ThrottleFilter) ([]time.Time, error)
	// DeleteThrottleEvents forgets the events of the kind for the account,
	// from the address only when address is not empty.
	DeleteThrottleEvents(kind, account, address string) error
}

// ResetRequestStore is the queue of password-reset requests. A request is
// an email, queued before anyone is looked up (the answer does the same
// work whether or not the email exists); the worker that takes it looks the
// email up in every organization.
type ResetRequestStore interface {
	// EnqueueResetRequest queues a password-reset request for the worker.
	EnqueueResetRequest(r *ResetRequest) error
	// DueResetRequests returns queued requests not claimed at now, oldest first.
	DueResetRequests(now time.Time, limit int) ([]*ResetRequest, error)
	// ClaimResetRequest takes a due request until the lease ends; it reports
	// false when another worker claimed or finished it first.
	ClaimResetRequest(id string, now, until time.Time) (bool, error)
	// DeleteResetRequest removes a handled request.
	DeleteResetRequest(id string) error
}

// UserFilter selects users. Zero fields do not filter.
type UserFilter struct {
	OrgID      string
	Status     UserStatus
	GroupID    string
	FacilityID string
	// SiteGroupID and SiteFacilityID, together, keep the users who hold the
	// group at the facility at the transaction's time: a site role there,
	// or the group organization-wide with the facility assigned.
	SiteGroupID    string
	SiteFacilityID string
	Licence        string // licence tier name (catalogs with licences)
	Query          string // case-insensitive substring of first name, last name or email
	// Invitation keeps the users whose latest invitation is open (neither
	// accepted nor replaced) and, for InvitationPending, not yet expired or,
	// for InvitationExpired, expired; InvitationOpen keeps both. Expiry is
	// judged at the transaction's time.
	Invitation string
	// Within, when not nil, keeps users assigned to at least one of these
	// facilities (the scope of an admin without full access).
	Within []string
	// Sort orders the users: SortID (the default: creation order), SortName
	// (last name, first name), SortEmail or SortLastSignIn (never signed in
	// first); Desc reverses it.
	Sort string
	Desc bool
	// After is the cursor: the id of the last user seen, in any order.
	After string
	// Offset skips that many users after After: the web UI's numbered
	// pages, which go back as well as forward.
	Offset int
	Limit  int
}

// Sort orders of the user list.
const (
	SortID    = ""
	SortName  = "name"
	SortEmail = "email"
	// SortLastSignIn orders by the last sign-in, users who never signed in
	// first.
	SortLastSignIn = "last_sign_in"
)

// SortOrders lists the valid sort orders.
var SortOrders = []string{SortID, SortName, SortEmail, SortLastSignIn}

// Invitation states a user list can be filtered by (see UserFilter).
const (
	InvitationPending = "pending"
	InvitationExpired = "expired"
	InvitationOpen    = "open" // pending or expired
)

// InvitationFilters lists the valid invitation filters ("" does not filter).
var InvitationFilters = []string{"", InvitationPending, InvitationExpired, InvitationOpen}

// GroupFilter selects groups.
type GroupFilter struct {
	OrgID string
	Query string // case-insensitive substring of the name or description
	After string
	Limit int
}

// FacilityFilter selects facilities.
type FacilityFilter struct {
	OrgID    string
	Query    string // case-insensitive substring of the name or external id
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
	// ThrottleCodeFailure is a wrong second-factor code, per user id.
	ThrottleCodeFailure = "code_failure"
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

// The OpenID provider's stores (docs/oidc.md; types in oidc.go).

// OIDCClientStore holds an organization's OIDC clients.
type OIDCClientStore interface {
	CreateOIDCClient(c *OIDCClient) error
	FindOIDCClients(orgID string) ([]*OIDCClient, error)
	FindOIDCClient(orgID, id string) (*OIDCClient, error)
	UpdateOIDCClient(c *OIDCClient) error
	DeleteOIDCClient(orgID, id string) error
}

// OIDCGrantStore holds what the provider keeps of a sign-in: auth
// requests, access and refresh tokens. Every instance serving the database
// sees the same.
type OIDCGrantStore interface {
	CreateOIDCAuthRequest(r *OIDCAuthRequest) error
	// CompleteOIDCAuthRequest records who signed in for the request.
	CompleteOIDCAuthRequest(orgID, id, userID string, amr []string, authTime time.Time) error
	SetOIDCAuthCode(orgID, id, codeHash string) error
	DeleteOIDCAuthRequest(orgID, id string) error
	CreateOIDCToken(t *OIDCToken) error
	// RotateOIDCRefreshToken marks an open refresh token used; it reports
	// false when it was rotated or revoked already (a reuse).
	RotateOIDCRefreshToken(orgID, id string, at time.Time) (bool, error)
	// RevokeOIDCTokenFamily revokes every refresh token of the family and
	// the access tokens issued with them.
	RevokeOIDCTokenFamily(orgID, familyID string, at time.Time) error
	RevokeOIDCToken(orgID, id string, at time.Time) error
	// RevokeOIDCUserTokens revokes every token of the user, of one client
	// or (clientID "") of all.
	RevokeOIDCUserTokens(orgID, userID, clientID string, at time.Time) error
}

// OIDCLookups are the provider's finders by what a request carries: a
// client id, an auth request id, a code, a token.
type OIDCLookups interface {
	FindOIDCClientAnyOrg(id string) (*OIDCClient, error)
	FindOIDCAuthRequest(id string) (*OIDCAuthRequest, error)
	FindOIDCAuthRequestByCode(codeHash string) (*OIDCAuthRequest, error)
	FindOIDCToken(id string) (*OIDCToken, error)
	FindOIDCRefreshToken(tokenHash string) (*OIDCToken, error)
}

// SigningKeyStore holds the provider's signing keys, shared by every
// organization (the issuer is the server).
type SigningKeyStore interface {
	CreateSigningKey(k *SigningKey) error
	// SigningKeys returns the keys not retired at now, newest first.
	SigningKeys(now time.Time) ([]*SigningKey, error)
	// RetireSigningKeys sets RetireAt on every key without one but exceptID.
	RetireSigningKeys(exceptID string, at time.Time) error
}
