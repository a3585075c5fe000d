package store_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse"
)

// Seats used count the active and invited users of each tier, never the
// inactive ones nor another organization's; seats set are per tier.
func TestLicenceSeatsAndSeatsUsed(t *testing.T) {
	db := MustOpen(t)
	org, other := mustCreateOrg(t, db, "Acme"), mustCreateOrg(t, db, "Other")
	for i, st := range []gatehouse.UserStatus{gatehouse.StatusActive, gatehouse.StatusInvited, gatehouse.StatusInactive, gatehouse.StatusActive} {
		licence := "gold"
		if i == 3 {
			licence = "silver"
		}
		mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, FirstName: "U", LastName: fmt.Sprint(i), Email: fmt.Sprintf("u%d@acme.test", i), Status: st, Licence: licence})
	}
	mustCreateUser(t, db, &gatehouse.User{OrgID: other.ID, FirstName: "O", LastName: "O", Email: "o@other.test", Status: gatehouse.StatusActive, Licence: "gold"})
	five := 5
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.SetLicenceSeats(org.ID, "gold", &five) })
	mustView(t, db, func(tx gatehouse.Tx) error {
		used, err := tx.SeatsUsed(org.ID)
		if err != nil {
			return err
		}
		if used["gold"] != 2 || used["silver"] != 1 {
			t.Errorf("seats used %v, want gold 2 (the inactive user takes none), silver 1", used)
		}
		seats, err := tx.LicenceSeats(org.ID)
		if err != nil {
			return err
		}
		if len(seats) != 1 || seats["gold"] != 5 {
			t.Errorf("seats %v", seats)
		}
		if seats, _ := tx.LicenceSeats(other.ID); len(seats) != 0 {
			t.Errorf("another organization's seats %v", seats)
		}
		return nil
	})
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.SetLicenceSeats(org.ID, "gold", nil) })
	mustView(t, db, func(tx gatehouse.Tx) error {
		if seats, _ := tx.LicenceSeats(org.ID); len(seats) != 0 {
			t.Errorf("unlimited again, yet %v", seats)
		}
		return nil
	})
}

// CountUsers counts what FindUsers selects, whatever the page; Offset
// pages through a sorted list as the web UI's numbered pages do.
func TestCountUsersAndOffset(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	for i := range 12 {
		st := gatehouse.StatusActive
		if i%3 == 0 {
			st = gatehouse.StatusInvited
		}
		mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, FirstName: fmt.Sprintf("F%02d", i), LastName: fmt.Sprintf("L%02d", 11-i),
			Email: fmt.Sprintf("p%02d@acme.test", i), Status: st})
	}
	mustView(t, db, func(tx gatehouse.Tx) error {
		for _, f := range []gatehouse.UserFilter{{}, {Status: gatehouse.StatusInvited}, {Query: "p1"}, {Status: gatehouse.StatusActive, Query: "f0"}} {
			f.OrgID = org.ID
			all, err := tx.FindUsers(f)
			if err != nil {
				return err
			}
			f.Limit, f.Offset = 2, 1 // paging is ignored
			n, err := tx.CountUsers(f)
			if err != nil {
				return err
			}
			if n != len(all) {
				t.Errorf("%+v: counted %d, found %d", f, n, len(all))
			}
		}
		var pages []string
		for offset := 0; offset < 12; offset += 5 {
			users, err := tx.FindUsers(gatehouse.UserFilter{OrgID: org.ID, Sort: gatehouse.SortName, Offset: offset, Limit: 5})
			if err != nil {
				return err
			}
			for _, u := range users {
				pages = append(pages, u.LastName)
			}
		}
		if len(pages) != 12 || !slices.IsSorted(pages) {
			t.Errorf("three pages by name: %v", pages)
		}
		return nil
	})
}
