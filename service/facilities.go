package service

import (
	"context"
	"slices"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// FacilityInput creates a facility; FacilityPatch changes the fields that are not nil.
type FacilityInput struct {
	Name       string
	ExternalID string
}

type FacilityPatch struct {
	Name       *string
	ExternalID *string
	Archived   *bool
}

// CreateFacility adds a facility. An actor without full access is assigned
// to the facility they create, so that it stays within their scope.
func (s *Service) CreateFacility(ctx context.Context, actor gatehouse.Actor, in FacilityInput) (*gatehouse.Facility, int64, error) {
	f := &gatehouse.Facility{ID: gatehouse.NewID(gatehouse.PrefixFacility), OrgID: actor.OrgID, Name: in.Name, ExternalID: in.ExternalID}
	rev, err := s.adminWrite(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange, _ *[]string) error {
		if err := authorize(snap, actor, gatehouse.OpManageFacilities, authz.Resource{}); err != nil {
			return err
		}
		if err := validateFacility(f); err != nil {
			return err
		}
		if err := tx.CreateFacility(f); err != nil {
			return err
		}
		if err := record(ctx, tx, actor, "facility.created", "facility", f.ID, diff(nil, facilityFields(f))); err != nil {
			return err
		}
		ch.Facilities = append(ch.Facilities, f.ID)
		if !actor.IsSystem() && !snap.IsFullAccess(actor.UserID) {
			u, err := tx.FindUser(actor.OrgID, actor.UserID)
			if err != nil {
				return err
			}
			u.FacilityIDs = set(append(u.FacilityIDs, f.ID))
			if err := tx.UpdateUser(u); err != nil {
				return err
			}
			ch.Users = append(ch.Users, u.Access())
		}
		return nil
	})
	return f, rev, err
}

// UpdateFacility renames, re-links or archives a facility.
func (s *Service) UpdateFacility(ctx context.Context, actor gatehouse.Actor, id string, p FacilityPatch) (*gatehouse.Facility, int64, error) {
	var out *gatehouse.Facility
	rev, err := s.adminWrite(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange, _ *[]string) error {
		f, err := s.findFacility(tx, snap, actor, id, gatehouse.OpManageFacilities)
		if err != nil {
			return err
		}
		before := facilityFields(f)
		wasArchived := f.Archived
		apply(&f.Name, p.Name)
		apply(&f.ExternalID, p.ExternalID)
		apply(&f.Archived, p.Archived)
		if err := validateFacility(f); err != nil {
			return err
		}
		out = f
		if err := tx.UpdateFacility(f); err != nil {
			return err
		}
		action := "facility.updated"
		switch {
		case f.Archived && !wasArchived:
			action = "facility.archived"
		case !f.Archived && wasArchived:
			action = "facility.unarchived"
		}
		return record(ctx, tx, actor, action, "facility", f.ID, diff(before, facilityFields(f)))
	})
	return out, rev, err
}

// DeleteFacility removes a facility and every assignment to it.
func (s *Service) DeleteFacility(ctx context.Context, actor gatehouse.Actor, id string) (int64, error) {
	return s.adminWrite(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange, _ *[]string) error {
		f, err := s.findFacility(tx, snap, actor, id, gatehouse.OpManageFacilities)
		if err != nil {
			return err
		}
		assigned, err := tx.FacilityUsers(actor.OrgID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteFacility(actor.OrgID, id); err != nil {
			return err
		}
		if err := record(ctx, tx, actor, "facility.deleted", "facility", id, diff(facilityFields(f), nil)); err != nil {
			return err
		}
		ch.DeletedFacilities = append(ch.DeletedFacilities, id)
		for _, userID := range assigned {
			u, err := tx.FindUser(actor.OrgID, userID)
			if err != nil {
				return err
			}
			ch.Users = append(ch.Users, u.Access())
		}
		return nil
	})
}

// GetFacility returns a facility the actor may see.
func (s *Service) GetFacility(ctx context.Context, actor gatehouse.Actor, id string) (*gatehouse.Facility, error) {
	var out *gatehouse.Facility
	err := s.view(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot) error {
		f, err := s.findFacility(tx, snap, actor, id, gatehouse.OpViewFacilities)
		out = f
		return err
	})
	return out, err
}

// ListFacilities returns a page of the facilities the actor may see.
func (s *Service) ListFacilities(ctx context.Context, actor gatehouse.Actor, f gatehouse.FacilityFilter) ([]*gatehouse.Facility, error) {
	var out []*gatehouse.Facility
	err := s.view(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot) error {
		if err := authorize(snap, actor, gatehouse.OpViewFacilities, authz.Resource{}); err != nil {
			return err
		}
		f.OrgID = actor.OrgID
		if !actor.IsSystem() {
			if all, ids := snap.Scope(actor.UserID); !all {
				f.Within = append(ids, "")
			}
		}
		list, err := tx.FindFacilities(f)
		out = list
		return err
	})
	return out, err
}

// findFacility authorizes op on the facility itself, so a facility-scoped
// guard permission is checked against that facility. A facility outside the
// actor's scope is not found.
func (s *Service) findFacility(tx gatehouse.Tx, snap *authz.Snapshot, actor gatehouse.Actor, id, op string) (*gatehouse.Facility, error) {
	if !snap.HasFacility(id) {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "facility %q not found", id)
	}
	if !actor.IsSystem() {
		if all, ids := snap.Scope(actor.UserID); !all && !slices.Contains(ids, id) {
			return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "facility %q not found", id)
		}
	}
	if err := authorize(snap, actor, op, authz.Resource{FacilityID: id}); err != nil {
		return nil, err
	}
	return tx.FindFacility(actor.OrgID, id)
}

func validateFacility(f *gatehouse.Facility) error {
	if err := validateText("name", f.Name, true); err != nil {
		return err
	}
	return validateText("external_id", f.ExternalID, false)
}
