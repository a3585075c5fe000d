package gatehouse

// Links builds the absolute links that mail carries to the pages of the web
// UI. The web UI implements it from its own route table, and cmd/gatehouse
// gives it to the service, so that a page and the links mailed to it cannot
// drift apart.
type Links interface {
	// Invitation opens the page that accepts an invitation with token.
	Invitation(token string) string
	// EmailVerification opens the page that confirms an email address.
	EmailVerification(token string) string
	// PasswordReset opens the page that sets a new password with token.
	PasswordReset(token string) string
	// SignIn opens the sign-in page.
	SignIn() string
	// SSOCallback is where an organization's identity provider sends the
	// browser back after a single sign-on (the redirect URI to register
	// with the provider).
	SSOCallback() string
}
