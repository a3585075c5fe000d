package gatehouse

// An Actor is who performs an operation: a user (directly or through one of
// their API keys) or the system itself (the CLI, migrations).
type Actor struct {
	OrgID    string
	UserID   string // "" for the system
	APIKeyID string // set when the user acts through an API key
}

// SystemActor is the operator at the command line: the whole organization is
// theirs to manage, as if they held full access.
func SystemActor(orgID string) Actor { return Actor{OrgID: orgID} }

// IsSystem reports whether the actor is the system rather than a user.
func (a Actor) IsSystem() bool { return a.UserID == "" }
