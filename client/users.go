package client

import (
	"context"
	"io"
	"iter"
	"net/http"
	"net/url"
)

// UserQuery filters and pages ListUsers.
type UserQuery struct {
	Status     string // invited, active or inactive
	GroupID    string // members of this group
	FacilityID string // users assigned to this facility
	Invitation string // pending or expired: invited users whose latest invitation is open and not yet, or already, expired
	// HoldsGroupID and HoldsFacilityID, together: users who hold the group
	// at the facility now (a site role there, or organization-wide with the
	// facility assigned).
	HoldsGroupID, HoldsFacilityID string
	Q                             string // searches first name, last name and email
	Licence                       string // users of this licence tier
	Sort                          string // created (the default), name (last, first) or email
	Order                         string // asc (the default) or desc
	// Count asks for Page.Total too: a pass over every user selected, so
	// ask with the first page only.
	Count bool
	Paging
}

// filters are the query's filters and order, without its page.
func (q UserQuery) filters() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"status": q.Status, "group_id": q.GroupID, "facility_id": q.FacilityID, "invitation": q.Invitation,
		"q": q.Q, "licence": q.Licence, "sort": q.Sort, "order": q.Order,
		"holds_group_id": q.HoldsGroupID, "holds_facility_id": q.HoldsFacilityID} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// ListUsers returns one page of users, oldest first.
func (c *Client) ListUsers(ctx context.Context, q UserQuery) (Page[User], error) {
	v := q.values()
	for k, s := range q.filters() {
		v[k] = s
	}
	if q.Count {
		v.Set("count", "true")
	}
	return listPage[User](ctx, c, "/api/v1/users", v)
}

// AllUsers iterates over every user the query matches, page by page.
func (c *Client) AllUsers(ctx context.Context, q UserQuery) iter.Seq2[User, error] {
	return all(ctx, q.Cursor, func(ctx context.Context, cursor string) (Page[User], error) {
		q.Cursor = cursor
		return c.ListUsers(ctx, q)
	})
}

// InviteUser creates an invited user and mails them an invitation link.
func (c *Client) InviteUser(ctx context.Context, in NewUser) (*User, Revision, error) {
	return write[User](ctx, c, http.MethodPost, "/api/v1/users", in)
}

// GetUser returns one user.
func (c *Client) GetUser(ctx context.Context, id string) (*User, error) {
	return get[User](ctx, c, pathOf("/api/v1/users/%s", id), nil)
}

// UpdateUser changes the fields of p that are set.
func (c *Client) UpdateUser(ctx context.Context, id string, p UserPatch) (*User, Revision, error) {
	p.GroupIDs, p.Permissions, p.FacilityIDs = emptyNotNull(p.GroupIDs), emptyNotNull(p.Permissions), emptyNotNull(p.FacilityIDs)
	return write[User](ctx, c, http.MethodPatch, pathOf("/api/v1/users/%s", id), p)
}

// DeleteUser deletes a user; their sessions and API keys stop working.
func (c *Client) DeleteUser(ctx context.Context, id string) (Revision, error) {
	return c.remove(ctx, pathOf("/api/v1/users/%s", id))
}

// DeactivateUser makes a user inactive: they may do nothing, and their
// sessions and API keys stop working at once.
func (c *Client) DeactivateUser(ctx context.Context, id string) (*User, Revision, error) {
	return write[User](ctx, c, http.MethodPost, pathOf("/api/v1/users/%s/deactivate", id), nil)
}

// ResetUserMFA removes every second factor and recovery code of another
// user, who then signs in with the password alone; it needs cover over
// the user's account.
func (c *Client) ResetUserMFA(ctx context.Context, id string) (Revision, error) {
	resp, err := c.do(ctx, request{method: http.MethodPost, path: pathOf("/api/v1/users/%s/reset-mfa", id)}, nil)
	return resp.revision, err
}

// SignOutEverywhere ends every session of the user and every token the
// OpenID provider issued them; API keys stay. Yourself, or another user
// whose account you cover, with deactivate_users.
func (c *Client) SignOutEverywhere(ctx context.Context, id string) (Revision, error) {
	resp, err := c.do(ctx, request{method: http.MethodPost, path: pathOf("/api/v1/users/%s/sign-out-everywhere", id)}, nil)
	return resp.revision, err
}

// ActivateUser makes an inactive user active again.
func (c *Client) ActivateUser(ctx context.Context, id string) (*User, Revision, error) {
	return write[User](ctx, c, http.MethodPost, pathOf("/api/v1/users/%s/activate", id), nil)
}

// RegenerateInvite mails an invited user a new invitation; the previous
// link stops working.
func (c *Client) RegenerateInvite(ctx context.Context, id string) (*User, Revision, error) {
	return write[User](ctx, c, http.MethodPost, pathOf("/api/v1/users/%s/regenerate-invite", id), nil)
}

// InvitationQuery filters and pages ListInvitations.
type InvitationQuery struct {
	State string // pending or expired; both when empty
	Paging
}

// ListInvitations returns one page of the open invitations of invited
// users, pending and expired, oldest user first.
func (c *Client) ListInvitations(ctx context.Context, q InvitationQuery) (Page[PendingInvitation], error) {
	v := q.values()
	if q.State != "" {
		v.Set("state", q.State)
	}
	return listPage[PendingInvitation](ctx, c, "/api/v1/invitations", v)
}

// AllInvitations iterates over every open invitation the query matches.
func (c *Client) AllInvitations(ctx context.Context, q InvitationQuery) iter.Seq2[PendingInvitation, error] {
	return all(ctx, q.Cursor, func(ctx context.Context, cursor string) (Page[PendingInvitation], error) {
		q.Cursor = cursor
		return c.ListInvitations(ctx, q)
	})
}

// ResendInvitations mails each invited user a new invitation, all or
// nothing: one user the caller may not reach, or who is not invited, sends
// none. It returns the new invitations in the order asked.
func (c *Client) ResendInvitations(ctx context.Context, userIDs []string) ([]PendingInvitation, Revision, error) {
	out, rev, err := write[struct {
		Items []PendingInvitation `json:"items"`
	}](ctx, c, http.MethodPost, "/api/v1/invitations/resend", map[string][]string{"user_ids": *emptyNotNull(&userIDs)})
	if err != nil {
		return nil, 0, err
	}
	return out.Items, rev, nil
}

// ResendVerification mails an active user with an unverified email a new
// verification link.
func (c *Client) ResendVerification(ctx context.Context, id string) (*User, Revision, error) {
	return write[User](ctx, c, http.MethodPost, pathOf("/api/v1/users/%s/resend-verification", id), nil)
}

// UserPermissions returns a user's effective permissions, with their
// sources and facility scope, in catalog order.
func (c *Client) UserPermissions(ctx context.Context, id string) ([]EffectivePermission, error) {
	out, err := get[struct {
		Items []EffectivePermission `json:"items"`
	}](ctx, c, pathOf("/api/v1/users/%s/permissions", id), nil)
	if err != nil {
		return nil, err
	}
	return out.Items, nil
}

// emptyNotNull sends a set list that is nil as [], which replaces the list,
// rather than null, which the API reads as "unchanged".
func emptyNotNull(p *[]string) *[]string {
	if p != nil && *p == nil {
		return &[]string{}
	}
	return p
}

// ListGrants returns every grant of a user, one by one, in id order.
func (c *Client) ListGrants(ctx context.Context, userID string) ([]UserGrant, error) {
	out, err := get[struct {
		Items []UserGrant `json:"items"`
	}](ctx, c, pathOf("/api/v1/users/%s/grants", userID), nil)
	if err != nil {
		return nil, err
	}
	return out.Items, nil
}

// AddGrant gives a user one grant. Giving a grant the user holds replaces
// its dates: that is how a time-bound grant is extended or ended early.
func (c *Client) AddGrant(ctx context.Context, userID string, g NewGrant) (*UserGrant, Revision, error) {
	return write[UserGrant](ctx, c, http.MethodPost, pathOf("/api/v1/users/%s/grants", userID), g)
}

// RemoveGrant takes one grant, by its id, from a user.
func (c *Client) RemoveGrant(ctx context.Context, userID, grantID string) (Revision, error) {
	return c.remove(ctx, pathOf("/api/v1/users/%s/grants/%s", userID, grantID))
}

// ImportReport is what an import found and did (see ImportUsers).
type ImportReport struct {
	DryRun bool           `json:"dry_run"`
	Rows   int            `json:"rows"`   // the file's users
	Errors []FieldError   `json:"errors"` // every row's errors, each with its Row and column (Field); empty when the file may be imported
	Users  []ImportedUser `json:"users"`  // the users created, in row order; empty for a dry run
}

// ImportedUser is a user an import created.
type ImportedUser struct {
	Row   int    `json:"row"`
	ID    string `json:"id"`
	Email string `json:"email"`
}

// ImportUsers invites every user of a CSV file (docs/import-export.md), all
// or none. When a row is at fault nothing is written and the error is an
// *Error whose Fields list every row's errors. With dryRun the file is
// only checked: the report lists its errors, and the error is nil.
func (c *Client) ImportUsers(ctx context.Context, file io.Reader, dryRun bool) (*ImportReport, Revision, error) {
	var q url.Values
	if dryRun {
		q = url.Values{"dry_run": {"true"}}
	}
	var out ImportReport
	resp, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/users/import", query: q, file: file}, &out)
	if err != nil {
		return nil, 0, err
	}
	return &out, resp.revision, nil
}

// ExportUsers writes to w, as a CSV file ImportUsers reads, every user the
// query's filters select, in its order (its paging is ignored).
func (c *Client) ExportUsers(ctx context.Context, q UserQuery, w io.Writer) error {
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/users/export", query: q.filters(), into: w}, nil)
	return err
}
