package service

import (
	"context"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// Fresh returns the organization's snapshot at minRevision or later: when
// this instance is behind (another instance wrote), it catches up first.
func (s *Service) Fresh(ctx context.Context, orgID string, minRevision int64) (*authz.Snapshot, error) {
	snap, err := s.snapshot(ctx, orgID)
	if err != nil || snap.Revision >= minRevision {
		return snap, err
	}
	if snap, err = s.catchUp(ctx, orgID, minRevision); err != nil {
		return nil, err
	}
	if snap.Revision < minRevision {
		return nil, gatehouse.Invalid("min_revision", "revision %d is ahead of the organization's latest revision %d", minRevision, snap.Revision)
	}
	return snap, nil
}

// notInStep refuses a decision on an instance whose lease may have
// lapsed: it may have missed a write that other instances acknowledged.
func notInStep() error {
	return gatehouse.Unavailable("this instance is not in step with the other instances (it lost the database or is catching up); try again shortly or on another instance")
}

// DecisionSnapshot returns the snapshot to answer decisions about users
// from, at minRevision or later, once the caller may ask about each of them:
// everyone may ask about themselves; asking about others needs the
// catalog's view_users permission (a platform service's key belongs to such
// a user). An instance whose lease may have lapsed answers no decision
// (EUNAVAILABLE).
func (s *Service) DecisionSnapshot(ctx context.Context, actor gatehouse.Actor, minRevision int64, userIDs ...string) (*authz.Snapshot, error) {
	if s.presence != nil && !s.presence.Answering() {
		return nil, notInStep()
	}
	snap, err := s.Fresh(ctx, actor.OrgID, minRevision)
	if err != nil {
		return nil, err
	}
	for _, id := range userIDs {
		if id != actor.UserID {
			if err := authorize(snap, actor, gatehouse.OpViewUsers, authz.Resource{}); err != nil {
				return nil, err
			}
			break
		}
	}
	return snap, nil
}

// Explain answers allowed(user, permission, resource) with its reasons.
func (s *Service) Explain(ctx context.Context, actor gatehouse.Actor, userID, permission string, res authz.Resource, minRevision int64) (authz.Explanation, int64, error) {
	snap, err := s.DecisionSnapshot(ctx, actor, minRevision, userID)
	if err != nil {
		return authz.Explanation{}, 0, err
	}
	return snap.Explain(userID, permission, res), snap.Revision, nil
}

// EffectivePermissions lists what a user holds, with sources and facility scope.
func (s *Service) EffectivePermissions(ctx context.Context, actor gatehouse.Actor, userID string) ([]authz.EffectivePermission, error) {
	snap, err := s.snapshot(ctx, actor.OrgID)
	if err != nil {
		return nil, err
	}
	if err := authorize(snap, actor, gatehouse.OpViewUsers, authz.Resource{}); err != nil {
		return nil, err
	}
	if !actor.IsSystem() && !snap.CanManage(actor.UserID, userID) {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "user %q not found", userID)
	}
	perms, ok := snap.Effective(userID)
	if !ok {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "user %q not found", userID)
	}
	return perms, nil
}

// Filter answers which facilities' rows a user may see with a permission.
func (s *Service) Filter(ctx context.Context, actor gatehouse.Actor, userID, permission string, minRevision int64) (authz.Filter, int64, error) {
	snap, err := s.DecisionSnapshot(ctx, actor, minRevision, userID)
	if err != nil {
		return authz.Filter{}, 0, err
	}
	return snap.Filter(userID, permission), snap.Revision, nil
}
