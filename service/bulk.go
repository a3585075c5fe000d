package service

import (
	"context"
	"errors"
	"slices"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// Bulk actions on users: one action on many users, all or nothing, in one
// write. Each user is changed exactly as the single write changes one
// (editUser, deleteUser, regenerate: the operation's permission, the user
// within the actor's reach, validation, one audit event each), and the
// whole change is judged at once: no escalation on its effect, an active
// full-access user kept, the licence seats.

// The bulk actions.
const (
	BulkDeactivate       = "deactivate"
	BulkActivate         = "activate"
	BulkDelete           = "delete"
	BulkResendInvitation = "resend_invitation"
	BulkAddGroup         = "add_group"
	BulkRemoveGroup      = "remove_group"
	BulkAssignFacility   = "assign_facility"
	BulkUnassignFacility = "unassign_facility"
)

// BulkActions lists the bulk actions.
var BulkActions = []string{BulkDeactivate, BulkActivate, BulkDelete, BulkResendInvitation,
	BulkAddGroup, BulkRemoveGroup, BulkAssignFacility, BulkUnassignFacility}

// MaxBulk is how many users one bulk action takes.
const MaxBulk = 500

// BulkInput is one bulk action: GroupID for the group actions, FacilityID
// for the facility ones.
type BulkInput struct {
	Action     string
	UserIDs    []string
	GroupID    string
	FacilityID string
}

// BulkOutcome is what a bulk action did to one user.
type BulkOutcome struct {
	UserID string
	// Changed is false for a user already as the action leaves them (in the
	// group, deactivated, …): nothing was written or audited for them.
	Changed bool
	User    *gatehouse.User // after the action; nil when deleted
}

// errUnchanged marks a user a bulk action leaves as they are.
var errUnchanged = errors.New("unchanged")

// BulkUsers applies one action to every user in in.UserIDs, in the order
// given, in one transaction: one refusal (a user not found or out of
// reach, a conflict, no escalation, the seats) changes nobody. The error
// names the user it is about ("user usr_…: …").
func (s *Service) BulkUsers(ctx context.Context, actor gatehouse.Actor, in BulkInput) ([]BulkOutcome, int64, error) {
	ids := uniqueIDs(in.UserIDs)
	if err := validateBulk(in, ids); err != nil {
		return nil, 0, err
	}
	var out []BulkOutcome
	rev, err := s.adminWrite(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange, accounts *[]string) error {
		out = out[:0]
		for _, id := range ids {
			o, err := s.bulkOne(ctx, tx, snap, actor, ch, accounts, in, id)
			if err != nil {
				return aboutUser(id, err)
			}
			out = append(out, o)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, rev, nil
}

func validateBulk(in BulkInput, ids []string) error {
	var errs gatehouse.FieldErrors
	if !slices.Contains(BulkActions, in.Action) {
		errs.Add(gatehouse.Invalid("action", "unknown bulk action %q", in.Action))
	}
	switch {
	case len(ids) == 0:
		errs.Add(gatehouse.Invalid("user_ids", "choose at least one user"))
	case len(ids) > MaxBulk:
		errs.Add(gatehouse.Invalid("user_ids", "at most %d users at once", MaxBulk))
	}
	switch in.Action {
	case BulkAddGroup, BulkRemoveGroup:
		if in.GroupID == "" {
			errs.Add(gatehouse.Invalid("group_id", "choose a group"))
		}
	case BulkAssignFacility, BulkUnassignFacility:
		if in.FacilityID == "" {
			errs.Add(gatehouse.Invalid("facility_id", "choose a facility"))
		}
	}
	return errs.Err()
}

// bulkOne is the action on one user.
func (s *Service) bulkOne(ctx context.Context, tx gatehouse.Tx, snap *authz.Snapshot, actor gatehouse.Actor, ch *gatehouse.AccessChange, accounts *[]string,
	in BulkInput, id string) (BulkOutcome, error) {
	edit := func(op, action string, change func(*gatehouse.User) error) (BulkOutcome, error) {
		u, err := s.editUser(ctx, tx, snap, actor, ch, accounts, id, op, action, change)
		if errors.Is(err, errUnchanged) {
			// Still the user's to act on: findManagedUser passed.
			return BulkOutcome{UserID: id}, nil
		}
		return BulkOutcome{UserID: id, Changed: err == nil, User: u}, err
	}
	switch in.Action {
	case BulkDeactivate:
		return edit(gatehouse.OpDeactivateUsers, "user.deactivated", func(u *gatehouse.User) error {
			if u.Status == gatehouse.StatusInactive {
				return errUnchanged
			}
			return deactivate(u)
		})
	case BulkActivate:
		return edit(gatehouse.OpDeactivateUsers, "user.activated", func(u *gatehouse.User) error {
			if u.Status == gatehouse.StatusActive {
				return errUnchanged
			}
			return activate(u)
		})
	case BulkAddGroup, BulkRemoveGroup:
		if !snap.HasGroup(in.GroupID) {
			return BulkOutcome{}, gatehouse.Errorf(gatehouse.ENOTFOUND, "group %q not found", in.GroupID)
		}
		return edit(gatehouse.OpEditUsers, "user.updated", func(u *gatehouse.User) error {
			return toggle(&u.GroupIDs, in.GroupID, in.Action == BulkAddGroup)
		})
	case BulkAssignFacility, BulkUnassignFacility:
		if !snap.HasFacility(in.FacilityID) {
			return BulkOutcome{}, gatehouse.Errorf(gatehouse.ENOTFOUND, "facility %q not found", in.FacilityID)
		}
		return edit(gatehouse.OpEditUsers, "user.updated", func(u *gatehouse.User) error {
			return toggle(&u.FacilityIDs, in.FacilityID, in.Action == BulkAssignFacility)
		})
	case BulkDelete:
		return BulkOutcome{UserID: id, Changed: true}, s.deleteUser(ctx, tx, snap, actor, ch, accounts, id)
	case BulkResendInvitation:
		u, _, err := s.regenerate(ctx, tx, snap, actor, id, accounts)
		return BulkOutcome{UserID: id, Changed: err == nil, User: u}, err
	}
	return BulkOutcome{}, gatehouse.Invalid("action", "unknown bulk action %q", in.Action)
}

// toggle adds id to or removes it from a sorted set of ids; errUnchanged
// when it is already in or out.
func toggle(ids *[]string, id string, in bool) error {
	i, found := slices.BinarySearch(*ids, id)
	switch {
	case in == found:
		return errUnchanged
	case in:
		*ids = slices.Insert(slices.Clone(*ids), i, id)
	default:
		*ids = slices.Delete(slices.Clone(*ids), i, i+1)
	}
	return nil
}

// aboutUser names the user a refusal is about, so that one refusal among
// many says whose it is. The UI shows the name for the id.
func aboutUser(id string, err error) error {
	var e *gatehouse.Error
	if !errors.As(err, &e) || e.Code == gatehouse.EINTERNAL || e.Code == gatehouse.EUNAVAILABLE {
		return err
	}
	named := *e
	named.Message = "user " + id + ": " + e.Message
	return &named
}
