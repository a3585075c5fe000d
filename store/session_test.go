package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// A session keeps how its user proved who they are; one made without saying
// was made by password, as every session before multi-factor sign-in was.
func TestSessionKeepsItsAuthenticationMethods(t *testing.T) {
	db := MustOpen(t)
	fx := mustFixture(t, db, "Acme")
	user := mustCreateUser(t, db, &gatehouse.User{OrgID: fx.org.ID, Email: "amr@example.com"})
	for _, tc := range []struct {
		name string
		amr  []string
		want []string
	}{
		{"password by default", nil, []string{"pwd"}},
		{"password and one-time code", []string{"pwd", "otp", "mfa"}, []string{"pwd", "otp", "mfa"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token := gatehouse.NewToken("ghs_")
			s := &gatehouse.Session{OrgID: fx.org.ID, UserID: user.ID, TokenHash: gatehouse.HashToken(token),
				ExpiresAt: time.Now().Add(time.Hour), AMR: tc.amr}
			mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.CreateSession(s) })
			var got *gatehouse.Session
			mustUpdate(t, db, func(tx gatehouse.Tx) error {
				var err error
				got, err = tx.FindSessionByToken(gatehouse.HashToken(token))
				return err
			})
			if !reflect.DeepEqual(got.AMR, tc.want) {
				t.Fatalf("AMR = %q, want %q", got.AMR, tc.want)
			}
		})
	}
}
