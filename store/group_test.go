package store_test

import (
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse"
)

func TestGroup_CreateFindUpdateDelete(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	g := mustCreateGroup(t, db, &gatehouse.Group{OrgID: org.ID, Name: "Technician", Description: "On site",
		Permissions: []string{"work_orders.view", "assets.view", "work_orders.view"}})
	if g.ID == "" || g.CreatedAt.IsZero() || !reflect.DeepEqual(g.Permissions, []string{"assets.view", "work_orders.view"}) {
		t.Fatalf("CreateGroup left %+v", g)
	}
	u1 := mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "a@example.com", GroupIDs: []string{g.ID}})
	u2 := mustCreateUser(t, db, &gatehouse.User{OrgID: org.ID, Email: "b@example.com", GroupIDs: []string{g.ID}})
	empty := mustCreateGroup(t, db, &gatehouse.Group{OrgID: org.ID, Name: "Empty"})
	if empty.Permissions == nil {
		t.Error("CreateGroup left Permissions nil, want empty")
	}

	g.MemberCount = 2
	mustView(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindGroup(org.ID, g.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, g) {
			t.Errorf("FindGroup =\n%+v, want\n%+v", got, g)
		}
		all, err := tx.FindGroups(gatehouse.GroupFilter{OrgID: org.ID})
		if err != nil {
			return err
		}
		want := []*gatehouse.Group{g, empty}
		if empty.ID < g.ID {
			want = []*gatehouse.Group{empty, g}
		}
		if !reflect.DeepEqual(all, want) {
			t.Errorf("FindGroups =\n%+v, want\n%+v", all, want)
		}
		page, err := tx.FindGroups(gatehouse.GroupFilter{OrgID: org.ID, After: want[0].ID, Limit: 1})
		if err != nil {
			return err
		}
		if len(page) != 1 || page[0].ID != want[1].ID {
			t.Errorf("FindGroups after %s = %+v", want[0].ID, page)
		}
		members, err := tx.GroupMembers(org.ID, g.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(members, sorted(u1.ID, u2.ID)) {
			t.Errorf("GroupMembers = %v", members)
		}
		_, err = tx.GroupMembers(org.ID, "grp_missing")
		wantError(t, err, gatehouse.ENOTFOUND, "")
		return nil
	})

	g.Name, g.Description, g.Permissions = "Senior Technician", "", []string{"reports.view"}
	g.MemberCount = 0 // UpdateGroup refreshes it
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.UpdateGroup(g) })
	if g.MemberCount != 2 {
		t.Errorf("UpdateGroup left MemberCount %d, want 2", g.MemberCount)
	}
	mustView(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindGroup(org.ID, g.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, g) {
			t.Errorf("after UpdateGroup, FindGroup =\n%+v, want\n%+v", got, g)
		}
		return nil
	})

	// Deleting a group takes it out of its members, who stay.
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.DeleteGroup(org.ID, g.ID) })
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		_, err := tx.FindGroup(org.ID, g.ID)
		wantError(t, err, gatehouse.ENOTFOUND, "")
		wantError(t, tx.DeleteGroup(org.ID, g.ID), gatehouse.ENOTFOUND, "")
		wantError(t, tx.UpdateGroup(g), gatehouse.ENOTFOUND, "")
		u, err := tx.FindUser(org.ID, u1.ID)
		if err != nil {
			return err
		}
		if len(u.GroupIDs) != 0 {
			t.Errorf("user still in deleted group: %v", u.GroupIDs)
		}
		return nil
	})
}

func TestGroup_NameIsUniquePerOrganizationCaseInsensitively(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	other := mustCreateOrg(t, db, "Other")
	mustCreateGroup(t, db, &gatehouse.Group{OrgID: org.ID, Name: "Store Manager"})
	tech := mustCreateGroup(t, db, &gatehouse.Group{OrgID: org.ID, Name: "Technician"})

	err := db.Update(t.Context(), func(tx gatehouse.Tx) error {
		return tx.CreateGroup(&gatehouse.Group{OrgID: org.ID, Name: "store MANAGER "})
	})
	wantError(t, err, gatehouse.ECONFLICT, "name")
	tech.Name = "STORE manager"
	err = db.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.UpdateGroup(tech) })
	wantError(t, err, gatehouse.ECONFLICT, "name")

	mustCreateGroup(t, db, &gatehouse.Group{OrgID: other.ID, Name: "Store Manager"})
}
