package api

import (
	"context"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/service"
)

type idInput struct {
	ID string `path:"id" doc:"The id, as returned by the API"`
}

type userOutput struct {
	Revision
	Body userJSON
}

// userReadOutput is a user read: no revision header, as nothing changed.
type userReadOutput struct {
	Body userJSON
}

type listUsersInput struct {
	Status     string `query:"status" enum:"invited,active,inactive" doc:"Only users in this status"`
	GroupID    string `query:"group_id" doc:"Only members of this group"`
	FacilityID string `query:"facility_id" doc:"Only users assigned to this facility"`
	Q          string `query:"q" maxLength:"200" doc:"Search first name, last name and email"`
	Sort       string `query:"sort" enum:"created,name,email" doc:"Order: created (default), name (last, first) or email"`
	Order      string `query:"order" enum:"asc,desc" doc:"asc (default) or desc"`
	Paging
}

func (h *handlers) listUsers(ctx context.Context, in *listUsersInput) (*listOutput[userJSON], error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	after, err := in.after(gatehouse.PrefixUser)
	if err != nil {
		return nil, err
	}
	sort := in.Sort
	if sort == "created" {
		sort = gatehouse.SortID
	}
	users, err := h.svc.ListUsers(ctx, actor, gatehouse.UserFilter{Status: gatehouse.UserStatus(in.Status),
		GroupID: in.GroupID, FacilityID: in.FacilityID, Query: in.Q, Sort: sort, Desc: in.Order == "desc",
		After: after, Limit: in.Limit + 1})
	if err != nil {
		return nil, err
	}
	return page(users, in.Limit, func(u *gatehouse.User) string { return u.ID }, toUser), nil
}

type userBody struct {
	FirstName   string   `json:"first_name" minLength:"1" maxLength:"200" example:"Tess"`
	LastName    string   `json:"last_name" minLength:"1" maxLength:"200" example:"Tech"`
	Email       string   `json:"email" minLength:"3" maxLength:"200" example:"tess@acme.test"`
	Phone       string   `json:"phone,omitempty" required:"false" maxLength:"200"`
	FullAccess  bool     `json:"full_access,omitempty" required:"false"`
	Licence     string   `json:"licence,omitempty" required:"false" doc:"Licence tier; defaults to the catalog's default"`
	GroupIDs    []string `json:"group_ids,omitempty" required:"false" maxItems:"500"`
	Permissions []string `json:"permissions,omitempty" required:"false" maxItems:"256" doc:"Direct permissions (codenames)"`
	FacilityIDs []string `json:"facility_ids,omitempty" required:"false" maxItems:"20000"`
}

type inviteUserInput struct {
	Body userBody
}

func (h *handlers) inviteUser(ctx context.Context, in *inviteUserInput) (*userOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	invited, err := h.svc.InviteUser(ctx, actor, service.UserInput{FirstName: b.FirstName, LastName: b.LastName,
		Email: b.Email, Phone: b.Phone, FullAccess: b.FullAccess, Licence: b.Licence,
		GroupIDs: b.GroupIDs, Permissions: b.Permissions, FacilityIDs: b.FacilityIDs})
	if err != nil {
		return nil, err
	}
	return &userOutput{Revision{invited.Revision}, toUser(invited.User)}, nil
}

func (h *handlers) getUser(ctx context.Context, in *idInput) (*userReadOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	u, err := h.svc.GetUser(ctx, actor, in.ID)
	if err != nil {
		return nil, err
	}
	return &userReadOutput{Body: toUser(u)}, nil
}

type updateUserInput struct {
	ID   string `path:"id"`
	Body struct {
		FirstName   *string   `json:"first_name,omitempty" required:"false" minLength:"1" maxLength:"200"`
		LastName    *string   `json:"last_name,omitempty" required:"false" minLength:"1" maxLength:"200"`
		Email       *string   `json:"email,omitempty" required:"false" maxLength:"200" doc:"A new email is unverified until confirmed"`
		Phone       *string   `json:"phone,omitempty" required:"false" maxLength:"200"`
		FullAccess  *bool     `json:"full_access,omitempty" required:"false"`
		Licence     *string   `json:"licence,omitempty" required:"false"`
		GroupIDs    *[]string `json:"group_ids,omitempty" required:"false" maxItems:"500" doc:"Replaces the user's groups"`
		Permissions *[]string `json:"permissions,omitempty" required:"false" maxItems:"256" doc:"Replaces the direct permissions"`
		FacilityIDs *[]string `json:"facility_ids,omitempty" required:"false" maxItems:"20000" doc:"Replaces the facility assignments"`
	}
}

func (h *handlers) updateUser(ctx context.Context, in *updateUserInput) (*userOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	u, rev, err := h.svc.UpdateUser(ctx, actor, in.ID, service.UserPatch{FirstName: b.FirstName, LastName: b.LastName,
		Email: b.Email, Phone: b.Phone, FullAccess: b.FullAccess, Licence: b.Licence,
		GroupIDs: b.GroupIDs, Permissions: b.Permissions, FacilityIDs: b.FacilityIDs})
	if err != nil {
		return nil, err
	}
	return &userOutput{Revision{rev}, toUser(u)}, nil
}

func (h *handlers) deleteUser(ctx context.Context, in *idInput) (*Revision, error) {
	return h.remove(ctx, in.ID, h.svc.DeleteUser)
}

// userAction is the shape of deactivate and activate.
func (h *handlers) userAction(ctx context.Context, id string, act func(context.Context, gatehouse.Actor, string) (*gatehouse.User, int64, error)) (*userOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	u, rev, err := act(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return &userOutput{Revision{rev}, toUser(u)}, nil
}

func (h *handlers) deactivateUser(ctx context.Context, in *idInput) (*userOutput, error) {
	return h.userAction(ctx, in.ID, h.svc.DeactivateUser)
}

func (h *handlers) activateUser(ctx context.Context, in *idInput) (*userOutput, error) {
	return h.userAction(ctx, in.ID, h.svc.ActivateUser)
}

func (h *handlers) regenerateInvite(ctx context.Context, in *idInput) (*userOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	invited, err := h.svc.RegenerateInvite(ctx, actor, in.ID)
	if err != nil {
		return nil, err
	}
	return &userOutput{Revision{invited.Revision}, toUser(invited.User)}, nil
}

type permissionsOutput struct {
	Body struct {
		Items []authz.EffectivePermission `json:"items"`
	}
}

func (h *handlers) userPermissions(ctx context.Context, in *idInput) (*permissionsOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	perms, err := h.svc.EffectivePermissions(ctx, actor, in.ID)
	if err != nil {
		return nil, err
	}
	out := &permissionsOutput{}
	out.Body.Items = perms
	return out, nil
}
