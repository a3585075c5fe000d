package client

import (
	"context"
	"iter"
	"net/http"
	"strconv"
)

// FacilityQuery filters and pages ListFacilities.
type FacilityQuery struct {
	Archived *bool // only archived (true) or only current (false) facilities; nil for both
	Paging
}

// ListFacilities returns one page of facilities, oldest first.
func (c *Client) ListFacilities(ctx context.Context, q FacilityQuery) (Page[Facility], error) {
	v := q.values()
	if q.Archived != nil {
		v.Set("archived", strconv.FormatBool(*q.Archived))
	}
	return listPage[Facility](ctx, c, "/api/v1/facilities", v)
}

// AllFacilities iterates over every facility the query matches, page by
// page.
func (c *Client) AllFacilities(ctx context.Context, q FacilityQuery) iter.Seq2[Facility, error] {
	return all(ctx, q.Cursor, func(ctx context.Context, cursor string) (Page[Facility], error) {
		q.Cursor = cursor
		return c.ListFacilities(ctx, q)
	})
}

// CreateFacility creates a facility.
func (c *Client) CreateFacility(ctx context.Context, in NewFacility) (*Facility, Revision, error) {
	return write[Facility](ctx, c, http.MethodPost, "/api/v1/facilities", in)
}

// GetFacility returns one facility.
func (c *Client) GetFacility(ctx context.Context, id string) (*Facility, error) {
	return get[Facility](ctx, c, pathOf("/api/v1/facilities/%s", id), nil)
}

// UpdateFacility renames, re-links, archives or restores a facility.
func (c *Client) UpdateFacility(ctx context.Context, id string, p FacilityPatch) (*Facility, Revision, error) {
	return write[Facility](ctx, c, http.MethodPatch, pathOf("/api/v1/facilities/%s", id), p)
}

// ArchiveFacility archives a facility.
func (c *Client) ArchiveFacility(ctx context.Context, id string) (*Facility, Revision, error) {
	return write[Facility](ctx, c, http.MethodPost, pathOf("/api/v1/facilities/%s/archive", id), nil)
}

// UnarchiveFacility restores an archived facility.
func (c *Client) UnarchiveFacility(ctx context.Context, id string) (*Facility, Revision, error) {
	return write[Facility](ctx, c, http.MethodPost, pathOf("/api/v1/facilities/%s/unarchive", id), nil)
}

// DeleteFacility deletes a facility.
func (c *Client) DeleteFacility(ctx context.Context, id string) (Revision, error) {
	return c.remove(ctx, pathOf("/api/v1/facilities/%s", id))
}
