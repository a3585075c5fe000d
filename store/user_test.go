package store_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/store"
)

// fixture is an organization with two groups and three facilities.
type fixture struct {
	org        *gatehouse.Organization
	groups     []*gatehouse.Group
	facilities []*gatehouse.Facility
}

func mustFixture(tb testing.TB, db *store.DB, name string) fixture {
	tb.Helper()
	f := fixture{org: mustCreateOrg(tb, db, name)}
	for _, g := range []string{"Technician", "Store Manager"} {
		f.groups = append(f.groups, mustCreateGroup(tb, db, &gatehouse.Group{OrgID: f.org.ID, Name: g,
			Permissions: []string{"work_orders.view", "assets.view"}}))
	}
	for i := range 3 {
		f.facilities = append(f.facilities, mustCreateFacility(tb, db, &gatehouse.Facility{OrgID: f.org.ID,
			Name: fmt.Sprintf("Site %d", i)}))
	}
	return f
}

func TestUser_CreateFindUpdateDelete(t *testing.T) {
	db := MustOpen(t)
	fx := mustFixture(t, db, "Acme")
	created := time.Date(2025, 1, 2, 3, 4, 5, 678901000, time.UTC)
	fixedClock(db, created)

	u := &gatehouse.User{
		OrgID: fx.org.ID, FirstName: "Ada", LastName: "Lovelace", Email: "Ada@Example.com", Phone: "+44 1",
		Status: gatehouse.StatusInvited, Licence: "",
		// Unsorted and repeated: the store keeps each once, sorted.
		GroupIDs:    []string{fx.groups[1].ID, fx.groups[0].ID, fx.groups[1].ID},
		Permissions: []string{"reports.view", "audit_logs.view", "reports.view"},
		FacilityIDs: []string{fx.facilities[2].ID, fx.facilities[0].ID},
	}
	mustCreateUser(t, db, u)
	if u.ID == "" || !u.CreatedAt.Equal(created) || !u.UpdatedAt.Equal(created) {
		t.Fatalf("CreateUser left id %q, created %v, updated %v", u.ID, u.CreatedAt, u.UpdatedAt)
	}
	want := *u
	want.GroupIDs = sorted(fx.groups[0].ID, fx.groups[1].ID)
	want.Permissions = []string{"audit_logs.view", "reports.view"}
	want.FacilityIDs = sorted(fx.facilities[0].ID, fx.facilities[2].ID)
	if !reflect.DeepEqual(u, &want) {
		t.Fatalf("CreateUser left\n%+v, want\n%+v", u, &want)
	}
	mustView(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindUser(fx.org.ID, u.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("FindUser =\n%+v, want\n%+v", got, &want)
		}
		byEmail, err := tx.FindUserByEmail(fx.org.ID, "  ADA@example.COM ")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(byEmail, &want) {
			t.Errorf("FindUserByEmail =\n%+v, want\n%+v", byEmail, &want)
		}
		_, err = tx.FindUserByEmail(fx.org.ID, "nobody@example.com")
		wantError(t, err, gatehouse.ENOTFOUND, "")
		return nil
	})

	// Update replaces every field and every list.
	u.FirstName, u.LastName, u.Email, u.Phone = "Augusta", "King", "augusta@example.com", ""
	u.Status, u.FullAccess, u.Licence, u.EmailVerified = gatehouse.StatusActive, true, "action", true
	u.GroupIDs = []string{fx.groups[0].ID}
	u.Permissions = nil
	u.FacilityIDs = []string{fx.facilities[1].ID}
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.UpdateUser(u) })
	if !u.UpdatedAt.After(u.CreatedAt) {
		t.Errorf("UpdateUser left UpdatedAt %v, CreatedAt %v", u.UpdatedAt, u.CreatedAt)
	}
	mustView(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindUser(fx.org.ID, u.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, u) {
			t.Errorf("after UpdateUser, FindUser =\n%+v, want\n%+v", got, u)
		}
		if _, err := tx.FindUserByEmail(fx.org.ID, "ada@example.com"); err == nil {
			t.Error("the old email still finds the user")
		}
		return nil
	})

	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.DeleteUser(fx.org.ID, u.ID) })
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		_, err := tx.FindUser(fx.org.ID, u.ID)
		wantError(t, err, gatehouse.ENOTFOUND, "")
		wantError(t, tx.DeleteUser(fx.org.ID, u.ID), gatehouse.ENOTFOUND, "")
		wantError(t, tx.UpdateUser(u), gatehouse.ENOTFOUND, "")
		return nil
	})
}

func sorted(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

func TestUser_EmailIsUniquePerOrganizationCaseInsensitively(t *testing.T) {
	db := MustOpen(t)
	acme := mustCreateOrg(t, db, "Acme")
	other := mustCreateOrg(t, db, "Other")
	mustCreateUser(t, db, &gatehouse.User{OrgID: acme.ID, Email: "ada@example.com"})
	second := mustCreateUser(t, db, &gatehouse.User{OrgID: acme.ID, Email: "grace@example.com"})

	err := db.Update(t.Context(), func(tx gatehouse.Tx) error {
		return tx.CreateUser(&gatehouse.User{OrgID: acme.ID, Email: " ADA@Example.com", Status: gatehouse.StatusInvited})
	})
	wantError(t, err, gatehouse.ECONFLICT, "email")

	second.Email = "Ada@example.COM"
	err = db.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.UpdateUser(second) })
	wantError(t, err, gatehouse.ECONFLICT, "email")

	// Another organization may have the same person.
	mustCreateUser(t, db, &gatehouse.User{OrgID: other.ID, Email: "ada@example.com"})
}

func TestUser_StatusMustBeKnown(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	err := db.Update(t.Context(), func(tx gatehouse.Tx) error {
		return tx.CreateUser(&gatehouse.User{OrgID: org.ID, Email: "a@example.com", Status: "sleeping"})
	})
	wantError(t, err, gatehouse.EINVALID, "status")
}

func TestUser_LinksToMissingGroupsOrFacilitiesAreNotFound(t *testing.T) {
	db := MustOpen(t)
	fx := mustFixture(t, db, "Acme")
	err := db.Update(t.Context(), func(tx gatehouse.Tx) error {
		return tx.CreateUser(&gatehouse.User{OrgID: fx.org.ID, Email: "a@example.com", Status: gatehouse.StatusActive,
			GroupIDs: []string{fx.groups[0].ID, "grp_missing"}})
	})
	wantError(t, err, gatehouse.ENOTFOUND, "group_ids")
	err = db.Update(t.Context(), func(tx gatehouse.Tx) error {
		return tx.CreateUser(&gatehouse.User{OrgID: fx.org.ID, Email: "a@example.com", Status: gatehouse.StatusActive,
			FacilityIDs: []string{"fac_missing"}})
	})
	wantError(t, err, gatehouse.ENOTFOUND, "facility_ids")
}

func TestUser_PasswordHash(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	u := mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "a@example.com"})
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		hash, err := tx.PasswordHash(org.ID, u.ID)
		if hash != "" {
			t.Errorf("PasswordHash of a new user = %q, want none", hash)
		}
		if err != nil {
			return err
		}
		if err := tx.SetPassword(org.ID, u.ID, "$argon2id$v=19$..."); err != nil {
			return err
		}
		hash, err = tx.PasswordHash(org.ID, u.ID)
		if hash != "$argon2id$v=19$..." {
			t.Errorf("PasswordHash = %q after SetPassword", hash)
		}
		wantError(t, tx.SetPassword(org.ID, "usr_missing", "x"), gatehouse.ENOTFOUND, "")
		_, err2 := tx.PasswordHash(org.ID, "usr_missing")
		wantError(t, err2, gatehouse.ENOTFOUND, "")
		return err
	})
	// UpdateUser leaves the password alone.
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.UpdateUser(u) })
	mustView(t, db, func(tx gatehouse.Tx) error {
		hash, err := tx.PasswordHash(org.ID, u.ID)
		if hash == "" {
			t.Error("UpdateUser cleared the password")
		}
		return err
	})
}

func TestUser_CountActiveFullAccess(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	other := mustCreateOrg(t, db, "Other")
	admin := mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "admin@example.com", FullAccess: true})
	mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "admin2@example.com", FullAccess: true})
	mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "left@example.com", FullAccess: true, Status: gatehouse.StatusInactive})
	mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "new@example.com", FullAccess: true, Status: gatehouse.StatusInvited})
	mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "tech@example.com"})
	mustCreateUser(t, db, &gatehouse.User{OrgID: other.ID, Email: "admin@example.com", FullAccess: true})
	mustView(t, db, func(tx gatehouse.Tx) error {
		for except, want := range map[string]int{"": 2, admin.ID: 1} {
			n, err := tx.CountActiveFullAccess(org.ID, except)
			if err != nil {
				return err
			}
			if n != want {
				t.Errorf("CountActiveFullAccess(except %q) = %d, want %d", except, n, want)
			}
		}
		return nil
	})
}

func userIDs(users []*gatehouse.User) []string {
	ids := []string{}
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	return ids
}

func TestFindUsers_Filters(t *testing.T) {
	db := MustOpen(t)
	fx := mustFixture(t, db, "Acme")
	other := mustFixture(t, db, "Other")
	g0, g1 := fx.groups[0].ID, fx.groups[1].ID
	f0, f1, f2 := fx.facilities[0].ID, fx.facilities[1].ID, fx.facilities[2].ID
	ada := mustCreateUser(t, db, &gatehouse.User{OrgID: fx.org.ID, FirstName: "Ada", LastName: "Lovelace",
		Email: "ada@example.com", Licence: "action", GroupIDs: []string{g0}, FacilityIDs: []string{f0}})
	grace := mustCreateUser(t, db, &gatehouse.User{OrgID: fx.org.ID, FirstName: "Grace", LastName: "Hopper",
		Email: "grace_h@example.com", Status: gatehouse.StatusInvited, GroupIDs: []string{g0, g1}, FacilityIDs: []string{f1}})
	alan := mustCreateUser(t, db, &gatehouse.User{OrgID: fx.org.ID, FirstName: "Alan", LastName: "Turing",
		Email: "alan100%@example.com", Status: gatehouse.StatusInactive, Licence: "action", FacilityIDs: []string{f0, f1}})
	mustCreateUser(t, db, &gatehouse.User{OrgID: other.org.ID, FirstName: "Ada", LastName: "Other",
		Email: "ada@example.com", GroupIDs: []string{other.groups[0].ID}})

	// Ids made in the same millisecond are in random order: expect id order.
	byID := func(users ...*gatehouse.User) []*gatehouse.User {
		slices.SortFunc(users, func(a, b *gatehouse.User) int { return strings.Compare(a.ID, b.ID) })
		return users
	}
	all := byID(ada, grace, alan)
	for _, tc := range []struct {
		name   string
		filter gatehouse.UserFilter
		want   []*gatehouse.User
	}{
		{"everyone of the organization, by id", gatehouse.UserFilter{}, all},
		{"status", gatehouse.UserFilter{Status: gatehouse.StatusInvited}, []*gatehouse.User{grace}},
		{"group", gatehouse.UserFilter{GroupID: g1}, []*gatehouse.User{grace}},
		{"licence", gatehouse.UserFilter{Licence: "action"}, byID(ada, alan)},
		{"licence nobody has", gatehouse.UserFilter{Licence: "approval"}, nil},
		{"licence and status combine", gatehouse.UserFilter{Licence: "action", Status: gatehouse.StatusInactive}, []*gatehouse.User{alan}},
		{"group of another organization", gatehouse.UserFilter{GroupID: other.groups[0].ID}, nil},
		{"facility", gatehouse.UserFilter{FacilityID: f0}, byID(ada, alan)},
		{"facility nobody has", gatehouse.UserFilter{FacilityID: f2}, nil},
		{"query matches first name, any case", gatehouse.UserFilter{Query: "gRACE"}, []*gatehouse.User{grace}},
		{"query matches last name", gatehouse.UserFilter{Query: "turing"}, []*gatehouse.User{alan}},
		{"query matches email", gatehouse.UserFilter{Query: "@EXAMPLE"}, all},
		{"query underscore is literal", gatehouse.UserFilter{Query: "e_h"}, []*gatehouse.User{grace}},
		{"query underscore matches no other character", gatehouse.UserFilter{Query: "a_a"}, nil},
		{"query percent is literal", gatehouse.UserFilter{Query: "100%@"}, []*gatehouse.User{alan}},
		{"query percent matches nothing else", gatehouse.UserFilter{Query: "a%e"}, nil},
		{"within one facility", gatehouse.UserFilter{Within: []string{f1}}, byID(grace, alan)},
		{"within several, each user once", gatehouse.UserFilter{Within: []string{f0, f1}}, all},
		{"within no facility sees nobody", gatehouse.UserFilter{Within: []string{}}, nil},
		{"filters combine", gatehouse.UserFilter{GroupID: g0, Within: []string{f1}, Query: "hopper"}, []*gatehouse.User{grace}},
		{"after", gatehouse.UserFilter{After: all[0].ID}, all[1:]},
		{"limit", gatehouse.UserFilter{Limit: 2}, all[:2]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.filter.OrgID = fx.org.ID
			mustView(t, db, func(tx gatehouse.Tx) error {
				got, err := tx.FindUsers(tc.filter)
				if err != nil {
					return err
				}
				want := tc.want
				if want == nil {
					want = []*gatehouse.User{}
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("FindUsers = %v, want %v", userIDs(got), userIDs(want))
				}
				return nil
			})
		})
	}
}

func TestFindUsers_DefaultLimit(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		for i := range store.DefaultLimit + 5 {
			u := &gatehouse.User{OrgID: org.ID, Email: fmt.Sprintf("u%d@example.com", i), Status: gatehouse.StatusActive}
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	mustView(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindUsers(gatehouse.UserFilter{OrgID: org.ID})
		if len(got) != store.DefaultLimit {
			t.Errorf("FindUsers without a limit returned %d users, want %d", len(got), store.DefaultLimit)
		}
		return err
	})
}

// Pages and scopes larger than the store spells out as placeholders travel
// as one argument; they must select exactly the same rows.
func TestFindUsers_LargePagesAndScopes(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	g := mustCreateGroup(t, db, &gatehouse.Group{OrgID: org.ID, Name: "Everyone"})
	var facilities []string
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		for i := range 300 {
			f := &gatehouse.Facility{OrgID: org.ID, Name: fmt.Sprintf("Site %d", i)}
			if err := tx.CreateFacility(f); err != nil {
				return err
			}
			facilities = append(facilities, f.ID)
		}
		return nil
	})
	const n = 250
	want := map[string]*gatehouse.User{}
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		for i := range n {
			u := &gatehouse.User{OrgID: org.ID, Email: fmt.Sprintf("u%d@example.com", i), Status: gatehouse.StatusActive,
				GroupIDs: []string{g.ID}, Permissions: []string{"reports.view"},
				// User i is assigned to facility i only; 250 users also hold facility 299.
				FacilityIDs: []string{facilities[i], facilities[299]}}
			if err := tx.CreateUser(u); err != nil {
				return err
			}
			want[u.ID] = u
		}
		return nil
	})
	mustView(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindUsers(gatehouse.UserFilter{OrgID: org.ID, Limit: 1000})
		if err != nil {
			return err
		}
		if len(got) != n {
			t.Fatalf("got %d users, want %d", len(got), n)
		}
		for _, u := range got {
			if !reflect.DeepEqual(u, want[u.ID]) {
				t.Fatalf("FindUsers returned\n%+v, want\n%+v", u, want[u.ID])
			}
		}
		// Scoped to the first 150 facilities: the first 150 users.
		scoped, err := tx.FindUsers(gatehouse.UserFilter{OrgID: org.ID, Within: facilities[:150], Limit: 1000})
		if err != nil {
			return err
		}
		if len(scoped) != 150 {
			t.Errorf("within 150 facilities: %d users, want 150", len(scoped))
		}
		for _, u := range scoped {
			if !slices.Contains(facilities[:150], u.FacilityIDs[0]) && !slices.Contains(facilities[:150], u.FacilityIDs[1]) {
				t.Errorf("user %s outside the scope", u.ID)
			}
		}
		return nil
	})
}

// Cursor paging returns every user exactly once even while users are added
// between pages: a cursor is a position in id order, not an offset, so
// inserts cannot shift a page.
func TestFindUsers_CursorPagingWhileUsersAreAdded(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	existing := map[string]bool{}
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		for i := range 95 {
			u := &gatehouse.User{OrgID: org.ID, Email: fmt.Sprintf("u%d@example.com", i), Status: gatehouse.StatusActive}
			if err := tx.CreateUser(u); err != nil {
				return err
			}
			existing[u.ID] = true
		}
		return nil
	})
	seen := map[string]int{}
	cursor, added := "", 0
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		var page []*gatehouse.User
		mustView(t, db, func(tx gatehouse.Tx) error {
			var err error
			page, err = tx.FindUsers(gatehouse.UserFilter{OrgID: org.ID, After: cursor, Limit: 10})
			return err
		})
		if len(page) == 0 {
			break
		}
		for _, u := range page {
			seen[u.ID]++
		}
		cursor = page[len(page)-1].ID
		if added < 30 {
			for range 3 {
				mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: fmt.Sprintf("new%d@example.com", added)})
				added++
			}
		}
	}
	for id := range existing {
		if seen[id] != 1 {
			t.Errorf("user %s seen %d times, want once", id, seen[id])
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("user %s seen %d times", id, n)
		}
	}
}

// A user may hold more facilities than the store spells out as
// placeholders; checking and storing them must not hit any limit.
func TestUser_ManyFacilities(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	var ids []string
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		for i := range 1200 {
			f := &gatehouse.Facility{OrgID: org.ID, Name: fmt.Sprint("Site ", i)}
			if err := tx.CreateFacility(f); err != nil {
				return err
			}
			ids = append(ids, f.ID)
		}
		return nil
	})
	u := mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "a@example.com", FacilityIDs: ids})
	mustView(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindUser(org.ID, u.ID)
		if err == nil && !reflect.DeepEqual(got.FacilityIDs, sorted(ids...)) {
			t.Errorf("user has %d facilities, want %d", len(got.FacilityIDs), len(ids))
		}
		return err
	})
	err := db.Update(t.Context(), func(tx gatehouse.Tx) error {
		u.FacilityIDs = append(ids[:1000:1000], "fac_missing")
		return tx.UpdateUser(u)
	})
	wantError(t, err, gatehouse.ENOTFOUND, "facility_ids")
}
