package oidc

import (
	"net/http"

	"github.com/gatehouse/gatehouse"
)

// sameBrowser lets only the browser that completed a sign-in request open
// its callback, where the library hands out the code. The request's id is
// no secret — it is in the sign-in page's address — so without this
// check, whoever started a sign-in could send its page to someone signed
// in to Gatehouse and, once they had signed in there, open the callback
// first and have the code (with their own state and PKCE verifier) for
// the other person's account. The browser must hold a session of the user
// the request was completed for.
func (s *storage) sameBrowser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != PathCallback {
			next.ServeHTTP(w, r)
			return
		}
		ok, err := s.completedHere(r)
		switch {
		case gatehouse.ErrorCode(err) == gatehouse.EUNAVAILABLE:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "the database is unavailable; try again", http.StatusServiceUnavailable)
		case err != nil:
			http.Error(w, "server error", http.StatusInternalServerError)
		case !ok:
			http.Error(w, "this sign-in was completed in another browser; go back to the application and sign in again", http.StatusForbidden)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// completedHere reports whether the callback's request may go on: a
// request not completed (or not found) is the library's to refuse; a
// completed one needs the browser's session to be of its user.
func (s *storage) completedHere(r *http.Request) (bool, error) {
	var req *gatehouse.OIDCAuthRequest
	err := s.st.View(r.Context(), func(tx gatehouse.Tx) (err error) {
		req, err = tx.FindOIDCAuthRequest(r.FormValue("id"))
		return err
	})
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if !req.Done {
		return true, nil
	}
	c, err := r.Cookie(gatehouse.SessionCookie)
	if err != nil {
		return false, nil
	}
	session, err := s.svc.AuthenticateSession(r.Context(), c.Value)
	if gatehouse.ErrorCode(err) == gatehouse.EUNAVAILABLE {
		return false, err
	}
	return err == nil && session.OrgID == req.OrgID && session.UserID == req.UserID, nil
}
