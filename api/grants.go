package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse"
)

// Site roles and time-bound grants (docs/decision.md): on the user
// (site_roles, time_bounds) and one grant at a time
// (/api/v1/users/{id}/grants).

// siteRoleJSON is a group held at one facility only.
type siteRoleJSON struct {
	GroupID    string     `json:"group_id" minLength:"1"`
	FacilityID string     `json:"facility_id" minLength:"1"`
	StartsAt   *time.Time `json:"starts_at,omitempty" required:"false" doc:"In force from this moment (to the second); absent: from now"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty" required:"false" doc:"In force until this moment (to the second, exclusive); absent: no end"`
}

// timeBoundJSON bounds one organization-wide grant of the user.
type timeBoundJSON struct {
	GrantID   string     `json:"grant_id" minLength:"1" example:"group:grp_01jd6c3v9k8m2n4p6q8r0s2t4v" doc:"The grant: group:ID, permission:CODENAME or facility:ID (one of the user's group_ids, permissions or facility_ids)"`
	StartsAt  *time.Time `json:"starts_at,omitempty" required:"false"`
	ExpiresAt *time.Time `json:"expires_at,omitempty" required:"false"`
}

// grantJSON is one grant of a user.
type grantJSON struct {
	ID         string     `json:"id" example:"group:grp_01jd6c3v9k8m2n4p6q8r0s2t4v@fac_01jd6c3v9k8m2n4p6q8r0s2t4w" doc:"Derived from what it grants: group:GROUP, group:GROUP@FACILITY (a site role), permission:CODENAME, facility:FACILITY"`
	UserID     string     `json:"user_id"`
	Type       string     `json:"type" enum:"group,permission,facility"`
	GroupID    string     `json:"group_id,omitempty" required:"false"`
	Permission string     `json:"permission,omitempty" required:"false"`
	FacilityID string     `json:"facility_id,omitempty" required:"false" doc:"The facility assigned, or the facility of a site role"`
	StartsAt   *time.Time `json:"starts_at,omitempty" required:"false"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty" required:"false"`
}

func (g grantJSON) location() string { return "/api/v1/users/" + g.UserID + "/grants/" + g.ID }

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func toSiteRoles(roles []gatehouse.SiteRole) []siteRoleJSON {
	out := make([]siteRoleJSON, len(roles))
	for i, r := range roles {
		out[i] = siteRoleJSON{GroupID: r.GroupID, FacilityID: r.FacilityID, StartsAt: timePtr(r.StartsAt), ExpiresAt: timePtr(r.ExpiresAt)}
	}
	return out
}

func fromSiteRoles(roles []siteRoleJSON) []gatehouse.SiteRole {
	if roles == nil {
		return nil
	}
	out := make([]gatehouse.SiteRole, len(roles))
	for i, r := range roles {
		out[i] = gatehouse.SiteRole{GroupID: r.GroupID, FacilityID: r.FacilityID, StartsAt: timeOf(r.StartsAt), ExpiresAt: timeOf(r.ExpiresAt)}
	}
	return out
}

func toTimeBounds(bounds []gatehouse.GrantBounds) []timeBoundJSON {
	out := make([]timeBoundJSON, len(bounds))
	for i, b := range bounds {
		out[i] = timeBoundJSON{GrantID: b.GrantID, StartsAt: timePtr(b.StartsAt), ExpiresAt: timePtr(b.ExpiresAt)}
	}
	return out
}

func fromTimeBounds(bounds []timeBoundJSON) []gatehouse.GrantBounds {
	if bounds == nil {
		return nil
	}
	out := make([]gatehouse.GrantBounds, len(bounds))
	for i, b := range bounds {
		out[i] = gatehouse.GrantBounds{GrantID: b.GrantID, StartsAt: timeOf(b.StartsAt), ExpiresAt: timeOf(b.ExpiresAt)}
	}
	return out
}

// optionalList is a PATCH list field: nil leaves the user's as it is.
func optionalList[In, Out any](in *[]In, conv func([]In) []Out) *[]Out {
	if in == nil {
		return nil
	}
	out := conv(*in)
	if out == nil {
		out = []Out{}
	}
	return &out
}

func toGrant(userID string, g gatehouse.Grant) grantJSON {
	return grantJSON{ID: g.ID, UserID: userID, Type: g.Type, GroupID: g.GroupID, Permission: g.Permission, FacilityID: g.FacilityID,
		StartsAt: timePtr(g.StartsAt), ExpiresAt: timePtr(g.ExpiresAt)}
}

type listGrantsOutput struct {
	Body struct {
		Items []grantJSON `json:"items"`
	}
}

func (h *handlers) listGrants(ctx context.Context, in *idInput) (*listGrantsOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	u, err := h.svc.GetUser(ctx, actor, in.ID)
	if err != nil {
		return nil, err
	}
	out := &listGrantsOutput{}
	out.Body.Items = []grantJSON{}
	for _, g := range u.Grants() {
		out.Body.Items = append(out.Body.Items, toGrant(u.ID, g))
	}
	return out, nil
}

type addGrantInput struct {
	ID string `path:"id" doc:"The user's id"`
	DryRun
	Body struct {
		Type       string     `json:"type" enum:"group,permission,facility"`
		GroupID    string     `json:"group_id,omitempty" required:"false" doc:"For a group: the group"`
		FacilityID string     `json:"facility_id,omitempty" required:"false" doc:"For a facility: the facility; for a group: the facility of a site role (absent: organization-wide)"`
		Permission string     `json:"permission,omitempty" required:"false" doc:"For a permission: its codename"`
		StartsAt   *time.Time `json:"starts_at,omitempty" required:"false" doc:"In force from this moment (to the second); absent: from now"`
		ExpiresAt  *time.Time `json:"expires_at,omitempty" required:"false" doc:"In force until this moment (to the second, exclusive); absent: no end"`
	}
}

func (h *handlers) addGrant(ctx context.Context, in *addGrantInput) (*writeOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	g := gatehouse.Grant{Type: b.Type, GroupID: b.GroupID, FacilityID: b.FacilityID, Permission: b.Permission,
		StartsAt: timeOf(b.StartsAt), ExpiresAt: timeOf(b.ExpiresAt)}
	return previewable(ctx, h.svc, in.DryRun, http.StatusCreated, func(ctx context.Context) (grantJSON, int64, error) {
		u, stored, rev, err := h.svc.AddGrant(ctx, actor, in.ID, g)
		if err != nil {
			return grantJSON{}, 0, err
		}
		return toGrant(u.ID, stored), rev, nil
	})
}

type removeGrantInput struct {
	ID      string `path:"id" doc:"The user's id"`
	GrantID string `path:"grant_id" doc:"The grant's id, as listed by GET /api/v1/users/{id}/grants"`
	DryRun
}

func (h *handlers) removeGrant(ctx context.Context, in *removeGrantInput) (*writeOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	return previewable(ctx, h.svc, in.DryRun, http.StatusNoContent, func(ctx context.Context) (struct{}, int64, error) {
		_, rev, err := h.svc.RemoveGrant(ctx, actor, in.ID, in.GrantID)
		return struct{}{}, rev, err
	})
}

// checkMoment refuses an `at` more than 90 days back: the current grants
// say nothing reliable about a past that far (the check answers from
// today's state, not from history).
func (h *handlers) checkMoment(at time.Time) error {
	if !at.IsZero() && at.Before(h.svc.Now().Add(-90*24*time.Hour)) {
		return gatehouse.Invalid("at", "at must be within the last 90 days or in the future")
	}
	return nil
}
