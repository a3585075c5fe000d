package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/store/storetest"
)

// Migration 00009 (site roles and time-bound grants) keeps every answer of
// an existing organization: the demo organization is seeded, every check
// (each user × permission × facility and no facility, explained), effective
// set and list filter is recorded, the schema goes back to 00008 and up
// again through 00009 on the same rows, and every answer is the same.
func TestGrantsMigration_KeepsEveryAnswer(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	org, err := seedDemo(ctx, service.New(db, testsupport.ServiceConfig("", nil)))
	if err != nil {
		t.Fatal(err)
	}
	answers := func() (string, int) {
		st, err := db.LoadAccess(ctx, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		snap := authz.Compile(st)
		var out []any
		for _, u := range st.Users {
			eff, _ := snap.Effective(u.ID)
			out = append(out, eff)
			for _, perm := range st.Catalog.Permissions() {
				p := perm.Codename
				out = append(out, snap.Filter(u.ID, p))
				for _, f := range append([]string{""}, st.Facilities...) {
					x := snap.Explain(u.ID, p, authz.Resource{FacilityID: f})
					own := snap.Explain(u.ID, p, authz.Resource{FacilityID: f, CreatedBy: u.ID})
					out = append(out, x, own)
				}
			}
		}
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		return string(b), len(out)
	}
	before, n := answers()

	if err := db.MigrateDownTo(ctx, 8); err != nil {
		t.Fatal(err)
	}
	if err := db.View(ctx, func(tx gatehouse.Tx) error {
		_, err := tx.PassedGrantBoundaries(org.ID, nil) // reads a table of 00009
		if err == nil {
			t.Error("the tables of 00009 are still there after migrating down to 8")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	after, _ := answers()
	if before != after {
		t.Fatalf("answers differ after migration 00009")
	}
	t.Logf("%d answers compared", n)
}
