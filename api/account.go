package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

type catalogOutput struct {
	Body catalogJSON
}

func (h *handlers) getCatalog(ctx context.Context, _ *struct{}) (*catalogOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	c, err := h.svc.Catalog(ctx, actor)
	if err != nil {
		return nil, err
	}
	return &catalogOutput{toCatalog(c)}, nil
}

type organizationJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Template string `json:"template"`
	Revision int64  `json:"revision"`
}

type meOutput struct {
	Body struct {
		User         userJSON         `json:"user"`
		Organization organizationJSON `json:"organization"`
		APIKeyID     string           `json:"api_key_id,omitempty" doc:"Set when the request authenticated with an API key"`
	}
}

func (h *handlers) getMe(ctx context.Context, _ *struct{}) (*meOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	u, org, err := h.svc.Me(ctx, actor)
	if err != nil {
		return nil, err
	}
	out := &meOutput{}
	out.Body.User = toUser(u)
	out.Body.Organization = organizationJSON{ID: org.ID, Name: org.Name, Template: org.Template, Revision: org.Revision}
	out.Body.APIKeyID = actor.APIKeyID
	return out, nil
}

type signInInput struct {
	Body struct {
		Email          string `json:"email" example:"admin@acme.test"`
		Password       string `json:"password" minLength:"1" maxLength:"256" doc:"Any password is checked: the rules of a new password do not apply here"`
		OrganizationID string `json:"organization_id,omitempty" required:"false" doc:"Needed only when the same email is in several organizations"`
	}
}

type signInOutput struct {
	Created
	Status int
	// SetCookie is a string, not an http.Cookie, so that a 202 sends none.
	SetCookie string `header:"Set-Cookie"`
	Body      signInBody
}

// signInBody is a session (201), or the second step a session waits for
// (202).
type signInBody struct {
	User         *userJSON         `json:"user,omitempty" doc:"The signed-in user (201)"`
	ExpiresAt    *time.Time        `json:"expires_at,omitempty" doc:"When the session ends at the latest (201)"`
	SecondFactor *secondFactorJSON `json:"second_factor,omitempty" doc:"Set on 202: the password was right and a second factor is needed; POST it with the token to /api/v1/sessions/second-factor"`
}

func (h *handlers) signIn(ctx context.Context, in *signInInput) (*signInOutput, error) {
	p := principalFrom(ctx)
	token, session, err := h.svc.SignIn(ctx, in.Body.OrganizationID, in.Body.Email, string(in.Body.Password), p.client, p.userAgent)
	var need *service.SecondFactorNeeded
	if errors.As(err, &need) && !need.Enrol {
		out := &signInOutput{Status: http.StatusAccepted}
		out.Body.SecondFactor = &secondFactorJSON{Token: need.Token, Methods: need.Methods, ExpiresAt: need.ExpiresAt}
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	return h.sessionOpened(ctx, token, session)
}

// sessionOpened answers a sign-in that opened a session: the cookie, the
// user, the session's Location.
func (h *handlers) sessionOpened(ctx context.Context, token string, session *gatehouse.Session) (*signInOutput, error) {
	p := principalFrom(ctx)
	u, _, err := h.svc.Me(ctx, gatehouse.Actor{OrgID: session.OrgID, UserID: session.UserID})
	if err != nil {
		return nil, err
	}
	cookie := &http.Cookie{Name: gatehouse.SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: p.tls, SameSite: http.SameSiteLaxMode, Expires: session.ExpiresAt}
	out := &signInOutput{Status: http.StatusCreated, SetCookie: cookie.String()}
	user := toUser(u)
	out.Body.User, out.Body.ExpiresAt = &user, &session.ExpiresAt
	out.Location = "/api/v1/sessions/" + session.ID
	return out, nil
}

type signOutOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
}

func (h *handlers) signOut(ctx context.Context, _ *struct{}) (*signOutOutput, error) {
	p := principalFrom(ctx)
	if p.err != nil {
		return nil, p.err
	}
	if err := h.svc.SignOut(ctx, p.actor, p.sessionID); err != nil {
		return nil, err
	}
	return &signOutOutput{http.Cookie{Name: gatehouse.SessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: p.tls, SameSite: http.SameSiteLaxMode, MaxAge: -1}}, nil
}

type acceptInput struct {
	Body struct {
		Token    string      `json:"token" minLength:"1" maxLength:"200"`
		Password newPassword `json:"password"`
	}
}

type acceptOutput struct {
	Revision
	Body userJSON
}

func (h *handlers) acceptInvitation(ctx context.Context, in *acceptInput) (*acceptOutput, error) {
	u, rev, err := h.svc.AcceptInvitation(ctx, in.Body.Token, string(in.Body.Password))
	if err != nil {
		return nil, err
	}
	return &acceptOutput{Revision{rev}, toUser(u)}, nil
}
