package service

import (
	"context"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// The organization's MFA policy, and an admin's reset of another user's
// factors.

// MFAPolicy returns the organization's policy; it needs manage_security.
func (s *Service) MFAPolicy(ctx context.Context, actor gatehouse.Actor) (string, error) {
	var policy string
	err := s.view(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot) error {
		if err := authorize(snap, actor, gatehouse.OpManageSecurity, authz.Resource{}); err != nil {
			return err
		}
		var err error
		policy, err = tx.MFAPolicy(actor.OrgID)
		return err
	})
	return policy, err
}

// SetMFAPolicy sets the organization's policy; it needs manage_security.
// Users it newly covers who have no factor enrol one at their next
// sign-in; their open sessions stay open.
func (s *Service) SetMFAPolicy(ctx context.Context, actor gatehouse.Actor, policy string) (int64, error) {
	if !slices.Contains(gatehouse.MFAPolicies, policy) {
		return 0, gatehouse.Invalid("mfa_policy", "unknown policy %q; one of %s", policy, strings.Join(gatehouse.MFAPolicies, ", "))
	}
	return s.write(ctx, actor.OrgID, func(tx gatehouse.Tx, snap *authz.Snapshot, _ *gatehouse.AccessChange) error {
		if err := authorize(snap, actor, gatehouse.OpManageSecurity, authz.Resource{}); err != nil {
			return err
		}
		before, err := tx.MFAPolicy(actor.OrgID)
		if err != nil {
			return err
		}
		if err := tx.SetMFAPolicy(actor.OrgID, policy); err != nil {
			return err
		}
		return record(ctx, tx, actor, "organization.mfa_policy_changed", "organization", actor.OrgID,
			diff(map[string]any{"mfa_policy": before}, map[string]any{"mfa_policy": policy}))
	})
}

// UserFactors lists another user's factors (no secrets) and unused
// recovery codes, for an admin who may view them.
func (s *Service) UserFactors(ctx context.Context, actor gatehouse.Actor, userID string) ([]*gatehouse.Factor, int, error) {
	err := s.view(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot) error {
		_, err := s.findManagedUser(tx, snap, actor, userID, gatehouse.OpViewUsers)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return s.factorsOf(ctx, actor.OrgID, userID)
}

// ResetFactors removes every factor and recovery code of another user, who
// then signs in with their password alone (or, under a policy, enrols
// again). It needs edit_users and cover over the user's account, as every
// account change does; it is audited. One's own factors are removed from
// the account page, which asks for the password.
func (s *Service) ResetFactors(ctx context.Context, actor gatehouse.Actor, userID string) (int64, error) {
	if actor.UserID == userID {
		return 0, gatehouse.Errorf(gatehouse.EINVALID, "remove your own factors from your account page")
	}
	return s.adminWrite(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot, _ *gatehouse.AccessChange, accounts *[]string) error {
		u, err := s.findManagedUser(tx, snap, actor, userID, gatehouse.OpEditUsers)
		if err != nil {
			return err
		}
		*accounts = append(*accounts, u.ID)
		factors, err := tx.FindFactors(u.OrgID, u.ID)
		if err != nil {
			return err
		}
		if err := tx.DeleteUserFactors(u.OrgID, u.ID); err != nil {
			return err
		}
		return record(ctx, tx, actor, "user.factors_reset", "user", u.ID,
			diff(map[string]any{"factors": len(factors)}, map[string]any{"factors": 0}))
	})
}
