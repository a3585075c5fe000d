package client

import (
	"context"
	"net/http"
	"time"
)

// An SSOConnection signs an organization's users of some email domains in
// through its own OpenID Connect provider. The client secret is never
// shown, only whether one is set.
type SSOConnection struct {
	ID                     string    `json:"id"`
	Name                   string    `json:"name"`
	Issuer                 string    `json:"issuer"`
	ClientID               string    `json:"client_id"`
	ClientSecretSet        bool      `json:"client_secret_set"`
	Scopes                 []string  `json:"scopes"`
	Domains                []string  `json:"domains"`
	CreateUsers            bool      `json:"create_users"`
	DefaultGroupIDs        []string  `json:"default_group_ids"`
	PasswordSignInDisabled bool      `json:"password_sign_in_disabled"`
	RedirectURI            string    `json:"redirect_uri"` // to register with the provider
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

// NewSSOConnection adds a connection.
type NewSSOConnection struct {
	Name                   string   `json:"name"`
	Issuer                 string   `json:"issuer"`
	ClientID               string   `json:"client_id"`
	ClientSecret           string   `json:"client_secret,omitempty"`
	Scopes                 []string `json:"scopes,omitempty"` // default email and profile
	Domains                []string `json:"domains"`
	CreateUsers            bool     `json:"create_users,omitempty"`
	DefaultGroupIDs        []string `json:"default_group_ids,omitempty"`
	PasswordSignInDisabled bool     `json:"password_sign_in_disabled,omitempty"`
}

// SSOConnectionPatch changes the fields that are not nil; lists replace the
// connection's, and a nil ClientSecret keeps it.
type SSOConnectionPatch struct {
	Name                   *string   `json:"name,omitempty"`
	Issuer                 *string   `json:"issuer,omitempty"`
	ClientID               *string   `json:"client_id,omitempty"`
	ClientSecret           *string   `json:"client_secret,omitempty"`
	Scopes                 *[]string `json:"scopes,omitempty"`
	Domains                *[]string `json:"domains,omitempty"`
	CreateUsers            *bool     `json:"create_users,omitempty"`
	DefaultGroupIDs        *[]string `json:"default_group_ids,omitempty"`
	PasswordSignInDisabled *bool     `json:"password_sign_in_disabled,omitempty"`
}

// ListSSOConnections returns the organization's connections (manage_security).
func (c *Client) ListSSOConnections(ctx context.Context) ([]SSOConnection, error) {
	p, err := listPage[SSOConnection](ctx, c, "/api/v1/sso-connections", nil)
	return p.Items, err
}

// CreateSSOConnection adds a connection (manage_security and full access).
func (c *Client) CreateSSOConnection(ctx context.Context, in NewSSOConnection) (*SSOConnection, Revision, error) {
	return write[SSOConnection](ctx, c, http.MethodPost, "/api/v1/sso-connections", in)
}

// GetSSOConnection returns one connection.
func (c *Client) GetSSOConnection(ctx context.Context, id string) (*SSOConnection, error) {
	return get[SSOConnection](ctx, c, pathOf("/api/v1/sso-connections/%s", id), nil)
}

// UpdateSSOConnection changes the fields of p that are set.
func (c *Client) UpdateSSOConnection(ctx context.Context, id string, p SSOConnectionPatch) (*SSOConnection, Revision, error) {
	p.Scopes, p.Domains, p.DefaultGroupIDs = emptyNotNull(p.Scopes), emptyNotNull(p.Domains), emptyNotNull(p.DefaultGroupIDs)
	return write[SSOConnection](ctx, c, http.MethodPatch, pathOf("/api/v1/sso-connections/%s", id), p)
}

// DeleteSSOConnection deletes a connection.
func (c *Client) DeleteSSOConnection(ctx context.Context, id string) (Revision, error) {
	return c.remove(ctx, pathOf("/api/v1/sso-connections/%s", id))
}
