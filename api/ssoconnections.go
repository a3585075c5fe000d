package api

import (
	"context"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// ssoConnectionJSON is a connection as the API shows it: never with its
// client secret, only whether one is set.
type ssoConnectionJSON struct {
	ID                     string    `json:"id"`
	Name                   string    `json:"name"`
	Issuer                 string    `json:"issuer" doc:"The identity provider's issuer URL (discovery at {issuer}/.well-known/openid-configuration)"`
	ClientID               string    `json:"client_id"`
	ClientSecretSet        bool      `json:"client_secret_set" doc:"Whether a client secret is stored; the secret itself is never shown"`
	Scopes                 []string  `json:"scopes" doc:"Asked for besides openid"`
	Domains                []string  `json:"domains" doc:"The email domains whose users sign in through this connection"`
	CreateUsers            bool      `json:"create_users" doc:"Create unknown users of the domains at their first sign-in"`
	DefaultGroupIDs        []string  `json:"default_group_ids" doc:"The groups of the users the connection creates"`
	PasswordSignInDisabled bool      `json:"password_sign_in_disabled" doc:"Refuse password sign-in and password reset to the organization's users of the domains"`
	RedirectURI            string    `json:"redirect_uri" doc:"The redirect URI to register with the identity provider"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

func (h *handlers) toSSOConnection(c *gatehouse.SSOConnection) ssoConnectionJSON {
	return ssoConnectionJSON{ID: c.ID, Name: c.Name, Issuer: c.Issuer, ClientID: c.ClientID, ClientSecretSet: c.ClientSecret != "",
		Scopes: nonNil(c.Scopes), Domains: nonNil(c.Domains), CreateUsers: c.CreateUsers, DefaultGroupIDs: nonNil(c.DefaultGroupIDs),
		PasswordSignInDisabled: c.PasswordSignInDisabled, RedirectURI: h.svc.SSOCallbackURL(), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// clientSecret is an identity provider's client secret: any text.
type clientSecret string

func (clientSecret) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, MaxLength: ptr(gatehouse.MaxTextLen)}
}

type ssoConnectionOutput struct {
	Revision
	Created
	Body ssoConnectionJSON
}

func (h *handlers) listSSOConnections(ctx context.Context, _ *struct{}) (*listOutput[ssoConnectionJSON], error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	all, err := h.svc.SSOConnections(ctx, actor)
	if err != nil {
		return nil, err
	}
	out := &listOutput[ssoConnectionJSON]{Body: listBody[ssoConnectionJSON]{Items: []ssoConnectionJSON{}}}
	for _, c := range all {
		out.Body.Items = append(out.Body.Items, h.toSSOConnection(c))
	}
	return out, nil
}

type createSSOConnectionInput struct {
	Body struct {
		Name                   requiredText `json:"name" example:"Microsoft Entra ID"`
		Issuer                 string       `json:"issuer" maxLength:"300" example:"https://login.microsoftonline.com/{tenant}/v2.0" doc:"https, or http on a loopback address"`
		ClientID               requiredText `json:"client_id"`
		ClientSecret           clientSecret `json:"client_secret,omitempty" required:"false" doc:"Stored to be sent to the provider's token endpoint; never shown again"`
		Scopes                 []string     `json:"scopes,omitempty" required:"false" maxItems:"20" doc:"Asked for besides openid; default email and profile"`
		Domains                []string     `json:"domains" minItems:"1" maxItems:"100" example:"[\"acme.com\"]"`
		CreateUsers            bool         `json:"create_users,omitempty" required:"false"`
		DefaultGroupIDs        []string     `json:"default_group_ids,omitempty" required:"false" maxItems:"100"`
		PasswordSignInDisabled bool         `json:"password_sign_in_disabled,omitempty" required:"false"`
	}
}

func (h *handlers) createSSOConnection(ctx context.Context, in *createSSOConnectionInput) (*ssoConnectionOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	c, rev, err := h.svc.CreateSSOConnection(ctx, actor, service.SSOConnectionInput{Name: string(b.Name), Issuer: b.Issuer,
		ClientID: string(b.ClientID), ClientSecret: string(b.ClientSecret), Scopes: b.Scopes, Domains: b.Domains,
		CreateUsers: b.CreateUsers, DefaultGroupIDs: b.DefaultGroupIDs, PasswordSignInDisabled: b.PasswordSignInDisabled})
	if err != nil {
		return nil, err
	}
	return &ssoConnectionOutput{Revision{rev}, Created{"/api/v1/sso-connections/" + c.ID}, h.toSSOConnection(c)}, nil
}

func (h *handlers) getSSOConnection(ctx context.Context, in *idInput) (*ssoConnectionOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	c, err := h.svc.SSOConnection(ctx, actor, in.ID)
	if err != nil {
		return nil, err
	}
	return &ssoConnectionOutput{Body: h.toSSOConnection(c)}, nil
}

type updateSSOConnectionInput struct {
	ID   string `path:"id"`
	Body struct {
		Name                   *requiredText `json:"name,omitempty" required:"false"`
		Issuer                 *string       `json:"issuer,omitempty" required:"false" maxLength:"300"`
		ClientID               *requiredText `json:"client_id,omitempty" required:"false"`
		ClientSecret           *clientSecret `json:"client_secret,omitempty" required:"false" doc:"Replaces the secret; leave out to keep it"`
		Scopes                 *[]string     `json:"scopes,omitempty" required:"false" maxItems:"20"`
		Domains                *[]string     `json:"domains,omitempty" required:"false" minItems:"1" maxItems:"100"`
		CreateUsers            *bool         `json:"create_users,omitempty" required:"false"`
		DefaultGroupIDs        *[]string     `json:"default_group_ids,omitempty" required:"false" maxItems:"100"`
		PasswordSignInDisabled *bool         `json:"password_sign_in_disabled,omitempty" required:"false"`
	}
}

func (h *handlers) updateSSOConnection(ctx context.Context, in *updateSSOConnectionInput) (*ssoConnectionOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	c, rev, err := h.svc.UpdateSSOConnection(ctx, actor, in.ID, service.SSOConnectionPatch{Name: (*string)(b.Name), Issuer: b.Issuer,
		ClientID: (*string)(b.ClientID), ClientSecret: (*string)(b.ClientSecret), Scopes: b.Scopes, Domains: b.Domains,
		CreateUsers: b.CreateUsers, DefaultGroupIDs: b.DefaultGroupIDs, PasswordSignInDisabled: b.PasswordSignInDisabled})
	if err != nil {
		return nil, err
	}
	return &ssoConnectionOutput{Revision: Revision{rev}, Body: h.toSSOConnection(c)}, nil
}

func (h *handlers) deleteSSOConnection(ctx context.Context, in *idInput) (*Revision, error) {
	return h.remove(ctx, in.ID, h.svc.DeleteSSOConnection)
}
