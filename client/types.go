package client

import "time"

// The API's JSON shapes. Field for field they mirror the OpenAPI document
// (/api/v1/openapi.json); the package's tests compare the two.

// User statuses.
const (
	StatusInvited  = "invited"
	StatusActive   = "active"
	StatusInactive = "inactive"
)

// A User is a member of the organization.
type User struct {
	ID            string   `json:"id"`
	FirstName     string   `json:"first_name"`
	LastName      string   `json:"last_name"`
	Email         string   `json:"email"`
	Phone         string   `json:"phone"`
	Status        string   `json:"status"` // invited, active or inactive
	FullAccess    bool     `json:"full_access"`
	Licence       string   `json:"licence"` // empty where the catalog has no licences
	GroupIDs      []string `json:"group_ids"`
	Permissions   []string `json:"permissions"` // direct permissions (codenames)
	FacilityIDs   []string `json:"facility_ids"`
	EmailVerified bool     `json:"email_verified"`
	// PendingEmail is a new email waiting for its verification link; until
	// it is confirmed, Email stays the address for sign-in and password
	// reset. Empty when none waits.
	PendingEmail string      `json:"pending_email"`
	Invitation   *Invitation `json:"invitation"`      // the latest invitation; nil for users created without one
	LastSignInAt *time.Time  `json:"last_sign_in_at"` // nil before their first sign-in
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
}

// An Invitation is the state of a user's latest invitation.
type Invitation struct {
	State      string     `json:"state"` // pending, accepted, expired or replaced
	SentAt     time.Time  `json:"sent_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AcceptedAt *time.Time `json:"accepted_at"`
}

// A PendingInvitation is an invited user's open invitation.
type PendingInvitation struct {
	UserID    string    `json:"user_id"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	Email     string    `json:"email"`
	State     string    `json:"state"` // pending or expired
	SentAt    time.Time `json:"sent_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// NewUser is an invitation: the user is created invited and mailed a link.
type NewUser struct {
	FirstName   string   `json:"first_name"`
	LastName    string   `json:"last_name"`
	Email       string   `json:"email"`
	Phone       string   `json:"phone,omitempty"`
	FullAccess  bool     `json:"full_access,omitempty"`
	Licence     string   `json:"licence,omitempty"` // defaults to the catalog's default
	GroupIDs    []string `json:"group_ids,omitempty"`
	Permissions []string `json:"permissions,omitempty"`
	FacilityIDs []string `json:"facility_ids,omitempty"`
}

// UserPatch changes the fields that are not nil. Lists replace the user's:
// client.Ptr([]string{}) clears them.
type UserPatch struct {
	FirstName   *string   `json:"first_name,omitempty"`
	LastName    *string   `json:"last_name,omitempty"`
	Email       *string   `json:"email,omitempty"` // unverified until confirmed
	Phone       *string   `json:"phone,omitempty"`
	FullAccess  *bool     `json:"full_access,omitempty"`
	Licence     *string   `json:"licence,omitempty"`
	GroupIDs    *[]string `json:"group_ids,omitempty"`
	Permissions *[]string `json:"permissions,omitempty"`
	FacilityIDs *[]string `json:"facility_ids,omitempty"`
}

// A Group (role) is a named set of permissions.
type Group struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Permissions []string  `json:"permissions"`
	MemberCount int       `json:"member_count"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// NewGroup creates a group.
type NewGroup struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Permissions []string `json:"permissions,omitempty"`
}

// GroupPatch changes the fields that are not nil; Permissions replaces the
// group's.
type GroupPatch struct {
	Name        *string   `json:"name,omitempty"`
	Description *string   `json:"description,omitempty"`
	Permissions *[]string `json:"permissions,omitempty"`
}

// A Facility is the unit of data scoping.
type Facility struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	ExternalID string    `json:"external_id"` // the host platform's id
	Archived   bool      `json:"archived"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// NewFacility creates a facility.
type NewFacility struct {
	Name       string `json:"name"`
	ExternalID string `json:"external_id,omitempty"`
}

// FacilityPatch changes the fields that are not nil.
type FacilityPatch struct {
	Name       *string `json:"name,omitempty"`
	ExternalID *string `json:"external_id,omitempty"`
	Archived   *bool   `json:"archived,omitempty"`
}

// An APIKey acts as the user who owns it. Its secret is shown only once, in
// the NewAPIKey that creates it.
type APIKey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // the secret's first characters
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// NewAPIKey is a key just created, with its secret.
type NewAPIKey struct {
	APIKey
	Secret string `json:"secret"` // send as Authorization: Bearer <secret>; shown this once
}

// Catalog is the organization's permission catalog.
type Catalog struct {
	Template   string     `json:"template"`
	Categories []Category `json:"categories"`
	Licences   []Licence  `json:"licences"` // lowest first; empty where the catalog has none
}

// A Category groups permissions.
type Category struct {
	Name        string       `json:"name"`
	Key         string       `json:"key"`
	Permissions []Permission `json:"permissions"`
}

// A Permission is one codename of the catalog.
type Permission struct {
	Codename       string `json:"codename"`
	Label          string `json:"label"`
	MinLicence     string `json:"min_licence"`
	FacilityScoped bool   `json:"facility_scoped"`
}

// A Licence is a tier of the licence ladder.
type Licence struct {
	Name                string   `json:"name"`
	Label               string   `json:"label"`
	Rank                int      `json:"rank"`
	ImplicitPermissions []string `json:"implicit_permissions"`
}

// A Source is where a permission comes from: {"type": "group", "id":
// "grp_…"}, a direct grant, a licence or full access.
type Source struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"` // group id or licence name
}

// An EffectivePermission is one permission a user holds, where it comes
// from and where it applies.
type EffectivePermission struct {
	Codename       string   `json:"codename"`
	Category       string   `json:"category"`
	GrantedBy      []Source `json:"granted_by"`
	FacilityScoped bool     `json:"facility_scoped"`
	AllFacilities  bool     `json:"all_facilities"`
	FacilityIDs    []string `json:"facility_ids"`
	OwnOnly        bool     `json:"own_only"`
}

// A Resource is the thing a check is about, as the host platform knows it.
// Every field is optional; the zero Resource asks "anywhere at all?".
type Resource struct {
	FacilityID string `json:"facility_id,omitempty"`
	CreatedBy  string `json:"created_by,omitempty"`
	AssigneeID string `json:"assignee_id,omitempty"`
}

// A CheckRequest is one question of a batch.
type CheckRequest struct {
	UserID      string   `json:"user_id"`
	Permission  string   `json:"permission"`
	Resource    Resource `json:"resource,omitzero"`
	MinRevision Revision `json:"min_revision,omitempty"` // raised to the client's revision when lower
}

// A Decision answers a check, with its explanation.
type Decision struct {
	Allowed   bool     `json:"allowed"`
	Reason    string   `json:"reason"` // granted, full_access, permission_missing, facility_not_assigned, not_own, user_inactive, ...
	GrantedBy []Source `json:"granted_by"`
	OwnOnly   bool     `json:"own_only"` // allowed only for items the user created or is assigned to
	Message   string   `json:"message"`
	Revision  Revision `json:"revision"` // the revision the answer comes from
}

// A Filter says which rows a user may see, for a list query's WHERE clause:
// none (!Allowed), every facility's (AllFacilities) or FacilityIDs' rows;
// OwnOnly narrows them to the rows the user created or is assigned to.
type Filter struct {
	Allowed       bool     `json:"allowed"`
	Reason        string   `json:"reason"`
	AllFacilities bool     `json:"all_facilities"`
	FacilityIDs   []string `json:"facility_ids"`
	OwnOnly       bool     `json:"own_only"`
	Revision      Revision `json:"revision"`
}

// An AuditEvent records one write: who did what to whom, when and from
// where.
type AuditEvent struct {
	ID         string            `json:"id"`
	At         time.Time         `json:"at"`
	ActorType  string            `json:"actor_type"` // user, api_key, system or anonymous
	ActorID    string            `json:"actor_id"`   // the user who acted, also for API keys
	APIKeyID   string            `json:"api_key_id,omitempty"`
	Action     string            `json:"action"` // e.g. user.invited
	TargetType string            `json:"target_type"`
	TargetID   string            `json:"target_id"`
	Client     string            `json:"client"`
	RequestID  string            `json:"request_id"`
	Changes    map[string]Change `json:"changes"`
}

// A Change is one field's value before and after a write.
type Change struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// A Session is one of the caller's signed-in sessions.
type Session struct {
	ID         string    `json:"id"`
	Client     string    `json:"client"` // the client's address at sign-in
	UserAgent  string    `json:"user_agent"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current"` // the session of this request
	// AMR says how the user signed in (RFC 8176): "pwd", then "otp" or
	// "hwk" and "mfa" when a second factor was used.
	AMR []string `json:"amr"`
}

// Credentials sign a user in.
type Credentials struct {
	Email          string `json:"email"`
	Password       string `json:"password"`
	OrganizationID string `json:"organization_id,omitempty"` // only where the email is in several organizations
}

// SignedIn is a new session.
type SignedIn struct {
	User      User      `json:"user"`
	ExpiresAt time.Time `json:"expires_at"`
	// SecondFactor is set, and User and ExpiresAt are zero, when the
	// password was right and the user must still give a second factor:
	// no session exists until CompleteSignIn.
	SecondFactor *SecondFactor `json:"second_factor,omitempty"`
	// Token is the session's secret (the gatehouse_session cookie); the
	// client sends it with later calls when it has no API key.
	Token string `json:"-"`
}

// SecondFactor is the step a password sign-in waits for.
type SecondFactor struct {
	// Token names the pending sign-in for CompleteSignIn: single use,
	// short-lived.
	Token string `json:"token"`
	// Methods are how it can be completed ("totp", "webauthn",
	// "recovery_code"); through the API, totp and recovery_code.
	Methods   []string  `json:"methods"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Security is the organization's sign-in security.
type Security struct {
	// MFAPolicy says who must use a second factor: "off", "admins" (users
	// who hold any admin operation) or "all".
	MFAPolicy string `json:"mfa_policy"`
}

// Me is the caller and their organization.
type Me struct {
	User         User         `json:"user"`
	Organization Organization `json:"organization"`
	APIKeyID     string       `json:"api_key_id,omitempty"` // set when the caller used an API key
}

// Organization is the tenant, with its current revision.
type Organization struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Template string   `json:"template"`
	Revision Revision `json:"revision"`
}

// An Application signs the organization's users in through Gatehouse, the
// OpenID Connect provider: its ID is the client_id (docs/oidc.md).
type Application struct {
	ID                     string    `json:"id"`
	Name                   string    `json:"name"`
	Confidential           bool      `json:"confidential"` // holds a client secret; public ones use PKCE with S256
	RedirectURIs           []string  `json:"redirect_uris"`
	PostLogoutRedirectURIs []string  `json:"post_logout_redirect_uris"`
	Scopes                 []string  `json:"scopes"`          // besides openid: profile, email, phone, offline_access
	GrantTypes             []string  `json:"grant_types"`     // authorization_code, refresh_token, client_credentials
	ServiceUserID          string    `json:"service_user_id"` // the user its client-credentials tokens act as at the API; "" for none
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

// NewApplication registers an application.
type NewApplication struct {
	Name                   string   `json:"name"`
	Confidential           bool     `json:"confidential,omitempty"`
	RedirectURIs           []string `json:"redirect_uris,omitempty"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris,omitempty"`
	Scopes                 []string `json:"scopes,omitempty"`
	GrantTypes             []string `json:"grant_types,omitempty"`
	ServiceUserID          string   `json:"service_user_id,omitempty"`
}

// ApplicationPatch changes the fields that are not nil; lists replace.
type ApplicationPatch struct {
	Name                   *string   `json:"name,omitempty"`
	RedirectURIs           *[]string `json:"redirect_uris,omitempty"`
	PostLogoutRedirectURIs *[]string `json:"post_logout_redirect_uris,omitempty"`
	Scopes                 *[]string `json:"scopes,omitempty"`
	GrantTypes             *[]string `json:"grant_types,omitempty"`
	ServiceUserID          *string   `json:"service_user_id,omitempty"`
}

// NewApplicationSecret is an application with its client secret, shown
// only in the answer that makes it.
type NewApplicationSecret struct {
	Application
	ClientSecret string `json:"client_secret,omitempty"`
}
