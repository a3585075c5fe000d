package ui

import (
	"net/http"
	"net/url"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/oidc"
	"github.com/gatehouse/gatehouse/service"
)

// An application's sign-in through Gatehouse, the OpenID provider
// (docs/oidc.md). The authorize endpoint sends the browser to the sign-in
// page with ?auth_request=ID; the page names the application's
// organization and signs in only its users, through the same service.SignIn
// as any sign-in (throttling, audit, any second step). Once a session
// exists, the browser goes to pageApplicationSignIn — the sign-in's
// ordinary "next" — which completes the request with that session and
// returns the browser to the provider. A step between the password and the
// session only has to keep "next".

// pageApplicationSignIn completes an application's sign-in request with
// the browser's session.
const pageApplicationSignIn = "/sign-in/application"

func applicationNext(requestID string) string {
	return pageApplicationSignIn + "?auth_request=" + url.QueryEscape(requestID)
}

// applicationSignIn is the application's request a sign-in page or form
// carries, or nil.
func (u *UI) applicationSignIn(r *http.Request) (*service.OIDCSignIn, error) {
	id := r.FormValue("auth_request")
	if id == "" {
		return nil, nil
	}
	return u.svc.OIDCSignIn(r.Context(), id)
}

// applicationData adds the application's request to a sign-in page.
func applicationData(data map[string]string, req *service.OIDCSignIn) map[string]string {
	if req != nil {
		data["AuthRequest"], data["Application"], data["Organization"] = req.RequestID, req.ClientName, req.OrgName
		data["Next"] = applicationNext(req.RequestID)
	}
	return data
}

// sessionFits returns the browser's session when the application's
// request accepts it without a new sign-in (same organization, recent
// enough for max_age or prompt=login).
func (u *UI) sessionFits(r *http.Request, req *service.OIDCSignIn) bool {
	if r.URL.Query().Get("again") != "" {
		return false
	}
	c, err := r.Cookie(gatehouse.SessionCookie)
	if err != nil {
		return false
	}
	s, err := u.svc.AuthenticateSession(r.Context(), c.Value)
	return err == nil && req.Accepts(s, u.svc.Now())
}

// completeApplicationSignIn completes the request with the browser's
// session and returns the browser to the provider, which redirects it to
// the application with a code.
func (u *UI) completeApplicationSignIn(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("auth_request")
	again := "/sign-in?again=1&auth_request=" + url.QueryEscape(id)
	c, err := r.Cookie(gatehouse.SessionCookie)
	if err != nil {
		http.Redirect(w, r, again, http.StatusSeeOther)
		return
	}
	s, err := u.svc.AuthenticateSession(r.Context(), c.Value)
	if err == nil {
		err = u.svc.CompleteOIDCSignIn(r.Context(), id, s)
	}
	switch gatehouse.ErrorCode(err) {
	case "":
		p := newPage(r, "Signing you in", "")
		p.Refresh = oidc.PathCallback + "?id=" + url.QueryEscape(id)
		p.Data = map[string]string{"Continue": p.Refresh}
		u.show(w, r, http.StatusOK, "application-continue", p)
	case gatehouse.EUNAUTHORIZED, gatehouse.EFORBIDDEN:
		// No session, one too old for the request, or of another
		// organization: sign in (again) as one of its users.
		http.Redirect(w, r, again, http.StatusSeeOther)
	default:
		u.fail(w, r, err)
	}
}
