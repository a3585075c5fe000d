package api

import (
	"context"
	"time"
)

// Account flows reached from mailed links, and a user's own sessions.

type tokenInput struct {
	Body struct {
		Token string `json:"token" minLength:"1" maxLength:"200"`
	}
}

func (h *handlers) confirmEmail(ctx context.Context, in *tokenInput) (*userOutput, error) {
	u, rev, err := h.svc.ConfirmEmail(ctx, in.Body.Token)
	if err != nil {
		return nil, err
	}
	return &userOutput{Revision{rev}, toUser(u)}, nil
}

func (h *handlers) resendVerification(ctx context.Context, in *idInput) (*userOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	u, rev, err := h.svc.ResendVerification(ctx, actor, in.ID)
	if err != nil {
		return nil, err
	}
	return &userOutput{Revision{rev}, toUser(u)}, nil
}

type resetRequestInput struct {
	Body struct {
		Email string `json:"email"`
	}
}

type acceptedOutput struct {
	Body struct {
		Message string `json:"message"`
	}
}

func (h *handlers) requestPasswordReset(ctx context.Context, in *resetRequestInput) (*acceptedOutput, error) {
	if err := h.svc.RequestPasswordReset(ctx, in.Body.Email); err != nil {
		return nil, err
	}
	out := &acceptedOutput{}
	out.Body.Message = "If an account uses this email, a reset link is on its way."
	return out, nil
}

type resetConfirmInput struct {
	Body struct {
		Token    string      `json:"token" minLength:"1" maxLength:"200"`
		Password newPassword `json:"password"`
	}
}

func (h *handlers) confirmPasswordReset(ctx context.Context, in *resetConfirmInput) (*acceptedOutput, error) {
	if err := h.svc.ResetPassword(ctx, in.Body.Token, string(in.Body.Password)); err != nil {
		return nil, err
	}
	out := &acceptedOutput{}
	out.Body.Message = "Your password is set; every session was signed out. Sign in with the new password."
	return out, nil
}

type sessionJSON struct {
	ID         string    `json:"id"`
	Client     string    `json:"client" doc:"The client's address at sign-in"`
	UserAgent  string    `json:"user_agent"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current" doc:"The session of this request"`
	AMR        []string  `json:"amr" doc:"How the user signed in, as RFC 8176 method references: pwd (password), otp (a TOTP or recovery code), hwk (a passkey), mfa (two factors)"`
}

func (h *handlers) listSessions(ctx context.Context, _ *struct{}) (*listOutput[sessionJSON], error) {
	p := principalFrom(ctx)
	if p.err != nil {
		return nil, p.err
	}
	sessions, err := h.svc.Sessions(ctx, p.actor)
	if err != nil {
		return nil, err
	}
	out := &listOutput[sessionJSON]{Body: listBody[sessionJSON]{Items: []sessionJSON{}}}
	for _, s := range sessions {
		out.Body.Items = append(out.Body.Items, sessionJSON{ID: s.ID, Client: s.Client, UserAgent: s.UserAgent,
			CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt, Current: s.ID == p.sessionID, AMR: nonNil(s.AMR)})
	}
	return out, nil
}

func (h *handlers) revokeSession(ctx context.Context, in *idInput) (*struct{}, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	return nil, h.svc.RevokeSession(ctx, actor, in.ID)
}
