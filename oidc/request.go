package oidc

import (
	"encoding/json"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// requestParams are the parameters of an authorization request the
// provider needs after the authorize endpoint, stored as JSON with it.
type requestParams struct {
	RedirectURI         string   `json:"redirect_uri"`
	State               string   `json:"state,omitempty"`
	Nonce               string   `json:"nonce,omitempty"`
	ResponseType        string   `json:"response_type"`
	ResponseMode        string   `json:"response_mode,omitempty"`
	Scopes              []string `json:"scopes"`
	CodeChallenge       string   `json:"code_challenge,omitempty"`
	CodeChallengeMethod string   `json:"code_challenge_method,omitempty"`
}

// authRequest is a stored authorization request as the library sees it.
type authRequest struct {
	*gatehouse.OIDCAuthRequest
	params requestParams
}

var _ op.AuthRequest = (*authRequest)(nil)

func newAuthRequest(r *gatehouse.OIDCAuthRequest) (*authRequest, error) {
	a := &authRequest{OIDCAuthRequest: r}
	return a, json.Unmarshal(r.Request, &a.params)
}

func (a *authRequest) GetID() string          { return a.ID }
func (a *authRequest) GetACR() string         { return "" }
func (a *authRequest) GetAMR() []string       { return a.AMR }
func (a *authRequest) GetAudience() []string  { return []string{a.ClientID} }
func (a *authRequest) GetAuthTime() time.Time { return a.AuthTime }
func (a *authRequest) GetClientID() string    { return a.ClientID }
func (a *authRequest) GetNonce() string       { return a.params.Nonce }
func (a *authRequest) GetRedirectURI() string { return a.params.RedirectURI }
func (a *authRequest) GetScopes() []string    { return a.params.Scopes }
func (a *authRequest) GetState() string       { return a.params.State }
func (a *authRequest) GetSubject() string     { return a.UserID }
func (a *authRequest) Done() bool             { return a.OIDCAuthRequest.Done }
func (a *authRequest) orgID() string          { return a.OrgID }
func (a *authRequest) GetResponseType() oidc.ResponseType {
	return oidc.ResponseType(a.params.ResponseType)
}
func (a *authRequest) GetResponseMode() oidc.ResponseMode {
	return oidc.ResponseMode(a.params.ResponseMode)
}

func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.params.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.params.CodeChallenge, Method: oidc.CodeChallengeMethod(a.params.CodeChallengeMethod)}
}

// refreshRequest is a refresh token presented to the token endpoint.
type refreshRequest struct {
	*gatehouse.OIDCToken
}

var _ op.RefreshTokenRequest = (*refreshRequest)(nil)

func (r *refreshRequest) GetAMR() []string            { return r.AMR }
func (r *refreshRequest) GetAudience() []string       { return r.Audience }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.AuthTime }
func (r *refreshRequest) GetClientID() string         { return r.ClientID }
func (r *refreshRequest) GetScopes() []string         { return r.Scopes }
func (r *refreshRequest) GetSubject() string          { return r.UserID }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.Scopes = s }
func (r *refreshRequest) orgID() string               { return r.OrgID }

// clientRequest is a client's request for its own token (client
// credentials): the client is the subject.
type clientRequest struct {
	client *gatehouse.OIDCClient
	scopes []string
}

func (c *clientRequest) GetSubject() string    { return c.client.ID }
func (c *clientRequest) GetAudience() []string { return []string{c.client.ID} }
func (c *clientRequest) GetScopes() []string   { return c.scopes }
func (c *clientRequest) orgID() string         { return c.client.OrgID }

// orgRequest is every request the provider handles here: each names its
// organization.
type orgRequest interface{ orgID() string }
