package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/store"
)

// bulkOf is an organization's worth of rows: more users than fit in one
// INSERT statement, so that both the prepared full batches and the last
// partial one run.
func bulkOf(orgID string, users int) store.Bulk {
	b := store.Bulk{OrgID: orgID}
	for i := range 3 {
		b.Facilities = append(b.Facilities, &gatehouse.Facility{ID: gatehouse.NewID(gatehouse.PrefixFacility), Name: fmt.Sprint("Site ", i)})
	}
	b.Facilities[2].ExternalID, b.Facilities[2].Archived = "SITE-3", true
	b.Groups = []*gatehouse.Group{
		{ID: gatehouse.NewID(gatehouse.PrefixGroup), Name: "Technician", Permissions: []string{"work_orders.view_own", "assets.view"}},
		{ID: gatehouse.NewID(gatehouse.PrefixGroup), Name: "Manager", Permissions: []string{"work_orders.view"}},
	}
	for i := range users {
		u := &gatehouse.User{FirstName: "User", LastName: fmt.Sprint(i), Email: fmt.Sprintf("User%d@Bulk.test", i),
			Status: gatehouse.StatusActive, GroupIDs: []string{b.Groups[i%2].ID}, FacilityIDs: []string{b.Facilities[i%3].ID, b.Facilities[0].ID}}
		if i%5 == 0 {
			u.Permissions = []string{"reports.view"}
			u.Status = gatehouse.StatusInvited
		}
		b.Users = append(b.Users, u)
	}
	return b
}

func TestBulkInsert_RowsAreThereAsTheFindersSeeThem(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Bulk")
	b := bulkOf(org.ID, 250)
	rev, err := db.BulkInsert(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if rev != org.Revision+1 {
		t.Errorf("revision %d after one bulk insert, want %d", rev, org.Revision+1)
	}
	st, err := db.LoadAccess(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Users) != 250 || len(st.Groups) != 2 || len(st.Facilities) != 3 || st.Revision != rev {
		t.Fatalf("loaded %d users, %d groups, %d facilities at revision %d", len(st.Users), len(st.Groups), len(st.Facilities), st.Revision)
	}
	mustView(t, db, func(tx gatehouse.Tx) error {
		for _, want := range b.Users[:7] {
			got, err := tx.FindUser(org.ID, want.ID)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("user %s:\n got %+v\nwant %+v", want.ID, got, want)
			}
		}
		if u, err := tx.FindUserByEmail(org.ID, "user3@bulk.test"); err != nil || u.LastName != "3" {
			t.Errorf("find by email, compared case-insensitively: %v %v", u, err)
		}
		for _, want := range b.Groups {
			got, err := tx.FindGroup(org.ID, want.ID)
			if err != nil {
				return err
			}
			if got.MemberCount != 125 || !reflect.DeepEqual(got.Permissions, want.Permissions) || got.Name != want.Name {
				t.Errorf("group %+v, want %+v with 125 members", got, want)
			}
		}
		f, err := tx.FindFacility(org.ID, b.Facilities[2].ID)
		if err != nil {
			return err
		}
		if !f.Archived || f.ExternalID != "SITE-3" {
			t.Errorf("facility %+v, want archived with its external id", f)
		}
		members, err := tx.FacilityUsers(org.ID, b.Facilities[0].ID)
		if len(members) != 250 {
			t.Errorf("%d users in the facility every user has, want 250", len(members))
		}
		return err
	})
}

// TestBulkInsert_AllOrNothing: a row the schema refuses (here a duplicate
// email at the end) leaves none of the bulk behind.
func TestBulkInsert_AllOrNothing(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Bulk")
	b := bulkOf(org.ID, 120)
	b.Users[119].Email = "USER0@bulk.test"
	if _, err := db.BulkInsert(ctx, b); err == nil {
		t.Fatal("a duplicate email was inserted")
	} else {
		wantError(t, err, gatehouse.ECONFLICT, "email")
	}
	b = bulkOf(org.ID, 3)
	b.Users[2].GroupIDs = []string{"grp_elsewhere"}
	if _, err := db.BulkInsert(ctx, b); err == nil {
		t.Fatal("a membership of an unknown group was inserted")
	}
	st, err := db.LoadAccess(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Users)+len(st.Groups)+len(st.Facilities) != 0 || st.Revision != org.Revision {
		t.Fatalf("after failed bulk inserts: %d users, %d groups, %d facilities, revision %d", len(st.Users), len(st.Groups), len(st.Facilities), st.Revision)
	}
	if _, err := db.BulkInsert(ctx, store.Bulk{OrgID: "org_nope"}); gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
		t.Fatalf("bulk insert into an unknown organization: %v", err)
	}
}
