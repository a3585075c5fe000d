package ui

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gatehouse/gatehouse"
)

type viewerKey struct{}

// viewer is the signed-in user of a request.
type viewer struct {
	actor     gatehouse.Actor
	sessionID string
	user      *gatehouse.User
	org       *gatehouse.Organization
	can       map[string]bool
}

// signedIn wraps a page that needs a session: without one, the browser
// goes to the sign-in page and comes back after.
func (u *UI) signedIn(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := u.viewerOf(r)
		if err != nil {
			if gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
				u.fail(w, r, err)
				return
			}
			http.Redirect(w, r, "/sign-in?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), viewerKey{}, v)))
	}
}

// viewerOf reads the session cookie.
func (u *UI) viewerOf(r *http.Request) (*viewer, error) {
	c, err := r.Cookie(gatehouse.SessionCookie)
	if err != nil {
		return nil, gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "not signed in")
	}
	ctx := r.Context()
	s, err := u.svc.AuthenticateSession(ctx, c.Value)
	if err != nil {
		return nil, err
	}
	v := &viewer{actor: gatehouse.Actor{OrgID: s.OrgID, UserID: s.UserID}, sessionID: s.ID}
	if v.user, v.org, err = u.svc.Me(ctx, v.actor); err != nil {
		return nil, err
	}
	v.can, err = u.svc.Allowed(ctx, v.actor, gatehouse.AdminOperations...)
	return v, err
}

func viewerFrom(ctx context.Context) *viewer {
	v, _ := ctx.Value(viewerKey{}).(*viewer)
	return v
}

// clientOf is the client's address, as requestinfo read it.
func clientOf(r *http.Request) string { return gatehouse.RequestInfoFrom(r.Context()).Client }

func (u *UI) setSession(w http.ResponseWriter, r *http.Request, token string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: gatehouse.SessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: gatehouse.RequestInfoFrom(r.Context()).TLS, SameSite: http.SameSiteLaxMode, MaxAge: maxAge})
}

// newPage starts the data of a page for the signed-in viewer.
func newPage(r *http.Request, title, nav string) *page {
	p := &page{Title: title, Nav: nav, Errors: map[string]string{}, Can: map[string]bool{}}
	if v := viewerFrom(r.Context()); v != nil {
		p.Me, p.Org, p.Can = v.user, v.org, v.can
	}
	p.Flash = banner(r)
	return p
}

// formError puts a domain error on the page: beside its field when it names
// one, at the top otherwise. Other errors are not the user's: they fail
// (an unavailable database too, so that the page answers 503 with
// Retry-After as the API does).
func formError(p *page, err error) bool {
	var e *gatehouse.Error
	if !errors.As(err, &e) || e.Code == gatehouse.EINTERNAL || e.Code == gatehouse.EUNAVAILABLE {
		return false
	}
	for _, f := range e.List() {
		if _, seen := p.Errors[f.Field]; !seen {
			p.Errors[f.Field] = f.Message
			p.Fields = append(p.Fields, f)
		}
	}
	p.Error = e.Message
	return true
}

// fieldAnchor is the id of the control (or group of controls) of a field
// in the forms, for the links of the error summary.
func fieldAnchor(field string) string {
	switch field {
	case "group_ids":
		return "groups"
	case "facility_ids":
		return "facilities"
	case "permissions":
		return "direct-permissions"
	}
	return field
}

// errorStatus is the status of a page showing a domain error: the API's
// for the same code (a conflict is 409 on both surfaces).
func errorStatus(err error) int { return gatehouse.HTTPStatus(gatehouse.ErrorCode(err)) }

// fail answers a request that went wrong outside a form.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	msg := "Something went wrong on our side. It has been logged."
	var e *gatehouse.Error
	if errors.As(err, &e) && e.Code != gatehouse.EINTERNAL {
		msg, status = e.Message, gatehouse.HTTPStatus(e.Code) // as the API answers
		if e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
		}
	} else {
		u.logger.ErrorContext(r.Context(), "ui: internal error", "path", r.URL.Path,
			"request_id", gatehouse.RequestInfoFrom(r.Context()).RequestID, "err", err)
	}
	p := newPage(r, "Error", "")
	p.Error = msg
	if err := u.pages.render(w, status, "error", p); err != nil {
		u.logger.Error("ui: rendering the error page", "err", err)
		http.Error(w, msg, status)
	}
}

// show renders a page, failing loudly on a template error.
func (u *UI) show(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	if err := u.pages.render(w, status, name, p); err != nil {
		u.logger.Error("ui: render", "page", name, "err", err)
		http.Error(w, "page failed to render", http.StatusInternalServerError)
	}
}
