package service

import (
	"context"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// opManageSSO guards the organization's SSO connections: they are sign-in
// security settings, as the MFA policy is.
const opManageSSO = gatehouse.OpManageSecurity

// SSOConnectionInput creates a connection; SSOConnectionPatch changes the
// fields that are not nil.
type SSOConnectionInput struct {
	Name                   string
	Issuer                 string
	ClientID               string
	ClientSecret           string
	Scopes                 []string // nil: email and profile
	Domains                []string
	CreateUsers            bool
	DefaultGroupIDs        []string
	PasswordSignInDisabled bool
}

type SSOConnectionPatch struct {
	Name                   *string
	Issuer                 *string
	ClientID               *string
	ClientSecret           *string // nil keeps the secret
	Scopes                 *[]string
	Domains                *[]string
	CreateUsers            *bool
	DefaultGroupIDs        *[]string
	PasswordSignInDisabled *bool
}

// defaultSSOScopes are asked for besides openid when a connection names none.
var defaultSSOScopes = []string{"email", "profile"}

// CreateSSOConnection adds a connection to the actor's organization.
func (s *Service) CreateSSOConnection(ctx context.Context, actor gatehouse.Actor, in SSOConnectionInput) (*gatehouse.SSOConnection, int64, error) {
	c := &gatehouse.SSOConnection{ID: gatehouse.NewID(gatehouse.PrefixSSOConnection), OrgID: actor.OrgID,
		Name: in.Name, Issuer: in.Issuer, ClientID: in.ClientID, ClientSecret: in.ClientSecret,
		Scopes: in.Scopes, Domains: in.Domains, CreateUsers: in.CreateUsers,
		DefaultGroupIDs: in.DefaultGroupIDs, PasswordSignInDisabled: in.PasswordSignInDisabled}
	rev, err := s.write(ctx, actor.OrgID, func(tx gatehouse.Tx, snap *authz.Snapshot, _ *gatehouse.AccessChange) error {
		if err := s.checkSSOConnection(snap, actor, c); err != nil {
			return err
		}
		if err := tx.CreateSSOConnection(c); err != nil {
			return err
		}
		return record(ctx, tx, actor, "sso_connection.created", "sso_connection", c.ID, diff(nil, ssoConnectionFields(c)))
	})
	if err != nil {
		return nil, 0, err
	}
	return c, rev, nil
}

// UpdateSSOConnection changes a connection of the actor's organization.
func (s *Service) UpdateSSOConnection(ctx context.Context, actor gatehouse.Actor, id string, p SSOConnectionPatch) (*gatehouse.SSOConnection, int64, error) {
	var out *gatehouse.SSOConnection
	rev, err := s.write(ctx, actor.OrgID, func(tx gatehouse.Tx, snap *authz.Snapshot, _ *gatehouse.AccessChange) error {
		if err := authorize(snap, actor, opManageSSO, authz.Resource{}); err != nil {
			return err
		}
		c, err := tx.FindSSOConnection(actor.OrgID, id)
		if err != nil {
			return err
		}
		before := ssoConnectionFields(c)
		apply(&c.Name, p.Name)
		apply(&c.Issuer, p.Issuer)
		apply(&c.ClientID, p.ClientID)
		apply(&c.ClientSecret, p.ClientSecret)
		apply(&c.Scopes, p.Scopes)
		apply(&c.Domains, p.Domains)
		apply(&c.CreateUsers, p.CreateUsers)
		apply(&c.DefaultGroupIDs, p.DefaultGroupIDs)
		apply(&c.PasswordSignInDisabled, p.PasswordSignInDisabled)
		if err := s.checkSSOConnection(snap, actor, c); err != nil {
			return err
		}
		if err := tx.UpdateSSOConnection(c); err != nil {
			return err
		}
		out = c
		changes := diff(before, ssoConnectionFields(c))
		if p.ClientSecret != nil {
			changes["client_secret"] = gatehouse.Change{Before: "(hidden)", After: "(replaced)"}
		}
		return record(ctx, tx, actor, "sso_connection.updated", "sso_connection", c.ID, changes)
	})
	return out, rev, err
}

// DeleteSSOConnection removes a connection: its users sign in with their
// password again (if they have one) from then on.
func (s *Service) DeleteSSOConnection(ctx context.Context, actor gatehouse.Actor, id string) (int64, error) {
	return s.write(ctx, actor.OrgID, func(tx gatehouse.Tx, snap *authz.Snapshot, _ *gatehouse.AccessChange) error {
		if err := s.mayManageSSO(snap, actor); err != nil {
			return err
		}
		c, err := tx.FindSSOConnection(actor.OrgID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteSSOConnection(actor.OrgID, id); err != nil {
			return err
		}
		return record(ctx, tx, actor, "sso_connection.deleted", "sso_connection", id, diff(ssoConnectionFields(c), nil))
	})
}

// SSOCallbackURL is the redirect URI to register with identity providers.
func (s *Service) SSOCallbackURL() string {
	if s.cfg.Links == nil {
		return ""
	}
	return s.cfg.Links.SSOCallback()
}

// SSOConnections lists the organization's connections.
func (s *Service) SSOConnections(ctx context.Context, actor gatehouse.Actor) ([]*gatehouse.SSOConnection, error) {
	var out []*gatehouse.SSOConnection
	err := s.view(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot) error {
		if err := authorize(snap, actor, opManageSSO, authz.Resource{}); err != nil {
			return err
		}
		var err error
		out, err = tx.FindSSOConnections(actor.OrgID)
		return err
	})
	return out, err
}

// SSOConnection returns one connection of the organization.
func (s *Service) SSOConnection(ctx context.Context, actor gatehouse.Actor, id string) (*gatehouse.SSOConnection, error) {
	var out *gatehouse.SSOConnection
	err := s.view(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot) error {
		if err := authorize(snap, actor, opManageSSO, authz.Resource{}); err != nil {
			return err
		}
		var err error
		out, err = tx.FindSSOConnection(actor.OrgID, id)
		return err
	})
	return out, err
}

// mayManageSSO: the operation, and full access. Whoever controls a
// connection's provider can sign in as any user of its domains, those
// invited later included, so no escalation can hold for an actor who does
// not already hold everything (docs/sso.md).
func (s *Service) mayManageSSO(snap *authz.Snapshot, actor gatehouse.Actor) error {
	if err := authorize(snap, actor, opManageSSO, authz.Resource{}); err != nil {
		return err
	}
	if !actor.IsSystem() && !snap.IsFullAccess(actor.UserID) {
		return gatehouse.Forbidden(authz.EscalationFullAccess,
			"only a full-access user may save or delete an SSO connection: its provider can sign in any user of its domains")
	}
	return nil
}

// checkSSOConnection authorizes the save, normalizes c and validates every
// field at once. Only a full-access actor saves a connection, so its
// default groups are within what the saving admin may grant: no escalation
// holds for the users it will create, judged at the save.
func (s *Service) checkSSOConnection(snap *authz.Snapshot, actor gatehouse.Actor, c *gatehouse.SSOConnection) error {
	if err := s.mayManageSSO(snap, actor); err != nil {
		return err
	}
	c.UpdatedBy = actor.UserID
	c.Issuer = strings.TrimRight(strings.TrimSpace(c.Issuer), "/")
	c.ClientID = strings.TrimSpace(c.ClientID)
	if c.Scopes == nil {
		c.Scopes = slices.Clone(defaultSSOScopes)
	}
	var scopes []string
	for _, sc := range c.Scopes {
		if sc = strings.TrimSpace(sc); sc != "" && sc != "openid" && !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	c.Scopes = scopes
	if c.Scopes == nil {
		c.Scopes = []string{}
	}
	for i, d := range c.Domains {
		c.Domains[i] = strings.ToLower(strings.TrimSpace(d))
	}
	c.Domains, c.DefaultGroupIDs = set(c.Domains), set(c.DefaultGroupIDs)

	var fe gatehouse.FieldErrors
	fe.Add(validateText("name", c.Name, true))
	fe.Add(validateIssuer(c.Issuer))
	fe.Add(validateText("client_id", c.ClientID, true))
	fe.Add(validateText("client_secret", c.ClientSecret, false))
	for _, sc := range c.Scopes {
		if !scopePattern.MatchString(sc) {
			fe.Add(gatehouse.Invalid("scopes", "scope %q is not a scope name", sc))
			break
		}
	}
	if len(c.Domains) == 0 {
		fe.Add(gatehouse.Invalid("domains", "name at least one email domain the connection serves"))
	}
	for _, d := range c.Domains {
		if !domainPattern.MatchString(d) {
			fe.Add(gatehouse.Invalid("domains", "%q is not an email domain", d))
			break
		}
	}
	fe.Add(validateIDs("default_group_ids", c.DefaultGroupIDs, snap.HasGroup))
	return fe.Err()
}

var (
	scopePattern  = regexp.MustCompile(`^[\x21\x23-\x5b\x5d-\x7e]{1,100}$`) // RFC 6749's scope-token
	domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$`)
)

// validateIssuer accepts an https URL, or an http one on a loopback
// address (a provider on the same machine: development and tests).
func validateIssuer(issuer string) error {
	if err := validateText("issuer", issuer, true); err != nil {
		return err
	}
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return gatehouse.Invalid("issuer", "Issuer %q is not a URL", issuer)
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	loopback := host == "localhost" || (ip != nil && ip.IsLoopback())
	if u.Scheme != "https" && !(u.Scheme == "http" && loopback) {
		return gatehouse.Invalid("issuer", "Issuer must be an https URL")
	}
	return nil
}

func ssoConnectionFields(c *gatehouse.SSOConnection) map[string]any {
	if c == nil {
		return nil
	}
	return map[string]any{
		"name": c.Name, "issuer": c.Issuer, "client_id": c.ClientID, "scopes": slices.Clone(c.Scopes),
		"domains": slices.Clone(c.Domains), "create_users": c.CreateUsers,
		"default_group_ids": slices.Clone(c.DefaultGroupIDs), "password_sign_in_disabled": c.PasswordSignInDisabled,
	}
}
