package api

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
)

// pendingInvitationJSON is an invitation waiting for its user: an invited
// user's open invitation, pending or expired.
type pendingInvitationJSON struct {
	UserID    string    `json:"user_id" example:"usr_01jd6c3v9k8m2n4p6q8r0s2t4v"`
	FirstName string    `json:"first_name" example:"Tess"`
	LastName  string    `json:"last_name" example:"Tech"`
	Email     string    `json:"email" format:"email" example:"tess@acme.test"`
	State     string    `json:"state" enum:"pending,expired"`
	SentAt    time.Time `json:"sent_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

func toPendingInvitation(u *gatehouse.User) pendingInvitationJSON {
	out := pendingInvitationJSON{UserID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email}
	if inv := u.Invitation; inv != nil {
		out.State, out.SentAt, out.ExpiresAt = inv.State(time.Now()), inv.CreatedAt, inv.ExpiresAt
	}
	return out
}

type listInvitationsInput struct {
	State string `query:"state" enum:"pending,expired" doc:"Only pending or only expired invitations; both when absent"`
	Paging
}

func (h *handlers) listInvitations(ctx context.Context, in *listInvitationsInput) (*listOutput[pendingInvitationJSON], error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	after, err := in.after(gatehouse.PrefixUser)
	if err != nil {
		return nil, err
	}
	state := in.State
	if state == "" {
		state = gatehouse.InvitationOpen
	}
	users, err := h.svc.ListUsers(ctx, actor, gatehouse.UserFilter{Status: gatehouse.StatusInvited, Invitation: state,
		After: after, Limit: in.Limit + 1})
	if err != nil {
		return nil, err
	}
	return page(users, in.Limit, func(u *gatehouse.User) string { return u.ID }, toPendingInvitation), nil
}

type resendInvitationsInput struct {
	Body struct {
		UserIDs []string `json:"user_ids" minItems:"1" maxItems:"500" doc:"The invited users to send a new invitation to"`
	}
}

type resendInvitationsOutput struct {
	Revision
	Body struct {
		Items []pendingInvitationJSON `json:"items" doc:"The new invitations, in the order asked"`
	}
}

func (h *handlers) resendInvitations(ctx context.Context, in *resendInvitationsInput) (*resendInvitationsOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	users, rev, err := h.svc.ResendInvitations(ctx, actor, in.Body.UserIDs)
	if err != nil {
		return nil, err
	}
	out := &resendInvitationsOutput{Revision: Revision{rev}}
	out.Body.Items = make([]pendingInvitationJSON, len(users))
	for i, u := range users {
		out.Body.Items[i] = toPendingInvitation(u)
	}
	return out, nil
}
