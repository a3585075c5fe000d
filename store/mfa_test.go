package store_test

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// What makes second factors safe is in the store's writes: a factor's
// counter only moves forward, a recovery code and a challenge are spent
// once, and nothing of one organization answers in another.
func TestMFAWritesAreSpentOnce(t *testing.T) {
	db := MustOpen(t)
	fx := mustFixture(t, db, "Acme")
	other := mustFixture(t, db, "Globex")
	user := mustCreateUser(t, db, &gatehouse.User{OrgID: fx.org.ID, Email: "mfa@example.com"})
	now := time.Now().UTC()
	f := &gatehouse.Factor{OrgID: fx.org.ID, UserID: user.ID, Kind: gatehouse.FactorTOTP, Name: "Phone", Secret: "JBSWY3DPEHPK3PXP", Counter: 10}
	c := &gatehouse.MFAChallenge{OrgID: fx.org.ID, UserID: user.ID, Purpose: gatehouse.ChallengeSignIn, TokenHash: gatehouse.HashToken("t"), ExpiresAt: now.Add(time.Minute)}
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		if err := tx.CreateFactor(f); err != nil {
			return err
		}
		if err := tx.ReplaceRecoveryCodes(fx.org.ID, user.ID, []string{"h1", "h2"}); err != nil {
			return err
		}
		return tx.CreateMFAChallenge(c)
	})
	for _, tc := range []struct {
		name string
		fn   func(tx gatehouse.Tx) error
		want string
	}{
		{"a later step", func(tx gatehouse.Tx) error { return tx.UseFactor(fx.org.ID, f.ID, 11, now) }, ""},
		{"the same step again", func(tx gatehouse.Tx) error { return tx.UseFactor(fx.org.ID, f.ID, 11, now) }, gatehouse.ECONFLICT},
		{"an earlier step", func(tx gatehouse.Tx) error { return tx.UseFactor(fx.org.ID, f.ID, 9, now) }, gatehouse.ECONFLICT},
		{"the factor from another organization", func(tx gatehouse.Tx) error { return tx.UseFactor(other.org.ID, f.ID, 12, now) }, gatehouse.ECONFLICT},
		{"a recovery code", func(tx gatehouse.Tx) error { return tx.UseRecoveryCode(fx.org.ID, user.ID, "h1", now) }, ""},
		{"the recovery code again", func(tx gatehouse.Tx) error { return tx.UseRecoveryCode(fx.org.ID, user.ID, "h1", now) }, gatehouse.ENOTFOUND},
		{"an unknown recovery code", func(tx gatehouse.Tx) error { return tx.UseRecoveryCode(fx.org.ID, user.ID, "h3", now) }, gatehouse.ENOTFOUND},
		{"the challenge from another organization", func(tx gatehouse.Tx) error { return tx.UseMFAChallenge(other.org.ID, c.ID, now) }, gatehouse.ECONFLICT},
		{"the challenge", func(tx gatehouse.Tx) error { return tx.UseMFAChallenge(fx.org.ID, c.ID, now) }, ""},
		{"the challenge again", func(tx gatehouse.Tx) error { return tx.UseMFAChallenge(fx.org.ID, c.ID, now) }, gatehouse.ECONFLICT},
		{"the factor deleted from another organization", func(tx gatehouse.Tx) error { return tx.DeleteFactor(other.org.ID, user.ID, f.ID) }, gatehouse.ENOTFOUND},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := db.Update(t.Context(), tc.fn)
			if got := gatehouse.ErrorCode(err); got != tc.want {
				t.Fatalf("error %q (%v), want %q", got, err, tc.want)
			}
		})
	}
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		if n, err := tx.CountRecoveryCodes(fx.org.ID, user.ID); err != nil || n != 1 {
			t.Errorf("%d recovery codes left (%v)", n, err)
		}
		found, err := tx.FindMFAChallenge(gatehouse.HashToken("t"))
		if err != nil || found.UsedAt == nil {
			t.Errorf("challenge %+v (%v)", found, err)
		}
		for _, p := range []string{gatehouse.MFAPolicyAll, gatehouse.MFAPolicyOff} {
			if err := tx.SetMFAPolicy(fx.org.ID, p); err != nil {
				return err
			}
			if got, err := tx.MFAPolicy(fx.org.ID); err != nil || got != p {
				t.Errorf("policy %q (%v), want %q", got, err, p)
			}
		}
		return nil
	})
}
