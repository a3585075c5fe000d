package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// Site roles and bounds are stored with the user, read back by FindUser
// and LoadAccess, and the filter "holds group G at facility F" answers at
// the transaction's time.
func TestGrants_StoredAndFiltered(t *testing.T) {
	db := MustOpen(t)
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	org := mustCreateOrg(t, db, "Acme")
	tech := mustCreateGroup(t, db, &gatehouse.Group{OrgID: org.ID, Name: "Technician", Permissions: []string{"work_orders.view"}})
	toronto := mustCreateFacility(t, db, &gatehouse.Facility{OrgID: org.ID, Name: "Toronto"})
	milwaukee := mustCreateFacility(t, db, &gatehouse.Facility{OrgID: org.ID, Name: "Milwaukee"})
	end := now.Add(14 * 24 * time.Hour)
	contractor := mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "c@example.com",
		SiteRoles: []gatehouse.SiteRole{{GroupID: tech.ID, FacilityID: toronto.ID, ExpiresAt: end}}})
	wide := mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "w@example.com", GroupIDs: []string{tech.ID},
		FacilityIDs: []string{milwaukee.ID},
		Bounds:      []gatehouse.GrantBounds{{GrantID: gatehouse.GrantID(gatehouse.GrantFacility, milwaukee.ID, ""), StartsAt: now.Add(time.Hour)}}})

	var got *gatehouse.User
	mustView(t, db, func(tx gatehouse.Tx) (err error) { got, err = tx.FindUser(org.ID, contractor.ID); return err })
	if want := []gatehouse.SiteRole{{GroupID: tech.ID, FacilityID: toronto.ID, ExpiresAt: end}}; !slices.Equal(got.SiteRoles, want) {
		t.Fatalf("site roles %+v, want %+v", got.SiteRoles, want)
	}
	st, err := db.LoadAccess(t.Context(), org.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range st.Users {
		if u.ID == wide.ID && (len(u.Bounds) != 1 || !u.Bounds[0].StartsAt.Equal(now.Add(time.Hour))) {
			t.Errorf("bounds loaded %+v", u.Bounds)
		}
	}

	holders := func(facility string) []string {
		var users []*gatehouse.User
		mustView(t, db, func(tx gatehouse.Tx) (err error) {
			users, err = tx.FindUsers(gatehouse.UserFilter{OrgID: org.ID, SiteGroupID: tech.ID, SiteFacilityID: facility})
			return err
		})
		var ids []string
		for _, u := range users {
			ids = append(ids, u.ID)
		}
		return ids
	}
	if got := holders(toronto.ID); !slices.Equal(got, []string{contractor.ID}) {
		t.Errorf("holders at Toronto %v, want the contractor", got)
	}
	if got := holders(milwaukee.ID); len(got) != 0 {
		t.Errorf("holders at Milwaukee %v before the assignment starts, want none", got)
	}
	now = now.Add(time.Hour)
	if got := holders(milwaukee.ID); !slices.Equal(got, []string{wide.ID}) {
		t.Errorf("holders at Milwaukee %v once the assignment started, want the org-wide member", got)
	}
	now = end
	if got := holders(toronto.ID); len(got) != 0 {
		t.Errorf("holders at Toronto %v at the expiry second, want none", got)
	}

	// Each boundary passed is found until marked, and marked once.
	var passed []gatehouse.GrantBoundary
	mustView(t, db, func(tx gatehouse.Tx) (err error) { passed, err = tx.PassedGrantBoundaries(org.ID); return err })
	if len(passed) != 2 {
		t.Fatalf("passed boundaries %+v, want the start and the expiry", passed)
	}
	for _, b := range passed {
		for i, want := range []bool{true, false} {
			mustUpdate(t, db, func(tx gatehouse.Tx) error {
				marked, err := tx.MarkGrantBoundary(org.ID, b)
				if marked != want {
					t.Errorf("mark %d of %+v = %v, want %v", i, b, marked, want)
				}
				return err
			})
		}
	}
	mustView(t, db, func(tx gatehouse.Tx) (err error) { passed, err = tx.PassedGrantBoundaries(org.ID); return err })
	if len(passed) != 0 {
		t.Errorf("boundaries still passed after marking: %+v", passed)
	}

	// Unknown groups and facilities of site roles are not found, by field.
	bad := &gatehouse.User{OrgID: org.ID, Email: "b@example.com", Status: gatehouse.StatusActive,
		SiteRoles: []gatehouse.SiteRole{{GroupID: tech.ID, FacilityID: "fac_nope"}}}
	err = db.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.CreateUser(bad) })
	wantError(t, err, gatehouse.ENOTFOUND, "site_roles")
}
