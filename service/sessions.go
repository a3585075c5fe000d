package service

import (
	"context"
	"sync"
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

// dummyHash is checked when no user matches, so that an unknown email
// costs as much time as a wrong password.
var dummyHash = sync.OnceValue(func() string { return hashPassword("gatehouse dummy password") })

// SignIn checks an email and password and opens a session, returning its
// secret token. Unknown emails, wrong passwords and inactive users get the
// same answer. orgID, when given, picks the organization where the same
// email exists in several.
func (s *Service) SignIn(ctx context.Context, orgID, email, password, client, userAgent string) (string, *gatehouse.Session, error) {
	refused := gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "the email or password is wrong")
	var candidates []*gatehouse.User
	hashes := map[string]string{}
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		users, err := tx.FindUsersByEmailAnyOrg(email)
		if err != nil {
			return err
		}
		for _, u := range users {
			if (orgID == "" || u.OrgID == orgID) && u.Status == gatehouse.StatusActive {
				h, err := tx.PasswordHash(u.OrgID, u.ID)
				if err != nil {
					return err
				}
				candidates, hashes[u.ID] = append(candidates, u), h
			}
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	var user *gatehouse.User
	for _, u := range candidates {
		if hashes[u.ID] != "" && passwordMatches(password, hashes[u.ID]) {
			user = u
			break
		}
	}
	if len(candidates) == 0 {
		passwordMatches(password, dummyHash())
	}
	if user == nil {
		return "", nil, refused
	}
	token := gatehouse.NewToken("ghs_")
	now := s.Now()
	session := &gatehouse.Session{OrgID: user.OrgID, UserID: user.ID, TokenHash: gatehouse.HashToken(token),
		Client: client, UserAgent: truncate(userAgent, 300), ExpiresAt: now.Add(s.SessionMax)}
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error { return tx.CreateSession(session) })
	if err != nil {
		return "", nil, err
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
	now := s.Now()
	if !now.Before(session.ExpiresAt) || now.Sub(session.LastSeenAt) >= s.SessionIdle {
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
	return s.store.Update(ctx, func(tx gatehouse.Tx) error { return tx.DeleteSession(actor.OrgID, sessionID) })
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
