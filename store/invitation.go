package store

import (
	"database/sql"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse"
)

// CreateInvitation stores a new invitation for a user of the organization.
// It gives inv an id when it has none and sets its CreatedAt.
func (t *tx) CreateInvitation(inv *gatehouse.Invitation) error {
	if err := t.checkIDs("users", "user", "user_id", inv.OrgID, []string{inv.UserID}); err != nil {
		return err
	}
	if inv.ID == "" {
		inv.ID = gatehouse.NewID(gatehouse.PrefixInvitation)
	}
	inv.CreatedAt = t.now
	_, err := t.exec(`INSERT INTO invitations (id, org_id, user_id, token_hash, expires_at, accepted_at, revoked_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		inv.ID, inv.OrgID, inv.UserID, inv.TokenHash, inv.ExpiresAt.UTC(), nullTime(inv.AcceptedAt), nullTime(inv.RevokedAt), inv.CreatedAt)
	return dbError("create invitation", err)
}

// FindInvitationByToken returns the invitation with the token hash even when
// it has expired, been accepted or been revoked, so that the caller can say
// which; it is not found only when no invitation ever had that token.
func (t *tx) FindInvitationByToken(tokenHash string) (*gatehouse.Invitation, error) {
	var inv gatehouse.Invitation
	var accepted, revoked sql.NullTime
	err := t.queryRow(`SELECT id, org_id, user_id, token_hash, expires_at, accepted_at, revoked_at, created_at
		FROM invitations WHERE token_hash = $1`, tokenHash).Scan(
		&inv.ID, &inv.OrgID, &inv.UserID, &inv.TokenHash, &inv.ExpiresAt, &accepted, &revoked, &inv.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "invitation not found")
	}
	if err != nil {
		return nil, dbError("find invitation", err)
	}
	inv.ExpiresAt, inv.CreatedAt = inv.ExpiresAt.UTC(), inv.CreatedAt.UTC()
	inv.AcceptedAt, inv.RevokedAt = timePtr(accepted), timePtr(revoked)
	return &inv, nil
}

// RevokeInvitations ends every open (neither accepted nor revoked)
// invitation of the user.
func (t *tx) RevokeInvitations(orgID, userID string) error {
	_, err := t.exec(`UPDATE invitations SET revoked_at = $3
		WHERE org_id = $1 AND user_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL`, orgID, userID, t.now)
	return dbError("revoke invitations", err)
}

// AcceptInvitation marks an open invitation accepted at the given time. An
// invitation already accepted or revoked is a conflict: tokens are single use.
func (t *tx) AcceptInvitation(orgID, id string, at time.Time) error {
	res, err := t.exec(`UPDATE invitations SET accepted_at = $3
		WHERE org_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL`,
		orgID, id, at.UTC().Truncate(time.Microsecond))
	if err != nil {
		return dbError("accept invitation", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return dbError("accept invitation", err)
	}
	if n == 1 {
		return nil
	}
	var exists int
	err = t.queryRow(`SELECT COUNT(*) FROM invitations WHERE org_id = $1 AND id = $2`, orgID, id).Scan(&exists)
	if err != nil {
		return dbError("accept invitation", err)
	}
	if exists == 0 {
		return gatehouse.Errorf(gatehouse.ENOTFOUND, "invitation %q not found", id)
	}
	return gatehouse.Errorf(gatehouse.ECONFLICT, "invitation has already been used or replaced")
}

// nullTime is how an optional time is stored: NULL when nil.
func nullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC().Truncate(time.Microsecond), Valid: true}
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// latestInvitations returns the newest invitation of each of the users that
// has one: what an admin sees as the invitation's state.
func (t *tx) latestInvitations(orgID string, userIDs []string) (map[string]*gatehouse.Invitation, error) {
	out := map[string]*gatehouse.Invitation{}
	if len(userIDs) == 0 {
		return out, nil
	}
	a := args{dialect: t.dialect}
	q := `SELECT id, org_id, user_id, token_hash, expires_at, accepted_at, revoked_at, created_at
		FROM invitations WHERE org_id = ` + a.add(orgID) + ` AND user_id IN ` + a.in(userIDs) + ` ORDER BY user_id, created_at, id`
	rows, err := t.query(q, a.values...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var inv gatehouse.Invitation
		var accepted, revoked sql.NullTime
		if err := rows.Scan(&inv.ID, &inv.OrgID, &inv.UserID, &inv.TokenHash, &inv.ExpiresAt, &accepted, &revoked, &inv.CreatedAt); err != nil {
			return nil, err
		}
		inv.ExpiresAt, inv.CreatedAt = inv.ExpiresAt.UTC(), inv.CreatedAt.UTC()
		inv.AcceptedAt, inv.RevokedAt = timePtr(accepted), timePtr(revoked)
		out[inv.UserID] = &inv // ids grow with time: the last one wins
	}
	return out, rows.Err()
}
