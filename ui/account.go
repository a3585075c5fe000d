package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// Signing in and out, and the pages that emailed links open.

func (u *UI) signInPage(w http.ResponseWriter, r *http.Request) {
	app, err := u.applicationSignIn(r) // an application's sign-in (ui/oidc.go)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if app != nil && u.sessionFits(r, app) {
		http.Redirect(w, r, applicationNext(app.RequestID), http.StatusSeeOther)
		return
	}
	p := newPage(r, "Sign in", "")
	p.Data = applicationData(map[string]string{"Next": safeNext(r.URL.Query().Get("next")), "Email": r.URL.Query().Get("email")}, app)
	u.show(w, r, http.StatusOK, "sign-in", p)
}

func (u *UI) signIn(w http.ResponseWriter, r *http.Request) {
	email, next, orgID := r.PostFormValue("email"), safeNext(r.PostFormValue("next")), r.PostFormValue("organization_id")
	app, err := u.applicationSignIn(r) // an application signs in its organization's users only
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if app != nil {
		next, orgID = applicationNext(app.RequestID), app.OrgID
		r.PostForm.Set("next", next) // what the second step carries and afterSignIn follows
	}
	if u.startSSO(w, r, orgID, email, next) { // single sign-on: ui/sso.go
		return
	}
	token, s, err := u.svc.SignIn(r.Context(), orgID, email, r.PostFormValue("password"), clientOf(r), r.UserAgent())
	var need *service.SecondFactorNeeded
	if errors.As(err, &need) {
		u.secondStep(w, r, need, http.StatusOK, nil)
		return
	}
	if err != nil {
		p := newPage(r, "Sign in", "")
		p.Data = applicationData(map[string]string{"Next": next, "Email": email}, app)
		if !formError(p, err) {
			u.fail(w, r, err)
			return
		}
		status := http.StatusUnauthorized
		if gatehouse.ErrorCode(err) == gatehouse.ETOOMANY {
			status = http.StatusTooManyRequests
		}
		u.show(w, r, status, "sign-in", p)
		return
	}
	u.setSession(w, r, token, int(s.ExpiresAt.Sub(s.CreatedAt).Seconds()))
	u.afterSignIn(w, r)
}

func (u *UI) signOut(w http.ResponseWriter, r *http.Request) {
	if v, err := u.viewerOf(r); err == nil {
		u.svc.SignOut(r.Context(), v.actor, v.sessionID)
	}
	u.setSession(w, r, "", -1)
	redirectDone(w, r, "/sign-in", doneSignedOut)
}

func (u *UI) forgotPage(w http.ResponseWriter, r *http.Request) {
	u.show(w, r, http.StatusOK, "forgot-password", newPage(r, "Forgot your password?", ""))
}

func (u *UI) forgot(w http.ResponseWriter, r *http.Request) {
	if err := u.svc.RequestPasswordReset(r.Context(), r.PostFormValue("email")); err != nil {
		u.fail(w, r, err)
		return
	}
	p := newPage(r, "Check your email", "")
	p.Flash = "If an account uses this email, a link to choose a new password is on its way. It works for one hour."
	u.show(w, r, http.StatusOK, "forgot-password", p)
}

// tokenPage is the data of the pages that take a token from a link.
type tokenPage struct {
	Token      string
	Done       bool
	Invitation *service.InvitationPreview // who an invitation is for
	err        error
}

func (u *UI) resetPage(w http.ResponseWriter, r *http.Request) {
	p := newPage(r, "Choose a new password", "")
	token := r.URL.Query().Get("token")
	p.Data = tokenPage{Token: token}
	status := http.StatusOK
	// A link that no longer works says so at once, not after a password.
	if err := u.svc.CheckToken(r.Context(), token, gatehouse.TokenPasswordReset); err != nil {
		if !formError(p, err) {
			u.fail(w, r, err)
			return
		}
		status = http.StatusBadRequest
	}
	u.show(w, r, status, "reset-password", p)
}

func (u *UI) reset(w http.ResponseWriter, r *http.Request) {
	p := newPage(r, "Choose a new password", "")
	data := tokenPage{Token: r.PostFormValue("token")}
	err := u.passwordsMatch(r)
	if err == nil {
		err = u.svc.ResetPassword(r.Context(), data.Token, r.PostFormValue("password"))
	}
	if err != nil {
		p.Data = data
		if !formError(p, err) {
			u.fail(w, r, err)
			return
		}
		u.show(w, r, http.StatusBadRequest, "reset-password", p)
		return
	}
	redirectDone(w, r, "/sign-in", donePasswordSet)
}

func (u *UI) invitePage(w http.ResponseWriter, r *http.Request) {
	p := newPage(r, "Accept your invitation", "")
	token := r.URL.Query().Get("token")
	data := tokenPage{Token: token}
	status := http.StatusOK
	// Who it is for, or at once why the link no longer works.
	if data.Invitation, data.err = u.svc.InvitationPreview(r.Context(), token); data.err != nil {
		if !formError(p, data.err) {
			u.fail(w, r, data.err)
			return
		}
		status = http.StatusBadRequest
	}
	p.Data = data
	u.show(w, r, status, "invite", p)
}

func (u *UI) acceptInvite(w http.ResponseWriter, r *http.Request) {
	p := newPage(r, "Accept your invitation", "")
	data := tokenPage{Token: r.PostFormValue("token")}
	err := u.passwordsMatch(r)
	var user *gatehouse.User
	if err == nil {
		user, _, err = u.svc.AcceptInvitation(r.Context(), data.Token, r.PostFormValue("password"))
	}
	if err != nil {
		data.Invitation, _ = u.svc.InvitationPreview(r.Context(), data.Token)
		p.Data = data
		if !formError(p, err) {
			u.fail(w, r, err)
			return
		}
		u.show(w, r, http.StatusBadRequest, "invite", p)
		return
	}
	redirectDone(w, r, "/sign-in?email="+url.QueryEscape(user.Email), doneInvitationAccepted)
}

func (u *UI) verifyPage(w http.ResponseWriter, r *http.Request) {
	p := newPage(r, "Confirm your email address", "")
	p.Data = tokenPage{Token: r.URL.Query().Get("token")}
	u.show(w, r, http.StatusOK, "verify-email", p)
}

// verify confirms on a button press, not on opening the link: mail
// scanners open links, and must not use the token up.
func (u *UI) verify(w http.ResponseWriter, r *http.Request) {
	p := newPage(r, "Confirm your email address", "")
	data := tokenPage{Token: r.PostFormValue("token")}
	_, _, err := u.svc.ConfirmEmail(r.Context(), data.Token)
	if err != nil && !formError(p, err) {
		u.fail(w, r, err)
		return
	}
	data.Done = err == nil
	p.Data = data
	status := http.StatusOK
	if err != nil {
		status = http.StatusBadRequest
	}
	u.show(w, r, status, "verify-email", p)
}

// passwordsMatch checks the form's two password fields.
func (u *UI) passwordsMatch(r *http.Request) error {
	if r.PostFormValue("password") != r.PostFormValue("confirm") {
		return gatehouse.Invalid("confirm", "the two passwords differ")
	}
	return nil
}

// safeNext keeps redirects after sign-in on this site: next must be a path
// here — one leading slash, no backslash (browsers read it as a slash), no
// control character (browsers drop tabs and newlines, so "/\t/evil" is
// "//evil", another origin) — and must stay one once percent-decoded, for
// anything between Gatehouse and the browser that decodes it. Anything
// else is "/".
func safeNext(next string) string {
	decoded, err := url.PathUnescape(next)
	if err != nil || !localPath(next) || !localPath(decoded) {
		return "/"
	}
	return next
}

// localPath reports whether p is a path on this origin by itself.
func localPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	return true
}
