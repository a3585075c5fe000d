package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// SSOStateTTL is how long a sign-in sent to an identity provider may take
// to come back.
const SSOStateTTL = 10 * time.Minute

// ssoThrottleAccount is the throttle's account of every SSO callback: the
// callbacks that fail count against the client's address, whoever they
// were for (the provider's answer names them only once it is checked).
const ssoThrottleAccount = "(sso callback)"

// SSOStart is a sign-in sent to an identity provider: the browser goes to
// URL and keeps State (a cookie) to show when it comes back.
type SSOStart struct {
	URL   string
	State string
}

// StartSSO sends the sign-in of email to the identity provider of the
// connection that serves its domain, nil when none does (the password
// applies). orgID, when given, is the organization being signed into.
// Else, when the email names a user in some organizations, the connection
// is the first (oldest organization's) of theirs that serves the domain,
// and none when none does; when it names nobody, the first connection
// that serves the domain (which may create the user). next is where the
// browser goes once signed in.
func (s *Service) StartSSO(ctx context.Context, orgID, email, next string) (*SSOStart, error) {
	c, err := s.ssoConnectionFor(ctx, orgID, email)
	if err != nil || c == nil {
		return nil, err
	}
	links, err := s.links()
	if err != nil {
		return nil, err
	}
	provider, err := s.ssoProvider(ctx, c)
	if err != nil {
		return nil, err
	}
	state, nonce, verifier := gatehouse.NewToken("st_"), gatehouse.NewToken(""), oauth2.GenerateVerifier()
	st := &gatehouse.SSOState{StateHash: gatehouse.HashToken(state), OrgID: c.OrgID, ConnectionID: c.ID,
		Nonce: nonce, CodeVerifier: verifier, Next: next, ExpiresAt: s.now().Add(SSOStateTTL)}
	if err := s.store.Update(ctx, func(tx gatehouse.Tx) error { return tx.CreateSSOState(st) }); err != nil {
		return nil, err
	}
	url := ssoOAuth(c, provider, links).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("login_hint", email))
	return &SSOStart{URL: url, State: state}, nil
}

// ssoConnectionFor picks the connection that serves the email's domain
// (see StartSSO); nil when none does.
func (s *Service) ssoConnectionFor(ctx context.Context, orgID, email string) (*gatehouse.SSOConnection, error) {
	domain := gatehouse.EmailDomain(email)
	if domain == "" {
		return nil, nil
	}
	var picked *gatehouse.SSOConnection
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		all, err := tx.FindSSOConnectionsByDomain(domain)
		if err != nil || len(all) == 0 {
			return err
		}
		if orgID != "" {
			for _, c := range all {
				if c.OrgID == orgID {
					picked = c
				}
			}
			return nil
		}
		// The organizations where the email names a user, if any: a
		// connection of another organization never takes their sign-in.
		users, err := tx.FindUsersByEmailAnyOrg(email)
		if err != nil {
			return err
		}
		for _, c := range all {
			if len(users) == 0 || slices.ContainsFunc(users, func(u *gatehouse.User) bool { return u.OrgID == c.OrgID }) {
				picked = c
				return nil
			}
		}
		return nil
	})
	return picked, err
}

// ssoProvider reads the provider's discovery document; a provider that
// cannot be reached makes the sign-in unavailable, not failed.
func (s *Service) ssoProvider(ctx context.Context, c *gatehouse.SSOConnection) (*oidc.Provider, error) {
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, s.cfg.SSOClient), c.Issuer)
	if err != nil {
		s.cfg.Logger.Warn("sso: discovery", "org_id", c.OrgID, "connection", c.ID, "issuer", c.Issuer, "err", err)
		return nil, gatehouse.Unavailable("the identity provider of %s cannot be reached; try again later", c.Name)
	}
	return p, nil
}

func ssoOAuth(c *gatehouse.SSOConnection, p *oidc.Provider, links gatehouse.Links) *oauth2.Config {
	return &oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: links.SSOCallback(), Scopes: append([]string{oidc.ScopeOpenID}, c.Scopes...)}
}

// SSOSignedIn is a sign-in that came back from an identity provider.
type SSOSignedIn struct {
	Token   string
	Session *gatehouse.Session
	Next    string
}

// ssoRefused is the answer of a callback that signs nobody in; why is in
// the message, for the person at the browser, and in the audit log.
func ssoRefused(format string, args ...any) error {
	return gatehouse.Errorf(gatehouse.EUNAUTHORIZED, format, args...)
}

// FinishSSO takes the provider's answer to a sign-in sent by StartSSO: the
// state (taken once, within SSOStateTTL), the code, exchanged with the PKCE
// verifier, and the ID token, checked against the provider's keys, the
// client id and the nonce. It signs in the user of the connection's
// organization whose email the provider says is verified, creating them
// when the connection creates users, and opens a session whose AMR is the
// provider's amr claim, or "fed" when it has none. Failed callbacks are
// throttled per client address and audited in the connection's
// organization.
func (s *Service) FinishSSO(ctx context.Context, state, code, client, userAgent string) (*SSOSignedIn, error) {
	now, address := s.now(), throttleAddress(client)
	if err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
		return s.cfg.Throttle.admitSignIn(tx, ssoThrottleAccount, address, now)
	}); err != nil {
		return nil, err
	}
	var st *gatehouse.SSOState
	var c *gatehouse.SSOConnection
	err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
		var err error
		if st, err = tx.TakeSSOState(gatehouse.HashToken(state)); err != nil {
			return err
		}
		c, err = tx.FindSSOConnection(st.OrgID, st.ConnectionID)
		return err
	})
	switch {
	case gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND:
		return nil, ssoRefused("this sign-in is unknown or was used already; sign in again")
	case err != nil:
		return nil, err
	case !now.Before(st.ExpiresAt):
		return nil, ssoRefused("this sign-in took too long; sign in again")
	}
	id, err := s.ssoIdentity(ctx, c, st, code)
	if err == nil {
		var out *SSOSignedIn
		if out, err = s.ssoSession(ctx, c, id, client, userAgent); err == nil {
			out.Next = st.Next
			return out, s.store.Update(ctx, func(tx gatehouse.Tx) error {
				return tx.DeleteThrottleEvents(gatehouse.ThrottleSignInFailure, ssoThrottleAccount, address)
			})
		}
	}
	if code := gatehouse.ErrorCode(err); code == gatehouse.EUNAUTHORIZED {
		auditErr := s.store.Update(ctx, func(tx gatehouse.Tx) error {
			return record(ctx, tx, gatehouse.AnonymousActor(c.OrgID), "sso.sign_in_refused", "sso_connection", c.ID,
				map[string]gatehouse.Change{"email": {After: id.email}, "reason": {After: gatehouse.ErrorMessage(err)}})
		})
		if auditErr != nil {
			return nil, auditErr
		}
	}
	return nil, err
}

// ssoIdentity is who the provider says signed in.
type ssoIdentity struct {
	email                 string
	firstName, lastName   string
	amr                   []string
	subject               string
	verified, hasVerified bool
}

// ssoClaims are the claims read from the ID token or userinfo.
// email_verified is a string in some providers' answers ("true").
type ssoClaims struct {
	Email         string   `json:"email"`
	EmailVerified any      `json:"email_verified"`
	GivenName     string   `json:"given_name"`
	FamilyName    string   `json:"family_name"`
	Name          string   `json:"name"`
	AMR           []string `json:"amr"`
}

func (cl ssoClaims) verified() (value, given bool) {
	switch v := cl.EmailVerified.(type) {
	case bool:
		return v, true
	case string:
		return v == "true", true
	}
	return false, false
}

// ssoIdentity exchanges the code and checks the ID token; the email and
// names come from the ID token, or from userinfo when the ID token carries
// no email (the subjects must agree, OpenID Connect Core 5.3.2).
func (s *Service) ssoIdentity(ctx context.Context, c *gatehouse.SSOConnection, st *gatehouse.SSOState, code string) (ssoIdentity, error) {
	var id ssoIdentity
	links, err := s.links()
	if err != nil {
		return id, err
	}
	provider, err := s.ssoProvider(ctx, c)
	if err != nil {
		return id, err
	}
	hctx := oidc.ClientContext(ctx, s.cfg.SSOClient)
	tok, err := ssoOAuth(c, provider, links).Exchange(hctx, code, oauth2.VerifierOption(st.CodeVerifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			return id, ssoRefused("the identity provider refused the sign-in; sign in again")
		}
		s.cfg.Logger.Warn("sso: token", "org_id", c.OrgID, "connection", c.ID, "err", err)
		return id, gatehouse.Unavailable("the identity provider of %s cannot be reached; try again later", c.Name)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return id, ssoRefused("the identity provider sent no ID token")
	}
	idToken, err := provider.Verifier(&oidc.Config{ClientID: c.ClientID}).Verify(hctx, raw)
	if err != nil {
		s.cfg.Logger.Warn("sso: ID token", "org_id", c.OrgID, "connection", c.ID, "err", err)
		return id, ssoRefused("the identity provider's ID token is not valid")
	}
	if idToken.Nonce != st.Nonce {
		return id, ssoRefused("the identity provider's ID token is not for this sign-in")
	}
	var claims ssoClaims
	if err := idToken.Claims(&claims); err != nil {
		return id, ssoRefused("the identity provider's ID token is not valid")
	}
	id.subject, id.amr = idToken.Subject, claims.AMR
	if claims.Email == "" {
		info, err := provider.UserInfo(hctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			s.cfg.Logger.Warn("sso: userinfo", "org_id", c.OrgID, "connection", c.ID, "err", err)
			return id, gatehouse.Unavailable("the identity provider of %s cannot be reached; try again later", c.Name)
		}
		if info.Subject != idToken.Subject {
			return id, ssoRefused("the identity provider's userinfo is not about the signed-in user")
		}
		claims = ssoClaims{AMR: claims.AMR}
		if err := info.Claims(&claims); err != nil {
			return id, ssoRefused("the identity provider's userinfo is not valid")
		}
	}
	id.email = strings.TrimSpace(claims.Email)
	id.verified, id.hasVerified = claims.verified()
	id.firstName, id.lastName = claims.GivenName, claims.FamilyName
	if id.firstName == "" && id.lastName == "" {
		id.firstName, id.lastName, _ = strings.Cut(strings.TrimSpace(claims.Name), " ")
	}
	switch {
	case id.email == "":
		return id, ssoRefused("the identity provider did not say your email address; ask your administrator to allow the email scope")
	case !id.verified:
		return id, ssoRefused("the identity provider does not say that %s is verified, so it cannot sign you in", id.email)
	case !slices.Contains(c.Domains, gatehouse.EmailDomain(id.email)):
		return id, ssoRefused("%s is not in a domain this organization's single sign-on serves", id.email)
	}
	return id, nil
}

// ssoSession signs in the connection organization's user with the email,
// creating them first when the connection creates users.
func (s *Service) ssoSession(ctx context.Context, c *gatehouse.SSOConnection, id ssoIdentity, client, userAgent string) (*SSOSignedIn, error) {
	var user *gatehouse.User
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		var err error
		user, err = tx.FindUserByEmail(c.OrgID, id.email)
		return err
	})
	switch {
	case gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND && c.CreateUsers:
		if user, err = s.createSSOUser(ctx, c, id); err != nil {
			return nil, err
		}
	case gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND:
		return nil, ssoRefused("%s has no account in this organization; ask your administrator for an invitation", id.email)
	case err != nil:
		return nil, err
	case user.Status == gatehouse.StatusInvited:
		if user, err = s.acceptInvitationBySSO(ctx, c, user.ID); err != nil {
			return nil, err
		}
	case user.Status != gatehouse.StatusActive:
		return nil, ssoRefused("the account of %s is deactivated; ask your administrator", id.email)
	}
	amr := ssoAMR(id.amr)
	token := gatehouse.NewToken("ghs_")
	session := &gatehouse.Session{OrgID: user.OrgID, UserID: user.ID, TokenHash: gatehouse.HashToken(token),
		Client: client, UserAgent: truncate(userAgent, 300), ExpiresAt: s.now().Add(s.cfg.SessionMax), AMR: amr}
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		// Deactivated since it was read above: no session to outlive it.
		if _, err := lockActiveUser(tx, user.OrgID, user.ID); err == errNoLongerActive {
			return ssoRefused("the account of %s is deactivated; ask your administrator", id.email)
		} else if err != nil {
			return err
		}
		if err := tx.CreateSession(session); err != nil {
			return err
		}
		return record(ctx, tx, gatehouse.Actor{OrgID: user.OrgID, UserID: user.ID}, "session.created", "session", session.ID,
			map[string]gatehouse.Change{"sso_connection": {After: c.ID}, "amr": {After: amr}})
	})
	if err != nil {
		return nil, err
	}
	return &SSOSignedIn{Token: token, Session: session}, nil
}

// ssoAMR is the session's method references: the provider's amr values
// (RFC 8176 names, kept when they are one word), else "fed".
func ssoAMR(claim []string) []string {
	var out []string
	for _, m := range claim {
		if m != "" && len(m) <= 20 && !strings.ContainsAny(m, " \t\r\n") && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return []string{gatehouse.AMRFederated}
	}
	return out
}

// createSSOUser creates an active user with the provider's verified email
// and the connection's default groups: the system's write, judged when the
// connection was saved. A user created meanwhile by another sign-in is
// taken as found.
func (s *Service) createSSOUser(ctx context.Context, c *gatehouse.SSOConnection, id ssoIdentity) (*gatehouse.User, error) {
	var out *gatehouse.User
	_, err := s.write(ctx, c.OrgID, func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange) error {
		if u, err := tx.FindUserByEmail(c.OrgID, id.email); err == nil {
			out = u
			return nil
		}
		first, last := id.firstName, id.lastName
		if gatehouse.Blank(first) {
			first, _, _ = strings.Cut(id.email, "@")
		}
		if gatehouse.Blank(last) {
			last = "-"
		}
		var groups []string
		for _, g := range c.DefaultGroupIDs {
			if snap.HasGroup(g) {
				groups = append(groups, g)
			}
		}
		u := &gatehouse.User{ID: gatehouse.NewID(gatehouse.PrefixUser), OrgID: c.OrgID,
			FirstName: truncate(first, gatehouse.MaxTextLen), LastName: truncate(last, gatehouse.MaxTextLen), Email: id.email,
			Status: gatehouse.StatusActive, EmailVerified: true, Licence: snap.Catalog().NewUserLicence(), GroupIDs: set(groups)}
		if err := validateUser(snap, u, nil, ""); err != nil {
			return ssoRefused("the identity provider's account cannot be made a user: %s", gatehouse.ErrorMessage(err))
		}
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		system := gatehouse.Actor{OrgID: c.OrgID}
		changes := diff(nil, userFields(u))
		changes["sso_connection"] = gatehouse.Change{After: c.ID}
		if err := record(ctx, tx, system, "user.created_by_sso", "user", u.ID, changes); err != nil {
			return err
		}
		ch.Users = append(ch.Users, u.Access())
		// The new user takes a seat of their licence, as an invitation would.
		if err := checkSeats(tx, snap, c.OrgID, *ch); err != nil {
			if gatehouse.ErrorCode(err) == gatehouse.ECONFLICT {
				return ssoRefused("%s; ask your administrator", gatehouse.ErrorMessage(err))
			}
			return err
		}
		out = u
		return nil
	})
	return out, err
}

// acceptInvitationBySSO makes an invited user active at their first single
// sign-on, as following the invitation's link would (without a password):
// the provider proved the address the invitation was sent to. Only while
// the invitation is open: an expired or replaced one is refused, as its
// link would be.
func (s *Service) acceptInvitationBySSO(ctx context.Context, c *gatehouse.SSOConnection, userID string) (*gatehouse.User, error) {
	var out *gatehouse.User
	_, err := s.write(ctx, c.OrgID, func(tx gatehouse.Tx, _ *authz.Snapshot, ch *gatehouse.AccessChange) error {
		u, err := tx.FindUser(c.OrgID, userID)
		if err != nil {
			return err
		}
		if u.Status != gatehouse.StatusInvited {
			return ssoRefused("the account of %s changed meanwhile; sign in again", u.Email)
		}
		if u.Invitation == nil || s.invitationProblem(u.Invitation) != nil {
			return ssoRefused("your invitation to this organization is no longer open; ask your administrator for a new one")
		}
		before := userFields(u)
		now := s.now()
		u.Status, u.EmailVerified = gatehouse.StatusActive, true
		if err := tx.AcceptInvitation(c.OrgID, u.Invitation.ID, now); err != nil {
			return err
		}
		u.Invitation.AcceptedAt = &now
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		changes := diff(before, userFields(u))
		changes["sso_connection"] = gatehouse.Change{After: c.ID}
		if err := record(ctx, tx, gatehouse.Actor{OrgID: u.OrgID, UserID: u.ID}, "user.invitation_accepted", "user", u.ID, changes); err != nil {
			return err
		}
		ch.Users = append(ch.Users, u.Access())
		out = u
		return nil
	})
	return out, err
}

// passwordOffOrgs names the organizations where password sign-in is
// switched off for the email: one of their connections serves its domain
// and says so.
func passwordOffOrgs(tx gatehouse.Tx, email string) (map[string]bool, error) {
	all, err := tx.FindSSOConnectionsByDomain(gatehouse.EmailDomain(email))
	off := map[string]bool{}
	for _, c := range all {
		if c.PasswordSignInDisabled {
			off[c.OrgID] = true
		}
	}
	return off, err
}

// errPasswordOff is the answer to a password for a user who signs in with
// single sign-on only.
var errPasswordOff = gatehouse.Forbidden("", "your organization signs you in with single sign-on: password sign-in is switched off for your email's domain; sign in on the sign-in page, which sends you to your identity provider")
