package ui

import (
	"crypto/subtle"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// Single sign-on: the sign-in form sends the users of a domain that an
// organization's connection serves to its identity provider, and the
// provider sends them back to pageSSOCallback.

// ssoStateCookie holds the state of the browser's sign-in at its identity
// provider: the callback takes only the state this browser was given, so
// that nobody can complete their own sign-in in someone else's browser.
const ssoStateCookie = "gatehouse_sso_state"

// startSSO sends the browser to the identity provider when a connection
// serves the email's domain, and reports whether it did (or failed
// trying): else the password applies. The form's submission cannot
// redirect to another site (the sign-in page's form-action is 'self'), so
// a page moves on by itself.
func (u *UI) startSSO(w http.ResponseWriter, r *http.Request, orgID, email, next string) bool {
	start, err := u.svc.StartSSO(r.Context(), orgID, email, next)
	if err != nil {
		u.fail(w, r, err)
		return true
	}
	if start == nil {
		return false
	}
	http.SetCookie(w, &http.Cookie{Name: ssoStateCookie, Value: start.State, Path: pageSSOCallback, HttpOnly: true,
		Secure: gatehouse.RequestInfoFrom(r.Context()).TLS, SameSite: http.SameSiteLaxMode,
		MaxAge: int(service.SSOStateTTL.Seconds())})
	p := newPage(r, "Signing you in", "")
	p.Refresh = start.URL
	p.Data = map[string]string{"Continue": start.URL, "Connection": "your organization's sign-in page"}
	u.show(w, r, http.StatusOK, "sso-continue", p)
	return true
}

// ssoCallback completes a single sign-on: the state must be the one this
// browser was given, the provider's answer is checked by the service, and
// the session cookie is set.
func (u *UI) ssoCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := q.Get("state")
	c, err := r.Cookie(ssoStateCookie)
	http.SetCookie(w, &http.Cookie{Name: ssoStateCookie, Path: pageSSOCallback, MaxAge: -1})
	switch {
	case state == "" || err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1:
		u.ssoFailed(w, r, gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "this sign-in did not start in this browser; sign in again"))
		return
	case q.Get("error") != "":
		// The provider refused, or the person cancelled; the state is left
		// to expire.
		msg := "your identity provider did not sign you in"
		if d := q.Get("error_description"); d != "" {
			msg += ": " + truncateText(d, 200)
		}
		u.ssoFailed(w, r, gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "%s", msg))
		return
	}
	done, err := u.svc.FinishSSO(r.Context(), state, q.Get("code"), clientOf(r), r.UserAgent())
	if err != nil {
		u.ssoFailed(w, r, err)
		return
	}
	u.setSession(w, r, done.Token, int(done.Session.ExpiresAt.Sub(done.Session.CreatedAt).Seconds()))
	http.Redirect(w, r, safeNext(done.Next), http.StatusSeeOther)
}

// ssoFailed shows the sign-in page with why the single sign-on failed.
func (u *UI) ssoFailed(w http.ResponseWriter, r *http.Request, err error) {
	p := newPage(r, "Sign in", "")
	p.Data = map[string]string{"Next": "/"}
	if !formError(p, err) {
		u.fail(w, r, err)
		return
	}
	u.show(w, r, errorStatus(err), "sign-in", p)
}

func truncateText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
