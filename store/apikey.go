package store

import (
	"database/sql"
	"time"

	"github.com/gatehouse/gatehouse"
)

// CreateAPIKey stores a new API key of a user of the organization. It gives
// k an id when it has none and sets its CreatedAt.
func (t *tx) CreateAPIKey(k *gatehouse.APIKey) error {
	if err := t.checkIDs("users", "user", "user_id", k.OrgID, []string{k.UserID}); err != nil {
		return err
	}
	if k.ID == "" {
		k.ID = gatehouse.NewID(gatehouse.PrefixAPIKey)
	}
	k.CreatedAt = t.now
	_, err := t.exec(`INSERT INTO api_keys (id, org_id, user_id, name, prefix, secret_hash, created_at, last_used_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		k.ID, k.OrgID, k.UserID, k.Name, k.Prefix, k.SecretHash, k.CreatedAt, nullTime(k.LastUsedAt))
	return dbError("create API key", err)
}

// FindAPIKeyBySecret returns the key with the secret hash, in whichever
// organization it is: the secret is what identifies it.
func (t *tx) FindAPIKeyBySecret(secretHash string) (*gatehouse.APIKey, error) {
	keys, err := t.findAPIKeys(`secret_hash = $1`, secretHash)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "API key not found")
	}
	return keys[0], nil
}

// FindAPIKeys returns the user's keys by id; with userID "", every key of
// the organization.
func (t *tx) FindAPIKeys(orgID, userID string) ([]*gatehouse.APIKey, error) {
	if userID == "" {
		return t.findAPIKeys(`org_id = $1`, orgID)
	}
	return t.findAPIKeys(`org_id = $1 AND user_id = $2`, orgID, userID)
}

// findAPIKeys is the one API key finder.
func (t *tx) findAPIKeys(where string, args ...any) ([]*gatehouse.APIKey, error) {
	rows, err := t.query(`SELECT id, org_id, user_id, name, prefix, secret_hash, created_at, last_used_at
		FROM api_keys WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, dbError("find API keys", err)
	}
	defer rows.Close()
	keys := []*gatehouse.APIKey{}
	for rows.Next() {
		var k gatehouse.APIKey
		var lastUsed sql.NullTime
		if err := rows.Scan(&k.ID, &k.OrgID, &k.UserID, &k.Name, &k.Prefix, &k.SecretHash, &k.CreatedAt, &lastUsed); err != nil {
			return nil, dbError("find API keys", err)
		}
		k.CreatedAt = k.CreatedAt.UTC()
		k.LastUsedAt = timePtr(lastUsed)
		keys = append(keys, &k)
	}
	return keys, dbError("find API keys", rows.Err())
}

func (t *tx) DeleteAPIKey(orgID, id string) error {
	res, err := t.exec(`DELETE FROM api_keys WHERE org_id = $1 AND id = $2`, orgID, id)
	if err != nil {
		return dbError("delete API key", err)
	}
	return dbError("delete API key", affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "API key %q not found", id)))
}

// DeleteUserAPIKeys deletes every key of the user; none is not an error.
func (t *tx) DeleteUserAPIKeys(orgID, userID string) error {
	_, err := t.exec(`DELETE FROM api_keys WHERE org_id = $1 AND user_id = $2`, orgID, userID)
	return dbError("delete API keys", err)
}

// TouchAPIKey records the key's last use.
func (t *tx) TouchAPIKey(orgID, id string, at time.Time) error {
	_, err := t.exec(`UPDATE api_keys SET last_used_at = $1 WHERE org_id = $2 AND id = $3`, at.UTC(), orgID, id)
	return dbError("touch API key", err)
}
