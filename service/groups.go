package service

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// GroupInput creates a group; GroupPatch changes the fields that are not nil.
type GroupInput struct {
	Name        string
	Description string
	Permissions []string
}

type GroupPatch struct {
	Name        *string
	Description *string
	Permissions *[]string
}

// CreateGroup adds a group (role).
func (s *Service) CreateGroup(ctx context.Context, actor gatehouse.Actor, in GroupInput) (*gatehouse.Group, int64, error) {
	g := &gatehouse.Group{ID: gatehouse.NewID(gatehouse.PrefixGroup), OrgID: actor.OrgID,
		Name: in.Name, Description: in.Description, Permissions: set(in.Permissions)}
	rev, err := s.adminWrite(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange, _ *[]string) error {
		if err := s.checkGroupWrite(snap, actor, g); err != nil {
			return err
		}
		if err := tx.CreateGroup(g); err != nil {
			return err
		}
		if err := record(ctx, tx, actor, "group.created", "group", g.ID, diff(nil, groupFields(g))); err != nil {
			return err
		}
		ch.Groups = append(ch.Groups, gatehouse.GroupAccess{ID: g.ID, Permissions: g.Permissions})
		return nil
	})
	return g, rev, err
}

// UpdateGroup changes a group; its members' access changes with it.
func (s *Service) UpdateGroup(ctx context.Context, actor gatehouse.Actor, id string, p GroupPatch) (*gatehouse.Group, int64, error) {
	var out *gatehouse.Group
	rev, err := s.adminWrite(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange, _ *[]string) error {
		if err := authorize(snap, actor, gatehouse.OpManageGroups, authz.Resource{}); err != nil {
			return err
		}
		g, err := tx.FindGroup(actor.OrgID, id)
		if err != nil {
			return err
		}
		beforeFields := groupFields(g)
		apply(&g.Name, p.Name)
		apply(&g.Description, p.Description)
		if p.Permissions != nil {
			g.Permissions = set(*p.Permissions)
		}
		if err := s.checkGroupWrite(snap, actor, g); err != nil {
			return err
		}
		if err := tx.UpdateGroup(g); err != nil {
			return err
		}
		if err := record(ctx, tx, actor, "group.updated", "group", g.ID, diff(beforeFields, groupFields(g))); err != nil {
			return err
		}
		ch.Groups = append(ch.Groups, gatehouse.GroupAccess{ID: g.ID, Permissions: g.Permissions})
		out = g
		return nil
	})
	return out, rev, err
}

// DeleteGroup removes a group; its members lose what it granted.
func (s *Service) DeleteGroup(ctx context.Context, actor gatehouse.Actor, id string) (int64, error) {
	return s.adminWrite(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange, _ *[]string) error {
		if err := authorize(snap, actor, gatehouse.OpManageGroups, authz.Resource{}); err != nil {
			return err
		}
		g, err := tx.FindGroup(actor.OrgID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteGroup(actor.OrgID, id); err != nil {
			return err
		}
		if err := record(ctx, tx, actor, "group.deleted", "group", id, diff(groupFields(g), nil)); err != nil {
			return err
		}
		ch.DeletedGroups = append(ch.DeletedGroups, id)
		return nil
	})
}

// GetGroup returns one group.
func (s *Service) GetGroup(ctx context.Context, actor gatehouse.Actor, id string) (*gatehouse.Group, error) {
	var out *gatehouse.Group
	err := s.view(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot) error {
		if err := authorize(snap, actor, gatehouse.OpViewGroups, authz.Resource{}); err != nil {
			return err
		}
		g, err := tx.FindGroup(actor.OrgID, id)
		out = g
		return err
	})
	return out, err
}

// ListGroups returns a page of groups.
func (s *Service) ListGroups(ctx context.Context, actor gatehouse.Actor, f gatehouse.GroupFilter) ([]*gatehouse.Group, error) {
	var out []*gatehouse.Group
	err := s.view(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot) error {
		if err := authorize(snap, actor, gatehouse.OpViewGroups, authz.Resource{}); err != nil {
			return err
		}
		f.OrgID = actor.OrgID
		groups, err := tx.FindGroups(f)
		out = groups
		return err
	})
	return out, err
}

// checkGroupWrite authorizes and validates a group write; adminWrite
// applies no escalation to it.
func (s *Service) checkGroupWrite(snap *authz.Snapshot, actor gatehouse.Actor, g *gatehouse.Group) error {
	if err := authorize(snap, actor, gatehouse.OpManageGroups, authz.Resource{}); err != nil {
		return err
	}
	if err := validateText("name", g.Name, true); err != nil {
		return err
	}
	if utf8.RuneCountInString(g.Description) > gatehouse.MaxDescriptionLen {
		return gatehouse.Invalid("description", "description is longer than %d characters", gatehouse.MaxDescriptionLen)
	}
	if strings.ContainsRune(g.Description, 0) { // PostgreSQL's text cannot hold it
		return gatehouse.Invalid("description", "description must not contain a NUL character")
	}
	return validatePermissions(snap, "permissions", g.Permissions)
}
