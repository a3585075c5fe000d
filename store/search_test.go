package store_test

import (
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse"
)

// TestFindGroupsAndFacilities_Query: the search of the Groups page and of
// the audit log's target filter matches a substring of the name (and the
// description, or the external id), in any case, with LIKE's wildcards
// taken literally, in one organization only.
func TestFindGroupsAndFacilities_Query(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	other := mustCreateOrg(t, db, "Other")
	tech := mustCreateGroup(t, db, &gatehouse.Group{OrgID: org.ID, Name: "Technician", Description: "On site"})
	mgr := mustCreateGroup(t, db, &gatehouse.Group{OrgID: org.ID, Name: "Store Manager", Description: "100% of stores"})
	mustCreateGroup(t, db, &gatehouse.Group{OrgID: other.ID, Name: "Technician"})
	north := mustCreateFacility(t, db, &gatehouse.Facility{OrgID: org.ID, Name: "North Plant", ExternalID: "SITE_1"})
	south := mustCreateFacility(t, db, &gatehouse.Facility{OrgID: org.ID, Name: "South Store"})
	mustCreateFacility(t, db, &gatehouse.Facility{OrgID: other.ID, Name: "North Plant"})

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{tech.ID, mgr.ID}},
		{"TECH", []string{tech.ID}},
		{"site", []string{tech.ID}}, // the description
		{"100%", []string{mgr.ID}},  // % is literal
		{"1_0", nil},                // _ is literal
		{"e", []string{tech.ID, mgr.ID}},
		{"nobody", nil},
	} {
		var got []string
		mustView(t, db, func(tx gatehouse.Tx) error {
			groups, err := tx.FindGroups(gatehouse.GroupFilter{OrgID: org.ID, Query: tc.query})
			for _, g := range groups {
				got = append(got, g.ID)
			}
			return err
		})
		slices.Sort(got)
		slices.Sort(tc.want)
		if !slices.Equal(got, tc.want) {
			t.Errorf("groups %q: %q, want %q", tc.query, got, tc.want)
		}
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"north", []string{north.ID}},
		{"site_1", []string{north.ID}}, // the external id
		{"site%", nil},
		{"STORE", []string{south.ID}},
	} {
		var got []string
		mustView(t, db, func(tx gatehouse.Tx) error {
			facilities, err := tx.FindFacilities(gatehouse.FacilityFilter{OrgID: org.ID, Query: tc.query})
			got = facilityIDs(facilities)
			return err
		})
		if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("facilities %q: %q, want %q", tc.query, got, tc.want)
		}
	}
}
