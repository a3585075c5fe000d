package service

import (
	"context"

	"github.com/gatehouse/gatehouse"
)

// Enrolling and removing one's own factors: from the account page, or at
// sign-in when the organization's policy requires a factor.

// Enrolled is a factor just enrolled, with the recovery codes issued with
// a user's first factor (shown once; nil otherwise).
type Enrolled struct {
	Factor        *gatehouse.Factor
	RecoveryCodes []string
}

// BeginTOTP makes a new TOTP secret for the acting user and keeps it for
// EnrolTTL, waiting for its first code (ConfirmTOTP). It asks for the
// password again, as removing a factor does: a session left open must not
// be enough to add a factor either — a first one would lock the user out,
// another would let its holder in with the password later.
func (s *Service) BeginTOTP(ctx context.Context, actor gatehouse.Actor, password, client string) (*TOTPEnrolment, error) {
	var out *TOTPEnrolment
	err := s.withPassword(ctx, actor, password, client, "user.factor_enrolment_refused", func(tx gatehouse.Tx) error {
		var err error
		out, err = s.newTOTPEnrolment(tx, actor.OrgID, actor.UserID, "")
		if err != nil {
			return err
		}
		c := &gatehouse.MFAChallenge{OrgID: actor.OrgID, UserID: actor.UserID, Purpose: gatehouse.ChallengeEnrolTOTP,
			TokenHash: gatehouse.HashToken(out.Token), Data: out.Secret, ExpiresAt: out.ExpiresAt}
		return tx.CreateMFAChallenge(c)
	})
	return out, err
}

// newTOTPEnrolment makes a secret for the user, or takes the one given,
// with its QR code.
func (s *Service) newTOTPEnrolment(tx gatehouse.Tx, orgID, userID, secret string) (*TOTPEnrolment, error) {
	u, err := tx.FindUser(orgID, userID)
	if err != nil {
		return nil, err
	}
	org, err := tx.FindOrganization(orgID)
	if err != nil {
		return nil, err
	}
	key, err := totpKey(org, u, secret)
	if err != nil {
		return nil, err
	}
	qr, err := qrDataURL(key)
	if err != nil {
		return nil, err
	}
	return &TOTPEnrolment{Token: gatehouse.NewToken("ghe_"), Secret: key.Secret(), URL: key.URL(), QRCode: qr,
		ExpiresAt: s.now().Add(EnrolTTL)}, nil
}

// ConfirmTOTP enrols the secret that BeginTOTP showed, once a first code
// from it proves the app holds it. Wrong codes are throttled as every
// code is.
func (s *Service) ConfirmTOTP(ctx context.Context, actor gatehouse.Actor, enrolToken, name, code, client string) (*Enrolled, error) {
	if name == "" {
		name = "Authenticator app"
	}
	if err := validateText("name", name, true); err != nil {
		return nil, err
	}
	c, err := s.enrolment(ctx, actor, enrolToken)
	if err != nil {
		return nil, err
	}
	var out *Enrolled
	err = s.enrolTOTP(ctx, actor.OrgID, actor.UserID, name, c.Data, code, client, func(tx gatehouse.Tx, e *Enrolled) error {
		out = e
		return tx.UseMFAChallenge(c.OrgID, c.ID, s.now())
	})
	return out, err
}

// enrolment finds the acting user's open TOTP enrolment by its token.
func (s *Service) enrolment(ctx context.Context, actor gatehouse.Actor, enrolToken string) (*gatehouse.MFAChallenge, error) {
	var c *gatehouse.MFAChallenge
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		var err error
		c, err = tx.FindMFAChallenge(gatehouse.HashToken(enrolToken))
		return err
	})
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND || err == nil && (c.Purpose != gatehouse.ChallengeEnrolTOTP ||
		c.OrgID != actor.OrgID || c.UserID != actor.UserID || c.UsedAt != nil || !s.now().Before(c.ExpiresAt)) {
		return nil, gatehouse.Invalid("token", "this enrolment has expired; start again")
	}
	return c, err
}

// PendingTOTP shows an open enrolment of the acting user again (after a
// wrong code): the same secret, the same QR code.
func (s *Service) PendingTOTP(ctx context.Context, actor gatehouse.Actor, enrolToken string) (*TOTPEnrolment, error) {
	c, err := s.enrolment(ctx, actor, enrolToken)
	if err != nil {
		return nil, err
	}
	var out *TOTPEnrolment
	err = s.store.View(ctx, func(tx gatehouse.Tx) error {
		out, err = s.newTOTPEnrolment(tx, c.OrgID, c.UserID, c.Data)
		return err
	})
	if out != nil {
		out.Token, out.ExpiresAt = enrolToken, c.ExpiresAt
	}
	return out, err
}

// enrolTOTP checks a first code of secret (throttled and audited as every
// code) and, in one transaction, stores the factor, issues recovery codes
// with a user's first factor, and runs then.
func (s *Service) enrolTOTP(ctx context.Context, orgID, userID, name, secret, code, client string, then func(gatehouse.Tx, *Enrolled) error) error {
	now, address := s.now(), throttleAddress(client)
	if err := s.store.Update(ctx, func(tx gatehouse.Tx) error { return s.cfg.Throttle.admitCode(tx, userID, address, now) }); err != nil {
		return err
	}
	step, ok := totpStep(secret, code, 0, now)
	if !ok {
		err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
			return record(ctx, tx, gatehouse.Actor{OrgID: orgID, UserID: userID}, "user.second_factor_failed", "user", userID, nil)
		})
		if err != nil {
			return err
		}
		return gatehouse.Invalid("code", "the code is wrong: check the time on your device and type the code the app shows now")
	}
	return s.store.Update(ctx, func(tx gatehouse.Tx) error {
		// First, as every write takes it: ordered against a deactivation
		// (no session outlives it) and never deadlocked with one on
		// PostgreSQL, whose audit insert would otherwise wait for the lock
		// while holding the rows the deactivation deletes.
		if _, err := lockActiveUser(tx, orgID, userID); err != nil {
			return err
		}
		if err := tx.DeleteThrottleEvents(gatehouse.ThrottleCodeFailure, userID, address); err != nil {
			return err
		}
		f := &gatehouse.Factor{OrgID: orgID, UserID: userID, Kind: gatehouse.FactorTOTP, Name: name,
			Secret: secret, Counter: step, LastUsedAt: &now}
		e, err := s.addFactor(ctx, tx, f, "user.totp_enrolled")
		if err != nil {
			return err
		}
		return then(tx, e)
	})
}

// addFactor stores a factor in tx, with recovery codes when it is the
// user's first, and audits it.
func (s *Service) addFactor(ctx context.Context, tx gatehouse.Tx, f *gatehouse.Factor, action string) (*Enrolled, error) {
	existing, err := tx.FindFactors(f.OrgID, f.UserID)
	if err != nil {
		return nil, err
	}
	if err := tx.CreateFactor(f); err != nil {
		return nil, err
	}
	e := &Enrolled{Factor: f}
	if len(existing) == 0 {
		var hashes []string
		e.RecoveryCodes, hashes = newRecoveryCodes()
		if err := tx.ReplaceRecoveryCodes(f.OrgID, f.UserID, hashes); err != nil {
			return nil, err
		}
	}
	actor := gatehouse.Actor{OrgID: f.OrgID, UserID: f.UserID}
	return e, record(ctx, tx, actor, action, "user", f.UserID, diff(nil, map[string]any{"factor_id": f.ID, "name": f.Name}))
}

// BeginSignInTOTP starts a TOTP enrolment within a pending sign-in, for a
// user whom the policy requires to enrol: the secret is kept with the step,
// and asking again shows the same one.
func (s *Service) BeginSignInTOTP(ctx context.Context, stepToken string) (*TOTPEnrolment, error) {
	step, _, err := s.stepUser(ctx, stepToken)
	if err != nil {
		return nil, err
	}
	var out *TOTPEnrolment
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if err := noFactorYet(tx, step); err != nil {
			return err
		}
		d := decodeChallengeData(step.Data)
		if out, err = s.newTOTPEnrolment(tx, step.OrgID, step.UserID, d.TOTPSecret); err != nil {
			return err
		}
		d.TOTPSecret = out.Secret
		out.Token, out.ExpiresAt = stepToken, step.ExpiresAt
		return tx.SetMFAChallengeData(step.OrgID, step.ID, d.encode())
	})
	return out, err
}

// errHasFactor refuses an enrolment at sign-in to a user who has a factor:
// knowing the password must not be enough to add one.
var errHasFactor = gatehouse.Errorf(gatehouse.ECONFLICT, "you have a factor already: use it to sign in")

// noFactorYet checks, in tx, that the step's user has no factor.
func noFactorYet(tx gatehouse.Tx, step *gatehouse.MFAChallenge) error {
	factors, err := tx.FindFactors(step.OrgID, step.UserID)
	if err == nil && len(factors) > 0 {
		return errHasFactor
	}
	return err
}

// CompleteSignInEnrolment enrols the TOTP secret BeginSignInTOTP showed
// and opens the session: the user proved a password and a code.
func (s *Service) CompleteSignInEnrolment(ctx context.Context, stepToken, code, client, userAgent string) (string, *gatehouse.Session, *Enrolled, error) {
	step, u, err := s.stepUser(ctx, stepToken)
	if err != nil {
		return "", nil, nil, err
	}
	secret := decodeChallengeData(step.Data).TOTPSecret
	if secret == "" {
		return "", nil, nil, gatehouse.Invalid("token", "start the enrolment first")
	}
	var token string
	var session *gatehouse.Session
	var out *Enrolled
	err = s.enrolTOTP(ctx, u.OrgID, u.ID, "Authenticator app", secret, code, client, func(tx gatehouse.Tx, e *Enrolled) error {
		out = e
		if err := tx.UseMFAChallenge(step.OrgID, step.ID, s.now()); err != nil {
			return err
		}
		if len(e.RecoveryCodes) == 0 { // the user had a factor already: they prove it instead
			return errHasFactor
		}
		token, session, err = s.openSession(ctx, tx, u, client, userAgent, []string{gatehouse.AMRPassword, gatehouse.AMROTP, gatehouse.AMRMFA})
		return err
	})
	return token, session, out, err
}

// Factors lists the acting user's factors, secrets left out, and how many
// unused recovery codes they have.
func (s *Service) Factors(ctx context.Context, actor gatehouse.Actor) ([]*gatehouse.Factor, int, error) {
	return s.factorsOf(ctx, actor.OrgID, actor.UserID)
}

func (s *Service) factorsOf(ctx context.Context, orgID, userID string) ([]*gatehouse.Factor, int, error) {
	var factors []*gatehouse.Factor
	var codes int
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		var err error
		if factors, err = tx.FindFactors(orgID, userID); err != nil {
			return err
		}
		codes, err = tx.CountRecoveryCodes(orgID, userID)
		return err
	})
	for _, f := range factors {
		f.Secret = ""
	}
	return factors, codes, err
}

// RemoveFactor removes one of the acting user's factors once they give
// their password again: a session left open must not be enough to drop
// the second factor. A code would not do: the password is what a stolen
// session lacks. Removing the last factor also drops the recovery codes.
func (s *Service) RemoveFactor(ctx context.Context, actor gatehouse.Actor, id, password, client string) error {
	return s.withPassword(ctx, actor, password, client, "user.factor_removal_refused", func(tx gatehouse.Tx) error {
		if err := tx.DeleteFactor(actor.OrgID, actor.UserID, id); err != nil {
			return err
		}
		left, err := tx.FindFactors(actor.OrgID, actor.UserID)
		if err != nil {
			return err
		}
		if len(left) == 0 {
			if err := tx.DeleteUserFactors(actor.OrgID, actor.UserID); err != nil {
				return err
			}
		}
		return record(ctx, tx, actor, "user.factor_removed", "user", actor.UserID, diff(map[string]any{"factor_id": id}, nil))
	})
}

// RegenerateRecoveryCodes replaces the acting user's recovery codes with
// new ones, shown once, once they give their password again: a session
// left open must not be enough to void the user's codes and hold valid
// ones, which stand in for the second factor. They must have a factor.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, actor gatehouse.Actor, password, client string) ([]string, error) {
	var codes []string
	err := s.withPassword(ctx, actor, password, client, "user.recovery_codes_refused", func(tx gatehouse.Tx) error {
		factors, err := tx.FindFactors(actor.OrgID, actor.UserID)
		if err != nil {
			return err
		}
		if len(factors) == 0 {
			return gatehouse.Errorf(gatehouse.ECONFLICT, "enrol a factor first: recovery codes stand in for one")
		}
		var hashes []string
		codes, hashes = newRecoveryCodes()
		if err := tx.ReplaceRecoveryCodes(actor.OrgID, actor.UserID, hashes); err != nil {
			return err
		}
		return record(ctx, tx, actor, "user.recovery_codes_regenerated", "user", actor.UserID, nil)
	})
	return codes, err
}

// withPassword runs change in one transaction once the signed-in user has
// given their password again, throttled as codes are (a wrong one counts
// against the user's codes); a wrong password is audited as refused.
func (s *Service) withPassword(ctx context.Context, actor gatehouse.Actor, password, client, refused string, change func(gatehouse.Tx) error) error {
	if actor.APIKeyID != "" || actor.IsSystem() {
		return gatehouse.Errorf(gatehouse.EFORBIDDEN, "factors are changed by their user, signed in")
	}
	now, address := s.now(), throttleAddress(client)
	if err := s.store.Update(ctx, func(tx gatehouse.Tx) error { return s.cfg.Throttle.admitCode(tx, actor.UserID, address, now) }); err != nil {
		return err
	}
	var hash string
	if err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		var err error
		hash, err = tx.PasswordHash(actor.OrgID, actor.UserID)
		return err
	}); err != nil {
		return err
	}
	if hash == "" || !s.cfg.Passwords.Matches(password, hash) {
		if err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
			return record(ctx, tx, actor, refused, "user", actor.UserID, nil)
		}); err != nil {
			return err
		}
		return gatehouse.Invalid("password", "the password is wrong")
	}
	return s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if err := tx.DeleteThrottleEvents(gatehouse.ThrottleCodeFailure, actor.UserID, address); err != nil {
			return err
		}
		return change(tx)
	})
}
