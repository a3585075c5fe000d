package client

import (
	"context"
	"net/http"
)

// The actions of BulkUsers.
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

// A BulkAction is one action on many users: GroupID for the group
// actions, FacilityID for the facility ones.
type BulkAction struct {
	Action     string   `json:"action"`
	UserIDs    []string `json:"user_ids"`
	GroupID    string   `json:"group_id,omitempty"`
	FacilityID string   `json:"facility_id,omitempty"`
}

// A BulkResult is what a bulk action did.
type BulkResult struct {
	Items   []BulkOutcome `json:"items"`   // one per user, in the order asked
	Changed int           `json:"changed"` // users the action changed
}

// A BulkOutcome is what a bulk action did to one user.
type BulkOutcome struct {
	UserID string `json:"user_id"`
	// Changed is false for a user already as the action would leave them.
	Changed bool  `json:"changed"`
	User    *User `json:"user"` // after the action; nil for delete
}

// BulkUsers applies one action to many users, all or nothing: one user the
// caller may not act on, or one refusal of the whole change (no
// escalation, the last full-access user, licence seats), changes nobody;
// the error's message names the user it is about.
func (c *Client) BulkUsers(ctx context.Context, a BulkAction) (*BulkResult, Revision, error) {
	a.UserIDs = *emptyNotNull(&a.UserIDs)
	return write[BulkResult](ctx, c, http.MethodPost, "/api/v1/users/bulk", a)
}

// PreviewBulkUsers is BulkUsers as a dry run.
func (c *Client) PreviewBulkUsers(ctx context.Context, a BulkAction) (*Preview, error) {
	a.UserIDs = *emptyNotNull(&a.UserIDs)
	return c.preview(ctx, http.MethodPost, "/api/v1/users/bulk", a)
}

// A LicenceSeats is one licence tier with its seats.
type LicenceSeats struct {
	Name      string `json:"name"`
	Label     string `json:"label"`
	Rank      int    `json:"rank"`       // 1 for the lowest tier
	Seats     *int   `json:"seats"`      // nil: unlimited
	SeatsUsed int    `json:"seats_used"` // active and invited users with the licence
	SeatsFree *int   `json:"seats_free"` // nil: unlimited
}

// Licences lists the organization's licence tiers, lowest first, with
// their seats; empty for a catalog without licences.
func (c *Client) Licences(ctx context.Context) ([]LicenceSeats, error) {
	p, err := listPage[LicenceSeats](ctx, c, "/api/v1/licences", nil)
	return p.Items, err
}

// SetLicenceSeats sets how many seats a tier has; nil makes it unlimited.
// Only a full-access user may.
func (c *Client) SetLicenceSeats(ctx context.Context, licence string, seats *int) (*LicenceSeats, Revision, error) {
	body := struct {
		Seats *int `json:"seats,omitempty"`
	}{seats}
	return write[LicenceSeats](ctx, c, http.MethodPut, pathOf("/api/v1/licences/%s", licence), body)
}
