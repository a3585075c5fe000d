package client

import (
	"context"
	"net/http"
)

// Catalog returns the organization's permission catalog.
func (c *Client) Catalog(ctx context.Context) (*Catalog, error) {
	return get[Catalog](ctx, c, "/api/v1/catalog", nil)
}

// Me returns the caller and their organization, whose revision the client
// then knows.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	me, err := get[Me](ctx, c, "/api/v1/me", nil)
	if err == nil {
		c.ObserveRevision(me.Organization.Revision)
	}
	return me, err
}

// SignIn opens a session with an email and password. The answer carries
// the session token; a client without an API key sends it with every later
// call, until SignOut. For a user with a second factor, the answer has
// SecondFactor set and no session yet: CompleteSignIn opens it.
func (c *Client) SignIn(ctx context.Context, cred Credentials) (*SignedIn, error) {
	return c.openSession(ctx, "/api/v1/sessions", cred)
}

// CompleteSignIn completes a sign-in that answered SecondFactor with a code
// from the user's authenticator app or an unused recovery code, and opens
// the session as SignIn does.
func (c *Client) CompleteSignIn(ctx context.Context, token, code string) (*SignedIn, error) {
	return c.openSession(ctx, "/api/v1/sessions/second-factor", map[string]string{"token": token, "code": code})
}

// openSession posts a sign-in and keeps the session it opens, if any.
func (c *Client) openSession(ctx context.Context, path string, body any) (*SignedIn, error) {
	var out SignedIn
	resp, err := c.do(ctx, request{method: http.MethodPost, path: path, body: body}, &out)
	if err != nil {
		return nil, err
	}
	if out.SecondFactor != nil {
		return &out, nil
	}
	for _, ck := range (&http.Response{Header: resp.header}).Cookies() {
		if ck.Name == SessionCookie {
			out.Token = ck.Value
		}
	}
	c.setSession(out.Token)
	return &out, nil
}

// SignOut ends the client's session.
func (c *Client) SignOut(ctx context.Context) error {
	if _, err := c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/sessions/current"}, nil); err != nil {
		return err
	}
	c.setSession("")
	return nil
}

// ListSessions returns the caller's open sessions.
func (c *Client) ListSessions(ctx context.Context) ([]Session, error) {
	p, err := listPage[Session](ctx, c, "/api/v1/sessions", nil)
	return p.Items, err
}

// RevokeSession ends one of the caller's sessions.
func (c *Client) RevokeSession(ctx context.Context, id string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: pathOf("/api/v1/sessions/%s", id)}, nil)
	return err
}

// AcceptInvitation sets an invited user's password with the token of
// their invitation link: the user becomes active and their email verified.
// It needs no credentials.
func (c *Client) AcceptInvitation(ctx context.Context, token, password string) (*User, Revision, error) {
	return write[User](ctx, c, http.MethodPost, "/api/v1/invitations/accept", tokenPassword{token, password})
}

// ConfirmEmail verifies the address a verification link was sent to. It
// needs no credentials.
func (c *Client) ConfirmEmail(ctx context.Context, token string) (*User, Revision, error) {
	return write[User](ctx, c, http.MethodPost, "/api/v1/email-verification/confirm", struct {
		Token string `json:"token"`
	}{token})
}

// RequestPasswordReset mails a reset link to the users with the email; the
// answer is the same whether or not there are any. It needs no credentials.
func (c *Client) RequestPasswordReset(ctx context.Context, email string) error {
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/password-reset/request", body: struct {
		Email string `json:"email"`
	}{email}}, nil)
	return err
}

// ConfirmPasswordReset sets a new password with the token of a reset link;
// every session of the user is signed out. It needs no credentials.
func (c *Client) ConfirmPasswordReset(ctx context.Context, token, password string) error {
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/password-reset/confirm", body: tokenPassword{token, password}}, nil)
	return err
}

type tokenPassword struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// Security returns the organization's sign-in security (manage_security).
func (c *Client) Security(ctx context.Context) (*Security, error) {
	return get[Security](ctx, c, "/api/v1/organization/security", nil)
}

// SetSecurity sets the organization's sign-in security (manage_security).
func (c *Client) SetSecurity(ctx context.Context, s Security) (*Security, Revision, error) {
	return write[Security](ctx, c, http.MethodPut, "/api/v1/organization/security", s)
}
