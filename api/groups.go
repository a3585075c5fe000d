package api

import (
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

type groupReadOutput struct {
	Body groupJSON
}

type listGroupsInput struct {
	Q optionalText `query:"q" doc:"Search group names and descriptions (case-insensitive)"`
	Paging
}

func (h *handlers) listGroups(ctx context.Context, in *listGroupsInput) (*listOutput[groupJSON], error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	after, err := in.after(gatehouse.PrefixGroup)
	if err != nil {
		return nil, err
	}
	groups, err := h.svc.ListGroups(ctx, actor, gatehouse.GroupFilter{Query: string(in.Q), After: after, Limit: in.Limit + 1})
	if err != nil {
		return nil, err
	}
	return page(groups, in.Limit, func(g *gatehouse.Group) string { return g.ID }, toGroup), nil
}

type createGroupInput struct {
	DryRun
	Body struct {
		Name        requiredText    `json:"name" example:"Store Manager"`
		Description descriptionText `json:"description,omitempty" required:"false"`
		Permissions []string        `json:"permissions,omitempty" required:"false" maxItems:"256" example:"[\"work_orders.create\",\"work_orders.view\"]"`
	}
}

func (h *handlers) createGroup(ctx context.Context, in *createGroupInput) (*writeOutput, error) {
	return h.groupWrite(ctx, in.DryRun, http.StatusCreated, func(ctx context.Context, actor gatehouse.Actor) (*gatehouse.Group, int64, error) {
		return h.svc.CreateGroup(ctx, actor, service.GroupInput{Name: string(in.Body.Name), Description: string(in.Body.Description), Permissions: in.Body.Permissions})
	})
}

// groupWrite is the shape of the previewable writes that answer with the group.
func (h *handlers) groupWrite(ctx context.Context, dry DryRun, status int, write func(context.Context, gatehouse.Actor) (*gatehouse.Group, int64, error)) (*writeOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	return previewable(ctx, h.svc, dry, status, func(ctx context.Context) (groupJSON, int64, error) {
		g, rev, err := write(ctx, actor)
		if err != nil {
			return groupJSON{}, 0, err
		}
		return toGroup(g), rev, nil
	})
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
	ID string `path:"id"`
	DryRun
	Body struct {
		Name        *requiredText    `json:"name,omitempty" required:"false"`
		Description *descriptionText `json:"description,omitempty" required:"false"`
		Permissions *[]string        `json:"permissions,omitempty" required:"false" maxItems:"256" doc:"Replaces the group's permissions"`
	}
}

func (h *handlers) updateGroup(ctx context.Context, in *updateGroupInput) (*writeOutput, error) {
	return h.groupWrite(ctx, in.DryRun, http.StatusOK, func(ctx context.Context, actor gatehouse.Actor) (*gatehouse.Group, int64, error) {
		return h.svc.UpdateGroup(ctx, actor, in.ID, service.GroupPatch{Name: (*string)(in.Body.Name), Description: (*string)(in.Body.Description), Permissions: in.Body.Permissions})
	})
}

func (h *handlers) deleteGroup(ctx context.Context, in *idWriteInput) (*writeOutput, error) {
	return h.removeOrPreview(ctx, in, h.svc.DeleteGroup)
}
