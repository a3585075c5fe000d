package service

import (
	"context"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// OIDCClientInput registers an application (an OpenID Connect client);
// OIDCClientPatch changes the fields that are not nil.
type OIDCClientInput struct {
	Name                   string
	Confidential           bool
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	Scopes                 []string
	GrantTypes             []string // default authorization_code, with refresh_token when offline_access is allowed
	ServiceUserID          string   // the user its client-credentials tokens act as at the API; "" for none
}

type OIDCClientPatch struct {
	Name                   *string
	RedirectURIs           *[]string
	PostLogoutRedirectURIs *[]string
	Scopes                 *[]string
	GrantTypes             *[]string
	ServiceUserID          *string
}

// OIDCClients lists the organization's applications.
func (s *Service) OIDCClients(ctx context.Context, actor gatehouse.Actor) ([]*gatehouse.OIDCClient, error) {
	var out []*gatehouse.OIDCClient
	err := s.applicationsView(ctx, actor, func(tx gatehouse.Tx) (err error) {
		out, err = tx.FindOIDCClients(actor.OrgID)
		return err
	})
	return out, err
}

// OIDCClient returns one of the organization's applications.
func (s *Service) OIDCClient(ctx context.Context, actor gatehouse.Actor, id string) (*gatehouse.OIDCClient, error) {
	var out *gatehouse.OIDCClient
	err := s.applicationsView(ctx, actor, func(tx gatehouse.Tx) (err error) {
		out, err = tx.FindOIDCClient(actor.OrgID, id)
		return err
	})
	return out, err
}

// CreateOIDCClient registers an application. A confidential one gets a
// secret, returned here once and stored as its SHA-256 only.
func (s *Service) CreateOIDCClient(ctx context.Context, actor gatehouse.Actor, in OIDCClientInput) (*gatehouse.OIDCClient, string, error) {
	c := &gatehouse.OIDCClient{OrgID: actor.OrgID, Name: strings.TrimSpace(in.Name), Confidential: in.Confidential,
		RedirectURIs: in.RedirectURIs, PostLogoutRedirectURIs: in.PostLogoutRedirectURIs, Scopes: in.Scopes, GrantTypes: in.GrantTypes,
		ServiceUserID: in.ServiceUserID}
	if c.GrantTypes == nil {
		c.GrantTypes = []string{gatehouse.GrantAuthorizationCode}
		if slices.Contains(c.Scopes, "offline_access") {
			c.GrantTypes = append(c.GrantTypes, gatehouse.GrantRefreshToken)
		}
	}
	var secret string
	if c.Confidential {
		secret = gatehouse.NewToken(gatehouse.PrefixOIDCClientSecret)
		c.SecretHash = gatehouse.HashToken(secret)
	}
	err := s.applicationsWrite(ctx, actor, func(tx gatehouse.Tx) error {
		if err := validateOIDCClient(c); err != nil {
			return err
		}
		if err := s.mayActAs(ctx, actor, c, ""); err != nil {
			return err
		}
		if err := tx.CreateOIDCClient(c); err != nil {
			return err
		}
		return record(ctx, tx, actor, "application.created", "application", c.ID, diff(nil, oidcClientFields(c)))
	})
	if err != nil {
		return nil, "", err
	}
	return c, secret, nil
}

// UpdateOIDCClient changes an application.
func (s *Service) UpdateOIDCClient(ctx context.Context, actor gatehouse.Actor, id string, p OIDCClientPatch) (*gatehouse.OIDCClient, error) {
	var out *gatehouse.OIDCClient
	err := s.applicationsWrite(ctx, actor, func(tx gatehouse.Tx) error {
		c, err := tx.FindOIDCClient(actor.OrgID, id)
		if err != nil {
			return err
		}
		before, beforeUser := oidcClientFields(c), c.ServiceUserID
		apply(&c.ServiceUserID, p.ServiceUserID)
		apply(&c.Name, p.Name)
		c.Name = strings.TrimSpace(c.Name)
		apply(&c.RedirectURIs, p.RedirectURIs)
		apply(&c.PostLogoutRedirectURIs, p.PostLogoutRedirectURIs)
		apply(&c.Scopes, p.Scopes)
		apply(&c.GrantTypes, p.GrantTypes)
		if err := validateOIDCClient(c); err != nil {
			return err
		}
		if err := s.mayActAs(ctx, actor, c, beforeUser); err != nil {
			return err
		}
		if err := tx.UpdateOIDCClient(c); err != nil {
			return err
		}
		out = c
		return record(ctx, tx, actor, "application.updated", "application", c.ID, diff(before, oidcClientFields(c)))
	})
	return out, err
}

// RegenerateOIDCClientSecret gives a confidential application a new
// secret, returned once; the old one stops working at once, and so do the
// access tokens the application got for itself with it. For an
// application that acts as a user, only those who may make it act as that
// user may (mayActAs).
func (s *Service) RegenerateOIDCClientSecret(ctx context.Context, actor gatehouse.Actor, id string) (*gatehouse.OIDCClient, string, error) {
	secret := gatehouse.NewToken(gatehouse.PrefixOIDCClientSecret)
	var out *gatehouse.OIDCClient
	err := s.applicationsWrite(ctx, actor, func(tx gatehouse.Tx) error {
		c, err := tx.FindOIDCClient(actor.OrgID, id)
		if err != nil {
			return err
		}
		if !c.Confidential {
			return gatehouse.Invalid("confidential", "a public application has no secret")
		}
		// Whoever takes the new secret holds the tokens of the user the
		// application acts as: as much as making it act as them.
		if err := s.mayActAs(ctx, actor, c, ""); err != nil {
			return err
		}
		c.SecretHash = gatehouse.HashToken(secret)
		if err := tx.UpdateOIDCClient(c); err != nil {
			return err
		}
		// A secret is replaced when it leaked: the access tokens it got
		// the application for itself (client credentials) end with it.
		if err := tx.RevokeOIDCUserTokens(actor.OrgID, "", c.ID, s.now()); err != nil {
			return err
		}
		out = c
		return record(ctx, tx, actor, "application.secret_regenerated", "application", c.ID, nil)
	})
	if err != nil {
		return nil, "", err
	}
	return out, secret, nil
}

// DeleteOIDCClient removes an application with every token it was issued.
func (s *Service) DeleteOIDCClient(ctx context.Context, actor gatehouse.Actor, id string) error {
	return s.applicationsWrite(ctx, actor, func(tx gatehouse.Tx) error {
		c, err := tx.FindOIDCClient(actor.OrgID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteOIDCClient(actor.OrgID, id); err != nil {
			return err
		}
		return record(ctx, tx, actor, "application.deleted", "application", id, diff(oidcClientFields(c), nil))
	})
}

// applicationsView and applicationsWrite run fn for an actor who may
// manage the organization's applications. Applications change no one's
// access, so they are not judged as access changes are.
func (s *Service) applicationsView(ctx context.Context, actor gatehouse.Actor, fn func(gatehouse.Tx) error) error {
	if err := s.mayManageApplications(ctx, actor); err != nil {
		return err
	}
	return s.store.View(ctx, fn)
}

func (s *Service) applicationsWrite(ctx context.Context, actor gatehouse.Actor, fn func(gatehouse.Tx) error) error {
	if err := s.mayManageApplications(ctx, actor); err != nil {
		return err
	}
	return s.store.Update(ctx, fn)
}

func (s *Service) mayManageApplications(ctx context.Context, actor gatehouse.Actor) error {
	snap, err := s.snapshot(ctx, actor.OrgID)
	if err != nil {
		return err
	}
	return authorize(snap, actor, gatehouse.OpManageApplications, authz.Resource{})
}

// mayActAs refuses to make an application act as a user unless the actor
// is the system, has full access, or is that user: its tokens carry the
// user's access, which a limited admin must not hand out.
func (s *Service) mayActAs(ctx context.Context, actor gatehouse.Actor, c *gatehouse.OIDCClient, before string) error {
	if c.ServiceUserID == "" || c.ServiceUserID == before || actor.IsSystem() || actor.UserID == c.ServiceUserID {
		return nil
	}
	snap, err := s.snapshot(ctx, actor.OrgID)
	if err != nil {
		return err
	}
	if !snap.IsFullAccess(actor.UserID) {
		return gatehouse.Forbidden("not_full_access", "only a user with full access may make an application act as another user: its tokens carry that user's access")
	}
	return nil
}

func oidcClientFields(c *gatehouse.OIDCClient) map[string]any {
	if c == nil {
		return nil
	}
	return map[string]any{"name": c.Name, "confidential": c.Confidential, "redirect_uris": c.RedirectURIs,
		"post_logout_redirect_uris": c.PostLogoutRedirectURIs, "scopes": c.Scopes, "grant_types": c.GrantTypes, "service_user_id": c.ServiceUserID}
}

// validateOIDCClient checks an application's fields.
func validateOIDCClient(c *gatehouse.OIDCClient) error {
	if c.Name == "" || len(c.Name) > 100 {
		return gatehouse.Invalid("name", "give a name of 1 to 100 characters")
	}
	for _, g := range c.GrantTypes {
		if !slices.Contains(gatehouse.OIDCGrantTypes, g) {
			return gatehouse.Invalid("grant_types", "unknown grant type %q; known: %s", g, strings.Join(gatehouse.OIDCGrantTypes, ", "))
		}
	}
	if len(c.GrantTypes) == 0 {
		return gatehouse.Invalid("grant_types", "allow at least one grant type")
	}
	if slices.Contains(c.GrantTypes, gatehouse.GrantClientCredentials) && !c.Confidential {
		return gatehouse.Invalid("grant_types", "only a confidential application may use client_credentials")
	}
	for _, sc := range c.Scopes {
		if !slices.Contains(gatehouse.OIDCScopes, sc) {
			return gatehouse.Invalid("scopes", "unknown scope %q; known: %s (openid is always allowed)", sc, strings.Join(gatehouse.OIDCScopes, ", "))
		}
	}
	if c.ServiceUserID != "" && !slices.Contains(c.GrantTypes, gatehouse.GrantClientCredentials) {
		return gatehouse.Invalid("service_user_id", "only an application allowed client_credentials acts as a user")
	}
	if slices.Contains(c.GrantTypes, gatehouse.GrantAuthorizationCode) && len(c.RedirectURIs) == 0 {
		return gatehouse.Invalid("redirect_uris", "an application that signs users in needs a redirect URI")
	}
	for _, u := range c.RedirectURIs {
		if err := validateRedirectURI(u); err != nil {
			return gatehouse.Invalid("redirect_uris", "%s", err.Error())
		}
	}
	for _, u := range c.PostLogoutRedirectURIs {
		if err := validateRedirectURI(u); err != nil {
			return gatehouse.Invalid("post_logout_redirect_uris", "%s", err.Error())
		}
	}
	c.Scopes, c.GrantTypes = set(c.Scopes), set(c.GrantTypes)
	c.RedirectURIs, c.PostLogoutRedirectURIs = set(c.RedirectURIs), set(c.PostLogoutRedirectURIs)
	return nil
}

// validateRedirectURI accepts an absolute https URL, or http on this
// machine (localhost, 127.0.0.1, [::1]) for development; never a fragment.
func validateRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" || strings.ContainsAny(raw, " \t\n") {
		return gatehouse.Errorf(gatehouse.EINVALID, "%q is not an absolute URL without a fragment", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return gatehouse.Errorf(gatehouse.EINVALID, "%q must use https (http only on localhost)", raw)
}
