package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func TestInvitation_Lifecycle(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	u := mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "a@example.com", Status: gatehouse.StatusInvited})
	expires := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

	first := &gatehouse.Invitation{OrgID: org.ID, UserID: u.ID, TokenHash: gatehouse.HashToken("first"), ExpiresAt: expires}
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.CreateInvitation(first) })
	if first.ID == "" || first.CreatedAt.IsZero() {
		t.Fatalf("CreateInvitation left %+v", first)
	}
	mustView(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindInvitationByToken(gatehouse.HashToken("first"))
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, first) {
			t.Errorf("FindInvitationByToken =\n%+v, want\n%+v", got, first)
		}
		_, err = tx.FindInvitationByToken(gatehouse.HashToken("never issued"))
		wantError(t, err, gatehouse.ENOTFOUND, "")
		return nil
	})

	// Regenerating: the open invitation is revoked, a new one replaces it.
	second := &gatehouse.Invitation{OrgID: org.ID, UserID: u.ID, TokenHash: gatehouse.HashToken("second"), ExpiresAt: expires}
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		if err := tx.RevokeInvitations(org.ID, u.ID); err != nil {
			return err
		}
		return tx.CreateInvitation(second)
	})
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindInvitationByToken(gatehouse.HashToken("first"))
		if err != nil {
			return err
		}
		if got.RevokedAt == nil || got.AcceptedAt != nil {
			t.Errorf("the replaced invitation is %+v, want it revoked", got)
		}
		wantError(t, tx.AcceptInvitation(org.ID, first.ID, time.Now()), gatehouse.ECONFLICT, "")
		return nil
	})

	accepted := time.Date(2029, 5, 6, 7, 8, 9, 0, time.UTC)
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.AcceptInvitation(org.ID, second.ID, accepted) })
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindInvitationByToken(gatehouse.HashToken("second"))
		if err != nil {
			return err
		}
		if got.AcceptedAt == nil || !got.AcceptedAt.Equal(accepted) || got.RevokedAt != nil {
			t.Errorf("the accepted invitation is %+v", got)
		}
		// Single use.
		wantError(t, tx.AcceptInvitation(org.ID, second.ID, time.Now()), gatehouse.ECONFLICT, "")
		wantError(t, tx.AcceptInvitation(org.ID, "inv_missing", time.Now()), gatehouse.ENOTFOUND, "")
		// Revoking ends only open invitations: the accepted one stays accepted.
		if err := tx.RevokeInvitations(org.ID, u.ID); err != nil {
			return err
		}
		got, err = tx.FindInvitationByToken(gatehouse.HashToken("second"))
		if err == nil && got.RevokedAt != nil {
			t.Error("RevokeInvitations revoked an accepted invitation")
		}
		return err
	})
}

func TestInvitation_ExpiredIsStillFoundSoTheCallerCanSaySo(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	u := mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "a@example.com", Status: gatehouse.StatusInvited})
	inv := &gatehouse.Invitation{OrgID: org.ID, UserID: u.ID, TokenHash: gatehouse.HashToken("t"),
		ExpiresAt: time.Now().Add(-time.Hour)}
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.CreateInvitation(inv) })
	mustView(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindInvitationByToken(inv.TokenHash)
		if err == nil && !got.ExpiresAt.Before(time.Now()) {
			t.Errorf("expired invitation came back with ExpiresAt %v", got.ExpiresAt)
		}
		return err
	})
}

func TestInvitation_UserMustExistInTheOrganization(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	err := db.Update(t.Context(), func(tx gatehouse.Tx) error {
		return tx.CreateInvitation(&gatehouse.Invitation{OrgID: org.ID, UserID: "usr_missing", TokenHash: "h", ExpiresAt: time.Now()})
	})
	wantError(t, err, gatehouse.ENOTFOUND, "user_id")
}
