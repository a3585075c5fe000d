package client

import (
	"context"
	"net/http"
	"net/url"
)

// A Preview is a dry run's answer (?dry_run=true): what a write would change
// in people's effective access, and the refusal it would meet. Nothing was
// changed. Every write that can change access has a Preview… method; they
// return an *Error only for errors of the request itself (not found,
// invalid input, a missing admin permission), as the write would.
type Preview struct {
	Users []UserImpact
	// Refusal is the no-escalation refusal (or the last full-access user's
	// conflict) the real write would meet; nil when it would go through.
	Refusal *Error
	// Revision is the organization's revision the preview was computed on.
	Revision Revision
}

// A UserImpact is what a write changes for one user: the permissions they
// gain and lose and where, and what their groups or direct grants give
// beyond their licence after it (held, not in force).
type UserImpact struct {
	UserID            string   `json:"user_id"` // "" for a user outside the caller's facilities
	Gained            []Grant  `json:"gained"`
	Lost              []Grant  `json:"lost"`
	HeldBeyondLicence []string `json:"held_beyond_licence"`
}

// A Grant is one permission and where it applies: everywhere, or at these
// facilities.
type Grant struct {
	Permission    string   `json:"permission"`
	AllFacilities bool     `json:"all_facilities"`
	FacilityIDs   []string `json:"facility_ids"`
	// HiddenFacilities counts the facilities, not assigned to a caller
	// without full access, left out of FacilityIDs.
	HiddenFacilities int `json:"hidden_facilities"`
}

// preview sends a write with ?dry_run=true.
func (c *Client) preview(ctx context.Context, method, path string, body any) (*Preview, error) {
	var answer struct {
		Users []UserImpact `json:"users"`
		Error *struct {
			Code, Message, Field, Reason string
			Errors                       []FieldError
		} `json:"error"`
	}
	resp, err := c.do(ctx, request{method: method, path: path, body: body, query: url.Values{"dry_run": {"true"}}}, &answer)
	if err != nil {
		return nil, err
	}
	out := &Preview{Users: answer.Users, Revision: resp.revision}
	if d := answer.Error; d != nil {
		out.Refusal = &Error{Status: statusOfCode(d.Code), Code: d.Code, Message: d.Message, Field: d.Field, Reason: d.Reason, Fields: d.Errors}
	}
	return out, nil
}

// statusOfCode is the status the real write would have answered with.
func statusOfCode(code string) int {
	for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusTooManyRequests} {
		if codeOfStatus(status) == code {
			return status
		}
	}
	return http.StatusInternalServerError
}

// PreviewInviteUser is InviteUser as a dry run.
func (c *Client) PreviewInviteUser(ctx context.Context, in NewUser) (*Preview, error) {
	return c.preview(ctx, http.MethodPost, "/api/v1/users", in)
}

// PreviewUpdateUser is UpdateUser as a dry run.
func (c *Client) PreviewUpdateUser(ctx context.Context, id string, p UserPatch) (*Preview, error) {
	p.GroupIDs, p.Permissions, p.FacilityIDs = emptyNotNull(p.GroupIDs), emptyNotNull(p.Permissions), emptyNotNull(p.FacilityIDs)
	return c.preview(ctx, http.MethodPatch, pathOf("/api/v1/users/%s", id), p)
}

// PreviewDeleteUser is DeleteUser as a dry run.
func (c *Client) PreviewDeleteUser(ctx context.Context, id string) (*Preview, error) {
	return c.preview(ctx, http.MethodDelete, pathOf("/api/v1/users/%s", id), nil)
}

// PreviewDeactivateUser is DeactivateUser as a dry run.
func (c *Client) PreviewDeactivateUser(ctx context.Context, id string) (*Preview, error) {
	return c.preview(ctx, http.MethodPost, pathOf("/api/v1/users/%s/deactivate", id), nil)
}

// PreviewActivateUser is ActivateUser as a dry run.
func (c *Client) PreviewActivateUser(ctx context.Context, id string) (*Preview, error) {
	return c.preview(ctx, http.MethodPost, pathOf("/api/v1/users/%s/activate", id), nil)
}

// PreviewCreateGroup is CreateGroup as a dry run.
func (c *Client) PreviewCreateGroup(ctx context.Context, in NewGroup) (*Preview, error) {
	return c.preview(ctx, http.MethodPost, "/api/v1/groups", in)
}

// PreviewUpdateGroup is UpdateGroup as a dry run: what the group's members
// would gain and lose.
func (c *Client) PreviewUpdateGroup(ctx context.Context, id string, p GroupPatch) (*Preview, error) {
	return c.preview(ctx, http.MethodPatch, pathOf("/api/v1/groups/%s", id), p)
}

// PreviewDeleteGroup is DeleteGroup as a dry run.
func (c *Client) PreviewDeleteGroup(ctx context.Context, id string) (*Preview, error) {
	return c.preview(ctx, http.MethodDelete, pathOf("/api/v1/groups/%s", id), nil)
}

// PreviewUpdateFacility is UpdateFacility as a dry run.
func (c *Client) PreviewUpdateFacility(ctx context.Context, id string, p FacilityPatch) (*Preview, error) {
	return c.preview(ctx, http.MethodPatch, pathOf("/api/v1/facilities/%s", id), p)
}

// PreviewArchiveFacility is ArchiveFacility as a dry run.
func (c *Client) PreviewArchiveFacility(ctx context.Context, id string) (*Preview, error) {
	return c.preview(ctx, http.MethodPost, pathOf("/api/v1/facilities/%s/archive", id), nil)
}

// PreviewDeleteFacility is DeleteFacility as a dry run: what the users
// assigned to it would lose.
func (c *Client) PreviewDeleteFacility(ctx context.Context, id string) (*Preview, error) {
	return c.preview(ctx, http.MethodDelete, pathOf("/api/v1/facilities/%s", id), nil)
}

// PreviewAddGrant is AddGrant as a dry run.
func (c *Client) PreviewAddGrant(ctx context.Context, userID string, g NewGrant) (*Preview, error) {
	return c.preview(ctx, http.MethodPost, pathOf("/api/v1/users/%s/grants", userID), g)
}

// PreviewRemoveGrant is RemoveGrant as a dry run.
func (c *Client) PreviewRemoveGrant(ctx context.Context, userID, grantID string) (*Preview, error) {
	return c.preview(ctx, http.MethodDelete, pathOf("/api/v1/users/%s/grants/%s", userID, grantID), nil)
}
