package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// FindSSOConnections returns the organization's connections by id.
func (t *tx) FindSSOConnections(orgID string) ([]*gatehouse.SSOConnection, error) {
	return t.findSSOConnections(`c.org_id = $1`, orgID)
}

func (t *tx) FindSSOConnection(orgID, id string) (*gatehouse.SSOConnection, error) {
	found, err := t.findSSOConnections(`c.org_id = $1 AND c.id = $2`, orgID, id)
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "SSO connection %q not found", id)
	}
	return found[0], nil
}

// FindSSOConnectionsByDomain returns the connections claiming the domain in
// every organization, the oldest organization's first.
func (t *tx) FindSSOConnectionsByDomain(domain string) ([]*gatehouse.SSOConnection, error) {
	return t.findSSOConnections(`c.id IN (SELECT connection_id FROM sso_domains WHERE domain = $1)`, strings.ToLower(domain))
}

// findSSOConnections is the one connection finder.
func (t *tx) findSSOConnections(where string, args ...any) ([]*gatehouse.SSOConnection, error) {
	rows, err := t.query(`SELECT c.id, c.org_id, c.name, c.issuer, c.client_id, c.client_secret, c.scopes,
		c.create_users, c.password_sign_in_disabled, c.updated_by, c.created_at, c.updated_at
		FROM sso_connections c JOIN organizations o ON o.id = c.org_id
		WHERE `+where+` ORDER BY o.created_at, o.id, c.id`, args...)
	if err != nil {
		return nil, dbError("find SSO connections", err)
	}
	var out []*gatehouse.SSOConnection
	for rows.Next() {
		var c gatehouse.SSOConnection
		var scopes string
		if err := rows.Scan(&c.ID, &c.OrgID, &c.Name, &c.Issuer, &c.ClientID, &c.ClientSecret, &scopes,
			&c.CreateUsers, &c.PasswordSignInDisabled, &c.UpdatedBy, &c.CreatedAt, &c.UpdatedAt); err != nil {
			rows.Close()
			return nil, dbError("find SSO connections", err)
		}
		c.Scopes = strings.Fields(scopes)
		c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
		out = append(out, &c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, dbError("find SSO connections", err)
	}
	// Their domains and groups: few connections, one query each.
	for _, c := range out {
		if c.Domains, err = t.strings(`SELECT domain FROM sso_domains WHERE org_id = $1 AND connection_id = $2 ORDER BY domain`, c.OrgID, c.ID); err != nil {
			return nil, dbError("find SSO domains", err)
		}
		if c.DefaultGroupIDs, err = t.strings(`SELECT group_id FROM sso_connection_groups WHERE org_id = $1 AND connection_id = $2 ORDER BY group_id`, c.OrgID, c.ID); err != nil {
			return nil, dbError("find SSO groups", err)
		}
	}
	if out == nil {
		out = []*gatehouse.SSOConnection{}
	}
	return out, nil
}

// CreateSSOConnection stores a new connection with its domains and groups;
// it gives c an id when it has none.
func (t *tx) CreateSSOConnection(c *gatehouse.SSOConnection) error {
	if c.ID == "" {
		c.ID = gatehouse.NewID(gatehouse.PrefixSSOConnection)
	}
	c.CreatedAt, c.UpdatedAt = t.now, t.now
	if err := t.checkSSOLinks(c); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO sso_connections (id, org_id, name, issuer, client_id, client_secret, scopes,
		create_users, password_sign_in_disabled, updated_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		c.ID, c.OrgID, c.Name, c.Issuer, c.ClientID, c.ClientSecret, strings.Join(c.Scopes, " "),
		c.CreateUsers, c.PasswordSignInDisabled, c.UpdatedBy, c.CreatedAt, c.UpdatedAt)
	if err != nil {
		return dbError("create SSO connection", err)
	}
	return t.writeSSOLinks(c)
}

// UpdateSSOConnection stores every field of c, its domains and groups.
func (t *tx) UpdateSSOConnection(c *gatehouse.SSOConnection) error {
	c.UpdatedAt = t.now
	if err := t.checkSSOLinks(c); err != nil {
		return err
	}
	res, err := t.exec(`UPDATE sso_connections SET name = $3, issuer = $4, client_id = $5, client_secret = $6, scopes = $7,
		create_users = $8, password_sign_in_disabled = $9, updated_by = $10, updated_at = $11
		WHERE org_id = $1 AND id = $2`,
		c.OrgID, c.ID, c.Name, c.Issuer, c.ClientID, c.ClientSecret, strings.Join(c.Scopes, " "),
		c.CreateUsers, c.PasswordSignInDisabled, c.UpdatedBy, c.UpdatedAt)
	if err != nil {
		return dbError("update SSO connection", err)
	}
	if err := affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "SSO connection %q not found", c.ID)); err != nil {
		return err
	}
	return t.writeSSOLinks(c)
}

// checkSSOLinks normalizes the connection's lists, checks that its groups
// exist in its organization and that no other connection of the
// organization claims one of its domains, so that the error names the field.
func (t *tx) checkSSOLinks(c *gatehouse.SSOConnection) error {
	for i, d := range c.Domains {
		c.Domains[i] = strings.ToLower(strings.TrimSpace(d))
	}
	c.Domains, c.DefaultGroupIDs = normalizeIDs(c.Domains), normalizeIDs(c.DefaultGroupIDs)
	if err := t.checkIDs("groups", "group", "default_group_ids", c.OrgID, c.DefaultGroupIDs); err != nil {
		return err
	}
	for _, d := range c.Domains {
		var other string
		err := t.queryRow(`SELECT connection_id FROM sso_domains WHERE org_id = $1 AND domain = $2`, c.OrgID, d).Scan(&other)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return dbError("check SSO domains", err)
		case other != c.ID:
			return &gatehouse.Error{Code: gatehouse.ECONFLICT, Field: "domains",
				Message: fmt.Sprintf("domain %q is already served by another SSO connection of this organization", d)}
		}
	}
	return nil
}

func (t *tx) writeSSOLinks(c *gatehouse.SSOConnection) error {
	if err := t.replaceLinks("sso_domains", "connection_id", "domain", c.OrgID, c.ID, c.Domains); err != nil {
		return err
	}
	return t.replaceLinks("sso_connection_groups", "connection_id", "group_id", c.OrgID, c.ID, c.DefaultGroupIDs)
}

// DeleteSSOConnection deletes the connection with its domains, groups and
// the sign-ins sent through it.
func (t *tx) DeleteSSOConnection(orgID, id string) error {
	res, err := t.exec(`DELETE FROM sso_connections WHERE org_id = $1 AND id = $2`, orgID, id)
	if err != nil {
		return dbError("delete SSO connection", err)
	}
	return dbError("delete SSO connection", affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "SSO connection %q not found", id)))
}

// CreateSSOState stores a sign-in sent to a provider and deletes the
// expired ones.
func (t *tx) CreateSSOState(st *gatehouse.SSOState) error {
	st.CreatedAt = t.now
	if _, err := t.exec(`DELETE FROM sso_states WHERE expires_at < $1`, t.now); err != nil {
		return dbError("prune SSO states", err)
	}
	_, err := t.exec(`INSERT INTO sso_states (state_hash, org_id, connection_id, nonce, code_verifier, next, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		st.StateHash, st.OrgID, st.ConnectionID, st.Nonce, st.CodeVerifier, st.Next, st.CreatedAt, st.ExpiresAt.UTC())
	return dbError("create SSO state", err)
}

// TakeSSOState deletes the state and returns it, in one statement, so that
// two instances given the same callback cannot both take it.
func (t *tx) TakeSSOState(stateHash string) (*gatehouse.SSOState, error) {
	var st gatehouse.SSOState
	err := t.queryRow(`DELETE FROM sso_states WHERE state_hash = $1
		RETURNING state_hash, org_id, connection_id, nonce, code_verifier, next, created_at, expires_at`, stateHash).
		Scan(&st.StateHash, &st.OrgID, &st.ConnectionID, &st.Nonce, &st.CodeVerifier, &st.Next, &st.CreatedAt, &st.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "SSO sign-in not found")
	}
	if err != nil {
		return nil, dbError("take SSO state", err)
	}
	st.CreatedAt, st.ExpiresAt = st.CreatedAt.UTC(), st.ExpiresAt.UTC()
	return &st, nil
}
