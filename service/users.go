package service

import (
	"context"
	"slices"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// UserInput is an invitation: the seed's Invite User form plus licence,
// direct permissions and facility assignments.
type UserInput struct {
	FirstName   string
	LastName    string
	Email       string
	Phone       string
	FullAccess  bool
	Licence     string // "" picks the catalog's default for new users
	GroupIDs    []string
	Permissions []string
	FacilityIDs []string
}

// UserPatch changes the fields that are not nil (gatehouse.User.Apply).
type UserPatch = gatehouse.UserPatch

// Invited is a new user with the secret of their invitation, shown once.
type Invited struct {
	User     *gatehouse.User
	Token    string
	Revision int64
}

// InviteUser creates an invited user and their invitation.
func (s *Service) InviteUser(ctx context.Context, actor gatehouse.Actor, in UserInput) (*Invited, error) {
	var out Invited
	rev, err := s.adminWrite(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange, _ *[]string) error {
		if err := authorize(snap, actor, gatehouse.OpInviteUsers, authz.Resource{}); err != nil {
			return err
		}
		u := newInvitedUser(snap, actor.OrgID, in)
		if err := validateUser(snap, u, nil, ""); err != nil {
			return err
		}
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		if err := record(ctx, tx, actor, "user.invited", "user", u.ID, diff(nil, userFields(u))); err != nil {
			return err
		}
		token, err := s.newInvitation(tx, u)
		if err != nil {
			return err
		}
		ch.Users = append(ch.Users, u.Access())
		out.User, out.Token = u, token
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Revision = rev
	return &out, nil
}

// UpdateUser applies a patch to a user.
func (s *Service) UpdateUser(ctx context.Context, actor gatehouse.Actor, id string, p UserPatch) (*gatehouse.User, int64, error) {
	return s.changeUser(ctx, actor, id, gatehouse.OpEditUsers, "user.updated", func(u *gatehouse.User) error {
		u.Apply(p) // an email change: see emailchange.go
		return nil
	})
}

// DeactivateUser stops a user: they can no longer sign in, and their API keys stop working at once.
func (s *Service) DeactivateUser(ctx context.Context, actor gatehouse.Actor, id string) (*gatehouse.User, int64, error) {
	return s.changeUser(ctx, actor, id, gatehouse.OpDeactivateUsers, "user.deactivated", deactivate)
}

func deactivate(u *gatehouse.User) error {
	if u.Status == gatehouse.StatusInactive {
		return gatehouse.Errorf(gatehouse.ECONFLICT, "the user is already inactive")
	}
	u.Status = gatehouse.StatusInactive
	return nil
}

// ActivateUser restores a deactivated user.
func (s *Service) ActivateUser(ctx context.Context, actor gatehouse.Actor, id string) (*gatehouse.User, int64, error) {
	return s.changeUser(ctx, actor, id, gatehouse.OpDeactivateUsers, "user.activated", activate)
}

func activate(u *gatehouse.User) error {
	switch u.Status {
	case gatehouse.StatusActive:
		return gatehouse.Errorf(gatehouse.ECONFLICT, "the user is already active")
	case gatehouse.StatusInvited:
		return gatehouse.Errorf(gatehouse.ECONFLICT, "the user has not accepted the invitation yet; regenerate the invite instead")
	}
	u.Status = gatehouse.StatusActive
	if inv := u.Invitation; inv != nil && inv.AcceptedAt == nil {
		// Deactivated before accepting: back to invited, never active
		// without a password of their own.
		u.Status = gatehouse.StatusInvited
	}
	return nil
}

// changeUser is the one path of every edit to an existing user: authorize,
// change, validate, no escalation, keep a full-access user, store.
func (s *Service) changeUser(ctx context.Context, actor gatehouse.Actor, id, op, action string, change func(*gatehouse.User) error) (*gatehouse.User, int64, error) {
	var out *gatehouse.User
	rev, err := s.adminWrite(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange, accounts *[]string) error {
		u, err := s.editUser(ctx, tx, snap, actor, ch, accounts, id, op, action, change)
		out = u
		return err
	})
	return out, rev, err
}

// editUser is changeUser's work on one user inside a write, which judges
// it (with every other user the write edits, for a bulk action).
func (s *Service) editUser(ctx context.Context, tx gatehouse.Tx, snap *authz.Snapshot, actor gatehouse.Actor, ch *gatehouse.AccessChange, accounts *[]string,
	id, op, action string, change func(*gatehouse.User) error) (*gatehouse.User, error) {
	u, err := s.findManagedUser(tx, snap, actor, id, op)
	if err != nil {
		return nil, err
	}
	before, beforeEmail, beforeFields := u.Access(), u.Email, userFields(u)
	before.GroupIDs, before.Permissions, before.FacilityIDs = slices.Clone(u.GroupIDs), slices.Clone(u.Permissions), slices.Clone(u.FacilityIDs)
	beforeAccount := *u
	if err := change(u); err != nil {
		return nil, err
	}
	if err := validateUser(snap, u, &before, beforeAccount.Phone); err != nil {
		return nil, err
	}
	if actsOnAccount(&beforeAccount, u) {
		*accounts = append(*accounts, u.ID)
	}
	if u.Status == gatehouse.StatusInactive && before.Status != gatehouse.StatusInactive {
		// Deactivation ends every session and API key at once.
		if err := tx.DeleteUserAPIKeys(actor.OrgID, u.ID); err != nil {
			return nil, err
		}
		ch.APIKeysRevoked = true
		if err := tx.DeleteUserSessions(actor.OrgID, u.ID); err != nil {
			return nil, err
		}
	}
	if err := tx.UpdateUser(u); err != nil {
		return nil, err
	}
	if err := s.mailNewAddress(tx, u, beforeEmail, actor.UserID); err != nil {
		return nil, err
	}
	changes := diff(beforeFields, userFields(u))
	if _, onlyFacilities := changes["facility_ids"]; onlyFacilities && len(changes) == 1 {
		action = "facility.assigned" // a change of facility assignments alone
	}
	if err := record(ctx, tx, actor, action, "user", u.ID, changes); err != nil {
		return nil, err
	}
	ch.Users = append(ch.Users, u.Access())
	return u, nil
}

// mailNewAddress follows a change of email: an invited user gets their
// invitation again at the new address; anyone else keeps their address
// until the new one, now pending, is verified (emailchange.go). by is the
// user who asks for the change ("" for the system).
func (s *Service) mailNewAddress(tx gatehouse.Tx, u *gatehouse.User, previous, by string) error {
	if gatehouse.NormalizeEmail(previous) == gatehouse.NormalizeEmail(u.Email) {
		return nil
	}
	if u.Status == gatehouse.StatusInvited {
		_, err := s.newInvitation(tx, u)
		return err
	}
	return s.holdNewEmail(tx, u, previous, by)
}

// DeleteUser removes a user with their keys, invitations and assignments.
func (s *Service) DeleteUser(ctx context.Context, actor gatehouse.Actor, id string) (int64, error) {
	return s.adminWrite(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange, accounts *[]string) error {
		return s.deleteUser(ctx, tx, snap, actor, ch, accounts, id)
	})
}

// deleteUser is DeleteUser's work on one user inside a write.
func (s *Service) deleteUser(ctx context.Context, tx gatehouse.Tx, snap *authz.Snapshot, actor gatehouse.Actor, ch *gatehouse.AccessChange, accounts *[]string, id string) error {
	u, err := s.findManagedUser(tx, snap, actor, id, gatehouse.OpDeleteUsers)
	if err != nil {
		return err
	}
	*accounts = append(*accounts, u.ID)
	if err := tx.DeleteUser(actor.OrgID, id); err != nil {
		return err
	}
	if err := record(ctx, tx, actor, "user.deleted", "user", id, diff(userFields(u), nil)); err != nil {
		return err
	}
	ch.DeletedUsers = append(ch.DeletedUsers, id)
	return nil
}

// GetUser returns a user the actor may see.
func (s *Service) GetUser(ctx context.Context, actor gatehouse.Actor, id string) (*gatehouse.User, error) {
	var out *gatehouse.User
	err := s.view(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot) error {
		u, err := s.findManagedUser(tx, snap, actor, id, gatehouse.OpViewUsers)
		out = u
		return err
	})
	return out, err
}

// ListUsers returns a page of the users the actor may see: everyone for
// full access, else the users in the actor's facilities.
func (s *Service) ListUsers(ctx context.Context, actor gatehouse.Actor, f gatehouse.UserFilter) ([]*gatehouse.User, error) {
	users, _, err := s.listUsers(ctx, actor, f, false)
	return users, err
}

// ListUsersCounted is ListUsers with the number of users the filter
// selects on every page, counted in the same transaction.
func (s *Service) ListUsersCounted(ctx context.Context, actor gatehouse.Actor, f gatehouse.UserFilter) ([]*gatehouse.User, int, error) {
	return s.listUsers(ctx, actor, f, true)
}

func (s *Service) listUsers(ctx context.Context, actor gatehouse.Actor, f gatehouse.UserFilter, count bool) ([]*gatehouse.User, int, error) {
	var out []*gatehouse.User
	var total int
	err := s.view(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot) error {
		f, err := s.userFilter(snap, actor, f)
		if err != nil {
			return err
		}
		out, err = tx.FindUsers(f)
		if err != nil {
			return err
		}
		if count {
			total, err = tx.CountUsers(f)
		}
		return err
	})
	return out, total, err
}

// userFilter checks that the actor may list users and that f is valid, and
// keeps f within the actor's organization and scope.
func (s *Service) userFilter(snap *authz.Snapshot, actor gatehouse.Actor, f gatehouse.UserFilter) (gatehouse.UserFilter, error) {
	if err := authorize(snap, actor, gatehouse.OpViewUsers, authz.Resource{}); err != nil {
		return f, err
	}
	f.OrgID = actor.OrgID
	if !slices.Contains(gatehouse.SortOrders, f.Sort) {
		return f, gatehouse.Invalid("sort", "unknown sort order %q", f.Sort)
	}
	if f.Licence != "" {
		if err := validateLicence(snap, f.Licence); err != nil {
			return f, err
		}
	}
	if !actor.IsSystem() {
		if all, ids := snap.Scope(actor.UserID); !all {
			f.Within = append(ids, "") // never nil: no facilities means no users
		}
	}
	return f, nil
}

// findManagedUser loads a user after checking that the actor may perform op
// on them: the operation's permission, and the user within the actor's scope.
// A user out of scope is not found, so that ids reveal nothing.
func (s *Service) findManagedUser(tx gatehouse.Tx, snap *authz.Snapshot, actor gatehouse.Actor, id, op string) (*gatehouse.User, error) {
	if err := authorize(snap, actor, op, authz.Resource{}); err != nil {
		return nil, err
	}
	if !actor.IsSystem() && snap.HasUser(id) && !snap.CanManage(actor.UserID, id) {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "user %q not found", id)
	}
	return tx.FindUser(actor.OrgID, id)
}

func (s *Service) view(ctx context.Context, actor gatehouse.Actor, fn func(gatehouse.Tx, *authz.Snapshot) error) error {
	snap, err := s.snapshot(ctx, actor.OrgID)
	if err != nil {
		return err
	}
	return s.store.View(ctx, func(tx gatehouse.Tx) error { return fn(tx, snap) })
}

// validateUser checks a user's fields, every one of them: the error lists
// each field at fault (gatehouse.FieldErrors). before is the user's access
// before an edit, nil for an invitation; beforePhone the phone stored
// before it. A new or changed phone is stored in E.164; one stored before
// phones were checked is kept as it is while it does not change.
func validateUser(snap *authz.Snapshot, u *gatehouse.User, before *gatehouse.UserAccess, beforePhone string) error {
	var errs gatehouse.FieldErrors
	errs.Add(validateText("first_name", u.FirstName, true))
	errs.Add(validateText("last_name", u.LastName, true))
	errs.Add(validateEmail(u.Email))
	if before == nil || u.Phone != beforePhone {
		phone, err := normalizePhone(u.Phone)
		errs.Add(err)
		if err == nil {
			u.Phone = phone
		}
	}
	licenceErr := validateLicence(snap, u.Licence)
	errs.Add(licenceErr)
	permErr := validatePermissions(snap, "permissions", u.Permissions)
	errs.Add(permErr)
	errs.Add(validateIDs("group_ids", u.GroupIDs, snap.HasGroup))
	errs.Add(validateIDs("facility_ids", u.FacilityIDs, snap.HasFacility))
	if licenceErr == nil && permErr == nil {
		errs.Add(validateDirectWithinLicence(snap.Catalog(), u, before))
	}
	return errs.Err()
}

// actsOnAccount reports whether a change of a user acts on their account —
// who they are and whether they may sign in — rather than only on their
// access, which no escalation judges by its effect.
func actsOnAccount(before, after *gatehouse.User) bool {
	return before.FirstName != after.FirstName || before.LastName != after.LastName || before.Phone != after.Phone ||
		gatehouse.NormalizeEmail(before.Email) != gatehouse.NormalizeEmail(after.Email) || before.Status != after.Status
}

// apply sets *field to *value when value is not nil.
func apply[T any](field *T, value *T) {
	if value != nil {
		*field = *value
	}
}
