package gatehouse

import "time"

// Multi-factor authentication: the factors a user enrols (TOTP apps and
// passkeys), their recovery codes, the pending steps between a right
// password and a session, and the organization's policy.

// Kinds of factors.
const (
	FactorTOTP     = "totp"     // an authenticator app (RFC 6238)
	FactorWebAuthn = "webauthn" // a passkey or security key
)

// A Factor is a second factor enrolled by a user.
type Factor struct {
	ID     string
	OrgID  string
	UserID string
	Kind   string // FactorTOTP or FactorWebAuthn
	Name   string // the user's label ("Phone", "YubiKey")
	// Secret is the TOTP key (base32) or, for a passkey, the credential
	// as the WebAuthn library stores it (JSON). Never shown after enrolment.
	Secret string
	// CredentialID is a passkey's credential id (base64url); "" for TOTP.
	CredentialID string
	// Counter is the last TOTP time step accepted, so that a code is never
	// accepted twice; for a passkey, its signature counter.
	Counter    int64
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// PrefixFactor starts factor ids.
const PrefixFactor = "mfa_"

// Purposes of MFA challenges.
const (
	// ChallengeSignIn is the step between a right password and a session.
	ChallengeSignIn = "sign_in"
	// ChallengeEnrolTOTP holds the secret shown during TOTP enrolment until
	// the first code confirms it.
	ChallengeEnrolTOTP = "enrol_totp"
	// ChallengeEnrolWebAuthn holds a passkey registration's ceremony.
	ChallengeEnrolWebAuthn = "enrol_webauthn"
)

// An MFAChallenge is a short-lived, single-use step of multi-factor
// authentication kept in the database, so that any instance can finish
// what another began. Only its token's hash is stored.
type MFAChallenge struct {
	ID        string
	OrgID     string
	UserID    string
	Purpose   string
	TokenHash string
	// Data is what the step carries: the TOTP secret being enrolled, or a
	// WebAuthn ceremony's session (JSON).
	Data      string
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

// PrefixChallenge starts challenge ids.
const PrefixChallenge = "mfc_"

// MFA policies of an organization.
const (
	MFAPolicyOff    = "off"    // factors are optional
	MFAPolicyAdmins = "admins" // required of users who hold any admin operation
	MFAPolicyAll    = "all"    // required of everyone
)

// MFAPolicies lists the valid policies.
var MFAPolicies = []string{MFAPolicyOff, MFAPolicyAdmins, MFAPolicyAll}

// Authentication method references (RFC 8176) beyond AMRPassword.
const (
	AMROTP = "otp" // a one-time code: TOTP or recovery code
	AMRHWK = "hwk" // proof of possession of a hardware-secured key (a passkey)
	AMRSWK = "swk" // proof of possession of a software-secured key
	AMRMFA = "mfa" // more than one factor
)

// MFAStore holds factors, recovery codes, MFA challenges and the
// organization's MFA policy; Lookups finds a challenge by its token.
type MFAStore interface {
	CreateFactor(f *Factor) error
	// FindFactors returns the user's factors, oldest first.
	FindFactors(orgID, userID string) ([]*Factor, error)
	// UseFactor records a use: the new counter and when. It fails with a
	// conflict when the stored counter is not below counter, so that two
	// instances cannot accept the same TOTP code.
	UseFactor(orgID, id string, counter int64, at time.Time) error
	DeleteFactor(orgID, userID, id string) error
	// DeleteUserFactors removes every factor and recovery code of the user.
	DeleteUserFactors(orgID, userID string) error

	// ReplaceRecoveryCodes stores the hashes of the user's new recovery
	// codes in place of any old ones.
	ReplaceRecoveryCodes(orgID, userID string, hashes []string) error
	// UseRecoveryCode marks an unused code of the user used; an unknown or
	// used code is not found.
	UseRecoveryCode(orgID, userID, hash string, at time.Time) error
	// CountRecoveryCodes counts the user's unused recovery codes.
	CountRecoveryCodes(orgID, userID string) (int, error)

	CreateMFAChallenge(c *MFAChallenge) error
	// UseMFAChallenge marks an open challenge used; a used one is a conflict.
	UseMFAChallenge(orgID, id string, at time.Time) error
	// SetMFAChallengeData replaces an open challenge's data.
	SetMFAChallengeData(orgID, id, data string) error

	// MFAPolicy returns the organization's policy (MFAPolicyOff when never set).
	MFAPolicy(orgID string) (string, error)
	SetMFAPolicy(orgID, policy string) error
}
