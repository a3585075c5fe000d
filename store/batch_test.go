package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// The batch writes of an import store what the single writes store, in
// the organization they name, across several statements' worth of rows;
// TakenEmails finds an organization's emails whatever their case, and no
// other organization's.
func TestBatch_WritesAndTakenEmails(t *testing.T) {
	db := MustOpen(t)
	a := mustFixture(t, db, "A")
	b := mustFixture(t, db, "B")
	mustCreateUser(t, db, &gatehouse.User{OrgID: b.org.ID, Email: "bee@example.com"})
	const n = 700 // more rows than one statement holds on SQLite
	users := make([]*gatehouse.User, n)
	invs := make([]*gatehouse.Invitation, n)
	events := make([]*gatehouse.AuditEvent, n)
	mails := make([]*gatehouse.OutboxMail, n)
	for i := range n {
		u := &gatehouse.User{ID: gatehouse.NewID(gatehouse.PrefixUser), FirstName: "F", LastName: fmt.Sprint(i),
			Email: fmt.Sprintf("User%d@Example.com", i), Status: gatehouse.StatusInvited,
			GroupIDs: []string{a.groups[i%2].ID}, FacilityIDs: []string{a.facilities[i%3].ID, a.facilities[(i+1)%3].ID}}
		users[i] = u
		invs[i] = &gatehouse.Invitation{UserID: u.ID, TokenHash: fmt.Sprintf("hash%d", i), ExpiresAt: time.Now().Add(time.Hour)}
		events[i] = &gatehouse.AuditEvent{ActorType: "system", Action: "user.invited", TargetType: "user", TargetID: u.ID,
			Changes: map[string]gatehouse.Change{"email": {After: u.Email}}}
		mails[i] = &gatehouse.OutboxMail{OrgID: a.org.ID, Message: gatehouse.Message{To: u.Email, Subject: "Hi", Text: "t", HTML: "h"}}
	}
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		if err := tx.CreateUsers(a.org.ID, users); err != nil {
			return err
		}
		if err := tx.CreateInvitations(a.org.ID, invs); err != nil {
			return err
		}
		if err := tx.RecordAudits(a.org.ID, events); err != nil {
			return err
		}
		return tx.EnqueueMails(mails)
	})
	mustView(t, db, func(tx gatehouse.Tx) error {
		u, err := tx.FindUserByEmail(a.org.ID, "user699@example.com")
		if err != nil {
			return err
		}
		if u.Invitation == nil || u.Invitation.TokenHash != "hash699" || len(u.GroupIDs) != 1 || len(u.FacilityIDs) != 2 {
			t.Errorf("user %+v, invitation %+v", u, u.Invitation)
		}
		got, err := tx.FindAuditEvents(gatehouse.AuditFilter{OrgID: a.org.ID, TargetID: u.ID})
		if err != nil || len(got) != 1 || got[0].Changes["email"].After != u.Email {
			t.Errorf("audit %+v, %v", got, err)
		}
		pending, err := tx.PendingMail(time.Now().Add(time.Minute), 1000)
		if err != nil || len(pending) != n {
			t.Errorf("%d mails pending, %v", len(pending), err)
		}
		taken, err := tx.TakenEmails(a.org.ID, []string{"USER1@example.com", " user699@EXAMPLE.com ", "nobody@example.com", "bee@example.com", ""})
		if err != nil || !slices.Equal(taken, []string{"user1@example.com", "user699@example.com"}) {
			t.Errorf("taken %v, %v", taken, err)
		}
		return nil
	})
}
