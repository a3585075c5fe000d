package service

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/gatehouse/gatehouse"
)

// Passkeys (WebAuthn): registered from the account page, used at sign-in
// as a second factor. Each ceremony's challenge is kept in the database
// (an MFA challenge) for PasskeyTTL, so any instance can finish what
// another began.

// PasskeyTTL is how long a passkey ceremony waits for the browser.
const PasskeyTTL = 5 * time.Minute

// relyingParty is WebAuthn for this server: the relying party's id is the
// host of the base URL the links start with (serve's --base-url), and only
// that origin may answer.
func (s *Service) relyingParty() (*webauthn.WebAuthn, error) {
	links, err := s.links()
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(links.SignIn())
	if err != nil {
		return nil, err
	}
	return webauthn.New(&webauthn.Config{RPID: u.Hostname(), RPDisplayName: "Gatehouse", RPOrigins: []string{u.Scheme + "://" + u.Host}})
}

// passkeyUser is a user as WebAuthn sees them: their id as the user
// handle, and their passkeys.
type passkeyUser struct {
	user        *gatehouse.User
	factors     []*gatehouse.Factor // the passkeys
	credentials []webauthn.Credential
}

func (p *passkeyUser) WebAuthnID() []byte                         { return []byte(p.user.ID) }
func (p *passkeyUser) WebAuthnName() string                       { return p.user.Email }
func (p *passkeyUser) WebAuthnDisplayName() string                { return p.user.FirstName + " " + p.user.LastName }
func (p *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return p.credentials }

// passkeysOf reads the user and their passkeys in tx.
func passkeysOf(tx gatehouse.Tx, orgID, userID string) (*passkeyUser, error) {
	u, err := tx.FindUser(orgID, userID)
	if err != nil {
		return nil, err
	}
	factors, err := tx.FindFactors(orgID, userID)
	if err != nil {
		return nil, err
	}
	p := &passkeyUser{user: u}
	for _, f := range factors {
		if f.Kind != gatehouse.FactorWebAuthn {
			continue
		}
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(f.Secret), &c); err != nil {
			return nil, err
		}
		// The credential was stored at registration; its counter moves in
		// the factor's row. The library compares the answer's counter with
		// this one to flag a clone, so it must be the latest accepted.
		c.Authenticator.SignCount = uint32(f.Counter)
		p.factors, p.credentials = append(p.factors, f), append(p.credentials, c)
	}
	return p, nil
}

// PasskeyCeremony is what the browser's navigator.credentials call needs:
// the options as JSON ({"publicKey": …}) and, for a registration, the
// token that names it when the browser's answer comes back.
type PasskeyCeremony struct {
	Token   string          `json:"token,omitempty"`
	Options json.RawMessage `json:"options"`
}

// BeginPasskey starts registering a passkey for the acting user, who gives
// their password again (as BeginTOTP asks).
func (s *Service) BeginPasskey(ctx context.Context, actor gatehouse.Actor, password, client string) (*PasskeyCeremony, error) {
	rp, err := s.relyingParty()
	if err != nil {
		return nil, err
	}
	var out *PasskeyCeremony
	err = s.withPassword(ctx, actor, password, client, "user.factor_enrolment_refused", func(tx gatehouse.Tx) error {
		p, err := passkeysOf(tx, actor.OrgID, actor.UserID)
		if err != nil {
			return err
		}
		creation, session, err := rp.BeginRegistration(p, webauthn.WithExclusions(webauthn.Credentials(p.credentials).CredentialDescriptors()),
			webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred))
		if err != nil {
			return err
		}
		options, err := json.Marshal(creation)
		if err != nil {
			return err
		}
		data, err := json.Marshal(session)
		if err != nil {
			return err
		}
		out = &PasskeyCeremony{Token: gatehouse.NewToken("ghe_"), Options: options}
		return tx.CreateMFAChallenge(&gatehouse.MFAChallenge{OrgID: actor.OrgID, UserID: actor.UserID, Purpose: gatehouse.ChallengeEnrolWebAuthn,
			TokenHash: gatehouse.HashToken(out.Token), Data: string(data), ExpiresAt: s.now().Add(PasskeyTTL)})
	})
	return out, err
}

// FinishPasskey registers the passkey the browser made for BeginPasskey's
// ceremony; a user's first factor comes with recovery codes.
func (s *Service) FinishPasskey(ctx context.Context, actor gatehouse.Actor, token, name string, response []byte) (*Enrolled, error) {
	if name == "" {
		name = "Passkey"
	}
	if err := validateText("name", name, true); err != nil {
		return nil, err
	}
	rp, err := s.relyingParty()
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return nil, gatehouse.Invalid("credential", "the browser's answer could not be read: %v", err)
	}
	var out *Enrolled
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		c, err := tx.FindMFAChallenge(gatehouse.HashToken(token))
		if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND || err == nil && (c.Purpose != gatehouse.ChallengeEnrolWebAuthn ||
			c.OrgID != actor.OrgID || c.UserID != actor.UserID || c.UsedAt != nil || !s.now().Before(c.ExpiresAt)) {
			return gatehouse.Invalid("token", "this registration has expired; start again")
		}
		if err != nil {
			return err
		}
		var session webauthn.SessionData
		if err := json.Unmarshal([]byte(c.Data), &session); err != nil {
			return err
		}
		p, err := passkeysOf(tx, actor.OrgID, actor.UserID)
		if err != nil {
			return err
		}
		cred, err := rp.CreateCredential(p, session, parsed)
		if err != nil {
			return gatehouse.Invalid("credential", "the passkey was refused: %v", err)
		}
		secret, err := json.Marshal(cred)
		if err != nil {
			return err
		}
		if err := tx.UseMFAChallenge(c.OrgID, c.ID, s.now()); err != nil {
			return err
		}
		f := &gatehouse.Factor{OrgID: actor.OrgID, UserID: actor.UserID, Kind: gatehouse.FactorWebAuthn, Name: name,
			Secret: string(secret), CredentialID: base64.RawURLEncoding.EncodeToString(cred.ID), Counter: int64(cred.Authenticator.SignCount)}
		out, err = s.addFactor(ctx, tx, f, "user.passkey_registered")
		return err
	})
	return out, err
}

// BeginSignInPasskey starts the passkey ceremony of a pending sign-in; its
// challenge is kept with the step.
func (s *Service) BeginSignInPasskey(ctx context.Context, stepToken string) (*PasskeyCeremony, error) {
	step, _, err := s.stepUser(ctx, stepToken)
	if err != nil {
		return nil, err
	}
	rp, err := s.relyingParty()
	if err != nil {
		return nil, err
	}
	var out *PasskeyCeremony
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		p, err := passkeysOf(tx, step.OrgID, step.UserID)
		if err != nil {
			return err
		}
		if len(p.credentials) == 0 {
			return gatehouse.Errorf(gatehouse.ECONFLICT, "you have no passkey: use a code")
		}
		assertion, session, err := rp.BeginLogin(p)
		if err != nil {
			return err
		}
		options, err := json.Marshal(assertion)
		if err != nil {
			return err
		}
		d := decodeChallengeData(step.Data)
		if d.WebAuthn, err = json.Marshal(session); err != nil {
			return err
		}
		out = &PasskeyCeremony{Options: options}
		return tx.SetMFAChallengeData(step.OrgID, step.ID, d.encode())
	})
	return out, err
}

// CompleteSignInPasskey finishes a pending sign-in with the browser's
// answer to BeginSignInPasskey's ceremony and opens the session (amr pwd
// hwk mfa). A refused answer is audited as a wrong code is.
func (s *Service) CompleteSignInPasskey(ctx context.Context, stepToken string, response []byte, client, userAgent string) (string, *gatehouse.Session, error) {
	step, u, err := s.stepUser(ctx, stepToken)
	if err != nil {
		return "", nil, err
	}
	rp, err := s.relyingParty()
	if err != nil {
		return "", nil, err
	}
	// Throttled as codes are: each refused answer is a write to the audit
	// log, which whoever knows the password must not be able to fill.
	now, address := s.now(), throttleAddress(client)
	if err := s.store.Update(ctx, func(tx gatehouse.Tx) error { return s.cfg.Throttle.admitCode(tx, u.ID, address, now) }); err != nil {
		return "", nil, err
	}
	d := decodeChallengeData(step.Data)
	refused := func(why string) (string, *gatehouse.Session, error) {
		err := s.store.Update(ctx, func(tx gatehouse.Tx) error {
			return record(ctx, tx, gatehouse.Actor{OrgID: u.OrgID, UserID: u.ID}, "user.second_factor_failed", "user", u.ID, nil)
		})
		if err != nil {
			return "", nil, err
		}
		return "", nil, gatehouse.Invalid("credential", "the passkey was refused: %s", why)
	}
	if len(d.WebAuthn) == 0 {
		return refused("start with “Use a passkey”")
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return refused("the browser's answer could not be read")
	}
	var session webauthn.SessionData
	if err := json.Unmarshal(d.WebAuthn, &session); err != nil {
		return "", nil, err
	}
	var token string
	var opened *gatehouse.Session
	var why string
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		// First, as every write takes it: ordered against a deactivation
		// (no session outlives it) and never deadlocked with one on
		// PostgreSQL, whose audit insert would otherwise wait for the lock
		// while holding the rows the deactivation deletes.
		if _, err := lockActiveUser(tx, u.OrgID, u.ID); err != nil {
			return err
		}
		p, err := passkeysOf(tx, u.OrgID, u.ID)
		if err != nil {
			return err
		}
		cred, err := rp.ValidateLogin(p, session, parsed)
		if err != nil || cred.Authenticator.CloneWarning {
			why = "it does not match a passkey of yours"
			return nil
		}
		id := base64.RawURLEncoding.EncodeToString(cred.ID)
		for _, f := range p.factors {
			// A counter that moves proves the key was not cloned; many
			// passkeys keep it at 0.
			if f.CredentialID == id && int64(cred.Authenticator.SignCount) > f.Counter {
				err := tx.UseFactor(u.OrgID, f.ID, int64(cred.Authenticator.SignCount), s.now())
				if gatehouse.ErrorCode(err) == gatehouse.ECONFLICT { // another answer with this counter came first
					why = "it was already used"
					return nil
				}
				if err != nil {
					return err
				}
			}
		}
		if err := tx.UseMFAChallenge(step.OrgID, step.ID, s.now()); err != nil {
			return err
		}
		if err := tx.DeleteThrottleEvents(gatehouse.ThrottleCodeFailure, u.ID, address); err != nil {
			return err
		}
		token, opened, err = s.openSession(ctx, tx, u, client, userAgent, []string{gatehouse.AMRPassword, gatehouse.AMRHWK, gatehouse.AMRMFA})
		return err
	})
	if err != nil {
		return "", nil, err
	}
	if why != "" {
		return refused(why)
	}
	return token, opened, nil
}
