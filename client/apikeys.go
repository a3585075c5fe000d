package client

import (
	"context"
	"net/http"
)

// ListAPIKeys returns the caller's own API keys (without their secrets).
func (c *Client) ListAPIKeys(ctx context.Context) ([]APIKey, error) {
	p, err := listPage[APIKey](ctx, c, "/api/v1/api-keys", nil)
	return p.Items, err
}

// CreateAPIKey creates an API key for the caller; its secret is in the
// answer only.
func (c *Client) CreateAPIKey(ctx context.Context, name string) (*NewAPIKey, Revision, error) {
	return write[NewAPIKey](ctx, c, http.MethodPost, "/api/v1/api-keys", struct {
		Name string `json:"name"`
	}{name})
}

// DeleteAPIKey revokes one of the caller's API keys.
func (c *Client) DeleteAPIKey(ctx context.Context, id string) (Revision, error) {
	return c.remove(ctx, pathOf("/api/v1/api-keys/%s", id))
}
