package service

import "github.com/gatehouse/gatehouse"

// errNoLongerActive refuses a session to a user who was deactivated or
// deleted between the check of their password (or of a provider's answer)
// and the transaction that opens the session: answered as a wrong password.
var errNoLongerActive = gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "the email or password is wrong")

// lockActiveUser holds the organization's write lock and reads the user
// again, refusing one who is no longer active. A sign-in checks the password
// before its transaction (argon2 takes long); without this, a deactivation
// committed meanwhile would find no session to delete, and the one opened
// after it would work again on reactivation. The lock orders the transaction
// after any write in flight to the organization on PostgreSQL, as SQLite's
// single writer already does; taken first, it keeps the order every write
// takes its locks in.
func lockActiveUser(tx gatehouse.Tx, orgID, userID string) (*gatehouse.User, error) {
	if _, err := tx.LockOrganization(orgID); err != nil {
		return nil, err
	}
	return activeUser(tx, orgID, userID)
}

// activeUser reads the user in tx, refusing one who is no longer active.
func activeUser(tx gatehouse.Tx, orgID, userID string) (*gatehouse.User, error) {
	u, err := tx.FindUser(orgID, userID)
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND || err == nil && u.Status != gatehouse.StatusActive {
		return nil, errNoLongerActive
	}
	return u, err
}
