package api

import (
	"context"
	"net"
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
}

// authenticate reads the API key or session cookie of every request. Public
// routes ignore the result; the others ask actorFrom.
func (h *handlers) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := &principal{tls: r.TLS != nil, client: clientHost(r.RemoteAddr), userAgent: r.UserAgent()}
		if h.trustProxy {
			if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" {
				first, _, _ := strings.Cut(fwd, ",")
				p.client = strings.TrimSpace(first)
			}
			p.tls = p.tls || r.Header.Get("X-Forwarded-Proto") == "https"
		}
		requestID := r.Header.Get("X-Request-ID")
		if requestID == "" || len(requestID) > 100 {
			requestID = gatehouse.NewID("req_")
		}
		w.Header().Set("X-Request-ID", requestID)
		ctx := gatehouse.WithRequestInfo(r.Context(), gatehouse.RequestInfo{Client: p.client, RequestID: requestID})
		if auth := r.Header.Get("Authorization"); auth != "" {
			if token, ok := strings.CutPrefix(auth, "Bearer "); ok {
				p.actor, p.err = h.svc.AuthenticateAPIKey(ctx, strings.TrimSpace(token))
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
	return &principal{err: gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "not signed in")}
}

// actorFrom returns the authenticated actor of a request, or a 401 error.
func actorFrom(ctx context.Context) (gatehouse.Actor, error) {
	p := principalFrom(ctx)
	return p.actor, p.err
}

// clientHost is the address part of host:port.
func clientHost(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}
