package oidc

import (
	"context"

	"github.com/gatehouse/gatehouse"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// AuthenticateAccessToken accepts, as Gatehouse API credentials, an access
// token of an application's own (client credentials) whose application
// acts as a user (OIDCClient.ServiceUserID): the request acts as that
// user, as with one of their API keys. The token must be signed by the
// provider, unexpired, unrevoked, its application still registered and the
// user active — checked on every request, so a revocation or a
// deactivation is refused at once.
func (p *Provider) AuthenticateAccessToken(ctx context.Context, token string) (gatehouse.Actor, error) {
	refused := gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "invalid access token")
	state := &requestState{} // learns whether the key set could not be read
	withIssuer := op.ContextWithIssuer(context.WithValue(ctx, stateKey{}, state), p.issuer)
	claims, err := op.VerifyAccessToken[*oidc.AccessTokenClaims](withIssuer, token, p.op.AccessTokenVerifier(withIssuer))
	if err != nil && state.unavailable {
		return gatehouse.Actor{}, gatehouse.Errorf(gatehouse.EUNAVAILABLE, "the database is unavailable; try again")
	}
	if err != nil {
		return gatehouse.Actor{}, refused
	}
	t, _, err := p.storage.liveToken(ctx, claims.JWTID)
	if err != nil {
		return gatehouse.Actor{}, unlessUnavailable(err, refused)
	}
	if t.UserID != "" {
		return gatehouse.Actor{}, gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "a user's access token is for the application, not for Gatehouse's API")
	}
	var c *gatehouse.OIDCClient
	err = p.storage.view(ctx, func(tx gatehouse.Tx) (err error) {
		c, err = tx.FindOIDCClient(t.OrgID, t.ClientID)
		return err
	})
	if err != nil {
		return gatehouse.Actor{}, unlessUnavailable(err, refused)
	}
	if c.ServiceUserID == "" {
		return gatehouse.Actor{}, gatehouse.Errorf(gatehouse.EUNAUTHORIZED, "the application acts as no user: set its service_user_id")
	}
	if _, err := p.storage.svc.OIDCUser(ctx, c.OrgID, c.ServiceUserID); err != nil {
		return gatehouse.Actor{}, unlessUnavailable(err, refused)
	}
	return gatehouse.Actor{OrgID: c.OrgID, UserID: c.ServiceUserID}, nil
}

// unlessUnavailable is refused, unless err says the database did not
// answer: that stays a 503.
func unlessUnavailable(err error, refused error) error {
	if gatehouse.ErrorCode(err) == gatehouse.EUNAVAILABLE {
		return err
	}
	return refused
}
