package client_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/client"
)

// The invitations list and resending several at once, through the client.
func TestInvitations(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "facilities")
	ann := e.invite("ann", client.NewUser{})
	bob := e.invite("bob", client.NewUser{})
	page := must[client.Page[client.PendingInvitation]](t)(e.admin.ListInvitations(ctx, client.InvitationQuery{State: "pending"}))
	if len(page.Items) != 2 || page.Items[0].UserID != ann.ID || page.Items[0].State != "pending" || page.Items[0].ExpiresAt.IsZero() {
		t.Fatalf("pending invitations: %+v", page)
	}
	var seen []string
	for inv, err := range e.admin.AllInvitations(ctx, client.InvitationQuery{Paging: client.Paging{Limit: 1}}) {
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, inv.UserID)
	}
	if len(seen) != 2 || seen[1] != bob.ID {
		t.Fatalf("all invitations, a page of one at a time: %v", seen)
	}
	sent, rev, err := e.admin.ResendInvitations(ctx, []string{bob.ID, ann.ID})
	if err != nil || rev <= 0 || len(sent) != 2 || sent[0].UserID != bob.ID || sent[1].State != "pending" {
		t.Fatalf("resend: %+v, %d, %v", sent, rev, err)
	}
	if _, _, err := e.admin.ResendInvitations(ctx, []string{ann.ID, e.adminID}); err == nil {
		t.Fatal("resent to an active user")
	}
	users := must[client.Page[client.User]](t)(e.admin.ListUsers(ctx, client.UserQuery{Invitation: "expired"}))
	if len(users.Items) != 0 {
		t.Fatalf("expired: %+v", users.Items)
	}
}
