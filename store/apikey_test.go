package store_test

import (
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse"
)

func TestAPIKey_Lifecycle(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	ada := mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "ada@example.com"})
	bob := mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "bob@example.com"})
	secret := gatehouse.NewToken(gatehouse.APIKeyPrefix)
	k1 := &gatehouse.APIKey{OrgID: org.ID, UserID: ada.ID, Name: "ci", Prefix: secret[:8], SecretHash: gatehouse.HashToken(secret)}
	k2 := &gatehouse.APIKey{OrgID: org.ID, UserID: ada.ID, Name: "cron", Prefix: "ghk_2", SecretHash: gatehouse.HashToken("2")}
	k3 := &gatehouse.APIKey{OrgID: org.ID, UserID: bob.ID, Name: "bob", Prefix: "ghk_3", SecretHash: gatehouse.HashToken("3")}
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		for _, k := range []*gatehouse.APIKey{k1, k2, k3} {
			if err := tx.CreateAPIKey(k); err != nil {
				return err
			}
		}
		return nil
	})
	if k1.ID == "" || k1.CreatedAt.IsZero() {
		t.Fatalf("CreateAPIKey left %+v", k1)
	}
	mustView(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindAPIKeyBySecret(gatehouse.HashToken(secret))
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, k1) {
			t.Errorf("FindAPIKeyBySecret =\n%+v, want\n%+v", got, k1)
		}
		_, err = tx.FindAPIKeyBySecret(gatehouse.HashToken("wrong"))
		wantError(t, err, gatehouse.ENOTFOUND, "")
		keys, err := tx.FindAPIKeys(org.ID, ada.ID)
		if err != nil {
			return err
		}
		want := []*gatehouse.APIKey{k1, k2}
		if k2.ID < k1.ID {
			want = []*gatehouse.APIKey{k2, k1}
		}
		if !reflect.DeepEqual(keys, want) {
			t.Errorf("FindAPIKeys(ada) = %+v", keys)
		}
		keys, err = tx.FindAPIKeys(org.ID, "")
		if err != nil {
			return err
		}
		if len(keys) != 3 {
			t.Errorf("FindAPIKeys(org) returned %d keys, want 3", len(keys))
		}
		return nil
	})
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		if err := tx.DeleteAPIKey(org.ID, k3.ID); err != nil {
			return err
		}
		wantError(t, tx.DeleteAPIKey(org.ID, k3.ID), gatehouse.ENOTFOUND, "")
		if err := tx.DeleteUserAPIKeys(org.ID, ada.ID); err != nil {
			return err
		}
		keys, err := tx.FindAPIKeys(org.ID, "")
		if len(keys) != 0 {
			t.Errorf("keys left: %+v", keys)
		}
		return err
	})
	err := db.Update(t.Context(), func(tx gatehouse.Tx) error {
		return tx.CreateAPIKey(&gatehouse.APIKey{OrgID: org.ID, UserID: "usr_missing", Name: "x", SecretHash: "x"})
	})
	wantError(t, err, gatehouse.ENOTFOUND, "user_id")
}
