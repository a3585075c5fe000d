package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse"
)

type principalKey struct{}

// principal is who sent a request, or why they could not be told apart.
type principal struct {
	actor     gatehouse.Actor
	err       error
	sessionID string // set for cookie sessions
	tls       bool   // the request came over TLS: cookies get Secure
	client    string // the client's address
	userAgent string
	logger    *slog.Logger // where internal errors of the request are logged
}

// authenticate reads where each request came from (requestinfo) and its
// API key or session cookie. Public routes ignore the result; the others
// ask actorFrom.
func (h *handlers) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := h.requests.Read(w, r)
		info := gatehouse.RequestInfoFrom(ctx)
		p := &principal{tls: info.TLS, client: info.Client, userAgent: r.UserAgent(), logger: h.logger}
		if auth := r.Header.Get("Authorization"); auth != "" {
			if token, ok := strings.CutPrefix(auth, "Bearer "); ok {
				token = strings.TrimSpace(token)
				if h.accessTokens != nil && strings.Count(token, ".") == 2 { // a JWT, not an API key
					p.actor, p.err = h.accessTokens(ctx, token)
				} else {
					p.actor, p.err = h.svc.AuthenticateAPIKey(ctx, token)
				}
			} else {
				p.err = gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "use Authorization: Bearer <api key>")
			}
		} else if c, err := r.Cookie(gatehouse.SessionCookie); err == nil {
			var s *gatehouse.Session
			s, p.err = h.svc.AuthenticateSession(ctx, c.Value)
			if p.err == nil {
				p.actor, p.sessionID = gatehouse.Actor{OrgID: s.OrgID, UserID: s.UserID}, s.ID
			}
		} else {
			p.err = gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "sign in, or send an API key as Authorization: Bearer <key>")
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, principalKey{}, p)))
	})
}

func principalFrom(ctx context.Context) *principal {
	if p, ok := ctx.Value(principalKey{}).(*principal); ok {
		return p
	}
	return &principal{err: gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "not signed in"), logger: slog.Default()}
}

// actorFrom returns the authenticated actor of a request, or a 401 error.
func actorFrom(ctx context.Context) (gatehouse.Actor, error) {
	p := principalFrom(ctx)
	return p.actor, p.err
}
