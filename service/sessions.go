package service

import (
	"context"
	"net"
	"time"

	"github.com/gatehouse/gatehouse"
)

// Session limits: a session ends after SessionIdle without use or
// SessionMax after sign-in, whichever comes first.
const (
	DefaultSessionIdle = 2 * time.Hour
	DefaultSessionMax  = 12 * time.Hour
	// touchEvery bounds how often a session's last use is written.
	touchEvery = time.Minute
)

// SignIn checks an email and password and opens a session, returning its
// secret token. A user with a second factor, or whom the organization's
// policy requires to enrol one, gets a *SecondFactorNeeded error instead:
// CompleteSignIn, or an enrolment at sign-in, then opens the session. Unknown emails, wrong passwords and inactive users get the
// same answer. orgID, when given, picks the organization where the same
// email exists in several.
func (s *Service) SignIn(ctx context.Context, orgID, email, password, client, userAgent string) (string, *gatehouse.Session, error) {
	refused := gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "the email or password is wrong")
	now := s.now()
	// The same for every email, known or not: the throttle looks at no user.
	account, address := throttleAccount(email), throttleAddress(client)
	if err := s.store.Update(ctx, func(tx gatehouse.Tx) error { return s.cfg.Throttle.admitSignIn(tx, account, address, now) }); err != nil {
		return "", nil, err
	}
	var candidates []*gatehouse.User
	hashes := map[string]string{}
	// ssoOnly: the email signs in with single sign-on only. An email no
	// user has, in a domain whose password sign-in is off, is answered
	// alike, so that the answer does not tell who has an account.
	ssoOnly := false
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		users, err := tx.FindUsersByEmailAnyOrg(email)
		if err != nil {
			return err
		}
		off, err := passwordOffOrgs(tx, email)
		if err != nil {
			return err
		}
		excluded := false
		for _, u := range users {
			if (orgID == "" || u.OrgID == orgID) && u.Status == gatehouse.StatusActive && off[u.OrgID] {
				excluded = true
				continue
			}
			if (orgID == "" || u.OrgID == orgID) && u.Status == gatehouse.StatusActive {
				h, err := tx.PasswordHash(u.OrgID, u.ID)
				if err != nil {
					return err
				}
				candidates, hashes[u.ID] = append(candidates, u), h
			}
		}
		ssoOnly = len(candidates) == 0 && (excluded || off[orgID] || (orgID == "" && len(off) > 0))
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	if ssoOnly {
		return "", nil, errPasswordOff
	}
	var user *gatehouse.User
	checked := false
	for _, u := range candidates {
		if hashes[u.ID] != "" {
			checked = true
			if s.cfg.Passwords.Matches(password, hashes[u.ID]) {
				user = u
				break
			}
		}
	}
	if !checked { // no user, or none with a password: take as long as a wrong password
		s.cfg.Passwords.Matches(password, s.dummyHash())
	}
	if user == nil { // admitSignIn counted the attempt as a failure already
		// A failed sign-in is recorded in every organization where the email
		// names a user; an unknown email has nowhere to be recorded.
		for _, u := range candidates {
			err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
				return record(ctx, tx, gatehouse.AnonymousActor(u.OrgID), "user.sign_in_failed", "user", u.ID, nil)
			})
			if err != nil {
				return "", nil, err
			}
		}
		return "", nil, refused
	}
	// A user with a factor, or whom the organization's policy requires to
	// have one, gets a second step instead of a session.
	snap, err := s.snapshot(ctx, user.OrgID)
	if err != nil {
		return "", nil, err
	}
	var token string
	var session *gatehouse.Session
	var need *SecondFactorNeeded
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		// The password was checked outside this transaction: the user must
		// still be active, and a reset since must not let the old one in.
		if _, err := lockActiveUser(tx, user.OrgID, user.ID); err != nil {
			return err
		}
		if h, err := tx.PasswordHash(user.OrgID, user.ID); err != nil || h != hashes[user.ID] {
			if err == nil {
				err = refused
			}
			return err
		}
		// The right password forgets this pair's failures, this attempt's too.
		if err := tx.DeleteThrottleEvents(gatehouse.ThrottleSignInFailure, account, address); err != nil {
			return err
		}
		if need, err = s.secondStep(ctx, tx, snap, user); err != nil || need != nil {
			return err
		}
		token, session, err = s.openSession(ctx, tx, user, client, userAgent, []string{gatehouse.AMRPassword})
		return err
	})
	if err != nil {
		return "", nil, err
	}
	if need != nil {
		return "", nil, need
	}
	return token, session, nil
}

// AuthenticateSession returns the session a token stands for, while it is
// within its limits and its user is active.
func (s *Service) AuthenticateSession(ctx context.Context, token string) (*gatehouse.Session, error) {
	unauthorized := gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "the session has ended; sign in again")
	var session *gatehouse.Session
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		var err error
		session, err = tx.FindSessionByToken(gatehouse.HashToken(token))
		return err
	})
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return nil, unauthorized
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !now.Before(session.ExpiresAt) || now.Sub(session.LastSeenAt) >= s.cfg.SessionIdle {
		return nil, unauthorized
	}
	snap, err := s.snapshot(ctx, session.OrgID)
	if err != nil {
		return nil, err
	}
	if !snap.IsActive(session.UserID) {
		return nil, unauthorized
	}
	if now.Sub(session.LastSeenAt) >= touchEvery {
		err = s.store.Update(ctx, func(tx gatehouse.Tx) error { return tx.TouchSession(session.OrgID, session.ID, now) })
		if err != nil {
			return nil, err
		}
	}
	return session, nil
}

// SignOut ends one session.
func (s *Service) SignOut(ctx context.Context, actor gatehouse.Actor, sessionID string) error {
	if sessionID == "" {
		return gatehouse.Errorf(gatehouse.EINVALID, "this request is not signed in with a session")
	}
	return s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if err := tx.DeleteSession(actor.OrgID, sessionID); err != nil {
			return err
		}
		return record(ctx, tx, actor, "session.ended", "session", sessionID, nil)
	})
}

// clientHost is the address part of a client's host:port.
func clientHost(client string) string {
	if host, _, err := net.SplitHostPort(client); err == nil {
		return host
	}
	return client
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Sessions lists the acting user's open sessions.
func (s *Service) Sessions(ctx context.Context, actor gatehouse.Actor) ([]*gatehouse.Session, error) {
	var out []*gatehouse.Session
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		all, err := tx.FindSessions(actor.OrgID, actor.UserID)
		now := s.now()
		for _, session := range all {
			if now.Before(session.ExpiresAt) && now.Sub(session.LastSeenAt) < s.cfg.SessionIdle {
				out = append(out, session)
			}
		}
		return err
	})
	return out, err
}

// RevokeSession ends one of the acting user's sessions; another user's
// session is not found.
func (s *Service) RevokeSession(ctx context.Context, actor gatehouse.Actor, id string) error {
	return s.store.Update(ctx, func(tx gatehouse.Tx) error {
		sessions, err := tx.FindSessions(actor.OrgID, actor.UserID)
		if err != nil {
			return err
		}
		for _, session := range sessions {
			if session.ID == id {
				if err := tx.DeleteSession(actor.OrgID, id); err != nil {
					return err
				}
				return record(ctx, tx, actor, "session.revoked", "session", id, nil)
			}
		}
		return gatehouse.Errorf(gatehouse.ENOTFOUND, "session %q not found", id)
	})
}
