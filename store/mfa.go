package store

import (
	"database/sql"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse"
)

// CreateFactor stores a new factor of a user of the organization.
func (t *tx) CreateFactor(f *gatehouse.Factor) error {
	if err := t.checkIDs("users", "user", "user_id", f.OrgID, []string{f.UserID}); err != nil {
		return err
	}
	if f.ID == "" {
		f.ID = gatehouse.NewID(gatehouse.PrefixFactor)
	}
	f.CreatedAt = t.now
	_, err := t.exec(`INSERT INTO mfa_factors (id, org_id, user_id, kind, name, secret, credential_id, counter, created_at, last_used_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		f.ID, f.OrgID, f.UserID, f.Kind, f.Name, f.Secret, f.CredentialID, f.Counter, f.CreatedAt, nullTime(f.LastUsedAt))
	return dbError("create factor", err)
}

// FindFactors is the one factor finder: the user's factors, oldest first.
func (t *tx) FindFactors(orgID, userID string) ([]*gatehouse.Factor, error) {
	rows, err := t.query(`SELECT id, org_id, user_id, kind, name, secret, credential_id, counter, created_at, last_used_at
		FROM mfa_factors WHERE org_id = $1 AND user_id = $2 ORDER BY id`, orgID, userID)
	if err != nil {
		return nil, dbError("find factors", err)
	}
	defer rows.Close()
	out := []*gatehouse.Factor{}
	for rows.Next() {
		var f gatehouse.Factor
		var used sql.NullTime
		if err := rows.Scan(&f.ID, &f.OrgID, &f.UserID, &f.Kind, &f.Name, &f.Secret, &f.CredentialID, &f.Counter, &f.CreatedAt, &used); err != nil {
			return nil, dbError("find factors", err)
		}
		f.CreatedAt, f.LastUsedAt = f.CreatedAt.UTC(), timePtr(used)
		out = append(out, &f)
	}
	return out, dbError("find factors", rows.Err())
}

// UseFactor moves the factor's counter forward, only forward: of two
// instances accepting the same TOTP code at once, one fails here.
func (t *tx) UseFactor(orgID, id string, counter int64, at time.Time) error {
	res, err := t.exec(`UPDATE mfa_factors SET counter = $3, last_used_at = $4
		WHERE org_id = $1 AND id = $2 AND counter < $3`, orgID, id, counter, at.UTC())
	if err != nil {
		return dbError("use factor", err)
	}
	return dbError("use factor", affected(res, gatehouse.Errorf(gatehouse.ECONFLICT, "this code has already been used")))
}

func (t *tx) DeleteFactor(orgID, userID, id string) error {
	res, err := t.exec(`DELETE FROM mfa_factors WHERE org_id = $1 AND user_id = $2 AND id = $3`, orgID, userID, id)
	if err != nil {
		return dbError("delete factor", err)
	}
	return dbError("delete factor", affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "factor %q not found", id)))
}

func (t *tx) DeleteUserFactors(orgID, userID string) error {
	if _, err := t.exec(`DELETE FROM mfa_factors WHERE org_id = $1 AND user_id = $2`, orgID, userID); err != nil {
		return dbError("delete factors", err)
	}
	_, err := t.exec(`DELETE FROM mfa_recovery_codes WHERE org_id = $1 AND user_id = $2`, orgID, userID)
	return dbError("delete recovery codes", err)
}

func (t *tx) ReplaceRecoveryCodes(orgID, userID string, hashes []string) error {
	if _, err := t.exec(`DELETE FROM mfa_recovery_codes WHERE org_id = $1 AND user_id = $2`, orgID, userID); err != nil {
		return dbError("replace recovery codes", err)
	}
	for _, h := range hashes {
		if _, err := t.exec(`INSERT INTO mfa_recovery_codes (org_id, user_id, code_hash, used_at) VALUES ($1, $2, $3, NULL)`,
			orgID, userID, h); err != nil {
			return dbError("replace recovery codes", err)
		}
	}
	return nil
}

func (t *tx) UseRecoveryCode(orgID, userID, hash string, at time.Time) error {
	res, err := t.exec(`UPDATE mfa_recovery_codes SET used_at = $4
		WHERE org_id = $1 AND user_id = $2 AND code_hash = $3 AND used_at IS NULL`, orgID, userID, hash, at.UTC())
	if err != nil {
		return dbError("use recovery code", err)
	}
	return dbError("use recovery code", affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "recovery code not found")))
}

func (t *tx) CountRecoveryCodes(orgID, userID string) (int, error) {
	var n int
	err := t.queryRow(`SELECT COUNT(*) FROM mfa_recovery_codes WHERE org_id = $1 AND user_id = $2 AND used_at IS NULL`,
		orgID, userID).Scan(&n)
	return n, dbError("count recovery codes", err)
}

// CreateMFAChallenge stores a new challenge and deletes every expired one:
// the table holds only steps still in progress.
func (t *tx) CreateMFAChallenge(c *gatehouse.MFAChallenge) error {
	if err := t.checkIDs("users", "user", "user_id", c.OrgID, []string{c.UserID}); err != nil {
		return err
	}
	if _, err := t.exec(`DELETE FROM mfa_challenges WHERE expires_at < $1`, t.now); err != nil {
		return dbError("prune challenges", err)
	}
	if c.ID == "" {
		c.ID = gatehouse.NewID(gatehouse.PrefixChallenge)
	}
	c.CreatedAt = t.now
	_, err := t.exec(`INSERT INTO mfa_challenges (id, org_id, user_id, purpose, token_hash, data, expires_at, used_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8)`,
		c.ID, c.OrgID, c.UserID, c.Purpose, c.TokenHash, c.Data, c.ExpiresAt.UTC(), c.CreatedAt)
	return dbError("create challenge", err)
}

// FindMFAChallenge returns the challenge with the token hash, in whichever
// organization.
func (t *tx) FindMFAChallenge(tokenHash string) (*gatehouse.MFAChallenge, error) {
	var c gatehouse.MFAChallenge
	var used sql.NullTime
	err := t.queryRow(`SELECT id, org_id, user_id, purpose, token_hash, data, expires_at, used_at, created_at
		FROM mfa_challenges WHERE token_hash = $1`, tokenHash).Scan(
		&c.ID, &c.OrgID, &c.UserID, &c.Purpose, &c.TokenHash, &c.Data, &c.ExpiresAt, &used, &c.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "challenge not found")
	}
	if err != nil {
		return nil, dbError("find challenge", err)
	}
	c.ExpiresAt, c.CreatedAt, c.UsedAt = c.ExpiresAt.UTC(), c.CreatedAt.UTC(), timePtr(used)
	return &c, nil
}

func (t *tx) UseMFAChallenge(orgID, id string, at time.Time) error {
	res, err := t.exec(`UPDATE mfa_challenges SET used_at = $3 WHERE org_id = $1 AND id = $2 AND used_at IS NULL`,
		orgID, id, at.UTC())
	if err != nil {
		return dbError("use challenge", err)
	}
	return dbError("use challenge", affected(res, gatehouse.Errorf(gatehouse.ECONFLICT, "this step has already been completed; sign in again")))
}

func (t *tx) SetMFAChallengeData(orgID, id, data string) error {
	res, err := t.exec(`UPDATE mfa_challenges SET data = $3 WHERE org_id = $1 AND id = $2 AND used_at IS NULL`, orgID, id, data)
	if err != nil {
		return dbError("set challenge data", err)
	}
	return dbError("set challenge data", affected(res, gatehouse.Errorf(gatehouse.ECONFLICT, "this step has already been completed; sign in again")))
}

func (t *tx) MFAPolicy(orgID string) (string, error) {
	var policy string
	err := t.queryRow(`SELECT policy FROM mfa_policies WHERE org_id = $1`, orgID).Scan(&policy)
	if errors.Is(err, sql.ErrNoRows) {
		return gatehouse.MFAPolicyOff, nil
	}
	return policy, dbError("MFA policy", err)
}

func (t *tx) SetMFAPolicy(orgID, policy string) error {
	_, err := t.exec(`INSERT INTO mfa_policies (org_id, policy) VALUES ($1, $2)
		ON CONFLICT (org_id) DO UPDATE SET policy = excluded.policy`, orgID, policy)
	return dbError("set MFA policy", err)
}
