package oidc

import (
	"github.com/gatehouse/gatehouse"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// stillActive holds the token's organization's write lock and reads its
// user again, in the transaction that writes the token. tokenFor checked
// the user before this transaction: a deactivation committed in between
// would revoke the user's tokens before these exist, leaving them to work
// again on reactivation. The lock, taken first as every write takes it,
// orders the two on PostgreSQL (SQLite's single writer already does).
func stillActive(tx gatehouse.Tx, t *gatehouse.OIDCToken) error {
	if t.UserID == "" { // a client's own token
		return nil
	}
	if _, err := tx.LockOrganization(t.OrgID); err != nil {
		return err
	}
	u, err := tx.FindUser(t.OrgID, t.UserID)
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND || err == nil && u.Status != gatehouse.StatusActive {
		return oidc.ErrInvalidGrant().WithDescription("the user is not active")
	}
	return err
}
