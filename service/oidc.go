package service

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse"
)

// OIDCRequestTTL is how long an application's sign-in request, and the
// code issued for it, stay valid after the authorize endpoint made it.
const OIDCRequestTTL = 10 * time.Minute

// An OIDCSignIn is an application's sign-in request, as the sign-in page
// shows and checks it.
type OIDCSignIn struct {
	RequestID  string
	ClientID   string
	ClientName string
	OrgID      string
	OrgName    string
	MaxAge     int64 // see gatehouse.OIDCAuthRequest
	CreatedAt  time.Time
}

// OIDCSignIn returns an open sign-in request of an application.
func (s *Service) OIDCSignIn(ctx context.Context, requestID string) (*OIDCSignIn, error) {
	var out *OIDCSignIn
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		r, err := tx.FindOIDCAuthRequest(requestID)
		if err != nil {
			return err
		}
		if r.Done || !s.now().Before(r.CreatedAt.Add(OIDCRequestTTL)) {
			return gatehouse.Errorf(gatehouse.ENOTFOUND, "sign-in request not found")
		}
		c, err := tx.FindOIDCClient(r.OrgID, r.ClientID)
		if err != nil {
			return err
		}
		org, err := tx.FindOrganization(r.OrgID)
		if err != nil {
			return err
		}
		out = &OIDCSignIn{RequestID: r.ID, ClientID: c.ID, ClientName: c.Name, OrgID: org.ID, OrgName: org.Name,
			MaxAge: r.MaxAge, CreatedAt: r.CreatedAt}
		return nil
	})
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "this sign-in request has expired or was used; go back to the application and sign in again")
	}
	return out, err
}

// Accepts reports whether a session may complete the request without a new
// sign-in: it is of the application's organization, and recent enough for
// max_age (or made after the request, which prompt=login asks for).
func (r *OIDCSignIn) Accepts(session *gatehouse.Session, now time.Time) bool {
	if session == nil || session.OrgID != r.OrgID {
		return false
	}
	if r.MaxAge < 0 || !session.CreatedAt.Before(r.CreatedAt) {
		return true
	}
	return now.Sub(session.CreatedAt) <= time.Duration(r.MaxAge)*time.Second
}

// CompleteOIDCSignIn completes an application's sign-in request with the
// session's user, how they signed in (amr) and when (auth_time): the
// provider then gives the application its code. The session must be one
// the request accepts, of an active user; it is audited.
func (s *Service) CompleteOIDCSignIn(ctx context.Context, requestID string, session *gatehouse.Session) error {
	r, err := s.OIDCSignIn(ctx, requestID)
	if err != nil {
		return err
	}
	if session.OrgID != r.OrgID {
		return gatehouse.Forbidden("other_organization", "%s signs in users of %s only", r.ClientName, r.OrgName)
	}
	if !r.Accepts(session, s.now()) {
		return gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "%s asks you to sign in again", r.ClientName)
	}
	if _, err := s.OIDCUser(ctx, session.OrgID, session.UserID); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if err := tx.CompleteOIDCAuthRequest(r.OrgID, r.RequestID, session.UserID, session.AMR, session.CreatedAt); err != nil {
			return err
		}
		return record(ctx, tx, gatehouse.Actor{OrgID: session.OrgID, UserID: session.UserID},
			"application.signed_in", "application", r.ClientID, nil)
	})
}

// OIDCUser returns a user the provider may issue tokens for, or speak of:
// an active one, as the decision engine's snapshot has it (kept current on
// every instance), read from the database for their claims.
func (s *Service) OIDCUser(ctx context.Context, orgID, userID string) (*gatehouse.User, error) {
	snap, err := s.snapshot(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if !snap.IsActive(userID) {
		return nil, gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "the user is not active")
	}
	var u *gatehouse.User
	err = s.store.View(ctx, func(tx gatehouse.Tx) (err error) {
		u, err = tx.FindUser(orgID, userID)
		return err
	})
	return u, err
}

// Now is the service's time, which tests may shift.
func (s *Service) Now() time.Time { return s.now() }

// RevokeReusedOIDCFamily revokes every token of the sign-in whose
// refresh token t was presented again after its rotation, and audits it.
func (s *Service) RevokeReusedOIDCFamily(ctx context.Context, t *gatehouse.OIDCToken) error {
	return s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if err := tx.RevokeOIDCTokenFamily(t.OrgID, t.FamilyID, s.now()); err != nil {
			return err
		}
		return record(ctx, tx, gatehouse.Actor{OrgID: t.OrgID, UserID: t.UserID}, "application.refresh_token_reused", "application", t.ClientID, nil)
	})
}
