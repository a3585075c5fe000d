package api

import (
	"context"
	"net/http"

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
	Status     string       `query:"status" enum:"invited,active,inactive" doc:"Only users in this status"`
	GroupID    string       `query:"group_id" doc:"Only members of this group"`
	FacilityID string       `query:"facility_id" doc:"Only users assigned to this facility"`
	HoldsGroup string       `query:"holds_group_id" doc:"With holds_facility_id: only users who hold this group at that facility now (a site role there, or the group organization-wide with the facility assigned)"`
	HoldsAt    string       `query:"holds_facility_id" doc:"See holds_group_id"`
	Licence    string       `query:"licence" doc:"Only users of this licence tier (catalogs with licences; see GET /api/v1/catalog)"`
	Invitation string       `query:"invitation" enum:"pending,expired" doc:"Only users whose latest invitation is open and pending, or open and expired (see GET /api/v1/invitations)"`
	Q          optionalText `query:"q" doc:"Search first name, last name and email"`
	Sort       string       `query:"sort" enum:"created,name,email,last_sign_in" doc:"Order: created (default), name (last, first), email or last_sign_in (those who never signed in first)"`
	Order      string       `query:"order" enum:"asc,desc" doc:"asc (default) or desc"`
	Count      bool         `query:"count" doc:"true: also answer total, how many users the filters select. Counting passes over every one of them (about 15 ms at 100,000 users), so pages stay fast without it: ask with the first page only"`
	Paging
}

// userListOutput is the user list: every list's shape, with the total
// (a named body: the client's Page[User] is checked against it).
type userListOutput struct {
	Body userListBody
}

type userListBody struct {
	Items      []userJSON `json:"items"`
	NextCursor string     `json:"next_cursor" doc:"Pass as ?cursor= for the next page; empty on the last page"`
	Total      *int       `json:"total,omitempty" doc:"With count=true: how many users the filters select (within the caller's facilities), whatever the page"`
}

func (h *handlers) listUsers(ctx context.Context, in *listUsersInput) (*userListOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	after, err := in.after(gatehouse.PrefixUser)
	if err != nil {
		return nil, err
	}
	if (in.HoldsGroup == "") != (in.HoldsAt == "") {
		return nil, gatehouse.Invalid("holds_facility_id", "holds_group_id and holds_facility_id go together")
	}
	sort := in.Sort
	if sort == "created" {
		sort = gatehouse.SortID
	}
	filter := gatehouse.UserFilter{Status: gatehouse.UserStatus(in.Status),
		GroupID: in.GroupID, FacilityID: in.FacilityID, SiteGroupID: in.HoldsGroup, SiteFacilityID: in.HoldsAt, Licence: in.Licence, Invitation: in.Invitation, Query: string(in.Q), Sort: sort, Desc: in.Order == "desc",
		After: after, Limit: in.Limit + 1}
	var users []*gatehouse.User
	var total *int
	if in.Count {
		var n int
		users, n, err = h.svc.ListUsersCounted(ctx, actor, filter)
		total = &n
	} else {
		users, err = h.svc.ListUsers(ctx, actor, filter)
	}
	if err != nil {
		return nil, err
	}
	out := &userListOutput{}
	p := page(users, in.Limit, func(u *gatehouse.User) string { return u.ID }, toUser).Body
	out.Body.Items, out.Body.NextCursor = p.Items, p.NextCursor
	out.Body.Total = total
	return out, nil
}

type userBody struct {
	FirstName   requiredText    `json:"first_name" example:"Tess"`
	LastName    requiredText    `json:"last_name" example:"Tech"`
	Email       emailAddress    `json:"email" example:"tess@acme.test"`
	Phone       optionalText    `json:"phone,omitempty" required:"false" doc:"In international format: a + and the country code first (+44 20 7946 0000); stored in E.164 (+442079460000)"`
	FullAccess  bool            `json:"full_access,omitempty" required:"false"`
	Licence     string          `json:"licence,omitempty" required:"false" doc:"Licence tier; defaults to the catalog's default"`
	GroupIDs    []string        `json:"group_ids,omitempty" required:"false" maxItems:"500"`
	Permissions []string        `json:"permissions,omitempty" required:"false" maxItems:"256" doc:"Direct permissions (codenames)"`
	FacilityIDs []string        `json:"facility_ids,omitempty" required:"false" maxItems:"20000"`
	SiteRoles   []siteRoleJSON  `json:"site_roles,omitempty" required:"false" maxItems:"2000" doc:"Groups held at one facility only, each with optional dates"`
	TimeBounds  []timeBoundJSON `json:"time_bounds,omitempty" required:"false" maxItems:"20000" doc:"Starts and expiries of grants among group_ids, permissions and facility_ids"`
}

type inviteUserInput struct {
	DryRun
	Body userBody
}

func (h *handlers) inviteUser(ctx context.Context, in *inviteUserInput) (*writeOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	return previewable(ctx, h.svc, in.DryRun, http.StatusCreated, func(ctx context.Context) (userJSON, int64, error) {
		invited, err := h.svc.InviteUser(ctx, actor, service.UserInput{FirstName: string(b.FirstName), LastName: string(b.LastName),
			Email: string(b.Email), Phone: string(b.Phone), FullAccess: b.FullAccess, Licence: b.Licence,
			GroupIDs: b.GroupIDs, Permissions: b.Permissions, FacilityIDs: b.FacilityIDs,
			SiteRoles: fromSiteRoles(b.SiteRoles), Bounds: fromTimeBounds(b.TimeBounds)})
		if err != nil {
			return userJSON{}, 0, err
		}
		return toUser(invited.User), invited.Revision, nil
	})
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
	ID string `path:"id"`
	DryRun
	Body struct {
		FirstName   *requiredText    `json:"first_name,omitempty" required:"false"`
		LastName    *requiredText    `json:"last_name,omitempty" required:"false"`
		Email       *emailAddress    `json:"email,omitempty" required:"false" doc:"A new email is unverified until confirmed"`
		Phone       *optionalText    `json:"phone,omitempty" required:"false" doc:"In international format: a + and the country code first (+44 20 7946 0000); stored in E.164 (+442079460000). A phone stored before phones were checked is kept while it is not changed"`
		FullAccess  *bool            `json:"full_access,omitempty" required:"false"`
		Licence     *string          `json:"licence,omitempty" required:"false"`
		GroupIDs    *[]string        `json:"group_ids,omitempty" required:"false" maxItems:"500" doc:"Replaces the user's groups"`
		Permissions *[]string        `json:"permissions,omitempty" required:"false" maxItems:"256" doc:"Replaces the direct permissions"`
		FacilityIDs *[]string        `json:"facility_ids,omitempty" required:"false" maxItems:"20000" doc:"Replaces the facility assignments"`
		SiteRoles   *[]siteRoleJSON  `json:"site_roles,omitempty" required:"false" maxItems:"2000" doc:"Replaces the site roles"`
		TimeBounds  *[]timeBoundJSON `json:"time_bounds,omitempty" required:"false" maxItems:"20000" doc:"Replaces the bounds of the organization-wide grants"`
	}
}

func (h *handlers) updateUser(ctx context.Context, in *updateUserInput) (*writeOutput, error) {
	b := in.Body
	return h.userWrite(ctx, in.DryRun, func(ctx context.Context, actor gatehouse.Actor) (*gatehouse.User, int64, error) {
		return h.svc.UpdateUser(ctx, actor, in.ID, gatehouse.UserPatch{FirstName: (*string)(b.FirstName), LastName: (*string)(b.LastName),
			Email: (*string)(b.Email), Phone: (*string)(b.Phone), FullAccess: b.FullAccess, Licence: b.Licence,
			GroupIDs: b.GroupIDs, Permissions: b.Permissions, FacilityIDs: b.FacilityIDs,
			SiteRoles: optionalList(b.SiteRoles, fromSiteRoles), Bounds: optionalList(b.TimeBounds, fromTimeBounds)})
	})
}

func (h *handlers) deleteUser(ctx context.Context, in *idWriteInput) (*writeOutput, error) {
	return h.removeOrPreview(ctx, in, h.svc.DeleteUser)
}

// userWrite is the shape of the previewable writes that answer with the user.
func (h *handlers) userWrite(ctx context.Context, dry DryRun, write func(context.Context, gatehouse.Actor) (*gatehouse.User, int64, error)) (*writeOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	return previewable(ctx, h.svc, dry, http.StatusOK, func(ctx context.Context) (userJSON, int64, error) {
		u, rev, err := write(ctx, actor)
		if err != nil {
			return userJSON{}, 0, err
		}
		return toUser(u), rev, nil
	})
}

func (h *handlers) deactivateUser(ctx context.Context, in *idWriteInput) (*writeOutput, error) {
	return h.userWrite(ctx, in.DryRun, func(ctx context.Context, actor gatehouse.Actor) (*gatehouse.User, int64, error) {
		return h.svc.DeactivateUser(ctx, actor, in.ID)
	})
}

func (h *handlers) activateUser(ctx context.Context, in *idWriteInput) (*writeOutput, error) {
	return h.userWrite(ctx, in.DryRun, func(ctx context.Context, actor gatehouse.Actor) (*gatehouse.User, int64, error) {
		return h.svc.ActivateUser(ctx, actor, in.ID)
	})
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
	out.Body.Items = nonNilPermissions(perms)
	return out, nil
}
