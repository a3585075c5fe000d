package service

import (
	"context"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// SignOutEverywhere ends every session of the user, every pending second
// step, and every token the OpenID provider issued them (refresh tokens
// stop working and introspection answers inactive, on every instance, from
// the commit on: all of it lives in the database, in this one
// transaction). API keys are credentials of their own and stay: revoke them
// one by one, or deactivate the user.
//
// Users may sign themselves out everywhere. For another user it takes
// deactivate_users — ending their sessions is part of what deactivating
// does — and cover over their account, as every account change (issue 12).
func (s *Service) SignOutEverywhere(ctx context.Context, actor gatehouse.Actor, userID string) (int64, error) {
	if !actor.IsSystem() && actor.UserID == userID {
		err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
			if err := tx.DeleteUserSessions(actor.OrgID, userID); err != nil {
				return err
			}
			return record(ctx, tx, actor, "user.signed_out_everywhere", "user", userID, nil)
		})
		return 0, err
	}
	return s.adminWrite(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot, _ *gatehouse.AccessChange, accounts *[]string) error {
		u, err := s.findManagedUser(tx, snap, actor, userID, gatehouse.OpDeactivateUsers)
		if err != nil {
			return err
		}
		*accounts = append(*accounts, u.ID)
		if err := tx.DeleteUserSessions(u.OrgID, u.ID); err != nil {
			return err
		}
		return record(ctx, tx, actor, "user.signed_out_everywhere", "user", u.ID, nil)
	})
}
