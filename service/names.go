package service

import (
	"context"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// MembershipNames returns the names of a user's groups and of their
// facilities, by id, so that pages name them rather than show ids. A user may read their
// own; an actor who may see the user (users.view, in scope) may read
// theirs, even without the groups or facilities view permissions: whoever
// sees a user's group ids may know what they are called. Nothing else of
// the groups or facilities is revealed.
func (s *Service) MembershipNames(ctx context.Context, actor gatehouse.Actor, userID string) (groups, facilities map[string]string, err error) {
	groups, facilities = map[string]string{}, map[string]string{}
	err = s.view(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot) error {
		var u *gatehouse.User
		var err error
		if actor.UserID == userID && userID != "" {
			u, err = tx.FindUser(actor.OrgID, userID)
		} else {
			u, err = s.findManagedUser(tx, snap, actor, userID, gatehouse.OpViewUsers)
		}
		if err != nil {
			return err
		}
		for _, id := range u.GroupIDs {
			if g, err := tx.FindGroup(actor.OrgID, id); err == nil {
				groups[id] = g.Name
			} else if gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
				return err
			}
		}
		for _, id := range u.FacilityIDs {
			if f, err := tx.FindFacility(actor.OrgID, id); err == nil {
				facilities[id] = f.Name
			} else if gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
				return err
			}
		}
		return nil
	})
	return groups, facilities, err
}
