package service_test

import (
	"context"
	"maps"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// TestMembershipNames: who may read the names of a user's groups and
// facilities — the user themselves, and whoever may see the user — and
// that a user out of the actor's scope stays unknown.
func TestMembershipNames(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	north, _, err := f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: "North Plant"})
	if err != nil {
		t.Fatal(err)
	}
	south, _, err := f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: "South Store"})
	if err != nil {
		t.Fatal(err)
	}
	tech, _, err := f.svc.CreateGroup(ctx, f.admin, service.GroupInput{Name: "Technician", Permissions: []string{"work_orders.view"}})
	if err != nil {
		t.Fatal(err)
	}
	viewers, _, err := f.svc.CreateGroup(ctx, f.admin, service.GroupInput{Name: "Viewers", Permissions: []string{"users.view"}})
	if err != nil {
		t.Fatal(err)
	}
	tess := f.activeUser(f.admin, service.UserInput{FirstName: "Tess", LastName: "Tech", Email: "tess@acme.test",
		GroupIDs: []string{tech.ID}, FacilityIDs: []string{north.ID}})
	vic := f.activeUser(f.admin, service.UserInput{FirstName: "Vic", LastName: "Viewer", Email: "vic@acme.test",
		GroupIDs: []string{viewers.ID}, FacilityIDs: []string{north.ID}})
	sam := f.activeUser(f.admin, service.UserInput{FirstName: "Sam", LastName: "South", Email: "sam@acme.test",
		GroupIDs: []string{tech.ID}, FacilityIDs: []string{south.ID}})
	as := func(u *gatehouse.User) gatehouse.Actor { return gatehouse.Actor{OrgID: f.admin.OrgID, UserID: u.ID} }

	wantGroups, wantFacilities := map[string]string{tech.ID: "Technician"}, map[string]string{north.ID: "North Plant"}
	for _, tc := range []struct {
		name  string
		actor gatehouse.Actor
		of    string
		code  string
	}{
		{"herself, without users.view", as(tess), tess.ID, ""},
		{"a viewer of users, in her facility", as(vic), tess.ID, ""},
		{"full access", f.admin, tess.ID, ""},
		{"someone without users.view", as(tess), vic.ID, gatehouse.EFORBIDDEN},
		{"a user out of the viewer's facilities", as(vic), sam.ID, gatehouse.ENOTFOUND},
	} {
		groups, facilities, err := f.svc.MembershipNames(ctx, tc.actor, tc.of)
		if gatehouse.ErrorCode(err) != tc.code {
			t.Errorf("%s: error %v, want code %q", tc.name, err, tc.code)
			continue
		}
		if tc.code == "" && (!maps.Equal(groups, wantGroups) || !maps.Equal(facilities, wantFacilities)) {
			t.Errorf("%s: %v %v", tc.name, groups, facilities)
		}
	}
}
