package store

import (
	"database/sql"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse"
)

// CreateUserToken stores a new single-use token of a user.
func (t *tx) CreateUserToken(tok *gatehouse.UserToken) error {
	if err := t.checkIDs("users", "user", "user_id", tok.OrgID, []string{tok.UserID}); err != nil {
		return err
	}
	if tok.ID == "" {
		tok.ID = gatehouse.NewID(gatehouse.PrefixToken)
	}
	tok.CreatedAt = t.now
	_, err := t.exec(`INSERT INTO user_tokens (id, org_id, user_id, purpose, email, token_hash, expires_at, used_at, revoked_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, $8)`,
		tok.ID, tok.OrgID, tok.UserID, tok.Purpose, tok.Email, tok.TokenHash, tok.ExpiresAt.UTC(), tok.CreatedAt)
	return dbError("create token", err)
}

// FindUserToken returns the token with the hash, in whichever organization.
func (t *tx) FindUserToken(tokenHash string) (*gatehouse.UserToken, error) {
	var tok gatehouse.UserToken
	var used, revoked sql.NullTime
	err := t.queryRow(`SELECT id, org_id, user_id, purpose, email, token_hash, expires_at, used_at, revoked_at, created_at
		FROM user_tokens WHERE token_hash = $1`, tokenHash).Scan(
		&tok.ID, &tok.OrgID, &tok.UserID, &tok.Purpose, &tok.Email, &tok.TokenHash, &tok.ExpiresAt, &used, &revoked, &tok.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "token not found")
	}
	if err != nil {
		return nil, dbError("find token", err)
	}
	tok.ExpiresAt, tok.CreatedAt = tok.ExpiresAt.UTC(), tok.CreatedAt.UTC()
	tok.UsedAt, tok.RevokedAt = timePtr(used), timePtr(revoked)
	return &tok, nil
}

// UseUserToken marks an open token used, once.
func (t *tx) UseUserToken(orgID, id string, at time.Time) error {
	res, err := t.exec(`UPDATE user_tokens SET used_at = $3
		WHERE org_id = $1 AND id = $2 AND used_at IS NULL AND revoked_at IS NULL`, orgID, id, at.UTC())
	if err != nil {
		return dbError("use token", err)
	}
	return dbError("use token", affected(res, gatehouse.Errorf(gatehouse.ECONFLICT, "the token has already been used or replaced")))
}

// RevokeUserTokens ends the user's open tokens of one purpose.
func (t *tx) RevokeUserTokens(orgID, userID, purpose string) error {
	_, err := t.exec(`UPDATE user_tokens SET revoked_at = $4
		WHERE org_id = $1 AND user_id = $2 AND purpose = $3 AND used_at IS NULL AND revoked_at IS NULL`,
		orgID, userID, purpose, t.now)
	return dbError("revoke tokens", err)
}
