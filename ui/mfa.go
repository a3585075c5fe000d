package ui

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// Multi-factor authentication pages: the second step of sign-in (a code, a
// recovery code or a passkey, or enrolment when the organization requires
// a factor), and enrolling and removing one's own factors.

// stepFields are the sign-in fields the second step reads or drops; every
// other field of the sign-in form is carried through it as it came.
var stepFields = []string{"email", "password", "organization_id", "step", "code", "credential"}

// hiddenField is one field a form carries unchanged.
type hiddenField struct{ Name, Value string }

// carried returns the fields of the posted form that the second step keeps
// as they came: next, an OpenID Connect auth request, whatever a later
// feature adds to the sign-in form. Finishing the step then leads where the
// password alone would have.
func carried(r *http.Request) []hiddenField {
	var out []hiddenField
	for name, values := range r.PostForm {
		if slices.Contains(stepFields, name) {
			continue
		}
		for _, v := range values {
			out = append(out, hiddenField{name, v})
		}
	}
	slices.SortFunc(out, func(a, b hiddenField) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// stepPage is the data of the second step of sign-in.
type stepPage struct {
	Step    *service.SecondFactorNeeded
	Enrol   *service.TOTPEnrolment // the secret to enrol, when the policy requires a factor
	Carried []hiddenField
}

// Passkey reports whether the user can use a passkey.
func (d stepPage) Passkey() bool { return slices.Contains(d.Step.Methods, service.MethodWebAuthn) }

// TOTP reports whether the user can type a code from an app.
func (d stepPage) TOTP() bool { return slices.Contains(d.Step.Methods, service.MethodTOTP) }

// secondStep answers a right password of a user who needs a second step:
// the code form, or the enrolment the policy requires. status and err are
// those of a failed attempt at the step, nil on first showing.
func (u *UI) secondStep(w http.ResponseWriter, r *http.Request, need *service.SecondFactorNeeded, status int, err error) {
	p := newPage(r, "Two-step verification", "")
	if err != nil && !formError(p, err) {
		u.fail(w, r, err)
		return
	}
	data := stepPage{Step: need, Carried: carried(r)}
	if need.Enrol {
		p.Title = "Set up two-step verification"
		var e error
		if data.Enrol, e = u.svc.BeginSignInTOTP(r.Context(), need.Token); e != nil {
			u.signInAgain(w, r, e)
			return
		}
	}
	p.Data = data
	u.show(w, r, status, "sign-in-step", p)
}

// signInAgain sends the browser back to the sign-in page when the step
// itself is over (expired, completed, the user deactivated), with the
// fields the sign-in form carried in its query, as whoever sent the
// browser to sign in did; any other error is shown on the sign-in form.
func (u *UI) signInAgain(w http.ResponseWriter, r *http.Request, err error) {
	if gatehouse.ErrorCode(err) == gatehouse.EUNAUTHORIZED {
		q := url.Values{}
		for _, f := range carried(r) {
			q.Add(f.Name, f.Value)
		}
		path := pageSignIn
		if len(q) > 0 {
			path += "?" + q.Encode()
		}
		redirectDone(w, r, path, doneSignInExpired)
		return
	}
	p := newPage(r, "Sign in", "")
	p.Data = map[string]string{"Next": safeNext(r.PostFormValue("next")), "Email": ""}
	if !formError(p, err) {
		u.fail(w, r, err)
		return
	}
	u.show(w, r, errorStatus(err), "sign-in", p)
}

// completeSecondStep checks the code of a pending sign-in.
func (u *UI) completeSecondStep(w http.ResponseWriter, r *http.Request) {
	if !u.formValues(w, r) {
		return
	}
	ctx, step := r.Context(), r.PostFormValue("step")
	var token string
	var s *gatehouse.Session
	var err error
	if cred := r.PostFormValue("credential"); cred != "" {
		token, s, err = u.svc.CompleteSignInPasskey(ctx, step, []byte(cred), clientOf(r), r.UserAgent())
	} else {
		token, s, err = u.svc.CompleteSignIn(ctx, step, r.PostFormValue("code"), clientOf(r), r.UserAgent())
	}
	if err != nil {
		u.stepFailed(w, r, step, err)
		return
	}
	u.setSession(w, r, token, int(s.ExpiresAt.Sub(s.CreatedAt).Seconds()))
	u.afterSignIn(w, r)
}

// stepFailed shows the step again with the error, or the sign-in form when
// the step itself is over.
func (u *UI) stepFailed(w http.ResponseWriter, r *http.Request, step string, err error) {
	need, e := u.svc.PendingStep(r.Context(), step)
	if e != nil {
		u.signInAgain(w, r, e)
		return
	}
	u.secondStep(w, r, need, errorStatus(err), err)
}

// enrolAtSignIn enrols the TOTP secret the step showed and opens the
// session, then shows the recovery codes once.
func (u *UI) enrolAtSignIn(w http.ResponseWriter, r *http.Request) {
	if !u.formValues(w, r) {
		return
	}
	step := r.PostFormValue("step")
	token, s, enrolled, err := u.svc.CompleteSignInEnrolment(r.Context(), step, r.PostFormValue("code"), clientOf(r), r.UserAgent())
	if err != nil {
		u.stepFailed(w, r, step, err)
		return
	}
	u.setSession(w, r, token, int(s.ExpiresAt.Sub(s.CreatedAt).Seconds()))
	p := newPage(r, "Save your recovery codes", "")
	p.Data = recoveryPage{Codes: enrolled.RecoveryCodes, Carried: carried(r)}
	u.show(w, r, http.StatusOK, "recovery-codes", p)
}

// recoveryPage shows recovery codes once, then goes on where the sign-in
// was going.
type recoveryPage struct {
	Codes   []string
	Carried []hiddenField
}

// continueSignIn is the "Continue" of the recovery codes shown at sign-in.
func (u *UI) continueSignIn(w http.ResponseWriter, r *http.Request) {
	if !u.formValues(w, r) {
		return
	}
	u.afterSignIn(w, r)
}

// afterSignIn sends a browser that has just got its session where the
// sign-in form was going: every way of signing in ends here.
func (u *UI) afterSignIn(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// accountMFA is the account page's two-step verification section.
type accountMFA struct {
	Factors       []*gatehouse.Factor
	RecoveryLeft  int
	RecoveryCodes []string // codes just issued: shown once
}

// Has reports whether the user has a factor of the kind.
func (m accountMFA) Has(kind string) bool {
	return slices.ContainsFunc(m.Factors, func(f *gatehouse.Factor) bool { return f.Kind == kind })
}

// totpPage is the enrolment of an authenticator app from the account page.
type totpPage struct {
	Enrol *service.TOTPEnrolment
	Name  string
}

func (u *UI) beginTOTP(w http.ResponseWriter, r *http.Request) {
	if !u.formValues(w, r) {
		return
	}
	e, err := u.svc.BeginTOTP(r.Context(), viewerFrom(r.Context()).actor, r.PostFormValue("password"), clientOf(r))
	if err != nil {
		u.accountRefused(w, r, "No authenticator app set up: ", err)
		return
	}
	p := newPage(r, "Set up an authenticator app", "account")
	p.Data = totpPage{Enrol: e, Name: "Authenticator app"}
	u.show(w, r, http.StatusOK, "mfa-totp", p)
}

func (u *UI) confirmTOTP(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	if !u.formValues(w, r) {
		return
	}
	token, name := r.PostFormValue("token"), strings.TrimSpace(r.PostFormValue("name"))
	enrolled, err := u.svc.ConfirmTOTP(r.Context(), v.actor, token, name, r.PostFormValue("code"), clientOf(r))
	if err != nil {
		p := newPage(r, "Set up an authenticator app", "account")
		e, again := u.svc.PendingTOTP(r.Context(), v.actor, token)
		if again != nil { // the enrolment itself is over: start again
			err = again
		}
		if !formError(p, err) {
			u.fail(w, r, err)
			return
		}
		if e == nil {
			u.showAccount(w, r, errorStatus(err), p, accountPage{})
			return
		}
		p.Data = totpPage{Enrol: e, Name: name}
		u.show(w, r, errorStatus(err), "mfa-totp", p)
		return
	}
	p := newPage(r, "Your account", "account")
	p.Flash = "Authenticator app “" + enrolled.Factor.Name + "” added: signing in now asks for a code."
	u.showAccountMFA(w, r, p, enrolled.RecoveryCodes)
}

// accountRefused shows the account page with why a change of factors was
// refused (a wrong password: what, then why).
func (u *UI) accountRefused(w http.ResponseWriter, r *http.Request, what string, err error) {
	p := newPage(r, "Your account", "account")
	if !formError(p, err) {
		u.fail(w, r, err)
		return
	}
	var e *gatehouse.Error
	if errors.As(err, &e) && e.Field != "" {
		p.Error = what + e.Message
	}
	u.showAccount(w, r, errorStatus(err), p, accountPage{})
}

// showAccountMFA shows the account page with recovery codes just issued.
func (u *UI) showAccountMFA(w http.ResponseWriter, r *http.Request, p *page, codes []string) {
	u.showAccount(w, r, http.StatusOK, p, accountPage{MFA: accountMFA{RecoveryCodes: codes}})
}

func (u *UI) removeFactor(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	if !u.formValues(w, r) {
		return
	}
	err := u.svc.RemoveFactor(r.Context(), v.actor, r.PathValue("id"), r.PostFormValue("password"), clientOf(r))
	if err != nil {
		u.accountRefused(w, r, "The factor was not removed: ", err)
		return
	}
	redirectDone(w, r, "/account", doneFactorRemoved)
}

func (u *UI) regenerateRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	if !u.formValues(w, r) {
		return
	}
	codes, err := u.svc.RegenerateRecoveryCodes(r.Context(), viewerFrom(r.Context()).actor, r.PostFormValue("password"), clientOf(r))
	if err != nil {
		u.accountRefused(w, r, "No new recovery codes: ", err)
		return
	}
	p := newPage(r, "Your account", "account")
	p.Flash = "New recovery codes: the old ones no longer work."
	u.showAccountMFA(w, r, p, codes)
}

// Passkeys: the browser's ceremony needs JavaScript (app.js), which asks
// for the options here, calls navigator.credentials and posts the answer
// in the form's credential field.

// writeCeremony answers app.js with a ceremony's options, or the error.
func (u *UI) writeCeremony(w http.ResponseWriter, r *http.Request, c *service.PasskeyCeremony, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		var e *gatehouse.Error
		if !errors.As(err, &e) || e.Code == gatehouse.EINTERNAL {
			u.logger.ErrorContext(r.Context(), "ui: passkey options", "err", err)
		}
		w.WriteHeader(errorStatus(err))
		json.NewEncoder(w).Encode(map[string]string{"error": gatehouse.ErrorMessage(err)})
		return
	}
	json.NewEncoder(w).Encode(c)
}

func (u *UI) passkeyOptions(w http.ResponseWriter, r *http.Request) {
	if !u.formValues(w, r) {
		return
	}
	c, err := u.svc.BeginPasskey(r.Context(), viewerFrom(r.Context()).actor, r.PostFormValue("password"), clientOf(r))
	u.writeCeremony(w, r, c, err)
}

func (u *UI) signInPasskeyOptions(w http.ResponseWriter, r *http.Request) {
	if !u.formValues(w, r) {
		return
	}
	c, err := u.svc.BeginSignInPasskey(r.Context(), r.PostFormValue("step"))
	u.writeCeremony(w, r, c, err)
}

func (u *UI) registerPasskey(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	if !u.formValues(w, r) {
		return
	}
	enrolled, err := u.svc.FinishPasskey(r.Context(), v.actor, r.PostFormValue("token"), strings.TrimSpace(r.PostFormValue("name")), []byte(r.PostFormValue("credential")))
	p := newPage(r, "Your account", "account")
	if err != nil {
		if !formError(p, err) {
			u.fail(w, r, err)
			return
		}
		u.showAccount(w, r, errorStatus(err), p, accountPage{})
		return
	}
	p.Flash = "Passkey “" + enrolled.Factor.Name + "” added: you can use it at sign-in."
	u.showAccountMFA(w, r, p, enrolled.RecoveryCodes)
}
