package service

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// newInvitation revokes the user's open invitations, issues a new one and
// queues the email that carries it. It returns the secret token; only its
// hash is stored.
func (s *Service) newInvitation(tx gatehouse.Tx, u *gatehouse.User) (string, error) {
	if err := tx.RevokeInvitations(u.OrgID, u.ID); err != nil {
		return "", err
	}
	org, err := tx.FindOrganization(u.OrgID)
	if err != nil {
		return "", err
	}
	inv, msg, token, err := s.issueInvitation(org.Name, u)
	if err != nil {
		return "", err
	}
	if err := tx.CreateInvitation(inv); err != nil {
		return "", err
	}
	return token, queueMail(tx, u.OrgID, msg)
}

// issueInvitation makes a new invitation of u, in the organization named
// org, and the email that carries its secret token, for the caller to
// store. u.Invitation becomes the new one.
func (s *Service) issueInvitation(org string, u *gatehouse.User) (*gatehouse.Invitation, gatehouse.Message, string, error) {
	token := gatehouse.NewToken("inv_")
	now := s.now()
	inv := &gatehouse.Invitation{
		ID: gatehouse.NewID(gatehouse.PrefixInvitation), OrgID: u.OrgID, UserID: u.ID,
		TokenHash: gatehouse.HashToken(token), ExpiresAt: now.Add(s.cfg.InviteTTL), CreatedAt: now,
	}
	u.Invitation = inv
	msg, err := s.invitationMail(org, u, token, inv.ExpiresAt)
	return inv, msg, token, err
}

// RegenerateInvite issues a fresh invitation to an invited user; the
// previous token stops working.
func (s *Service) RegenerateInvite(ctx context.Context, actor gatehouse.Actor, id string) (*Invited, error) {
	var out Invited
	rev, err := s.adminWrite(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange, accounts *[]string) error {
		u, token, err := s.regenerate(ctx, tx, snap, actor, id, accounts)
		out.User, out.Token = u, token
		return err
	})
	if err != nil {
		return nil, err
	}
	out.Revision = rev
	return &out, nil
}

// MaxResend is how many invitations one ResendInvitations sends.
const MaxResend = 500

// ResendInvitations issues a fresh invitation to each of the invited users,
// all or nothing, in one transaction: each is judged as RegenerateInvite
// judges one (the operation's permission, the user within the actor's
// reach, no escalation), and one refusal sends none. Each user gets their
// own audit event. The users come back in the order asked, each once.
func (s *Service) ResendInvitations(ctx context.Context, actor gatehouse.Actor, ids []string) ([]*gatehouse.User, int64, error) {
	ids = uniqueIDs(ids)
	if len(ids) == 0 {
		return nil, 0, gatehouse.Invalid("user_ids", "choose at least one invited user")
	}
	if len(ids) > MaxResend {
		return nil, 0, gatehouse.Invalid("user_ids", "at most %d invitations at once", MaxResend)
	}
	var out []*gatehouse.User
	rev, err := s.adminWrite(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange, accounts *[]string) error {
		out = out[:0]
		for _, id := range ids {
			u, _, err := s.regenerate(ctx, tx, snap, actor, id, accounts)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, rev, nil
}

// regenerate is RegenerateInvite's work for one user inside a write; the
// user joins the accounts the write is judged on.
func (s *Service) regenerate(ctx context.Context, tx gatehouse.Tx, snap *authz.Snapshot, actor gatehouse.Actor, id string, accounts *[]string) (*gatehouse.User, string, error) {
	u, err := s.findManagedUser(tx, snap, actor, id, gatehouse.OpInviteUsers)
	if err != nil {
		return nil, "", err
	}
	*accounts = append(*accounts, u.ID)
	if u.Status != gatehouse.StatusInvited {
		return nil, "", gatehouse.Errorf(gatehouse.ECONFLICT, "%s %s has already accepted an invitation", u.FirstName, u.LastName)
	}
	token, err := s.newInvitation(tx, u)
	if err != nil {
		return nil, "", err
	}
	return u, token, record(ctx, tx, actor, "user.invitation_regenerated", "user", u.ID, nil)
}

// uniqueIDs trims the ids and drops empty and repeated ones, keeping the
// first of each in order.
func uniqueIDs(ids []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// AcceptInvitation sets the invited user's password and makes them active.
// The token works once, until it expires or a newer one replaces it.
// Accepting through the emailed link also verifies the email address.
func (s *Service) AcceptInvitation(ctx context.Context, token, password string) (*gatehouse.User, int64, error) {
	if err := validatePassword(password); err != nil {
		return nil, 0, err
	}
	// A link that cannot be used is refused before the costly hashing.
	preview, err := s.InvitationPreview(ctx, token)
	if err != nil {
		return nil, 0, err
	}
	inv := preview.invitation
	hash := s.cfg.Passwords.Hash(password) // slow: outside the write lock
	var out *gatehouse.User
	rev, err := s.write(ctx, inv.OrgID, func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange) error {
		inv, err := tx.FindInvitationByToken(gatehouse.HashToken(token)) // again, inside the transaction
		if err != nil {
			return err
		}
		if err := s.invitationProblem(inv); err != nil {
			return err
		}
		u, err := tx.FindUser(inv.OrgID, inv.UserID)
		if err != nil {
			return err
		}
		if u.Status != gatehouse.StatusInvited {
			return gatehouse.Errorf(gatehouse.ECONFLICT, "the user is no longer invited")
		}
		before := userFields(u)
		u.Status, u.EmailVerified = gatehouse.StatusActive, true
		now := s.now()
		if err := tx.AcceptInvitation(inv.OrgID, inv.ID, now); err != nil {
			return err
		}
		if u.Invitation != nil && u.Invitation.ID == inv.ID {
			u.Invitation.AcceptedAt = &now
		}
		if err := tx.SetPassword(inv.OrgID, u.ID, hash); err != nil {
			return err
		}
		if err := forgetSignInFailures(tx, u.Email); err != nil {
			return err
		}
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		self := gatehouse.Actor{OrgID: u.OrgID, UserID: u.ID}
		if err := record(ctx, tx, self, "user.invitation_accepted", "user", u.ID, diff(before, userFields(u))); err != nil {
			return err
		}
		ch.Users = append(ch.Users, u.Access())
		out = u
		return nil
	})
	return out, rev, err
}

// An InvitationPreview says who an invitation link is for, so that the page
// it opens can greet them, before anything is accepted.
type InvitationPreview struct {
	Organization string
	FirstName    string
	Email        string
	ExpiresAt    time.Time
	invitation   *gatehouse.Invitation
}

// InvitationPreview checks an invitation link without using it: a link that
// is unknown, used, replaced or expired gets the error accepting would get.
func (s *Service) InvitationPreview(ctx context.Context, token string) (*InvitationPreview, error) {
	var out InvitationPreview
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		inv, err := tx.FindInvitationByToken(gatehouse.HashToken(token))
		if err != nil {
			return err
		}
		if err := s.invitationProblem(inv); err != nil {
			return err
		}
		u, err := tx.FindUser(inv.OrgID, inv.UserID)
		if err != nil {
			return err
		}
		org, err := tx.FindOrganization(inv.OrgID)
		if err != nil {
			return err
		}
		out = InvitationPreview{Organization: org.Name, FirstName: u.FirstName, Email: u.Email, ExpiresAt: inv.ExpiresAt, invitation: inv}
		return nil
	})
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return nil, gatehouse.Invalid("token", "this invitation link is not valid; ask your administrator for a new invitation")
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// invitationProblem says why an invitation cannot be accepted, or nil.
func (s *Service) invitationProblem(inv *gatehouse.Invitation) error {
	switch {
	case inv.AcceptedAt != nil:
		return gatehouse.Invalid("token", "this invitation has already been used; sign in, or ask your administrator for a new invitation")
	case inv.RevokedAt != nil:
		return gatehouse.Invalid("token", "this invitation was replaced by a newer one; use the latest invitation email or ask your administrator for a new one")
	case !s.now().Before(inv.ExpiresAt):
		return gatehouse.Invalid("token", "this invitation has expired; ask your administrator for a new invitation")
	}
	return nil
}
