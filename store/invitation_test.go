package store_test

import (
	"context"
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

// The user finder's invitation filter: pending and expired are judged on
// the open invitation at the transaction's time; accepted and replaced
// invitations are neither, and the filter keeps to its organization.
func TestFindUsers_InvitationFilter(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	other := mustCreateOrg(t, db, "Other")
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	invite := func(orgID, email string, expires time.Time) *gatehouse.User {
		u := mustCreateUser(t, db, &gatehouse.User{OrgID: orgID, Email: email, Status: gatehouse.StatusInvited})
		mustUpdate(t, db, func(tx gatehouse.Tx) error {
			return tx.CreateInvitation(&gatehouse.Invitation{OrgID: orgID, UserID: u.ID, TokenHash: gatehouse.HashToken(email), ExpiresAt: expires})
		})
		return u
	}
	pending := invite(org.ID, "pending@example.com", now.Add(time.Hour))
	expired := invite(org.ID, "expired@example.com", now.Add(-time.Hour))
	atExpiry := invite(org.ID, "edge@example.com", now) // expires at this instant: expired
	invite(other.ID, "elsewhere@example.com", now.Add(-time.Hour))
	// Regenerated after expiring: the new invitation is the one that counts.
	renewed := invite(org.ID, "renewed@example.com", now.Add(-time.Hour))
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		if err := tx.RevokeInvitations(org.ID, renewed.ID); err != nil {
			return err
		}
		return tx.CreateInvitation(&gatehouse.Invitation{OrgID: org.ID, UserID: renewed.ID, TokenHash: gatehouse.HashToken("renewed2"), ExpiresAt: now.Add(time.Hour)})
	})
	// Accepted: no longer an open invitation, even once past its expiry.
	invite(org.ID, "accepted@example.com", now.Add(-time.Hour))
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		inv, err := tx.FindInvitationByToken(gatehouse.HashToken("accepted@example.com"))
		if err != nil {
			return err
		}
		return tx.AcceptInvitation(org.ID, inv.ID, now.Add(-2*time.Hour))
	})
	mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "never@example.com"}) // no invitation at all

	ids := func(state string) []string {
		var out []string
		mustView(t, db, func(tx gatehouse.Tx) error {
			users, err := tx.FindUsers(gatehouse.UserFilter{OrgID: org.ID, Invitation: state})
			for _, u := range users {
				out = append(out, u.ID)
			}
			return err
		})
		return out
	}
	if got, want := ids(gatehouse.InvitationPending), []string{pending.ID, renewed.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("pending = %v, want %v", got, want)
	}
	if got, want := ids(gatehouse.InvitationExpired), []string{expired.ID, atExpiry.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("expired = %v, want %v", got, want)
	}
	if got, want := ids(gatehouse.InvitationOpen), []string{pending.ID, expired.ID, atExpiry.ID, renewed.ID}; !reflect.DeepEqual(got, want) {
		t.Errorf("open = %v, want %v", got, want)
	}
	if got := len(ids("")); got != 6 {
		t.Errorf("no invitation filter: %d users, want all 6", got)
	}
	// Time moves on: the pending ones expire without any write.
	now = now.Add(2 * time.Hour)
	if got := len(ids(gatehouse.InvitationExpired)); got != 4 {
		t.Errorf("two hours later %d expired, want 4", got)
	}
	err := db.View(context.Background(), func(tx gatehouse.Tx) error {
		_, err := tx.FindUsers(gatehouse.UserFilter{OrgID: org.ID, Invitation: "lost"})
		return err
	})
	wantError(t, err, gatehouse.EINVALID, "invitation")
}
