package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse"
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
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      struct {
		User      userJSON  `json:"user"`
		ExpiresAt time.Time `json:"expires_at"`
	}
}

func (h *handlers) signIn(ctx context.Context, in *signInInput) (*signInOutput, error) {
	p := principalFrom(ctx)
	token, session, err := h.svc.SignIn(ctx, in.Body.OrganizationID, in.Body.Email, string(in.Body.Password), p.client, p.userAgent)
	if err != nil {
		return nil, err
	}
	u, _, err := h.svc.Me(ctx, gatehouse.Actor{OrgID: session.OrgID, UserID: session.UserID})
	if err != nil {
		return nil, err
	}
	out := &signInOutput{SetCookie: http.Cookie{Name: gatehouse.SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: p.tls, SameSite: http.SameSiteLaxMode, Expires: session.ExpiresAt}}
	out.Body.User, out.Body.ExpiresAt = toUser(u), session.ExpiresAt
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
