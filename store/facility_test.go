package store_test

import (
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse"
)

func facilityIDs(fs []*gatehouse.Facility) []string {
	ids := []string{}
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	return ids
}

func TestFacility_CreateFindUpdateDelete(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	north := mustCreateFacility(t, db, &gatehouse.Facility{OrgID: org.ID, Name: "North", ExternalID: "site-1"})
	south := mustCreateFacility(t, db, &gatehouse.Facility{OrgID: org.ID, Name: "South"})
	old := mustCreateFacility(t, db, &gatehouse.Facility{OrgID: org.ID, Name: "Old", Archived: true})
	if north.ID == "" || north.CreatedAt.IsZero() {
		t.Fatalf("CreateFacility left %+v", north)
	}
	u := mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "a@example.com", FacilityIDs: []string{north.ID, south.ID}})

	yes, no := true, false
	all := sorted(north.ID, south.ID, old.ID)
	mustView(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindFacility(org.ID, north.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, north) {
			t.Errorf("FindFacility =\n%+v, want\n%+v", got, north)
		}
		for _, tc := range []struct {
			name   string
			filter gatehouse.FacilityFilter
			want   []string
		}{
			{"all, by id", gatehouse.FacilityFilter{}, all},
			{"archived", gatehouse.FacilityFilter{Archived: &yes}, []string{old.ID}},
			{"not archived", gatehouse.FacilityFilter{Archived: &no}, sorted(north.ID, south.ID)},
			{"within", gatehouse.FacilityFilter{Within: []string{old.ID, south.ID}}, sorted(south.ID, old.ID)},
			{"within none", gatehouse.FacilityFilter{Within: []string{}}, []string{}},
			{"after", gatehouse.FacilityFilter{After: all[0], Limit: 1}, all[1:2]},
		} {
			tc.filter.OrgID = org.ID
			got, err := tx.FindFacilities(tc.filter)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(facilityIDs(got), tc.want) {
				t.Errorf("%s: FindFacilities = %v, want %v", tc.name, facilityIDs(got), tc.want)
			}
		}
		users, err := tx.FacilityUsers(org.ID, north.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(users, []string{u.ID}) {
			t.Errorf("FacilityUsers = %v", users)
		}
		_, err = tx.FacilityUsers(org.ID, "fac_missing")
		wantError(t, err, gatehouse.ENOTFOUND, "")
		return nil
	})

	north.Name, north.ExternalID, north.Archived = "North Yard", "", true
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.UpdateFacility(north) })
	mustView(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindFacility(org.ID, north.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, north) {
			t.Errorf("after UpdateFacility, FindFacility =\n%+v, want\n%+v", got, north)
		}
		return nil
	})

	// Deleting a facility unassigns it.
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.DeleteFacility(org.ID, north.ID) })
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		_, err := tx.FindFacility(org.ID, north.ID)
		wantError(t, err, gatehouse.ENOTFOUND, "")
		wantError(t, tx.DeleteFacility(org.ID, north.ID), gatehouse.ENOTFOUND, "")
		wantError(t, tx.UpdateFacility(north), gatehouse.ENOTFOUND, "")
		got, err := tx.FindUser(org.ID, u.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got.FacilityIDs, []string{south.ID}) {
			t.Errorf("after deleting a facility, user has %v", got.FacilityIDs)
		}
		return nil
	})
}

func TestFacility_ExternalIDIsUniquePerOrganizationWhenGiven(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	other := mustCreateOrg(t, db, "Other")
	mustCreateFacility(t, db, &gatehouse.Facility{OrgID: org.ID, Name: "A", ExternalID: "site-1"})
	b := mustCreateFacility(t, db, &gatehouse.Facility{OrgID: org.ID, Name: "B"})
	mustCreateFacility(t, db, &gatehouse.Facility{OrgID: org.ID, Name: "C"}) // many without one
	mustCreateFacility(t, db, &gatehouse.Facility{OrgID: other.ID, Name: "A", ExternalID: "site-1"})

	err := db.Update(t.Context(), func(tx gatehouse.Tx) error {
		return tx.CreateFacility(&gatehouse.Facility{OrgID: org.ID, Name: "D", ExternalID: "site-1"})
	})
	wantError(t, err, gatehouse.ECONFLICT, "external_id")
	b.ExternalID = "site-1"
	err = db.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.UpdateFacility(b) })
	wantError(t, err, gatehouse.ECONFLICT, "external_id")
}
