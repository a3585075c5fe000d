package store

import (
	"database/sql"
	"encoding/base64"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
)

// The OpenID provider's storage: clients, auth requests, tokens, signing
// keys (migration 00012). Lists are stored as space-separated text, as
// sessions' amr.

func joinList(l []string) string { return strings.Join(l, " ") }
func splitList(s string) []string {
	if f := strings.Fields(s); len(f) > 0 {
		return f
	}
	return []string{}
}

// CreateOIDCClient stores a new client of the organization, giving it an
// id when it has none.
func (t *tx) CreateOIDCClient(c *gatehouse.OIDCClient) error {
	if err := t.checkServiceUser(c); err != nil {
		return err
	}
	if c.ID == "" {
		c.ID = gatehouse.NewID(gatehouse.PrefixOIDCClient)
	}
	c.CreatedAt, c.UpdatedAt = t.now, t.now
	_, err := t.exec(`INSERT INTO oidc_clients (id, org_id, name, confidential, secret_hash, redirect_uris,
		post_logout_redirect_uris, scopes, grant_types, service_user_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		c.ID, c.OrgID, c.Name, c.Confidential, c.SecretHash, joinList(c.RedirectURIs),
		joinList(c.PostLogoutRedirectURIs), joinList(c.Scopes), joinList(c.GrantTypes), c.ServiceUserID, c.CreatedAt, c.UpdatedAt)
	return dbError("create OIDC client", err)
}

func (t *tx) FindOIDCClients(orgID string) ([]*gatehouse.OIDCClient, error) {
	return t.findOIDCClients(`org_id = $1`, orgID)
}

func (t *tx) FindOIDCClient(orgID, id string) (*gatehouse.OIDCClient, error) {
	return oneOIDCClient(t.findOIDCClients(`org_id = $1 AND id = $2`, orgID, id))
}

// FindOIDCClientAnyOrg returns the client with the id, in whichever
// organization it is: a client id is all an authorization request names.
func (t *tx) FindOIDCClientAnyOrg(id string) (*gatehouse.OIDCClient, error) {
	return oneOIDCClient(t.findOIDCClients(`id = $1`, id))
}

func oneOIDCClient(cs []*gatehouse.OIDCClient, err error) (*gatehouse.OIDCClient, error) {
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "application not found")
	}
	return cs[0], nil
}

func (t *tx) findOIDCClients(where string, args ...any) ([]*gatehouse.OIDCClient, error) {
	rows, err := t.query(`SELECT id, org_id, name, confidential, secret_hash, redirect_uris, post_logout_redirect_uris,
		scopes, grant_types, service_user_id, created_at, updated_at FROM oidc_clients WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, dbError("find OIDC clients", err)
	}
	defer rows.Close()
	out := []*gatehouse.OIDCClient{}
	for rows.Next() {
		var c gatehouse.OIDCClient
		var redirects, logouts, scopes, grants string
		if err := rows.Scan(&c.ID, &c.OrgID, &c.Name, &c.Confidential, &c.SecretHash, &redirects, &logouts,
			&scopes, &grants, &c.ServiceUserID, &c.CreatedAt, &c.UpdatedAt); err != nil {
			return nil, dbError("find OIDC clients", err)
		}
		c.RedirectURIs, c.PostLogoutRedirectURIs = splitList(redirects), splitList(logouts)
		c.Scopes, c.GrantTypes = splitList(scopes), splitList(grants)
		c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
		out = append(out, &c)
	}
	return out, dbError("find OIDC clients", rows.Err())
}

// checkServiceUser finds the user a client acts as in its organization.
func (t *tx) checkServiceUser(c *gatehouse.OIDCClient) error {
	if c.ServiceUserID == "" {
		return nil
	}
	return t.checkIDs("users", "user", "service_user_id", c.OrgID, []string{c.ServiceUserID})
}

// UpdateOIDCClient stores every field of c but its creation time.
func (t *tx) UpdateOIDCClient(c *gatehouse.OIDCClient) error {
	if err := t.checkServiceUser(c); err != nil {
		return err
	}
	c.UpdatedAt = t.now
	res, err := t.exec(`UPDATE oidc_clients SET name = $1, confidential = $2, secret_hash = $3, redirect_uris = $4,
		post_logout_redirect_uris = $5, scopes = $6, grant_types = $7, service_user_id = $8, updated_at = $9 WHERE org_id = $10 AND id = $11`,
		c.Name, c.Confidential, c.SecretHash, joinList(c.RedirectURIs), joinList(c.PostLogoutRedirectURIs),
		joinList(c.Scopes), joinList(c.GrantTypes), c.ServiceUserID, c.UpdatedAt, c.OrgID, c.ID)
	if err != nil {
		return dbError("update OIDC client", err)
	}
	return dbError("update OIDC client", affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "application %q not found", c.ID)))
}

// DeleteOIDCClient deletes the client with its auth requests and tokens.
func (t *tx) DeleteOIDCClient(orgID, id string) error {
	res, err := t.exec(`DELETE FROM oidc_clients WHERE org_id = $1 AND id = $2`, orgID, id)
	if err != nil {
		return dbError("delete OIDC client", err)
	}
	return dbError("delete OIDC client", affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "application %q not found", id)))
}

func (t *tx) CreateOIDCAuthRequest(r *gatehouse.OIDCAuthRequest) error {
	if r.ID == "" {
		r.ID = gatehouse.NewID("arq_")
	}
	r.CreatedAt = t.now
	_, err := t.exec(`INSERT INTO oidc_auth_requests (id, org_id, client_id, request, max_age, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		r.ID, r.OrgID, r.ClientID, string(r.Request), r.MaxAge, r.CreatedAt)
	return dbError("create auth request", err)
}

func (t *tx) PruneOIDCAuthRequests(createdBefore time.Time) error {
	_, err := t.exec(`DELETE FROM oidc_auth_requests WHERE created_at < $1`, createdBefore.UTC())
	return dbError("prune auth requests", err)
}

func (t *tx) CompleteOIDCAuthRequest(orgID, id, userID string, amr []string, authTime time.Time) error {
	res, err := t.exec(`UPDATE oidc_auth_requests SET user_id = $1, amr = $2, auth_time = $3, done = $4
		WHERE org_id = $5 AND id = $6 AND code_hash = ''`, userID, joinList(amr), authTime.UTC(), true, orgID, id)
	if err != nil {
		return dbError("complete auth request", err)
	}
	return dbError("complete auth request", affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "sign-in request %q not found", id)))
}

func (t *tx) SetOIDCAuthCode(orgID, id, codeHash string) error {
	res, err := t.exec(`UPDATE oidc_auth_requests SET code_hash = $1 WHERE org_id = $2 AND id = $3 AND done = $4 AND code_hash = ''`,
		codeHash, orgID, id, true)
	if err != nil {
		return dbError("save code", err)
	}
	return dbError("save code", affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "sign-in request %q not found", id)))
}

// DeleteOIDCAuthRequest deletes the request; a request already deleted
// (its code used) is not found.
func (t *tx) DeleteOIDCAuthRequest(orgID, id string) error {
	res, err := t.exec(`DELETE FROM oidc_auth_requests WHERE org_id = $1 AND id = $2`, orgID, id)
	if err != nil {
		return dbError("delete auth request", err)
	}
	return dbError("delete auth request", affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "sign-in request %q not found", id)))
}

func (t *tx) FindOIDCAuthRequest(id string) (*gatehouse.OIDCAuthRequest, error) {
	return t.findOIDCAuthRequest(`id = $1`, id)
}

func (t *tx) FindOIDCAuthRequestByCode(codeHash string) (*gatehouse.OIDCAuthRequest, error) {
	if codeHash == "" {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "code not found")
	}
	return t.findOIDCAuthRequest(`code_hash = $1`, codeHash)
}

func (t *tx) findOIDCAuthRequest(where string, arg string) (*gatehouse.OIDCAuthRequest, error) {
	var r gatehouse.OIDCAuthRequest
	var request, amr string
	var authTime sql.NullTime
	err := t.queryRow(`SELECT id, org_id, client_id, request, max_age, created_at, user_id, amr, auth_time, done, code_hash
		FROM oidc_auth_requests WHERE `+where, arg).Scan(&r.ID, &r.OrgID, &r.ClientID, &request, &r.MaxAge, &r.CreatedAt,
		&r.UserID, &amr, &authTime, &r.Done, &r.CodeHash)
	if err == sql.ErrNoRows {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "sign-in request not found")
	}
	if err != nil {
		return nil, dbError("find auth request", err)
	}
	r.Request, r.AMR, r.CreatedAt = []byte(request), splitList(amr), r.CreatedAt.UTC()
	if authTime.Valid {
		r.AuthTime = authTime.Time.UTC()
	}
	return &r, nil
}

func (t *tx) CreateOIDCToken(k *gatehouse.OIDCToken) error {
	if k.ID == "" {
		k.ID = gatehouse.NewID(gatehouse.PrefixOIDCToken)
	}
	k.CreatedAt = t.now
	var authTime sql.NullTime
	if !k.AuthTime.IsZero() {
		authTime = nullTime(&k.AuthTime)
	}
	_, err := t.exec(`INSERT INTO oidc_tokens (id, org_id, client_id, user_id, refresh, token_hash, family_id, scopes,
		audience, amr, auth_time, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		k.ID, k.OrgID, k.ClientID, k.UserID, k.Refresh, k.TokenHash, k.FamilyID, joinList(k.Scopes),
		joinList(k.Audience), joinList(k.AMR), authTime, k.CreatedAt, k.ExpiresAt.UTC())
	return dbError("create token", err)
}

func (t *tx) RotateOIDCRefreshToken(orgID, id string, at time.Time) (bool, error) {
	res, err := t.exec(`UPDATE oidc_tokens SET rotated_at = $1 WHERE org_id = $2 AND id = $3 AND rotated_at IS NULL AND revoked_at IS NULL`,
		at.UTC(), orgID, id)
	if err != nil {
		return false, dbError("rotate refresh token", err)
	}
	n, err := res.RowsAffected()
	return n == 1, dbError("rotate refresh token", err)
}

func (t *tx) RevokeOIDCTokenFamily(orgID, familyID string, at time.Time) error {
	_, err := t.exec(`UPDATE oidc_tokens SET revoked_at = $1 WHERE org_id = $2 AND family_id = $3 AND revoked_at IS NULL`,
		at.UTC(), orgID, familyID)
	return dbError("revoke tokens", err)
}

func (t *tx) RevokeOIDCToken(orgID, id string, at time.Time) error {
	_, err := t.exec(`UPDATE oidc_tokens SET revoked_at = $1 WHERE org_id = $2 AND id = $3 AND revoked_at IS NULL`,
		at.UTC(), orgID, id)
	return dbError("revoke token", err)
}

func (t *tx) RevokeOIDCUserTokens(orgID, userID, clientID string, at time.Time) error {
	q, args := `UPDATE oidc_tokens SET revoked_at = $1 WHERE org_id = $2 AND user_id = $3 AND revoked_at IS NULL`, []any{at.UTC(), orgID, userID}
	if clientID != "" {
		q, args = q+` AND client_id = $4`, append(args, clientID)
	}
	_, err := t.exec(q, args...)
	return dbError("revoke tokens", err)
}

func (t *tx) FindOIDCToken(id string) (*gatehouse.OIDCToken, error) {
	return t.findOIDCToken(`id = $1`, id)
}

func (t *tx) FindOIDCRefreshToken(tokenHash string) (*gatehouse.OIDCToken, error) {
	if tokenHash == "" {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "token not found")
	}
	return t.findOIDCToken(`token_hash = $1`, tokenHash)
}

func (t *tx) findOIDCToken(where, arg string) (*gatehouse.OIDCToken, error) {
	var k gatehouse.OIDCToken
	var scopes, audience, amr string
	var authTime, rotated, revoked sql.NullTime
	err := t.queryRow(`SELECT id, org_id, client_id, user_id, refresh, token_hash, family_id, scopes, audience, amr,
		auth_time, created_at, expires_at, rotated_at, revoked_at FROM oidc_tokens WHERE `+where, arg).Scan(
		&k.ID, &k.OrgID, &k.ClientID, &k.UserID, &k.Refresh, &k.TokenHash, &k.FamilyID, &scopes, &audience, &amr,
		&authTime, &k.CreatedAt, &k.ExpiresAt, &rotated, &revoked)
	if err == sql.ErrNoRows {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "token not found")
	}
	if err != nil {
		return nil, dbError("find token", err)
	}
	k.Scopes, k.Audience, k.AMR = splitList(scopes), splitList(audience), splitList(amr)
	if authTime.Valid {
		k.AuthTime = authTime.Time.UTC()
	}
	k.CreatedAt, k.ExpiresAt = k.CreatedAt.UTC(), k.ExpiresAt.UTC()
	k.RotatedAt, k.RevokedAt = timePtr(rotated), timePtr(revoked)
	return &k, nil
}

func (t *tx) CreateSigningKey(k *gatehouse.SigningKey) error {
	if k.ID == "" {
		k.ID = gatehouse.NewID("key_")
	}
	k.CreatedAt = t.now
	_, err := t.exec(`INSERT INTO oidc_signing_keys (id, algorithm, private_key, created_at, retire_at) VALUES ($1, $2, $3, $4, $5)`,
		k.ID, k.Algorithm, base64.StdEncoding.EncodeToString(k.PrivateKey), k.CreatedAt, nullTime(k.RetireAt))
	return dbError("create signing key", err)
}

func (t *tx) SigningKeys(now time.Time) ([]*gatehouse.SigningKey, error) {
	rows, err := t.query(`SELECT id, algorithm, private_key, created_at, retire_at FROM oidc_signing_keys
		WHERE retire_at IS NULL OR retire_at > $1 ORDER BY created_at DESC, id DESC`, now.UTC())
	if err != nil {
		return nil, dbError("find signing keys", err)
	}
	defer rows.Close()
	out := []*gatehouse.SigningKey{}
	for rows.Next() {
		var k gatehouse.SigningKey
		var der string
		var retire sql.NullTime
		if err := rows.Scan(&k.ID, &k.Algorithm, &der, &k.CreatedAt, &retire); err != nil {
			return nil, dbError("find signing keys", err)
		}
		if k.PrivateKey, err = base64.StdEncoding.DecodeString(der); err != nil {
			return nil, dbError("find signing keys", err)
		}
		k.CreatedAt, k.RetireAt = k.CreatedAt.UTC(), timePtr(retire)
		out = append(out, &k)
	}
	return out, dbError("find signing keys", rows.Err())
}

func (t *tx) RetireSigningKeys(exceptID string, at time.Time) error {
	_, err := t.exec(`UPDATE oidc_signing_keys SET retire_at = $1 WHERE id <> $2 AND retire_at IS NULL`, at.UTC(), exceptID)
	return dbError("retire signing keys", err)
}
