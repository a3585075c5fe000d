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
	// PasswordSetupTTL is how long the link to set a first password works
	// (SendPasswordSetup): long enough to start the server after init.
	PasswordSetupTTL = 72 * time.Hour
)

// tokenMail describes one kind of mailed token.
type tokenMail struct {
	purpose  string
	ttl      time.Duration
	template string
	subject  string                               // followed by the organization's name
	link     func(gatehouse.Links, string) string // the web UI page the link opens
}

var (
	verificationMail = tokenMail{gatehouse.TokenEmailVerification, VerificationTTL, "verification", "Confirm your email address for ", gatehouse.Links.EmailVerification}
	resetMail        = tokenMail{gatehouse.TokenPasswordReset, PasswordResetTTL, "password_reset", "Reset your password for ", gatehouse.Links.PasswordReset}
	// A first password is set through the reset page: the same single-use,
	// expiring token, with a welcome instead of "someone asked".
	setupMail = tokenMail{gatehouse.TokenPasswordReset, PasswordSetupTTL, "password_setup", "Set your password for ", gatehouse.Links.PasswordReset}
)

// issueToken revokes the user's open tokens of the kind, issues a new one
// for the address to and queues its email there, in the caller's
// transaction.
func (s *Service) issueToken(tx gatehouse.Tx, u *gatehouse.User, kind tokenMail, to string) error {
	_, err := s.issueLink(tx, u, kind, to)
	return err
}

// issueLink is issueToken, returning the link it mailed.
func (s *Service) issueLink(tx gatehouse.Tx, u *gatehouse.User, kind tokenMail, to string) (string, error) {
	if err := tx.RevokeUserTokens(u.OrgID, u.ID, kind.purpose); err != nil {
		return "", err
	}
	org, err := tx.FindOrganization(u.OrgID)
	if err != nil {
		return "", err
	}
	links, err := s.links()
	if err != nil {
		return "", err
	}
	token := gatehouse.NewToken("")
	tok := &gatehouse.UserToken{OrgID: u.OrgID, UserID: u.ID, Purpose: kind.purpose, Email: to,
		TokenHash: gatehouse.HashToken(token), ExpiresAt: s.now().Add(kind.ttl)}
	if err := tx.CreateUserToken(tok); err != nil {
		return "", err
	}
	addressed := *u
	addressed.Email = to // the templates name the address the link is for
	link := kind.link(links, token)
	msg, err := composeMail(kind.template, kind.subject+org.Name, to, mailData{
		Org: org.Name, User: &addressed, Link: link, Expires: tok.ExpiresAt.Format("2 January 2006 at 15:04 UTC")})
	if err != nil {
		return "", err
	}
	return link, queueMail(tx, u.OrgID, msg)
}

// SendPasswordSetup mails an active user a single-use link to choose a
// password, valid for PasswordSetupTTL, and returns it: how the first
// admin that init creates, who has no password, signs in. The link opens
// the password-reset page and replaces any reset link the user had. Only
// the system (the command line) may send one.
func (s *Service) SendPasswordSetup(ctx context.Context, actor gatehouse.Actor, userID string) (string, error) {
	if !actor.IsSystem() {
		return "", gatehouse.Forbidden("not_own", "only the system may send a password set-up link")
	}
	var link string
	err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
		u, err := tx.FindUser(actor.OrgID, userID)
		if err != nil {
			return err
		}
		if u.Status != gatehouse.StatusActive {
			return gatehouse.Errorf(gatehouse.ECONFLICT, "the user is %s: only an active user can set a password this way", u.Status)
		}
		if link, err = s.issueLink(tx, u, setupMail, u.Email); err != nil {
			return err
		}
		return record(ctx, tx, actor, "user.password_setup_sent", "user", u.ID, nil)
	})
	if err != nil {
		return "", err
	}
	s.cfg.MailQueued()
	return link, nil
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
	return tok, tx.UseUserToken(tok.OrgID, tok.ID, s.now())
}

// tokenProblem says why a mailed token cannot be used, or nil.
func (s *Service) tokenProblem(tok *gatehouse.UserToken) error {
	switch {
	case tok.UsedAt != nil:
		return gatehouse.Invalid("token", "this link has already been used; ask for a new one")
	case tok.RevokedAt != nil:
		return gatehouse.Invalid("token", "this link was replaced by a newer one; use the latest email")
	case !s.now().Before(tok.ExpiresAt):
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

// ConfirmEmail verifies the address a verification link was sent to: the
// user's email, or the pending new email, which then becomes the email.
func (s *Service) ConfirmEmail(ctx context.Context, token string) (*gatehouse.User, int64, error) {
	orgID, err := s.tokenOrg(ctx, token)
	if err != nil {
		return nil, 0, err
	}
	var out *gatehouse.User
	rev, err := s.write(ctx, orgID, func(tx gatehouse.Tx, snap *authz.Snapshot, _ *gatehouse.AccessChange) error {
		tok, err := s.useToken(tx, token, gatehouse.TokenEmailVerification)
		if err != nil {
			return err
		}
		u, err := tx.FindUser(tok.OrgID, tok.UserID)
		if err != nil {
			return err
		}
		self := gatehouse.Actor{OrgID: u.OrgID, UserID: u.ID}
		before := userFields(u)
		action := "user.email_verified"
		switch gatehouse.NormalizeEmail(tok.Email) {
		case gatehouse.NormalizeEmail(u.PendingEmail):
			// Whoever asked for the change must still be allowed to ask for
			// it: a limited admin's change asked while the user was within
			// their reach does not complete once the user holds more.
			if by := u.PendingEmailBy; by != "" && by != u.ID {
				if err := snap.Covers(by, u.ID); err != nil {
					return gatehouse.Invalid("token", "this change of email can no longer be completed: whoever asked for it may no longer change this account; ask an administrator")
				}
			}
			// The new address is proven: from now on it signs in and
			// receives resets.
			u.Email, u.PendingEmail, u.PendingEmailBy, u.EmailVerified = u.PendingEmail, "", "", true
			action = "user.email_changed"
		case gatehouse.NormalizeEmail(u.Email):
			u.EmailVerified = true
		default:
			return gatehouse.Invalid("token", "the email address has changed since this link was sent; use the latest email")
		}
		out = u
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		return record(ctx, tx, self, action, "user", u.ID, diff(before, userFields(u)))
	})
	return out, rev, err
}

// ResendVerification sends a user a new verification link: to the pending
// new email when one waits, else to the unverified email.
func (s *Service) ResendVerification(ctx context.Context, actor gatehouse.Actor, id string) (*gatehouse.User, int64, error) {
	var out *gatehouse.User
	rev, err := s.adminWrite(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot, _ *gatehouse.AccessChange, accounts *[]string) error {
		u, err := s.findManagedUser(tx, snap, actor, id, gatehouse.OpEditUsers)
		if err != nil {
			return err
		}
		*accounts = append(*accounts, u.ID)
		to := u.Email
		switch {
		case u.Status == gatehouse.StatusInvited:
			return gatehouse.Errorf(gatehouse.ECONFLICT, "the user has not accepted the invitation yet; accepting it verifies the address")
		case u.PendingEmail != "":
			to = u.PendingEmail
		case u.EmailVerified:
			return gatehouse.Errorf(gatehouse.ECONFLICT, "the email address is already verified")
		}
		out = u
		if err := s.issueToken(tx, u, verificationMail, to); err != nil {
			return err
		}
		return record(ctx, tx, actor, "user.verification_sent", "user", u.ID, nil)
	})
	return out, rev, err
}

// RequestPasswordReset asks for reset links for an email. It only counts
// the request against the throttles (per email and per client address, of
// gatehouse.RequestInfoFrom(ctx)) and queues it, in one transaction; it
// looks no user up, so it does the same work whether or not the email
// exists. HandleResetRequests does the rest after the answer.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	client := gatehouse.RequestInfoFrom(ctx).Client
	now := s.now()
	err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if err := s.cfg.Throttle.admitResetRequest(tx, throttleAccount(email), throttleAddress(client), now); err != nil {
			return err
		}
		return tx.EnqueueResetRequest(&gatehouse.ResetRequest{Email: truncate(email, 320), Client: client, RequestedAt: now})
	})
	if err != nil {
		return err
	}
	select { // wake the worker
	case s.resetQueued <- struct{}{}:
	default:
	}
	return nil
}

// resetLease is how long a worker holds a reset request it took; one that
// is not finished by then (its instance stopped) is taken up again.
const resetLease = 2 * time.Minute

// HandleResetRequests handles every queued password-reset request that is
// due: each active user with the email and a verified address (one per
// organization) gets a reset link, queued in the outbox with the token in
// one transaction; then the request is deleted. It returns how many
// requests it handled. A request survives a crash until it is handled, so
// a crash between the two may mail a user twice (the second link replaces
// the first), never not at all.
func (s *Service) HandleResetRequests(ctx context.Context) (int, error) {
	handled := 0
	for {
		var due []*gatehouse.ResetRequest
		now := s.now()
		err := s.store.View(ctx, func(tx gatehouse.Tx) error {
			var err error
			due, err = tx.DueResetRequests(now, 50)
			return err
		})
		if err != nil || len(due) == 0 {
			return handled, err
		}
		for _, r := range due {
			var claimed bool
			err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
				var err error
				claimed, err = tx.ClaimResetRequest(r.ID, now, now.Add(resetLease))
				return err
			})
			if err != nil {
				return handled, err
			}
			if !claimed {
				continue // another worker has it
			}
			if err := s.handleResetRequest(ctx, r); err != nil {
				return handled, err
			}
			handled++
		}
	}
}

// handleResetRequest mails reset links for one request and deletes it.
func (s *Service) handleResetRequest(ctx context.Context, r *gatehouse.ResetRequest) error {
	ctx = gatehouse.WithRequestInfo(ctx, gatehouse.RequestInfo{Client: r.Client})
	var users []*gatehouse.User
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		var err error
		users, err = tx.FindUsersByEmailAnyOrg(r.Email)
		return err
	})
	if err != nil {
		return err
	}
	for _, found := range users {
		if !resettable(found, r.Email) {
			continue
		}
		_, err := s.write(ctx, found.OrgID, func(tx gatehouse.Tx, _ *authz.Snapshot, _ *gatehouse.AccessChange) error {
			u, err := tx.FindUser(found.OrgID, found.ID) // again, inside the transaction
			if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
				return nil // deleted meanwhile
			}
			if err != nil || !resettable(u, r.Email) {
				return err
			}
			// Single sign-on only: no password to reset, so no link.
			if off, err := passwordOffOrgs(tx, u.Email); err != nil || off[u.OrgID] {
				return err
			}
			if ok, err := s.cfg.Throttle.admitResetMail(tx, throttleAccount(u.Email), s.now()); !ok || err != nil {
				return err // enough links went out this hour; the latest works
			}
			if err := s.issueToken(tx, u, resetMail, u.Email); err != nil {
				return err
			}
			return record(ctx, tx, gatehouse.AnonymousActor(u.OrgID), "user.password_reset_requested", "user", u.ID, nil)
		})
		if err != nil {
			return err
		}
	}
	return s.store.Update(ctx, func(tx gatehouse.Tx) error { return tx.DeleteResetRequest(r.ID) })
}

// resettable reports whether a reset link for email may go to u: an active
// user whose email it is and whose address is verified. A reset link is
// never mailed to an unverified address.
func resettable(u *gatehouse.User, email string) bool {
	return u.Status == gatehouse.StatusActive && u.EmailVerified &&
		gatehouse.NormalizeEmail(u.Email) == gatehouse.NormalizeEmail(email)
}

// RunResetRequests handles password-reset requests until ctx ends: at once
// when this instance queued one, and every poll for those queued by other
// instances or left by a stopped one.
func (s *Service) RunResetRequests(ctx context.Context, poll time.Duration) {
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		if _, err := s.HandleResetRequests(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.Error("password-reset requests", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-s.resetQueued:
		}
	}
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
	hash := s.cfg.Passwords.Hash(password)
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
		if off, err := passwordOffOrgs(tx, u.Email); err != nil || off[u.OrgID] {
			if err == nil {
				err = errPasswordOff
			}
			return err
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
		if err := forgetSignInFailures(tx, u.Email); err != nil {
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
