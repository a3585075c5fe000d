package gatehouse

import (
	"strings"
	"time"
)

// An SSOConnection signs an organization's users in through the
// organization's own OpenID Connect provider (Microsoft Entra ID, Google
// Workspace, Okta, Keycloak…): users whose email is in one of Domains are
// sent there instead of being asked for a password.
type SSOConnection struct {
	ID       string
	OrgID    string
	Name     string
	Issuer   string // the provider's issuer URL, where discovery starts
	ClientID string
	// ClientSecret is stored as given, in the database, because Gatehouse
	// must send it to the provider's token endpoint (docs/sso.md). No
	// answer ever carries it back.
	ClientSecret string
	Scopes       []string // requested besides openid; default email and profile
	Domains      []string // lower-case email domains, each claimed once per organization
	// CreateUsers creates, at their first sign-in, the users of Domains that
	// the organization does not know yet, with DefaultGroupIDs.
	CreateUsers     bool
	DefaultGroupIDs []string // sorted
	// PasswordSignInDisabled refuses password sign-in, the password form and
	// password reset to the organization's users of Domains.
	PasswordSignInDisabled bool
	// UpdatedBy is the user who last saved the connection ("" for the
	// system): the default groups were judged within what they could grant.
	UpdatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PrefixSSOConnection starts the ids of SSO connections.
const PrefixSSOConnection = "sso_"

// AMRFederated is the session's method reference when the identity provider
// states none: a federated sign-in (the value Microsoft Entra ID uses).
const AMRFederated = "fed"

// An SSOState is one sign-in sent to an identity provider and not yet back:
// what the callback needs to check the answer (the nonce, the PKCE
// verifier) and where to go after. It is kept in the database, so that any
// instance can take the callback, and taken once.
type SSOState struct {
	StateHash    string // the hash of the state parameter; the state itself is never stored
	OrgID        string
	ConnectionID string
	Nonce        string
	CodeVerifier string
	Next         string // the page to open once signed in
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

// EmailDomain is the normalized domain of an email address, "" when it has none.
func EmailDomain(email string) string {
	email = NormalizeEmail(email)
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return email[at+1:]
}
