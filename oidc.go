package gatehouse

import "time"

// An OIDCClient is an application that signs the organization's users in
// through Gatehouse, the OpenID Connect provider (docs/oidc.md). It
// belongs to one organization and signs in only that organization's users.
type OIDCClient struct {
	ID    string
	OrgID string
	Name  string
	// Confidential clients (a server-side web app, a service) hold a
	// secret; public ones (a single-page or native app) cannot, and must
	// use PKCE with S256.
	Confidential bool
	// SecretHash is the SHA-256 of the secret, shown once; "" for public
	// clients.
	SecretHash             string
	RedirectURIs           []string // exact match; https, or http on localhost
	PostLogoutRedirectURIs []string
	Scopes                 []string // the scopes it may ask for, besides openid
	GrantTypes             []string // authorization_code, refresh_token, client_credentials
	// ServiceUserID, when set, is the user (a service account) the client
	// acts as with its client-credentials tokens, which the API then
	// accepts as that user's bearer credentials; "" for none.
	ServiceUserID string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Grant types an OIDC client may be allowed.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// OIDCGrantTypes lists the grant types an OIDC client may be allowed.
var OIDCGrantTypes = []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials}

// OIDCScopes lists the scopes an OIDC client may be allowed besides openid.
var OIDCScopes = []string{"profile", "email", "phone", "offline_access"}

// PrefixOIDCClient starts OIDC client ids; PrefixOIDCClientSecret starts
// their secrets.
const (
	PrefixOIDCClient       = "app_"
	PrefixOIDCClientSecret = "ghc_"
)

// An OIDCAuthRequest is one authorization request of a client, from the
// authorize endpoint until its code is exchanged. Request is the request's
// parameters as the provider parsed them (JSON), which the store keeps
// whole.
type OIDCAuthRequest struct {
	ID       string
	OrgID    string // the client's organization
	ClientID string
	Request  []byte
	// MaxAge is how old, in seconds, the user's sign-in may be (max_age);
	// 0 asks for a new sign-in (prompt=login); -1 accepts any.
	MaxAge    int64
	CreatedAt time.Time
	// Set once the user has signed in (Done).
	UserID   string
	AMR      []string
	AuthTime time.Time
	Done     bool
	// CodeHash is the SHA-256 of the code issued for it, "" before.
	CodeHash string
}

// An OIDCToken is an access token the provider issued (its JWT id), or a
// refresh token (only its hash is kept). Refresh tokens of one sign-in
// share a family: each use rotates the token, and presenting a rotated one
// again revokes the whole family.
type OIDCToken struct {
	ID        string
	OrgID     string
	ClientID  string
	UserID    string // "" for a client's own token (client credentials)
	Refresh   bool
	TokenHash string // refresh tokens: SHA-256 of the token
	FamilyID  string // refresh tokens: the sign-in they come from
	Scopes    []string
	Audience  []string
	AMR       []string
	AuthTime  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time
	RotatedAt *time.Time // refresh tokens: when it was exchanged for the next
	RevokedAt *time.Time
}

// PrefixOIDCToken starts the ids of tokens; PrefixOIDCRefresh starts
// refresh tokens.
const (
	PrefixOIDCToken   = "tok_"
	PrefixOIDCRefresh = "ghr_"
)

// A SigningKey is one of the provider's keys for signing tokens. The
// newest is used; older ones stay published until RetireAt, when every
// token they signed has expired.
type SigningKey struct {
	ID         string
	Algorithm  string // RS256
	PrivateKey []byte // PKCS #8 DER, stored as is (see docs/oidc.md)
	CreatedAt  time.Time
	RetireAt   *time.Time
}
