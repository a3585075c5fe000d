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
	mustView(t, db, func(tx gatehouse.Tx) (err error) { passed, err = tx.PassedGrantBoundaries(org.ID, nil); return err })
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
	mustView(t, db, func(tx gatehouse.Tx) (err error) { passed, err = tx.PassedGrantBoundaries(org.ID, nil); return err })
	if len(passed) != 0 {
		t.Errorf("boundaries still passed after marking: %+v", passed)
	}

	// Once the watermark is past, only later boundaries are read — less
	// the lookback — and every one of the users a write names: a grant
	// given with dates already past is its writer's to audit.
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.AdvanceGrantBoundaryWatermark(org.ID) })
	late := mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "late@example.com",
		SiteRoles: []gatehouse.SiteRole{{GroupID: tech.ID, FacilityID: toronto.ID, ExpiresAt: now.Add(-gatehouse.GrantBoundaryLookback - time.Second)}}})
	recent := mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "recent@example.com",
		SiteRoles: []gatehouse.SiteRole{{GroupID: tech.ID, FacilityID: toronto.ID, ExpiresAt: now.Add(-gatehouse.GrantBoundaryLookback + time.Second)}}})
	passedOf := func(users []string) (ids []string) {
		mustView(t, db, func(tx gatehouse.Tx) error {
			passed, err := tx.PassedGrantBoundaries(org.ID, users)
			for _, b := range passed {
				ids = append(ids, b.UserID)
			}
			return err
		})
		slices.Sort(ids)
		return ids
	}
	if got := passedOf(nil); !slices.Equal(got, []string{recent.ID}) {
		t.Errorf("passed after the watermark %v, want only the one within the lookback (%s)", got, recent.ID)
	}
	want := []string{late.ID, recent.ID}
	slices.Sort(want)
	if got := passedOf([]string{late.ID}); !slices.Equal(got, want) {
		t.Errorf("passed after the watermark, of the user written %v, want %v", got, want)
	}
	// The watermark never moves back: an instance whose clock is behind
	// leaves it where it is.
	now = now.Add(-time.Hour)
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.AdvanceGrantBoundaryWatermark(org.ID) })
	now = now.Add(time.Hour)
	if got := passedOf(nil); !slices.Equal(got, []string{recent.ID}) {
		t.Errorf("passed after an advance from behind %v, want still only %s", got, recent.ID)
	}

	// Unknown groups and facilities of site roles are not found, by field.
	bad := &gatehouse.User{OrgID: org.ID, Email: "b@example.com", Status: gatehouse.StatusActive,
		SiteRoles: []gatehouse.SiteRole{{GroupID: tech.ID, FacilityID: "fac_nope"}}}
	err = db.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.CreateUser(bad) })
	wantError(t, err, gatehouse.ENOTFOUND, "site_roles")
}
