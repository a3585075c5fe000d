package store_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

func TestOrganization_CreateFindCatalogRevision(t *testing.T) {
	db := MustOpen(t)
	now := time.Date(2025, 3, 1, 9, 30, 0, 123456000, time.UTC)
	fixedClock(db, now)
	catalog := mustCatalog(t, "compliance")
	org := &gatehouse.Organization{Name: "Acme", Template: "compliance"}
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.CreateOrganization(org, catalog) })
	if org.ID == "" || !org.CreatedAt.Equal(now) {
		t.Fatalf("created %+v", org)
	}
	other := mustCreateOrg(t, db, "Other")

	mustView(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindOrganization(org.ID)
		if err != nil {
			return err
		}
		if *got != *org {
			t.Errorf("FindOrganization = %+v, want %+v", got, org)
		}
		all, err := tx.FindOrganizations()
		if err != nil {
			return err
		}
		if len(all) != 2 || all[0].ID > all[1].ID {
			t.Errorf("FindOrganizations = %v, want both, by id", all)
		}
		data, err := tx.Catalog(org.ID)
		if err != nil {
			return err
		}
		if !bytes.Equal(data, catalog) {
			t.Error("Catalog does not return the file given at creation")
		}
		_, err = tx.FindOrganization("org_missing")
		wantError(t, err, gatehouse.ENOTFOUND, "")
		_, err = tx.Catalog("org_missing")
		wantError(t, err, gatehouse.ENOTFOUND, "")
		return nil
	})

	for want := int64(1); want <= 3; want++ {
		mustUpdate(t, db, func(tx gatehouse.Tx) error {
			rev, err := tx.BumpRevision(org.ID)
			if rev != want {
				t.Errorf("BumpRevision = %d, want %d", rev, want)
			}
			return err
		})
	}
	mustView(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindOrganization(other.ID)
		if err == nil && got.Revision != 0 {
			t.Errorf("bumping one organization moved another's revision to %d", got.Revision)
		}
		return err
	})
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		_, err := tx.BumpRevision("org_missing")
		wantError(t, err, gatehouse.ENOTFOUND, "")
		return nil
	})
}

func TestOrganization_RefusesACatalogThatDoesNotParse(t *testing.T) {
	db := MustOpen(t)
	err := db.Update(t.Context(), func(tx gatehouse.Tx) error {
		return tx.CreateOrganization(&gatehouse.Organization{Name: "Acme", Template: "custom"}, []byte(`{"template": 1}`))
	})
	wantError(t, err, gatehouse.EINVALID, "")
}
