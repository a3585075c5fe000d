package gatehouse

// An Actor is who performs an operation: a user (directly or through one of
// their API keys) or the system itself (the CLI, migrations).
type Actor struct {
	OrgID    string
	UserID   string // "" for the system
	APIKeyID string // set when the user acts through an API key
	// Anonymous marks a caller who is not signed in (a failed sign-in, a
	// password-reset request); it may do nothing but be recorded.
	Anonymous bool
}

// AnonymousActor is an unauthenticated caller, for the audit log.
func AnonymousActor(orgID string) Actor { return Actor{OrgID: orgID, Anonymous: true} }

// Type is the actor's kind in the audit log.
func (a Actor) Type() string {
	switch {
	case a.Anonymous:
		return ActorAnonymous
	case a.APIKeyID != "":
		return ActorAPIKey
	case a.UserID != "":
		return ActorUser
	}
	return ActorSystem
}

// SystemActor is the operator at the command line: the whole organization is
// theirs to manage, as if they held full access.
func SystemActor(orgID string) Actor { return Actor{OrgID: orgID} }

// IsSystem reports whether the actor is the system rather than a user.
func (a Actor) IsSystem() bool { return a.UserID == "" && !a.Anonymous }

// SessionCookie is the name of the cookie that carries a session token, for
// the web UI and the API alike.
const SessionCookie = "gatehouse_session"
