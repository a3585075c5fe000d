package api

import (
	"context"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

type groupOutput struct {
	Revision
	Body groupJSON
}

type groupReadOutput struct {
	Body groupJSON
}

func (h *handlers) listGroups(ctx context.Context, in *Paging) (*listOutput[groupJSON], error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	after, err := in.after(gatehouse.PrefixGroup)
	if err != nil {
		return nil, err
	}
	groups, err := h.svc.ListGroups(ctx, actor, gatehouse.GroupFilter{After: after, Limit: in.Limit + 1})
	if err != nil {
		return nil, err
	}
	return page(groups, in.Limit, func(g *gatehouse.Group) string { return g.ID }, toGroup), nil
}

type createGroupInput struct {
	Body struct {
		Name        string   `json:"name" minLength:"1" maxLength:"200" example:"Store Manager"`
		Description string   `json:"description,omitempty" required:"false" maxLength:"2000"`
		Permissions []string `json:"permissions,omitempty" required:"false" maxItems:"256" example:"[\"work_orders.create\",\"work_orders.view\"]"`
	}
}

func (h *handlers) createGroup(ctx context.Context, in *createGroupInput) (*groupOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	g, rev, err := h.svc.CreateGroup(ctx, actor, service.GroupInput{Name: in.Body.Name, Description: in.Body.Description, Permissions: in.Body.Permissions})
	if err != nil {
		return nil, err
	}
	return &groupOutput{Revision{rev}, toGroup(g)}, nil
}

func (h *handlers) getGroup(ctx context.Context, in *idInput) (*groupReadOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	g, err := h.svc.GetGroup(ctx, actor, in.ID)
	if err != nil {
		return nil, err
	}
	return &groupReadOutput{Body: toGroup(g)}, nil
}

type updateGroupInput struct {
	ID   string `path:"id"`
	Body struct {
		Name        *string   `json:"name,omitempty" required:"false" minLength:"1" maxLength:"200"`
		Description *string   `json:"description,omitempty" required:"false" maxLength:"2000"`
		Permissions *[]string `json:"permissions,omitempty" required:"false" maxItems:"256" doc:"Replaces the group's permissions"`
	}
}

func (h *handlers) updateGroup(ctx context.Context, in *updateGroupInput) (*groupOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	g, rev, err := h.svc.UpdateGroup(ctx, actor, in.ID, service.GroupPatch{Name: in.Body.Name, Description: in.Body.Description, Permissions: in.Body.Permissions})
	if err != nil {
		return nil, err
	}
	return &groupOutput{Revision{rev}, toGroup(g)}, nil
}

func (h *handlers) deleteGroup(ctx context.Context, in *idInput) (*Revision, error) {
	return h.remove(ctx, in.ID, h.svc.DeleteGroup)
}
