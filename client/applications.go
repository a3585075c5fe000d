package client

import (
	"context"
	"net/http"
)

// ListApplications returns the organization's applications (OpenID
// Connect clients), without their secrets.
func (c *Client) ListApplications(ctx context.Context) ([]Application, error) {
	p, err := listPage[Application](ctx, c, "/api/v1/oidc-clients", nil)
	return p.Items, err
}

// CreateApplication registers an application; a confidential one's
// client secret is in the answer only.
func (c *Client) CreateApplication(ctx context.Context, in NewApplication) (*NewApplicationSecret, error) {
	out, _, err := write[NewApplicationSecret](ctx, c, http.MethodPost, "/api/v1/oidc-clients", in)
	return out, err
}

// GetApplication returns one application.
func (c *Client) GetApplication(ctx context.Context, id string) (*Application, error) {
	return get[Application](ctx, c, pathOf("/api/v1/oidc-clients/%s", id), nil)
}

// UpdateApplication changes the fields of p that are not nil.
func (c *Client) UpdateApplication(ctx context.Context, id string, p ApplicationPatch) (*Application, error) {
	out, _, err := write[Application](ctx, c, http.MethodPatch, pathOf("/api/v1/oidc-clients/%s", id), p)
	return out, err
}

// RegenerateApplicationSecret gives a confidential application a new
// client secret, in the answer only; the old one stops working.
func (c *Client) RegenerateApplicationSecret(ctx context.Context, id string) (*NewApplicationSecret, error) {
	out, _, err := write[NewApplicationSecret](ctx, c, http.MethodPost, pathOf("/api/v1/oidc-clients/%s/regenerate-secret", id), nil)
	return out, err
}

// DeleteApplication deletes an application; its tokens stop working.
func (c *Client) DeleteApplication(ctx context.Context, id string) error {
	_, err := c.remove(ctx, pathOf("/api/v1/oidc-clients/%s", id))
	return err
}
