package api

import (
	"context"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// Multi-factor authentication through the API: completing a sign-in that
// needs a second factor, the organization's policy, an admin's reset.

// secondFactorJSON is the step a password sign-in waits for.
type secondFactorJSON struct {
	Token     string    `json:"token" doc:"The pending sign-in: single use, short-lived"`
	Methods   []string  `json:"methods" enum:"totp,webauthn,recovery_code" doc:"How the step can be completed; through the API, totp and recovery_code"`
	ExpiresAt time.Time `json:"expires_at"`
}

type secondFactorInput struct {
	Body struct {
		Token string `json:"token" minLength:"1" maxLength:"200" doc:"second_factor.token of the sign-in's 202 answer"`
		Code  string `json:"code" minLength:"1" maxLength:"64" doc:"A code from the authenticator app, or a recovery code"`
	}
}

func (h *handlers) completeSignIn(ctx context.Context, in *secondFactorInput) (*signInOutput, error) {
	p := principalFrom(ctx)
	token, session, err := h.svc.CompleteSignIn(ctx, in.Body.Token, in.Body.Code, p.client, p.userAgent)
	if err != nil {
		return nil, err
	}
	return h.sessionOpened(ctx, token, session)
}

// documentSecondStep adds the sign-in's 202 answer to the document: huma
// knows only an operation's default status.
func documentSecondStep(api huma.API) {
	op := api.OpenAPI().Paths["/api/v1/sessions"].Post
	created := op.Responses["201"]
	op.Responses["202"] = &huma.Response{
		Description: "The password is right and a second factor is needed: second_factor says how; no session exists yet",
		Content:     created.Content,
	}
}

type securityJSON struct {
	MFAPolicy string `json:"mfa_policy" enum:"off,admins,all" doc:"Who must use a second factor at sign-in: nobody (off), users who hold any admin operation (admins), everyone (all)"`
}

type securityOutput struct {
	Revision
	Body securityJSON
}

func (h *handlers) getSecurity(ctx context.Context, _ *struct{}) (*securityOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	policy, err := h.svc.MFAPolicy(ctx, actor)
	if err != nil {
		return nil, err
	}
	return &securityOutput{Body: securityJSON{MFAPolicy: policy}}, nil
}

type securityInput struct {
	Body securityJSON
}

func (h *handlers) putSecurity(ctx context.Context, in *securityInput) (*securityOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	rev, err := h.svc.SetMFAPolicy(ctx, actor, in.Body.MFAPolicy)
	if err != nil {
		return nil, err
	}
	return &securityOutput{Revision: Revision{rev}, Body: in.Body}, nil
}

func (h *handlers) resetFactors(ctx context.Context, in *idInput) (*Revision, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	rev, err := h.svc.ResetFactors(ctx, actor, in.ID)
	if err != nil {
		return nil, err
	}
	return &Revision{rev}, nil
}

func (h *handlers) signOutEverywhere(ctx context.Context, in *idInput) (*Revision, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	rev, err := h.svc.SignOutEverywhere(ctx, actor, in.ID)
	if err != nil {
		return nil, err
	}
	return &Revision{rev}, nil
}
