package oidc

import (
	"slices"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// client is a Gatehouse application as the provider library sees it.
type client struct {
	*gatehouse.OIDCClient
	idTokenTTL time.Duration
}

var _ op.Client = client{}

// signInPage is where the authorize endpoint sends the browser: the web
// UI's sign-in page, with the request's id (see ui/oidc.go).
const signInPage = "/sign-in?auth_request="

func (c client) GetID() string                    { return c.ID }
func (c client) RedirectURIs() []string           { return c.OIDCClient.RedirectURIs }
func (c client) PostLogoutRedirectURIs() []string { return c.OIDCClient.PostLogoutRedirectURIs }
func (c client) LoginURL(id string) string        { return signInPage + id }
func (c client) AccessTokenType() op.AccessTokenType {
	return op.AccessTokenTypeJWT
}
func (c client) IDTokenLifetime() time.Duration { return c.idTokenTTL }

// ApplicationType is web for a confidential client, user agent (a
// single-page app) for a public one, which the library then holds to PKCE.
func (c client) ApplicationType() op.ApplicationType {
	if c.Confidential {
		return op.ApplicationTypeWeb
	}
	return op.ApplicationTypeUserAgent
}

func (c client) AuthMethod() oidc.AuthMethod {
	if c.Confidential {
		return oidc.AuthMethodBasic // the secret in the form is accepted too
	}
	return oidc.AuthMethodNone
}

func (c client) ResponseTypes() []oidc.ResponseType {
	if slices.Contains(c.OIDCClient.GrantTypes, gatehouse.GrantAuthorizationCode) {
		return []oidc.ResponseType{oidc.ResponseTypeCode}
	}
	return nil
}

func (c client) GrantTypes() []oidc.GrantType {
	out := []oidc.GrantType{}
	for _, g := range c.OIDCClient.GrantTypes {
		out = append(out, oidc.GrantType(g))
	}
	return out
}

// DevMode, in the library, only lets redirect URIs use http. Gatehouse
// registers http ones for localhost only (service.validateRedirectURI),
// and the library matches them exactly.
func (c client) DevMode() bool { return true }

func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(scopes []string) []string { return scopes }
}

func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(scopes []string) []string { return scopes }
}

// IsScopeAllowed allows no scope beyond the standard ones, which
// CreateAuthRequest narrows to the client's.
func (c client) IsScopeAllowed(string) bool { return false }

// IDTokenUserinfoClaimsAssertion puts the profile claims in the ID token
// too, so that an application needs no userinfo call.
func (c client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c client) ClockSkew() time.Duration             { return 0 }

// allowsScope reports whether the client may ask for the scope.
func (c client) allowsScope(scope string) bool {
	return scope == oidc.ScopeOpenID || slices.Contains(c.Scopes, scope)
}
