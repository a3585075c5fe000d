package gatehouse

import (
	"slices"
	"strings"
	"time"
)

// UserStatus is where a user is in their lifecycle.
type UserStatus string

const (
	StatusInvited  UserStatus = "invited"  // invited, has not accepted yet
	StatusActive   UserStatus = "active"   // may sign in and be granted access
	StatusInactive UserStatus = "inactive" // deactivated: may do nothing
)

// Valid reports whether s is a known status.
func (s UserStatus) Valid() bool {
	return s == StatusInvited || s == StatusActive || s == StatusInactive
}

// An Organization is a tenant. Everything else belongs to exactly one.
type Organization struct {
	ID        string
	Name      string
	Template  string
	Revision  int64 // bumped by every write, so checks can ask for fresh state
	CreatedAt time.Time
}

// A User is a person in an organization.
type User struct {
	ID            string
	OrgID         string
	FirstName     string
	LastName      string
	Email         string
	Phone         string
	Status        UserStatus
	FullAccess    bool
	Licence       string   // a licence name of the catalog, "" where it has none
	GroupIDs      []string // sorted
	Permissions   []string // direct permissions, sorted codenames
	FacilityIDs   []string // assigned facilities, sorted
	EmailVerified bool
	// PendingEmail is a new email of an active or inactive user that waits
	// for its verification link: until then Email stays the address used
	// for sign-in and password reset. "" when none waits.
	PendingEmail string
	// PendingEmailBy is the user who asked for PendingEmail ("" for the
	// system): confirming needs them still to cover this user's access, so
	// that a change asked while the user was within a limited admin's reach
	// cannot be completed after the user was given more.
	PendingEmailBy string
	// Invitation is the user's latest invitation, when they have one.
	Invitation *Invitation
	// LastSignInAt is when a session of the user last started (a sign-in,
	// or accepting the invitation); nil before the first.
	LastSignInAt *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// NormalizeEmail is the form in which emails are compared: unique per
// organization, case-insensitively.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// A Group (role) is a named set of permissions.
type Group struct {
	ID          string
	OrgID       string
	Name        string
	Description string
	Permissions []string // sorted codenames
	MemberCount int
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// A Facility is the unit of data scoping: assets, work orders and service
// reports of the host platform carry a facility id.
type Facility struct {
	ID         string
	OrgID      string
	Name       string
	ExternalID string // the host platform's id, optional
	Archived   bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// An Invitation lets one invited user set a password and become active.
// Only the token's hash is stored; regenerating replaces it.
type Invitation struct {
	ID         string
	OrgID      string
	UserID     string
	TokenHash  string
	ExpiresAt  time.Time
	AcceptedAt *time.Time
	RevokedAt  *time.Time // set when a newer invitation replaced it
	CreatedAt  time.Time
}

// State names where an invitation stands: pending, accepted, expired or
// replaced (by a newer one).
func (inv *Invitation) State(now time.Time) string {
	switch {
	case inv.AcceptedAt != nil:
		return "accepted"
	case inv.RevokedAt != nil:
		return "replaced"
	case !now.Before(inv.ExpiresAt):
		return "expired"
	}
	return "pending"
}

// An APIKey is a secret that acts as the user who owns it. Only its hash is
// stored; the secret is shown once, at creation.
type APIKey struct {
	ID         string
	OrgID      string
	UserID     string
	Name       string
	Prefix     string // the first characters of the secret, to recognise it
	SecretHash string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// APIKeyPrefix starts every API key secret so that scanners can spot leaks.
const APIKeyPrefix = "ghk_"

// A Session is a signed-in user: the web UI's cookie or a password sign-in
// through the API. Only the token's hash is stored.
type Session struct {
	ID         string
	OrgID      string
	UserID     string
	TokenHash  string
	Client     string // the client's address at sign-in
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the absolute limit
	// AMR says how the user proved who they are, as RFC 8176 method
	// references ("pwd", "otp", "hwk", "mfa"…), in the order used.
	AMR []string
}

// AMRPassword is the method reference of a password sign-in (RFC 8176).
const AMRPassword = "pwd"

// PrefixSession starts session ids.
const PrefixSession = "ses_"

// A UserToken is a single-use secret mailed to a user: to verify an email
// address, or to reset a password. Only its hash is stored.
type UserToken struct {
	ID        string
	OrgID     string
	UserID    string
	Purpose   string // TokenEmailVerification or TokenPasswordReset
	Email     string // the address it was sent to
	TokenHash string
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time // set when a newer token of the same purpose replaced it
	CreatedAt time.Time
}

// Purposes of user tokens.
const (
	TokenEmailVerification = "email_verification"
	TokenPasswordReset     = "password_reset"
	PrefixToken            = "tok_"
	PrefixMail             = "mail_"
)

// OutboxMail is a message waiting in the durable outbox, or sent from it.
type OutboxMail struct {
	ID            string
	OrgID         string
	Message       Message
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	SentAt        *time.Time
	CreatedAt     time.Time
}

// UserPatch changes the fields that are not nil; lists replace the user's.
type UserPatch struct {
	FirstName   *string
	LastName    *string
	Email       *string
	Phone       *string
	FullAccess  *bool
	Licence     *string
	GroupIDs    *[]string
	Permissions *[]string
	FacilityIDs *[]string
}

// Apply changes u by p: the one place where a patch meets a user. Lists
// become sets (sorted, without repeats). Email follows the rules of an
// email change: asking for the current address (compared
// case-insensitively) withdraws a pending change and keeps the address as
// it is; asking for the pending one changes nothing; another address goes
// in Email (the service then holds it as pending for a user who is not
// invited, whose new address is unverified until confirmed).
func (u *User) Apply(p UserPatch) {
	setIf(&u.FirstName, p.FirstName)
	setIf(&u.LastName, p.LastName)
	setIf(&u.Phone, p.Phone)
	setIf(&u.FullAccess, p.FullAccess)
	setIf(&u.Licence, p.Licence)
	if p.Email != nil {
		u.changeEmail(*p.Email)
	}
	for _, l := range []struct{ dst, src *[]string }{{&u.GroupIDs, p.GroupIDs}, {&u.Permissions, p.Permissions}, {&u.FacilityIDs, p.FacilityIDs}} {
		if l.src != nil {
			*l.dst = SortedSet(*l.src)
		}
	}
}

func (u *User) changeEmail(email string) {
	switch e := NormalizeEmail(email); {
	case e == NormalizeEmail(u.Email):
		u.PendingEmail, u.PendingEmailBy = "", ""
	case u.PendingEmail != "" && e == NormalizeEmail(u.PendingEmail):
	default:
		if u.Status == StatusInvited {
			u.EmailVerified = false
		}
		u.Email = email
	}
}

func setIf[T any](field *T, value *T) {
	if value != nil {
		*field = *value
	}
}

// SortedSet returns values sorted, without repeats, in a new slice.
func SortedSet(values []string) []string {
	out := slices.Clone(values)
	slices.Sort(out)
	return slices.Compact(out)
}
