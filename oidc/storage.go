package oidc

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// storage is the library's op.Storage over Gatehouse's database: every
// request, code and token lives there, so any instance answers any step.
// User state (active or not) comes from the service, which reads the
// decision engine's snapshot.
type storage struct {
	svc        *service.Service
	st         gatehouse.Store
	keys       *keyRing
	accessTTL  time.Duration
	refreshTTL time.Duration
	idTokenTTL time.Duration
	logger     *slog.Logger
}

var (
	_ op.Storage                        = (*storage)(nil)
	_ op.ClientCredentialsStorage       = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*storage)(nil)
	_ op.CanGetPrivateClaimsFromRequest = (*storage)(nil)
	_ op.CanTerminateSessionFromRequest = (*storage)(nil)
)

func (s *storage) now() time.Time { return s.svc.Now() }

// fault keeps a failure of Gatehouse's own (the database) a
// server_error, never a client's mistake (a refresh token is not dead
// because the database did not answer), and marks the request so that it
// answers 503, not 500, when the database is unavailable (see guard).
func fault(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var protocol *oidc.Error
	if errors.As(err, &protocol) {
		return err // the answer a transaction chose (a code or refresh token used already)
	}
	switch gatehouse.ErrorCode(err) {
	case gatehouse.ENOTFOUND, gatehouse.EINVALID, gatehouse.EUNAUTHORIZED, gatehouse.EFORBIDDEN, gatehouse.ECONFLICT:
		return err
	case gatehouse.EUNAVAILABLE:
		if st := stateFrom(ctx); st != nil {
			st.unavailable = true
		}
	}
	return oidc.ErrServerError().WithParent(err)
}

func (s *storage) view(ctx context.Context, fn func(gatehouse.Tx) error) error {
	return fault(ctx, s.st.View(ctx, fn))
}

func (s *storage) update(ctx context.Context, fn func(gatehouse.Tx) error) error {
	return fault(ctx, s.st.Update(ctx, fn))
}

// isServerError reports whether fault made err a server_error.
func isServerError(err error) bool {
	var e *oidc.Error
	return errors.As(err, &e) && e.ErrorType == oidc.ServerError
}

// activeUser is service.OIDCUser, with its failures sorted by fault.
func (s *storage) activeUser(ctx context.Context, orgID, userID string) (*gatehouse.User, error) {
	u, err := s.svc.OIDCUser(ctx, orgID, userID)
	return u, fault(ctx, err)
}

func (s *storage) findClient(ctx context.Context, id string) (*gatehouse.OIDCClient, error) {
	var c *gatehouse.OIDCClient
	err := s.view(ctx, func(tx gatehouse.Tx) (err error) {
		c, err = tx.FindOIDCClientAnyOrg(id)
		return err
	})
	return c, err
}

// GetClientByClientID finds a client; an unknown one is the caller's
// mistake (invalid_client), which the library would otherwise answer as a
// server error.
func (s *storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.findClient(ctx, id)
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return nil, oidc.ErrInvalidClient().WithDescription("unknown client_id").WithParent(err)
	}
	if err != nil {
		return nil, err
	}
	return client{OIDCClient: c, idTokenTTL: s.idTokenTTL}, nil
}

// AuthorizeClientIDSecret checks a confidential client's secret.
func (s *storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	_, err := s.authenticate(ctx, id, secret)
	return err
}

func (s *storage) authenticate(ctx context.Context, id, secret string) (*gatehouse.OIDCClient, error) {
	wrong := errors.New("wrong client id or secret")
	c, err := s.findClient(ctx, id)
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return nil, wrong
	}
	if err != nil {
		return nil, err
	}
	if !c.Confidential || subtle.ConstantTimeCompare([]byte(c.SecretHash), []byte(gatehouse.HashToken(secret))) != 1 {
		return nil, wrong
	}
	return c, nil
}

// maxRequestSize bounds what an authorization request stores (redirect
// URI, state, nonce, scopes, PKCE challenge, as JSON): anyone may make
// one, and a browser's address is at most a few kilobytes anyway.
const maxRequestSize = 8 << 10

// CreateAuthRequest stores a request the library validated, after
// Gatehouse's own rules: PKCE with S256 for public clients (and S256 for
// anyone who sends a challenge), the client's scopes only, no prompt=none
// (the provider cannot see the browser's session from here).
func (s *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	c, err := s.findClient(ctx, req.ClientID)
	if err != nil {
		return nil, err
	}
	if slices.Contains(req.Prompt, oidc.PromptNone) {
		return nil, oidc.ErrLoginRequired()
	}
	if req.CodeChallenge == "" && !c.Confidential {
		return nil, oidc.ErrInvalidRequest().WithDescription("a public client must use PKCE (code_challenge with S256)")
	}
	if req.CodeChallenge != "" && req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	cl := client{OIDCClient: c}
	scopes := slices.DeleteFunc(slices.Clone(req.Scopes), func(sc string) bool { return !cl.allowsScope(sc) })
	if !slices.Contains(scopes, oidc.ScopeOpenID) {
		return nil, oidc.ErrInvalidScope().WithDescription("the openid scope is required")
	}
	params, err := json.Marshal(requestParams{RedirectURI: req.RedirectURI, State: req.State, Nonce: req.Nonce,
		ResponseType: string(req.ResponseType), ResponseMode: string(req.ResponseMode), Scopes: scopes,
		CodeChallenge: req.CodeChallenge, CodeChallengeMethod: string(req.CodeChallengeMethod)})
	if err != nil {
		return nil, err
	}
	if len(params) > maxRequestSize {
		return nil, oidc.ErrInvalidRequest().WithDescription("the request's parameters are too long")
	}
	r := &gatehouse.OIDCAuthRequest{OrgID: c.OrgID, ClientID: c.ID, Request: params, MaxAge: -1}
	if req.MaxAge != nil {
		r.MaxAge = int64(*req.MaxAge)
	}
	err = s.update(ctx, func(tx gatehouse.Tx) error {
		if err := tx.PruneOIDCAuthRequests(s.now().Add(-service.OIDCRequestTTL)); err != nil {
			return err
		}
		return tx.CreateOIDCAuthRequest(r)
	})
	if err != nil {
		return nil, err
	}
	return newAuthRequest(r)
}

func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	return s.findAuthRequest(ctx, func(tx gatehouse.Tx) (*gatehouse.OIDCAuthRequest, error) { return tx.FindOIDCAuthRequest(id) })
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	return s.findAuthRequest(ctx, func(tx gatehouse.Tx) (*gatehouse.OIDCAuthRequest, error) {
		return tx.FindOIDCAuthRequestByCode(gatehouse.HashToken(code))
	})
}

// findAuthRequest finds a request within service.OIDCRequestTTL.
func (s *storage) findAuthRequest(ctx context.Context, find func(gatehouse.Tx) (*gatehouse.OIDCAuthRequest, error)) (*authRequest, error) {
	var r *gatehouse.OIDCAuthRequest
	err := s.view(ctx, func(tx gatehouse.Tx) (err error) {
		r, err = find(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !s.now().Before(r.CreatedAt.Add(service.OIDCRequestTTL)) {
		return nil, errors.New("the sign-in request has expired")
	}
	return newAuthRequest(r)
}

func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	r, err := s.AuthRequestByID(ctx, id)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx gatehouse.Tx) error {
		return tx.SetOIDCAuthCode(r.(*authRequest).OrgID, id, gatehouse.HashToken(code))
	})
}

// DeleteAuthRequest has nothing left to do: the request was consumed when
// its tokens were made (consume), in their transaction.
func (s *storage) DeleteAuthRequest(context.Context, string) error { return nil }

// consume deletes an auth request as its code is exchanged: of two
// exchanges of one code, one only finds it.
func consume(tx gatehouse.Tx, r *authRequest) error {
	err := tx.DeleteOIDCAuthRequest(r.OrgID, r.ID)
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return oidc.ErrInvalidGrant().WithDescription("the code was used already")
	}
	return err
}

// CreateAccessToken records an access token (the library signs it as a
// JWT with the returned id): for a code without offline_access, or a
// client's own token.
func (s *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	t, err := s.tokenFor(ctx, req)
	if err != nil {
		return "", time.Time{}, err
	}
	err = s.update(ctx, func(tx gatehouse.Tx) error {
		if err := stillActive(tx, t); err != nil {
			return err
		}
		if r, ok := req.(*authRequest); ok {
			if err := consume(tx, r); err != nil {
				return err
			}
		}
		return tx.CreateOIDCToken(t)
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return t.ID, t.ExpiresAt, nil
}

// CreateAccessAndRefreshTokens records an access token and a refresh
// token. For a refresh, the presented token is rotated in the same
// transaction; if it was rotated already (two uses of one token), its
// whole family is revoked.
func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	access, err := s.tokenFor(ctx, req)
	if err != nil {
		return "", "", time.Time{}, err
	}
	secret := gatehouse.NewToken(gatehouse.PrefixOIDCRefresh)
	refresh := *access
	refresh.ID, refresh.Refresh, refresh.TokenHash = gatehouse.NewID(gatehouse.PrefixOIDCToken), true, gatehouse.HashToken(secret)
	refresh.ExpiresAt = s.now().Add(s.refreshTTL)
	reused := false
	err = s.update(ctx, func(tx gatehouse.Tx) error {
		if err := stillActive(tx, access); err != nil {
			return err
		}
		switch r := req.(type) {
		case *authRequest:
			if err := consume(tx, r); err != nil {
				return err
			}
		case *refreshRequest:
			rotated, err := tx.RotateOIDCRefreshToken(r.OrgID, r.ID, s.now())
			if err != nil {
				return err
			}
			if !rotated {
				reused = true
				return oidc.ErrInvalidGrant().WithDescription("the refresh token was used already")
			}
		}
		if err := tx.CreateOIDCToken(access); err != nil {
			return err
		}
		return tx.CreateOIDCToken(&refresh)
	})
	if reused {
		s.revokeFamily(ctx, req.(*refreshRequest).OIDCToken)
	}
	if err != nil {
		return "", "", time.Time{}, err
	}
	return access.ID, secret, access.ExpiresAt, nil
}

// tokenFor is the access token a request is given, once its user (if any)
// is checked active.
func (s *storage) tokenFor(ctx context.Context, req op.TokenRequest) (*gatehouse.OIDCToken, error) {
	now := s.now()
	t := &gatehouse.OIDCToken{ID: gatehouse.NewID(gatehouse.PrefixOIDCToken), Scopes: req.GetScopes(),
		Audience: req.GetAudience(), ExpiresAt: now.Add(s.accessTTL)}
	t.FamilyID = t.ID
	switch r := req.(type) {
	case *authRequest:
		t.OrgID, t.ClientID, t.UserID, t.AMR, t.AuthTime = r.OrgID, r.ClientID, r.UserID, r.AMR, r.AuthTime
	case *refreshRequest:
		t.OrgID, t.ClientID, t.UserID, t.AMR, t.AuthTime, t.FamilyID = r.OrgID, r.ClientID, r.UserID, r.AMR, r.AuthTime, r.FamilyID
	case *clientRequest:
		t.OrgID, t.ClientID = r.client.OrgID, r.client.ID
	default:
		return nil, oidc.ErrUnsupportedGrantType()
	}
	if t.UserID != "" {
		if _, err := s.activeUser(ctx, t.OrgID, t.UserID); err != nil {
			if isServerError(err) {
				return nil, err
			}
			return nil, oidc.ErrInvalidGrant().WithDescription("the user is not active").WithParent(err)
		}
	}
	return t, nil
}

// TokenRequestByRefreshToken finds an open refresh token. Presenting one
// that was rotated already revokes its family: someone holds a copy.
func (s *storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	var t *gatehouse.OIDCToken
	err := s.view(ctx, func(tx gatehouse.Tx) (err error) {
		t, err = tx.FindOIDCRefreshToken(gatehouse.HashToken(token))
		return err
	})
	if err != nil {
		return nil, err
	}
	switch {
	case t.RevokedAt != nil:
		return nil, errors.New("the refresh token was revoked")
	case t.RotatedAt != nil:
		s.revokeFamily(ctx, t)
		return nil, errors.New("the refresh token was used already: every token of its sign-in is revoked")
	case !s.now().Before(t.ExpiresAt):
		return nil, errors.New("the refresh token has expired")
	}
	if _, err := s.activeUser(ctx, t.OrgID, t.UserID); err != nil {
		return nil, err
	}
	// The application's scopes as they are now: an admin who narrows them
	// narrows every sign-in kept alive by refresh too, not only new ones.
	c, err := s.findClient(ctx, t.ClientID)
	if err != nil {
		return nil, err
	}
	cl := client{OIDCClient: c}
	if !cl.allowsScope(oidc.ScopeOfflineAccess) {
		return nil, errors.New("the application may no longer keep users signed in (offline_access)")
	}
	t.Scopes = slices.DeleteFunc(t.Scopes, func(sc string) bool { return !cl.allowsScope(sc) })
	return &refreshRequest{t}, nil
}

// revokeFamily revokes every token of a sign-in whose refresh token was
// reused, and audits it.
func (s *storage) revokeFamily(ctx context.Context, t *gatehouse.OIDCToken) {
	if err := fault(ctx, s.svc.RevokeReusedOIDCFamily(ctx, t)); err != nil {
		s.logger.ErrorContext(ctx, "oidc: revoking a reused refresh token's family", "family", t.FamilyID, "err", err)
	}
}

// TerminateSession ends a user's tokens for a client.
func (s *storage) TerminateSession(ctx context.Context, userID, clientID string) error {
	c, err := s.findClient(ctx, clientID)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx gatehouse.Tx) error { return tx.RevokeOIDCUserTokens(c.OrgID, userID, clientID, s.now()) })
}

// TerminateSessionFromRequest is RP-initiated logout: the user's tokens
// for the client end, and so does their Gatehouse session in this browser
// when the id_token_hint names its user (see endSession).
func (s *storage) TerminateSessionFromRequest(ctx context.Context, req *op.EndSessionRequest) (string, error) {
	if req.UserID != "" && req.ClientID != "" {
		if err := s.TerminateSession(ctx, req.UserID, req.ClientID); err != nil {
			return "", err
		}
	}
	if b := stateFrom(ctx); b != nil && b.sessionToken != "" && req.UserID != "" {
		if session, err := s.svc.AuthenticateSession(ctx, b.sessionToken); err == nil && session.UserID == req.UserID {
			if err := s.svc.SignOut(ctx, gatehouse.Actor{OrgID: session.OrgID, UserID: session.UserID}, session.ID); err != nil {
				return "", fault(ctx, err)
			}
			b.signedOut = true
		}
	}
	return req.RedirectURI, nil
}

// GetRefreshTokenInfo names a refresh token's user and id, for revocation.
func (s *storage) GetRefreshTokenInfo(ctx context.Context, _ string, token string) (string, string, error) {
	var t *gatehouse.OIDCToken
	err := s.view(ctx, func(tx gatehouse.Tx) (err error) {
		t, err = tx.FindOIDCRefreshToken(gatehouse.HashToken(token))
		return err
	})
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return "", "", op.ErrInvalidRefreshToken
	}
	if err != nil {
		return "", "", err
	}
	return t.UserID, t.ID, nil
}

// RevokeToken revokes an access token, or a refresh token with its whole
// family (RFC 7009: revoking a refresh token may revoke its access
// tokens). A token of another client is refused; an unknown one is not an
// error.
func (s *storage) RevokeToken(ctx context.Context, id, _ string, clientID string) *oidc.Error {
	var t *gatehouse.OIDCToken
	err := s.view(ctx, func(tx gatehouse.Tx) (err error) {
		t, err = tx.FindOIDCToken(id)
		return err
	})
	if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
		return nil
	}
	if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	if t.ClientID != clientID {
		return oidc.ErrInvalidClient().WithDescription("the token was not issued to this client")
	}
	err = s.update(ctx, func(tx gatehouse.Tx) error {
		if t.Refresh {
			return tx.RevokeOIDCTokenFamily(t.OrgID, t.FamilyID, s.now())
		}
		return tx.RevokeOIDCToken(t.OrgID, t.ID, s.now())
	})
	if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

// liveToken returns an access token while it is valid now: not expired,
// not revoked, of an active user. Userinfo and introspection ask it, so
// they see a revocation or a deactivation at once.
func (s *storage) liveToken(ctx context.Context, id string) (*gatehouse.OIDCToken, *gatehouse.User, error) {
	var t *gatehouse.OIDCToken
	err := s.view(ctx, func(tx gatehouse.Tx) (err error) {
		t, err = tx.FindOIDCToken(id)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if t.Refresh || t.RevokedAt != nil || !s.now().Before(t.ExpiresAt) {
		return nil, nil, errors.New("the token is not active")
	}
	if t.UserID == "" {
		return t, nil, nil
	}
	u, err := s.activeUser(ctx, t.OrgID, t.UserID)
	if err != nil {
		return nil, nil, err
	}
	return t, u, nil
}

func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil // SetUserinfoFromRequest does it
}

func (s *storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	r, ok := req.(orgRequest)
	if !ok {
		return oidc.ErrServerError()
	}
	u, err := s.activeUser(ctx, r.orgID(), req.GetSubject())
	if err != nil {
		return err
	}
	setUserinfo(info, u, scopes)
	return nil
}

func (s *storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, _, _ string) error {
	t, u, err := s.liveToken(ctx, tokenID)
	if err != nil {
		return err
	}
	if u == nil {
		return errors.New("a client's own token has no user")
	}
	setUserinfo(info, u, t.Scopes)
	return nil
}

// SetIntrospectionFromToken answers introspection (RFC 7662) for a client
// of the token's organization: active only while the token is live now.
func (s *storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, _, clientID string) error {
	t, u, err := s.liveToken(ctx, tokenID)
	if err != nil {
		return err
	}
	caller, err := s.findClient(ctx, clientID)
	if err != nil || caller.OrgID != t.OrgID {
		return errors.New("the token is of another organization")
	}
	resp.Scope, resp.ClientID, resp.Audience = t.Scopes, t.ClientID, t.Audience
	resp.TokenType = oidc.BearerToken
	resp.Expiration, resp.IssuedAt = oidc.FromTime(t.ExpiresAt), oidc.FromTime(t.CreatedAt)
	resp.Subject, resp.JWTID, resp.AuthenticationMethodsReferences = t.ClientID, t.ID, t.AMR
	if !t.AuthTime.IsZero() {
		resp.AuthTime = oidc.FromTime(t.AuthTime)
	}
	if u != nil {
		info := new(oidc.UserInfo)
		setUserinfo(info, u, t.Scopes)
		resp.SetUserInfo(info)
	}
	if resp.Claims == nil {
		resp.Claims = map[string]any{}
	}
	resp.Claims[claimOrgID] = t.OrgID
	return nil
}

// GetPrivateClaimsFromRequest adds to access tokens the organization and
// the user's claims the scopes allow.
func (s *storage) GetPrivateClaimsFromRequest(ctx context.Context, req op.TokenRequest, _ []string) (map[string]any, error) {
	r, ok := req.(orgRequest)
	if !ok {
		return nil, oidc.ErrServerError()
	}
	claims := map[string]any{claimOrgID: r.orgID()}
	if _, isClient := req.(*clientRequest); isClient {
		return claims, nil
	}
	u, err := s.activeUser(ctx, r.orgID(), req.GetSubject())
	if err != nil {
		return nil, err
	}
	info := new(oidc.UserInfo)
	setUserinfo(info, u, req.GetScopes())
	raw, err := json.Marshal(info)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &claims); err != nil {
		return nil, err
	}
	delete(claims, "sub")
	return claims, nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil // GetPrivateClaimsFromRequest does it
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("JWT client assertions are not supported")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("the JWT profile grant is not supported")
}

// ClientCredentials authenticates a confidential client allowed the
// client_credentials grant.
func (s *storage) ClientCredentials(ctx context.Context, id, secret string) (op.Client, error) {
	c, err := s.authenticate(ctx, id, secret)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(c.GrantTypes, gatehouse.GrantClientCredentials) {
		return nil, errors.New("the client may not use client_credentials")
	}
	return client{OIDCClient: c, idTokenTTL: s.idTokenTTL}, nil
}

func (s *storage) ClientCredentialsTokenRequest(ctx context.Context, id string, scopes []string) (op.TokenRequest, error) {
	c, err := s.findClient(ctx, id)
	if err != nil {
		return nil, err
	}
	cl := client{OIDCClient: c}
	return &clientRequest{client: c, scopes: slices.DeleteFunc(slices.Clone(scopes), func(sc string) bool { return !cl.allowsScope(sc) })}, nil
}

func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) { return s.keys.signing(ctx) }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{algorithm}, nil
}

func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	keys, err := s.keys.keys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, len(keys))
	for i, k := range keys {
		out[i] = publicKey{k}
	}
	return out, nil
}

func (s *storage) Health(context.Context) error { return nil }
