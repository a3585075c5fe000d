package store

import (
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
)

// CreateSession stores a new session of a user of the organization.
func (t *tx) CreateSession(s *gatehouse.Session) error {
	if err := t.checkIDs("users", "user", "user_id", s.OrgID, []string{s.UserID}); err != nil {
		return err
	}
	if s.ID == "" {
		s.ID = gatehouse.NewID(gatehouse.PrefixSession)
	}
	s.CreatedAt, s.LastSeenAt = t.now, t.now
	if len(s.AMR) == 0 {
		s.AMR = []string{gatehouse.AMRPassword}
	}
	_, err := t.exec(`INSERT INTO sessions (id, org_id, user_id, token_hash, client, user_agent, created_at, last_seen_at, expires_at, amr)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		s.ID, s.OrgID, s.UserID, s.TokenHash, s.Client, s.UserAgent, s.CreatedAt, s.LastSeenAt, s.ExpiresAt.UTC(), strings.Join(s.AMR, " "))
	if err != nil {
		return dbError("create session", err)
	}
	// A new session is a sign-in: the user list shows the last one.
	_, err = t.exec(`UPDATE users SET last_sign_in_at = $3 WHERE org_id = $1 AND id = $2`, s.OrgID, s.UserID, s.CreatedAt)
	return dbError("create session", err)
}

// FindSessionByToken returns the session with the token hash, in whichever
// organization it is.
func (t *tx) FindSessionByToken(tokenHash string) (*gatehouse.Session, error) {
	sessions, err := t.findSessions(`token_hash = $1`, tokenHash)
	if err != nil {
		return nil, err
	}
	if len(sessions) == 0 {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "session not found")
	}
	return sessions[0], nil
}

// FindSessions returns the user's sessions.
func (t *tx) FindSessions(orgID, userID string) ([]*gatehouse.Session, error) {
	return t.findSessions(`org_id = $1 AND user_id = $2`, orgID, userID)
}

// findSessions is the one session finder.
func (t *tx) findSessions(where string, args ...any) ([]*gatehouse.Session, error) {
	rows, err := t.query(`SELECT id, org_id, user_id, token_hash, client, user_agent, created_at, last_seen_at, expires_at, amr
		FROM sessions WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, dbError("find sessions", err)
	}
	defer rows.Close()
	out := []*gatehouse.Session{}
	for rows.Next() {
		var s gatehouse.Session
		var amr string
		if err := rows.Scan(&s.ID, &s.OrgID, &s.UserID, &s.TokenHash, &s.Client, &s.UserAgent, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &amr); err != nil {
			return nil, dbError("find sessions", err)
		}
		s.AMR = strings.Fields(amr)
		s.CreatedAt, s.LastSeenAt, s.ExpiresAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC()
		out = append(out, &s)
	}
	return out, dbError("find sessions", rows.Err())
}

func (t *tx) TouchSession(orgID, id string, at time.Time) error {
	_, err := t.exec(`UPDATE sessions SET last_seen_at = $1 WHERE org_id = $2 AND id = $3`, at.UTC(), orgID, id)
	return dbError("touch session", err)
}

func (t *tx) DeleteSession(orgID, id string) error {
	res, err := t.exec(`DELETE FROM sessions WHERE org_id = $1 AND id = $2`, orgID, id)
	if err != nil {
		return dbError("delete session", err)
	}
	return dbError("delete session", affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "session %q not found", id)))
}

// DeleteUserSessions ends every session of the user, and with them every
// token the OpenID provider issued them and every MFA step of theirs still
// open: whatever ends a user's sessions (deactivation, a password reset or
// change) ends their sign-ins to applications too, and a sign-in waiting
// for its second factor was opened with a password just made worthless.
func (t *tx) DeleteUserSessions(orgID, userID string) error {
	if _, err := t.exec(`DELETE FROM sessions WHERE org_id = $1 AND user_id = $2`, orgID, userID); err != nil {
		return dbError("delete sessions", err)
	}
	if _, err := t.exec(`DELETE FROM mfa_challenges WHERE org_id = $1 AND user_id = $2`, orgID, userID); err != nil {
		return dbError("delete MFA steps", err)
	}
	return t.RevokeOIDCUserTokens(orgID, userID, "", t.now)
}
