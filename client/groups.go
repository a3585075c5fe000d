package client

import (
	"context"
	"iter"
	"net/http"
)

// ListGroups returns one page of groups, oldest first.
func (c *Client) ListGroups(ctx context.Context, q Paging) (Page[Group], error) {
	return listPage[Group](ctx, c, "/api/v1/groups", q.values())
}

// AllGroups iterates over every group, page by page.
func (c *Client) AllGroups(ctx context.Context, q Paging) iter.Seq2[Group, error] {
	return all(ctx, q.Cursor, func(ctx context.Context, cursor string) (Page[Group], error) {
		q.Cursor = cursor
		return c.ListGroups(ctx, q)
	})
}

// CreateGroup creates a group.
func (c *Client) CreateGroup(ctx context.Context, in NewGroup) (*Group, Revision, error) {
	return write[Group](ctx, c, http.MethodPost, "/api/v1/groups", in)
}

// GetGroup returns one group.
func (c *Client) GetGroup(ctx context.Context, id string) (*Group, error) {
	return get[Group](ctx, c, pathOf("/api/v1/groups/%s", id), nil)
}

// UpdateGroup changes the fields of p that are set.
func (c *Client) UpdateGroup(ctx context.Context, id string, p GroupPatch) (*Group, Revision, error) {
	p.Permissions = emptyNotNull(p.Permissions)
	return write[Group](ctx, c, http.MethodPatch, pathOf("/api/v1/groups/%s", id), p)
}

// DeleteGroup deletes a group; its members lose its permissions.
func (c *Client) DeleteGroup(ctx context.Context, id string) (Revision, error) {
	return c.remove(ctx, pathOf("/api/v1/groups/%s", id))
}
