package gatehouse_test

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func TestGrantIDs(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want gatehouse.Grant
		ok   bool
	}{
		{"group:grp_1", gatehouse.Grant{ID: "group:grp_1", Type: "group", GroupID: "grp_1"}, true},
		{"group:grp_1@fac_2", gatehouse.Grant{ID: "group:grp_1@fac_2", Type: "group", GroupID: "grp_1", FacilityID: "fac_2"}, true},
		{"permission:assets.view", gatehouse.Grant{ID: "permission:assets.view", Type: "permission", Permission: "assets.view"}, true},
		{"facility:fac_2", gatehouse.Grant{ID: "facility:fac_2", Type: "facility", FacilityID: "fac_2"}, true},
		{"group:", gatehouse.Grant{}, false},
		{"group:grp_1@", gatehouse.Grant{}, false},
		{"group:@fac_2", gatehouse.Grant{}, false},
		{"role:grp_1", gatehouse.Grant{}, false},
		{"grp_1", gatehouse.Grant{}, false},
	} {
		got, ok := gatehouse.ParseGrantID(tc.id)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseGrantID(%q) = %+v %v, want %+v %v", tc.id, got, ok, tc.want, tc.ok)
		}
		ref, site := got.GroupID+got.Permission, ""
		switch got.Type {
		case gatehouse.GrantFacility:
			ref = got.FacilityID
		case gatehouse.GrantGroup:
			site = got.FacilityID
		}
		if ok && gatehouse.GrantID(got.Type, ref, site) != tc.id {
			t.Errorf("GrantID does not spell %q back", tc.id)
		}
	}
}

// Adding, bounding and removing grants one at a time; removing a group
// takes its bounds along.
func TestUserGrants(t *testing.T) {
	end := time.Date(2026, 6, 15, 9, 0, 0, 500, time.UTC)
	u := &gatehouse.User{GroupIDs: []string{"grp_1"}}
	u.AddGrant(gatehouse.Grant{ID: "group:grp_1", Type: "group", GroupID: "grp_1", ExpiresAt: end})
	u.AddGrant(gatehouse.Grant{ID: "group:grp_2@fac_1", Type: "group", GroupID: "grp_2", FacilityID: "fac_1", ExpiresAt: end})
	u.AddGrant(gatehouse.Grant{ID: "facility:fac_3", Type: "facility", FacilityID: "fac_3"})
	grants := u.Grants()
	if len(grants) != 3 || grants[1].ID != "group:grp_1" || !grants[1].ExpiresAt.Equal(end.Truncate(time.Second)) || grants[2].FacilityID != "fac_1" {
		t.Fatalf("grants %+v", grants)
	}
	if !gatehouse.ActiveAt(time.Time{}, end.Truncate(time.Second), end.Add(-time.Second)) || gatehouse.ActiveAt(time.Time{}, end.Truncate(time.Second), end) {
		t.Error("ActiveAt is not to the second")
	}
	if !u.RemoveGrant("group:grp_1") || len(u.Bounds) != 0 || u.RemoveGrant("group:grp_1") {
		t.Fatalf("after removing the group: %+v", u)
	}
	if !u.RemoveGrant("group:grp_2@fac_1") || len(u.SiteRoles) != 0 {
		t.Fatalf("after removing the site role: %+v", u.SiteRoles)
	}
}
