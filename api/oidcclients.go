package api

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// The organization's applications: OpenID Connect clients that sign its
// users in through Gatehouse (docs/oidc.md).

type oidcClientJSON struct {
	ID                     string    `json:"id" example:"app_01jd6c3v9k8m2n4p6q8r0s2t4v" doc:"The client_id"`
	Name                   string    `json:"name" example:"Work orders"`
	Confidential           bool      `json:"confidential" doc:"true: a server-side app or service with a secret; false: a public app (single-page, native), which must use PKCE with S256"`
	RedirectURIs           []string  `json:"redirect_uris" doc:"Exact redirect URIs: https, or http on localhost"`
	PostLogoutRedirectURIs []string  `json:"post_logout_redirect_uris"`
	Scopes                 []string  `json:"scopes" doc:"Scopes it may ask for besides openid: profile, email, phone, offline_access"`
	GrantTypes             []string  `json:"grant_types" doc:"authorization_code, refresh_token, client_credentials (confidential only)"`
	ServiceUserID          string    `json:"service_user_id" doc:"The user its client-credentials access tokens act as at this API (Authorization: Bearer <access token>); empty for none"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

func toOIDCClient(c *gatehouse.OIDCClient) oidcClientJSON {
	return oidcClientJSON{ID: c.ID, Name: c.Name, Confidential: c.Confidential, RedirectURIs: nonNil(c.RedirectURIs),
		PostLogoutRedirectURIs: nonNil(c.PostLogoutRedirectURIs), Scopes: nonNil(c.Scopes), GrantTypes: nonNil(c.GrantTypes),
		ServiceUserID: c.ServiceUserID, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// newOIDCClientJSON is an application with its secret: only the answers
// that make one carry it.
type newOIDCClientJSON struct {
	ID                     string    `json:"id" doc:"The client_id"`
	Name                   string    `json:"name"`
	Confidential           bool      `json:"confidential"`
	RedirectURIs           []string  `json:"redirect_uris"`
	PostLogoutRedirectURIs []string  `json:"post_logout_redirect_uris"`
	Scopes                 []string  `json:"scopes"`
	GrantTypes             []string  `json:"grant_types"`
	ServiceUserID          string    `json:"service_user_id"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
	Secret                 string    `json:"client_secret,omitempty" doc:"The client_secret of a confidential application: shown this once"`
}

func toNewOIDCClient(c *gatehouse.OIDCClient, secret string) newOIDCClientJSON {
	j := toOIDCClient(c)
	return newOIDCClientJSON{ID: j.ID, Name: j.Name, Confidential: j.Confidential, RedirectURIs: j.RedirectURIs,
		PostLogoutRedirectURIs: j.PostLogoutRedirectURIs, Scopes: j.Scopes, GrantTypes: j.GrantTypes,
		ServiceUserID: j.ServiceUserID, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt, Secret: secret}
}

type oidcClientOutput struct {
	Body oidcClientJSON
}

type newOIDCClientOutput struct {
	Created
	Body newOIDCClientJSON
}

func (h *handlers) listOIDCClients(ctx context.Context, _ *struct{}) (*listOutput[oidcClientJSON], error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	list, err := h.svc.OIDCClients(ctx, actor)
	if err != nil {
		return nil, err
	}
	out := &listOutput[oidcClientJSON]{Body: listBody[oidcClientJSON]{Items: []oidcClientJSON{}}}
	for _, c := range list {
		out.Body.Items = append(out.Body.Items, toOIDCClient(c))
	}
	return out, nil
}

type createOIDCClientInput struct {
	Body struct {
		Name                   requiredText `json:"name" example:"Work orders"`
		Confidential           bool         `json:"confidential,omitempty" required:"false" doc:"Default false: a public application"`
		RedirectURIs           []string     `json:"redirect_uris,omitempty" required:"false" example:"[\"https://app.example.com/callback\"]"`
		PostLogoutRedirectURIs []string     `json:"post_logout_redirect_uris,omitempty" required:"false"`
		Scopes                 []string     `json:"scopes,omitempty" required:"false" example:"[\"profile\",\"email\"]"`
		GrantTypes             []string     `json:"grant_types,omitempty" required:"false" doc:"Default: authorization_code, and refresh_token with the offline_access scope"`
		ServiceUserID          optionalText `json:"service_user_id,omitempty" required:"false" doc:"A user of the organization its client-credentials tokens act as at this API; only a full-access user may name another user"`
	}
}

func (h *handlers) createOIDCClient(ctx context.Context, in *createOIDCClientInput) (*newOIDCClientOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	c, secret, err := h.svc.CreateOIDCClient(ctx, actor, service.OIDCClientInput{Name: string(b.Name), Confidential: b.Confidential,
		RedirectURIs: b.RedirectURIs, PostLogoutRedirectURIs: b.PostLogoutRedirectURIs, Scopes: b.Scopes, GrantTypes: b.GrantTypes,
		ServiceUserID: string(b.ServiceUserID)})
	if err != nil {
		return nil, err
	}
	return &newOIDCClientOutput{Created{"/api/v1/oidc-clients/" + c.ID}, toNewOIDCClient(c, secret)}, nil
}

func (h *handlers) getOIDCClient(ctx context.Context, in *idInput) (*oidcClientOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	c, err := h.svc.OIDCClient(ctx, actor, in.ID)
	if err != nil {
		return nil, err
	}
	return &oidcClientOutput{toOIDCClient(c)}, nil
}

type updateOIDCClientInput struct {
	ID   string `path:"id"`
	Body struct {
		Name                   *requiredText `json:"name,omitempty" required:"false"`
		RedirectURIs           *[]string     `json:"redirect_uris,omitempty" required:"false"`
		PostLogoutRedirectURIs *[]string     `json:"post_logout_redirect_uris,omitempty" required:"false"`
		Scopes                 *[]string     `json:"scopes,omitempty" required:"false"`
		GrantTypes             *[]string     `json:"grant_types,omitempty" required:"false"`
		ServiceUserID          *optionalText `json:"service_user_id,omitempty" required:"false" doc:"Empty: it acts as no user"`
	}
}

func (h *handlers) updateOIDCClient(ctx context.Context, in *updateOIDCClientInput) (*oidcClientOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	c, err := h.svc.UpdateOIDCClient(ctx, actor, in.ID, service.OIDCClientPatch{Name: (*string)(b.Name), RedirectURIs: b.RedirectURIs,
		PostLogoutRedirectURIs: b.PostLogoutRedirectURIs, Scopes: b.Scopes, GrantTypes: b.GrantTypes, ServiceUserID: (*string)(b.ServiceUserID)})
	if err != nil {
		return nil, err
	}
	return &oidcClientOutput{toOIDCClient(c)}, nil
}

func (h *handlers) regenerateOIDCClientSecret(ctx context.Context, in *idInput) (*newOIDCClientOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	c, secret, err := h.svc.RegenerateOIDCClientSecret(ctx, actor, in.ID)
	if err != nil {
		return nil, err
	}
	return &newOIDCClientOutput{Body: toNewOIDCClient(c, secret)}, nil
}

func (h *handlers) deleteOIDCClient(ctx context.Context, in *idInput) (*struct{}, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	return nil, h.svc.DeleteOIDCClient(ctx, actor, in.ID)
}
