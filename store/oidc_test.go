package store_test

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// The provider's rows stay in their organization, a refresh token rotates
// once, and ending a user's sessions revokes their tokens.
func TestOIDCStore(t *testing.T) {
	db := MustOpen(t)
	a := mustFixture(t, db, "A")
	b := mustFixture(t, db, "B")
	ua := mustCreateUser(t, db, &gatehouse.User{OrgID: a.org.ID, Email: "ada@example.com"})
	c := &gatehouse.OIDCClient{OrgID: a.org.ID, Name: "App", RedirectURIs: []string{"https://a.test/cb"}, GrantTypes: []string{gatehouse.GrantAuthorizationCode}}
	now := time.Now()
	refresh := &gatehouse.OIDCToken{OrgID: a.org.ID, ClientID: "", UserID: ua.ID, Refresh: true, TokenHash: "h1", FamilyID: "fam", ExpiresAt: now.Add(time.Hour)}
	access := &gatehouse.OIDCToken{OrgID: a.org.ID, UserID: ua.ID, FamilyID: "fam", ExpiresAt: now.Add(time.Minute)}
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		if err := tx.CreateOIDCClient(c); err != nil {
			return err
		}
		refresh.ClientID, access.ClientID = c.ID, c.ID
		if err := tx.CreateOIDCToken(refresh); err != nil {
			return err
		}
		return tx.CreateOIDCToken(access)
	})
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		if _, err := tx.FindOIDCClient(b.org.ID, c.ID); gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
			t.Errorf("FindOIDCClient through B: %v", err)
		}
		moved := *c
		moved.OrgID = b.org.ID
		if err := tx.UpdateOIDCClient(&moved); gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
			t.Errorf("UpdateOIDCClient through B: %v", err)
		}
		if err := tx.DeleteOIDCClient(b.org.ID, c.ID); gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
			t.Errorf("DeleteOIDCClient through B: %v", err)
		}
		if got, err := tx.FindOIDCClientAnyOrg(c.ID); err != nil || got.OrgID != a.org.ID || got.RedirectURIs[0] != "https://a.test/cb" {
			t.Errorf("FindOIDCClientAnyOrg: %+v %v", got, err)
		}
		if ok, err := tx.RotateOIDCRefreshToken(b.org.ID, refresh.ID, now); ok || err != nil {
			t.Errorf("RotateOIDCRefreshToken through B: %v %v", ok, err)
		}
		if ok, err := tx.RotateOIDCRefreshToken(a.org.ID, refresh.ID, now); !ok || err != nil {
			t.Errorf("first rotation: %v %v", ok, err)
		}
		if ok, _ := tx.RotateOIDCRefreshToken(a.org.ID, refresh.ID, now); ok {
			t.Error("a refresh token rotated twice")
		}
		return tx.DeleteUserSessions(a.org.ID, ua.ID)
	})
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindOIDCToken(access.ID)
		if err != nil || got.RevokedAt == nil {
			t.Errorf("after the user's sessions ended, the access token: %+v %v", got, err)
		}
		if got, err := tx.FindOIDCRefreshToken("h1"); err != nil || got.RevokedAt == nil || got.RotatedAt == nil {
			t.Errorf("the refresh token: %+v %v", got, err)
		}
		return nil
	})
}
