package service

import (
	"context"
	"slices"

	"github.com/gatehouse/gatehouse"
)

// AddGroupMember puts a user in a group, from the group's page: an edit of
// the user's groups (users.edit, the user in the actor's scope), through
// the one path of every user edit, so that no escalation and the audit
// apply as for the user form; the user is read and changed in the same
// transaction, so that a concurrent edit of their groups is not undone.
func (s *Service) AddGroupMember(ctx context.Context, actor gatehouse.Actor, groupID, userID string) (*gatehouse.User, int64, error) {
	return s.changeUser(ctx, actor, userID, gatehouse.OpEditUsers, "user.updated", func(u *gatehouse.User) error {
		if slices.Contains(u.GroupIDs, groupID) {
			return gatehouse.Errorf(gatehouse.ECONFLICT, "%s %s is already a member", u.FirstName, u.LastName)
		}
		groups := append(slices.Clone(u.GroupIDs), groupID)
		u.Apply(gatehouse.UserPatch{GroupIDs: &groups})
		return nil
	})
}

// RemoveGroupMember takes a user out of a group, as AddGroupMember puts
// them in.
func (s *Service) RemoveGroupMember(ctx context.Context, actor gatehouse.Actor, groupID, userID string) (*gatehouse.User, int64, error) {
	return s.changeUser(ctx, actor, userID, gatehouse.OpEditUsers, "user.updated", func(u *gatehouse.User) error {
		if !slices.Contains(u.GroupIDs, groupID) {
			return gatehouse.Errorf(gatehouse.ECONFLICT, "%s %s is not a member", u.FirstName, u.LastName)
		}
		groups := slices.DeleteFunc(slices.Clone(u.GroupIDs), func(id string) bool { return id == groupID })
		u.Apply(gatehouse.UserPatch{GroupIDs: &groups})
		return nil
	})
}
