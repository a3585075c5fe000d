package service

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// Lifetimes of the steps of multi-factor authentication.
const (
	// SecondStepTTL is how long the step between a right password and a
	// session waits for its second factor (or, under a policy, enrolment).
	SecondStepTTL = 10 * time.Minute
	// EnrolTTL is how long a TOTP secret shown for enrolment waits for its
	// first code.
	EnrolTTL = 10 * time.Minute
	// RecoveryCodeCount recovery codes are issued with the first factor.
	RecoveryCodeCount = 10
)

// Ways to complete a second step, as SecondFactorNeeded lists them.
const (
	MethodTOTP         = gatehouse.FactorTOTP
	MethodWebAuthn     = gatehouse.FactorWebAuthn
	MethodRecoveryCode = "recovery_code"
)

// SecondFactorNeeded is SignIn's answer to a right password when the user
// must still prove a second factor, or first enrol one because the
// organization's policy requires it: no session exists yet. It unwraps to
// an EUNAUTHORIZED error (EFORBIDDEN with ReasonMFAEnrolmentRequired when
// the user must enrol), so that a caller that does not know of second
// factors refuses the sign-in rather than skipping the step.
type SecondFactorNeeded struct {
	// Token names the pending step; it is single use and expires at
	// ExpiresAt. Only its hash is stored.
	Token     string
	ExpiresAt time.Time
	// Methods are the ways the user can complete the step: "totp",
	// "webauthn", "recovery_code". Empty when Enrol is set.
	Methods []string
	// Enrol says the user has no factor and the policy requires one: they
	// must enrol one before they get a session.
	Enrol bool
}

func (e *SecondFactorNeeded) Error() string { return e.Unwrap().Error() }

// Unwrap is the error a caller unaware of second factors answers with.
func (e *SecondFactorNeeded) Unwrap() error {
	if e.Enrol {
		return gatehouse.Forbidden(string(gatehouse.ReasonMFAEnrolmentRequired),
			"your organization requires two-step verification: sign in once in the web UI to set up a second factor")
	}
	return gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "a second factor is needed to complete the sign-in")
}

// challengeData is what a sign-in step carries between requests.
type challengeData struct {
	// TOTPSecret is the secret shown during enrolment at sign-in.
	TOTPSecret string `json:"totp_secret,omitempty"`
	// WebAuthn is a passkey ceremony's session (the library's JSON).
	WebAuthn json.RawMessage `json:"webauthn,omitempty"`
}

func (d challengeData) encode() string {
	b, _ := json.Marshal(d) // two plain fields cannot fail to marshal
	return string(b)
}

func decodeChallengeData(s string) challengeData {
	var d challengeData
	_ = json.Unmarshal([]byte(s), &d) // what this package wrote; "" is none
	return d
}

// mfaRequired reports whether the organization's policy requires a
// second factor of the user.
func mfaRequired(snap *authz.Snapshot, policy, userID string) bool {
	switch policy {
	case gatehouse.MFAPolicyAll:
		return true
	case gatehouse.MFAPolicyAdmins:
		actor := gatehouse.Actor{OrgID: snap.OrgID, UserID: userID}
		for _, op := range gatehouse.AdminOperations {
			if authorize(snap, actor, op, authz.Resource{}) == nil {
				return true
			}
		}
	}
	return false
}

// methodsOf lists how a user with these factors completes a second step.
func methodsOf(factors []*gatehouse.Factor) []string {
	var out []string
	for _, f := range factors {
		if !slices.Contains(out, f.Kind) {
			out = append(out, f.Kind)
		}
	}
	if len(out) > 0 {
		out = append(out, MethodRecoveryCode)
	}
	return out
}

// secondStep decides, in the transaction that found the right password,
// whether the user needs a second step; when so it opens one.
func (s *Service) secondStep(ctx context.Context, tx gatehouse.Tx, snap *authz.Snapshot, u *gatehouse.User) (*SecondFactorNeeded, error) {
	factors, err := tx.FindFactors(u.OrgID, u.ID)
	if err != nil {
		return nil, err
	}
	policy, err := tx.MFAPolicy(u.OrgID)
	if err != nil {
		return nil, err
	}
	if len(factors) == 0 && !mfaRequired(snap, policy, u.ID) {
		return nil, nil
	}
	token := gatehouse.NewToken("ghm_")
	c := &gatehouse.MFAChallenge{OrgID: u.OrgID, UserID: u.ID, Purpose: gatehouse.ChallengeSignIn,
		TokenHash: gatehouse.HashToken(token), ExpiresAt: s.now().Add(SecondStepTTL)}
	if err := tx.CreateMFAChallenge(c); err != nil {
		return nil, err
	}
	need := &SecondFactorNeeded{Token: token, ExpiresAt: c.ExpiresAt, Methods: methodsOf(factors), Enrol: len(factors) == 0}
	action := "session.second_factor_required"
	if need.Enrol {
		action = "session.enrolment_required"
	}
	return need, record(ctx, tx, gatehouse.Actor{OrgID: u.OrgID, UserID: u.ID}, action, "user", u.ID, nil)
}

// openSession creates a session of the user in tx and returns its token.
func (s *Service) openSession(ctx context.Context, tx gatehouse.Tx, u *gatehouse.User, client, userAgent string, amr []string) (string, *gatehouse.Session, error) {
	// u was read before tx: a deactivation since must not be outlived.
	if _, err := activeUser(tx, u.OrgID, u.ID); err != nil {
		return "", nil, err
	}
	token := gatehouse.NewToken("ghs_")
	session := &gatehouse.Session{OrgID: u.OrgID, UserID: u.ID, TokenHash: gatehouse.HashToken(token),
		Client: client, UserAgent: truncate(userAgent, 300), ExpiresAt: s.now().Add(s.cfg.SessionMax), AMR: amr}
	if err := tx.CreateSession(session); err != nil {
		return "", nil, err
	}
	var changes map[string]gatehouse.Change
	if len(amr) > 1 {
		changes = diff(nil, map[string]any{"amr": strings.Join(amr, " ")})
	}
	err := record(ctx, tx, gatehouse.Actor{OrgID: u.OrgID, UserID: u.ID}, "session.created", "session", session.ID, changes)
	return token, session, err
}

// pendingStep finds an open sign-in step by its token.
func pendingStep(tx gatehouse.Tx, token string, now time.Time) (*gatehouse.MFAChallenge, error) {
	expired := gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "this sign-in has expired or was completed; sign in again")
	c, err := tx.FindMFAChallenge(gatehouse.HashToken(token))
	switch {
	case gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND:
		return nil, expired
	case err != nil:
		return nil, err
	case c.Purpose != gatehouse.ChallengeSignIn || c.UsedAt != nil || !now.Before(c.ExpiresAt):
		return nil, expired
	}
	return c, nil
}

// stepOrg is the organization of a pending step, read before the write
// that completes it.
func (s *Service) stepOrg(ctx context.Context, token string) (*gatehouse.MFAChallenge, error) {
	var c *gatehouse.MFAChallenge
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		var err error
		c, err = pendingStep(tx, token, s.now())
		return err
	})
	return c, err
}

// verifyCode checks a TOTP or recovery code of the user and, when right,
// spends it in tx: the factor's step moves on, or the recovery code is
// used. It returns the method that matched, "" for none.
func verifyCode(tx gatehouse.Tx, u *gatehouse.User, code string, now time.Time) (string, error) {
	factors, err := tx.FindFactors(u.OrgID, u.ID)
	if err != nil {
		return "", err
	}
	for _, f := range factors {
		if f.Kind != gatehouse.FactorTOTP {
			continue
		}
		if step, ok := totpStep(f.Secret, code, f.Counter, now); ok {
			return MethodTOTP, tx.UseFactor(u.OrgID, f.ID, step, now)
		}
	}
	if len(factors) == 0 {
		return "", nil
	}
	err = tx.UseRecoveryCode(u.OrgID, u.ID, gatehouse.HashToken(normalizeRecoveryCode(code)), now)
	switch gatehouse.ErrorCode(err) {
	case "":
		return MethodRecoveryCode, nil
	case gatehouse.ENOTFOUND:
		return "", nil
	}
	return "", err
}

// checkCode admits a code attempt through the throttle, checks it and, in
// one transaction, spends it and runs then; a wrong code is audited and
// counted. It is the one way a code is tried.
func (s *Service) checkCode(ctx context.Context, u *gatehouse.User, code, client string, then func(tx gatehouse.Tx, method string) error) error {
	now, address := s.now(), throttleAddress(client)
	if err := s.store.Update(ctx, func(tx gatehouse.Tx) error { return s.cfg.Throttle.admitCode(tx, u.ID, address, now) }); err != nil {
		return err
	}
	wrong := false
	err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
		// First, as every write takes it: ordered against a deactivation
		// (no session outlives it) and never deadlocked with one on
		// PostgreSQL, whose audit insert would otherwise wait for the lock
		// while holding the rows the deactivation deletes.
		if _, err := lockActiveUser(tx, u.OrgID, u.ID); err != nil {
			return err
		}
		method, err := verifyCode(tx, u, code, now)
		if err != nil {
			return err
		}
		if method == "" {
			wrong = true
			return nil
		}
		if err := tx.DeleteThrottleEvents(gatehouse.ThrottleCodeFailure, u.ID, address); err != nil {
			return err
		}
		return then(tx, method)
	})
	if gatehouse.ErrorCode(err) == gatehouse.ECONFLICT { // another request spent the same code first
		wrong = true
	} else if err != nil {
		return err
	}
	if wrong {
		err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
			return record(ctx, tx, gatehouse.Actor{OrgID: u.OrgID, UserID: u.ID}, "user.second_factor_failed", "user", u.ID, nil)
		})
		if err != nil {
			return err
		}
		return gatehouse.Invalid("code", "the code is wrong or has already been used")
	}
	return nil
}

// CompleteSignIn finishes a pending sign-in with a TOTP code or a recovery
// code and opens the session, whose AMR says both factors were used.
func (s *Service) CompleteSignIn(ctx context.Context, stepToken, code, client, userAgent string) (string, *gatehouse.Session, error) {
	step, u, err := s.stepUser(ctx, stepToken)
	if err != nil {
		return "", nil, err
	}
	var token string
	var session *gatehouse.Session
	err = s.checkCode(ctx, u, code, client, func(tx gatehouse.Tx, method string) error {
		if err := tx.UseMFAChallenge(step.OrgID, step.ID, s.now()); err != nil {
			return err
		}
		if method == MethodRecoveryCode {
			if err := record(ctx, tx, gatehouse.Actor{OrgID: u.OrgID, UserID: u.ID}, "user.recovery_code_used", "user", u.ID, nil); err != nil {
				return err
			}
		}
		token, session, err = s.openSession(ctx, tx, u, client, userAgent, []string{gatehouse.AMRPassword, gatehouse.AMROTP, gatehouse.AMRMFA})
		return err
	})
	return token, session, err
}

// PendingStep describes an open sign-in step again: how it can be
// completed, or that the user must enrol.
func (s *Service) PendingStep(ctx context.Context, stepToken string) (*SecondFactorNeeded, error) {
	step, u, err := s.stepUser(ctx, stepToken)
	if err != nil {
		return nil, err
	}
	var factors []*gatehouse.Factor
	err = s.store.View(ctx, func(tx gatehouse.Tx) error {
		factors, err = tx.FindFactors(u.OrgID, u.ID)
		return err
	})
	return &SecondFactorNeeded{Token: stepToken, ExpiresAt: step.ExpiresAt, Methods: methodsOf(factors), Enrol: len(factors) == 0}, err
}

// stepUser returns an open sign-in step and its user, who must still be
// active.
func (s *Service) stepUser(ctx context.Context, stepToken string) (*gatehouse.MFAChallenge, *gatehouse.User, error) {
	step, err := s.stepOrg(ctx, stepToken)
	if err != nil {
		return nil, nil, err
	}
	snap, err := s.snapshot(ctx, step.OrgID)
	if err != nil {
		return nil, nil, err
	}
	if !snap.IsActive(step.UserID) {
		return nil, nil, gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "this sign-in has expired or was completed; sign in again")
	}
	var u *gatehouse.User
	err = s.store.View(ctx, func(tx gatehouse.Tx) error {
		u, err = tx.FindUser(step.OrgID, step.UserID)
		return err
	})
	return step, u, err
}

// newRecoveryCodes makes a user's recovery codes: ten groups of 5+5
// characters of the id alphabet (50 bits each), and their hashes.
func newRecoveryCodes() (codes, hashes []string) {
	const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	for range RecoveryCodeCount {
		var b [10]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		var sb strings.Builder
		for i, c := range b {
			if i == 5 {
				sb.WriteByte('-')
			}
			sb.WriteByte(alphabet[int(c)%len(alphabet)])
		}
		code := sb.String()
		codes, hashes = append(codes, code), append(hashes, gatehouse.HashToken(normalizeRecoveryCode(code)))
	}
	return codes, hashes
}

// normalizeRecoveryCode is the form a recovery code is compared in: lower
// case, without spaces or dashes.
func normalizeRecoveryCode(code string) string {
	return strings.NewReplacer("-", "", " ", "").Replace(strings.ToLower(strings.TrimSpace(code)))
}
