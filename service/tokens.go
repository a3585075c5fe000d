package service

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// Lifetimes of mailed tokens.
const (
	VerificationTTL  = 48 * time.Hour
	PasswordResetTTL = time.Hour
)

// tokenMail describes one kind of mailed token.
type tokenMail struct {
	purpose  string
	ttl      time.Duration
	template string
	subject  string // followed by the organization's name
	path     string // the web UI page the link opens
}

var (
	verificationMail = tokenMail{gatehouse.TokenEmailVerification, VerificationTTL, "verification", "Confirm your email address for ", "/verify-email"}
	resetMail        = tokenMail{gatehouse.TokenPasswordReset, PasswordResetTTL, "password_reset", "Reset your password for ", "/reset-password"}
)

// issueToken revokes the user's open tokens of the kind, issues a new one
// and queues its email, in the caller's transaction.
func (s *Service) issueToken(tx gatehouse.Tx, u *gatehouse.User, kind tokenMail) error {
	if err := tx.RevokeUserTokens(u.OrgID, u.ID, kind.purpose); err != nil {
		return err
	}
	org, err := tx.FindOrganization(u.OrgID)
	if err != nil {
		return err
	}
	token := gatehouse.NewToken("")
	tok := &gatehouse.UserToken{OrgID: u.OrgID, UserID: u.ID, Purpose: kind.purpose, Email: u.Email,
		TokenHash: gatehouse.HashToken(token), ExpiresAt: s.Now().Add(kind.ttl)}
	if err := tx.CreateUserToken(tok); err != nil {
		return err
	}
	msg, err := composeMail(kind.template, kind.subject+org.Name, u.Email, mailData{
		Org: org.Name, User: u, Link: s.link(kind.path, token), Expires: tok.ExpiresAt.Format("2 January 2006 at 15:04 UTC")})
	if err != nil {
		return err
	}
	return queueMail(tx, u.OrgID, msg)
}

// useToken finds an open token of the purpose and marks it used, or says
// precisely why it cannot be used.
func (s *Service) useToken(tx gatehouse.Tx, token, purpose string) (*gatehouse.UserToken, error) {
	tok, err := tx.FindUserToken(gatehouse.HashToken(token))
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND || (err == nil && tok.Purpose != purpose) {
		return nil, gatehouse.Invalid("token", "this link is not valid; ask for a new one")
	}
	if err != nil {
		return nil, err
	}
	if err := s.tokenProblem(tok); err != nil {
		return nil, err
	}
	return tok, tx.UseUserToken(tok.OrgID, tok.ID, s.Now())
}

// tokenProblem says why a mailed token cannot be used, or nil.
func (s *Service) tokenProblem(tok *gatehouse.UserToken) error {
	switch {
	case tok.UsedAt != nil:
		return gatehouse.Invalid("token", "this link has already been used; ask for a new one")
	case tok.RevokedAt != nil:
		return gatehouse.Invalid("token", "this link was replaced by a newer one; use the latest email")
	case !s.Now().Before(tok.ExpiresAt):
		return gatehouse.Invalid("token", "this link has expired; ask for a new one")
	}
	return nil
}

// CheckToken checks a mailed link without using it, so that the page it
// opens can say at once when it no longer works.
func (s *Service) CheckToken(ctx context.Context, token, purpose string) error {
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		tok, err := tx.FindUserToken(gatehouse.HashToken(token))
		if err == nil && tok.Purpose != purpose {
			err = gatehouse.Errorf(gatehouse.ENOTFOUND, "token not found")
		}
		if err != nil {
			return err
		}
		return s.tokenProblem(tok)
	})
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return gatehouse.Invalid("token", "this link is not valid; ask for a new one")
	}
	return err
}

// ConfirmEmail verifies the address a verification link was sent to.
func (s *Service) ConfirmEmail(ctx context.Context, token string) (*gatehouse.User, int64, error) {
	orgID, err := s.tokenOrg(ctx, token)
	if err != nil {
		return nil, 0, err
	}
	var out *gatehouse.User
	rev, err := s.write(ctx, orgID, func(tx gatehouse.Tx, _ *authz.Snapshot, _ *gatehouse.AccessChange) error {
		tok, err := s.useToken(tx, token, gatehouse.TokenEmailVerification)
		if err != nil {
			return err
		}
		u, err := tx.FindUser(tok.OrgID, tok.UserID)
		if err != nil {
			return err
		}
		if gatehouse.NormalizeEmail(u.Email) != gatehouse.NormalizeEmail(tok.Email) {
			return gatehouse.Invalid("token", "the email address has changed since this link was sent; use the latest email")
		}
		u.EmailVerified = true
		out = u
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		self := gatehouse.Actor{OrgID: u.OrgID, UserID: u.ID}
		return record(ctx, tx, self, "user.email_verified", "user", u.ID, diff(map[string]any{"email_verified": false}, map[string]any{"email_verified": true}))
	})
	return out, rev, err
}

// ResendVerification sends a user a new verification link.
func (s *Service) ResendVerification(ctx context.Context, actor gatehouse.Actor, id string) (*gatehouse.User, int64, error) {
	var out *gatehouse.User
	rev, err := s.adminWrite(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot, _ *gatehouse.AccessChange, accounts *[]string) error {
		u, err := s.findManagedUser(tx, snap, actor, id, gatehouse.OpEditUsers)
		if err != nil {
			return err
		}
		*accounts = append(*accounts, u.ID)
		switch {
		case u.EmailVerified:
			return gatehouse.Errorf(gatehouse.ECONFLICT, "the email address is already verified")
		case u.Status == gatehouse.StatusInvited:
			return gatehouse.Errorf(gatehouse.ECONFLICT, "the user has not accepted the invitation yet; accepting it verifies the address")
		}
		out = u
		if err := s.issueToken(tx, u, verificationMail); err != nil {
			return err
		}
		return record(ctx, tx, actor, "user.verification_sent", "user", u.ID, nil)
	})
	return out, rev, err
}

// RequestPasswordReset mails a reset link to every active user with the
// email. It answers the same whether or not the email exists.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	var users []*gatehouse.User
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		var err error
		users, err = tx.FindUsersByEmailAnyOrg(email)
		return err
	})
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Status != gatehouse.StatusActive {
			continue
		}
		_, err := s.write(ctx, u.OrgID, func(tx gatehouse.Tx, _ *authz.Snapshot, _ *gatehouse.AccessChange) error {
			if err := s.issueToken(tx, u, resetMail); err != nil {
				return err
			}
			return record(ctx, tx, gatehouse.AnonymousActor(u.OrgID), "user.password_reset_requested", "user", u.ID, nil)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ResetPassword sets a new password with a reset link and signs the user
// out everywhere. Following the link also proves the address.
func (s *Service) ResetPassword(ctx context.Context, token, password string) error {
	if err := validatePassword(password); err != nil {
		return err
	}
	if err := s.CheckToken(ctx, token, gatehouse.TokenPasswordReset); err != nil {
		return err // before the costly hashing
	}
	orgID, err := s.tokenOrg(ctx, token)
	if err != nil {
		return err
	}
	hash := hashPassword(password)
	_, err = s.write(ctx, orgID, func(tx gatehouse.Tx, _ *authz.Snapshot, _ *gatehouse.AccessChange) error {
		tok, err := s.useToken(tx, token, gatehouse.TokenPasswordReset)
		if err != nil {
			return err
		}
		u, err := tx.FindUser(tok.OrgID, tok.UserID)
		if err != nil {
			return err
		}
		if u.Status != gatehouse.StatusActive {
			return gatehouse.Invalid("token", "this account is not active; ask your administrator")
		}
		if err := tx.SetPassword(u.OrgID, u.ID, hash); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(u.OrgID, u.ID); err != nil {
			return err
		}
		if err := record(ctx, tx, gatehouse.Actor{OrgID: u.OrgID, UserID: u.ID}, "user.password_reset", "user", u.ID, nil); err != nil {
			return err
		}
		if !u.EmailVerified && gatehouse.NormalizeEmail(u.Email) == gatehouse.NormalizeEmail(tok.Email) {
			u.EmailVerified = true
			return tx.UpdateUser(u)
		}
		return nil
	})
	return err
}

// tokenOrg finds which organization a mailed token belongs to, so that the
// write runs in that organization.
func (s *Service) tokenOrg(ctx context.Context, token string) (string, error) {
	var orgID string
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		tok, err := tx.FindUserToken(gatehouse.HashToken(token))
		if err != nil {
			return err
		}
		orgID = tok.OrgID
		return nil
	})
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return "", gatehouse.Invalid("token", "this link is not valid; ask for a new one")
	}
	return orgID, err
}
