package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
)

type seeded struct {
	OrgID      string  `json:"org_id"`
	UserID     string  `json:"user_id"`
	APIKey     string  `json:"api_key"`
	Users      int     `json:"users"`
	Facilities int     `json:"facilities"`
	Groups     int     `json:"groups"`
	Seconds    float64 `json:"seconds"`
}

func mustSeed(t *testing.T, db, template string, users, facilities, groups int) seeded {
	t.Helper()
	out, stderr, err := runCLI(t, nil, "seed", "--org", "Seeded "+template, "--template", template, "--db", db,
		"--users", strconv.Itoa(users), "--facilities", strconv.Itoa(facilities), "--groups", strconv.Itoa(groups))
	if err != nil {
		t.Fatalf("seed: %v\n%s", err, stderr)
	}
	var s seeded
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("seed output is not JSON: %q", out)
	}
	if s.OrgID == "" || s.UserID == "" || s.APIKey == "" || s.Users != users || s.Facilities != facilities || s.Groups != groups {
		t.Fatalf("seed printed %+v, want %d users, %d facilities, %d groups", s, users, facilities, groups)
	}
	return s
}

// allUsers pages through every user of the organization, as the API does.
func allUsers(t *testing.T, svc *service.Service, orgID string) []*gatehouse.User {
	t.Helper()
	var all []*gatehouse.User
	after := ""
	for {
		page, err := svc.ListUsers(context.Background(), gatehouse.SystemActor(orgID), gatehouse.UserFilter{After: after, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < 100 {
			return all
		}
		after = page[len(page)-1].ID
	}
}

// TestSeedFillsAnOrganization: the seeded rows are there through the
// service, in the promised shapes, and the decision answers for them.
func TestSeedFillsAnOrganization(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "seed.db")
	fac := mustSeed(t, path, "facilities", 1200, 40, 12)
	comp := mustSeed(t, path, "compliance", 300, 10, 7)

	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := service.New(st, service.Config{})
	if actor, err := svc.AuthenticateAPIKey(ctx, fac.APIKey); err != nil || actor.UserID != fac.UserID {
		t.Fatalf("the printed API key acts as %+v (%v), want the admin %s", actor, err, fac.UserID)
	}

	users := allUsers(t, svc, fac.OrgID)
	if len(users) != fac.Users {
		t.Fatalf("%d users listed, want %d", len(users), fac.Users)
	}
	groups, err := svc.ListGroups(ctx, gatehouse.SystemActor(fac.OrgID), gatehouse.GroupFilter{Limit: 500})
	if err != nil || len(groups) != fac.Groups {
		t.Fatalf("%d groups listed (%v), want %d", len(groups), err, fac.Groups)
	}
	facilities, err := svc.ListFacilities(ctx, gatehouse.SystemActor(fac.OrgID), gatehouse.FacilityFilter{Limit: 500})
	if err != nil || len(facilities) != fac.Facilities {
		t.Fatalf("%d facilities listed (%v), want %d", len(facilities), err, fac.Facilities)
	}

	// The shapes: statuses, full access, view-own-only users, 1-3 groups and
	// 1-20 facilities for the others.
	count := map[string]int{}
	var ownOnly, limited *gatehouse.User
	var inactive, full *gatehouse.User
	for _, u := range users {
		count[string(u.Status)]++
		switch {
		case u.FullAccess:
			count["full_access"]++
			if u.Status == gatehouse.StatusActive && u.ID != fac.UserID {
				full = u
			}
		case len(u.GroupIDs) == 0:
			count["view_own_only"]++
			if len(u.Permissions) != 2 || u.Permissions[0] != "service_reports.view_own" || u.Permissions[1] != "work_orders.view_own" {
				t.Errorf("user %s without groups holds %v, want only the view-own permissions", u.ID, u.Permissions)
			}
			if u.Status == gatehouse.StatusActive {
				ownOnly = u
			}
		default:
			if len(u.GroupIDs) > 3 || len(u.FacilityIDs) < 1 || len(u.FacilityIDs) > 20 {
				t.Errorf("user %s: %d groups and %d facilities, want 1-3 and 1-20", u.ID, len(u.GroupIDs), len(u.FacilityIDs))
			}
			if u.Status == gatehouse.StatusActive && limited == nil {
				limited = u
			}
		}
		if u.Status == gatehouse.StatusInactive && inactive == nil && !u.FullAccess {
			inactive = u
		}
	}
	for _, k := range []string{"active", "invited", "inactive", "full_access", "view_own_only"} {
		if count[k] == 0 {
			t.Errorf("no %s users among %d: %v", k, len(users), count)
		}
	}
	if count["active"] < len(users)*3/4 || count["full_access"] > len(users)/100 {
		t.Errorf("shapes: %v, want most users active and a few with full access", count)
	}
	if ownOnly == nil || limited == nil || inactive == nil || full == nil {
		t.Fatalf("missing a kind of user: own-only %v, limited %v, inactive %v, full access %v", ownOnly, limited, inactive, full)
	}

	// The decision answers for seeded users, from their seeded access.
	actor := gatehouse.SystemActor(fac.OrgID)
	facility := func(u *gatehouse.User) authz.Resource { return authz.Resource{FacilityID: u.FacilityIDs[0]} }
	for _, tc := range []struct {
		name       string
		user       string
		permission string
		res        authz.Resource
		want       authz.Reason
	}{
		{"full access", full.ID, "audit_logs.view", authz.Resource{}, authz.ReasonFullAccess},
		{"deactivated", inactive.ID, "work_orders.view", authz.Resource{}, authz.ReasonUserInactive},
		{"own item", ownOnly.ID, "work_orders.view", authz.Resource{FacilityID: ownOnly.FacilityIDs[0], CreatedBy: ownOnly.ID}, authz.ReasonGranted},
		{"someone else's item", ownOnly.ID, "work_orders.view", authz.Resource{FacilityID: ownOnly.FacilityIDs[0], CreatedBy: full.ID}, authz.ReasonNotOwn},
		{"not a permission of theirs", ownOnly.ID, "users.delete", authz.Resource{}, authz.ReasonPermissionMissing},
		{"unknown user", "usr_nobody", "work_orders.view", authz.Resource{}, authz.ReasonUserNotFound},
	} {
		x, rev, err := svc.Explain(ctx, actor, tc.user, tc.permission, tc.res, 0)
		if err != nil || x.Reason != tc.want {
			t.Errorf("%s: %s at revision %d (%v), want %s", tc.name, x.Reason, rev, err, tc.want)
		}
	}
	// A limited user holds their groups' permissions in their facilities.
	perms, err := svc.EffectivePermissions(ctx, actor, limited.ID)
	if err != nil || len(perms) == 0 {
		t.Fatalf("effective permissions of %s: %v (%v)", limited.ID, perms, err)
	}
	for _, p := range perms {
		want := authz.ReasonGranted
		x, _, err := svc.Explain(ctx, actor, limited.ID, p.Codename, facility(limited), 0)
		if p.OwnOnly {
			continue // needs an item of theirs
		}
		if err != nil || x.Reason != want {
			t.Errorf("%s holds %s in %s: %s (%v)", limited.ID, p.Codename, limited.FacilityIDs[0], x.Reason, err)
		}
	}

	// A compliance organization spreads its users over the licence ladder.
	licences := map[string]int{}
	for _, u := range allUsers(t, svc, comp.OrgID) {
		licences[u.Licence]++
	}
	if len(licences) < 4 || licences[""] > 0 {
		t.Errorf("licences of the compliance organization: %v, want a spread over the ladder", licences)
	}
}

func TestSeedRefusesBadInput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bad.db")
	for name, args := range map[string][]string{
		"missing org":      {"seed", "--db", db},
		"no users":         {"seed", "--org", "X", "--users", "0", "--db", db},
		"unknown template": {"seed", "--org", "X", "--template", "nope", "--db", db},
	} {
		if _, _, err := runCLI(t, nil, args...); err == nil {
			t.Errorf("%s: seed succeeded", name)
		}
	}
}
