package service

import (
	"context"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// Me returns the acting user and their organization. Every user may see
// themselves, whatever they hold.
func (s *Service) Me(ctx context.Context, actor gatehouse.Actor) (*gatehouse.User, *gatehouse.Organization, error) {
	var u *gatehouse.User
	var org *gatehouse.Organization
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		var err error
		if org, err = tx.FindOrganization(actor.OrgID); err != nil {
			return err
		}
		u, err = tx.FindUser(actor.OrgID, actor.UserID)
		return err
	})
	return u, org, err
}

// Catalog returns the organization's permission catalog; every member may read it.
func (s *Service) Catalog(ctx context.Context, actor gatehouse.Actor) (*gatehouse.Catalog, error) {
	snap, err := s.snapshot(ctx, actor.OrgID)
	if err != nil {
		return nil, err
	}
	return snap.Catalog(), nil
}

// SetPassword sets a user's password, for operators at the command line and
// for the demo. It ends the user's sessions.
func (s *Service) SetPassword(ctx context.Context, actor gatehouse.Actor, userID, password string) error {
	if !actor.IsSystem() && actor.UserID != userID {
		return gatehouse.Forbidden("not_own", "only the system may set another user's password")
	}
	if err := validatePassword(password); err != nil {
		return err
	}
	hash := s.cfg.Passwords.Hash(password)
	return s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if _, err := tx.FindUser(actor.OrgID, userID); err != nil {
			return err
		}
		if err := tx.SetPassword(actor.OrgID, userID, hash); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(actor.OrgID, userID); err != nil {
			return err
		}
		return record(ctx, tx, actor, "user.password_set", "user", userID, nil)
	})
}

// Allowed reports, for each admin operation, whether the actor may perform
// it: what a user interface shows and hides. The operations themselves check
// again.
func (s *Service) Allowed(ctx context.Context, actor gatehouse.Actor, ops ...string) (map[string]bool, error) {
	snap, err := s.snapshot(ctx, actor.OrgID)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, op := range ops {
		out[op] = authorize(snap, actor, op, authz.Resource{}) == nil
	}
	return out, nil
}

// Grants returns what the actor may hand out under no escalation.
func (s *Service) Grants(ctx context.Context, actor gatehouse.Actor) (authz.Grants, *gatehouse.Catalog, error) {
	snap, err := s.snapshot(ctx, actor.OrgID)
	if err != nil {
		return authz.Grants{}, nil, err
	}
	if actor.IsSystem() {
		return authz.Grants{FullAccess: true, MaxLicence: len(snap.Catalog().Licences)}, snap.Catalog(), nil
	}
	return snap.GrantsOf(actor.UserID), snap.Catalog(), nil
}
