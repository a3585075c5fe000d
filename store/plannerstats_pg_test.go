package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/store/storetest"
)

// On PostgreSQL, a batch of users larger than what the planner knows of the
// users table analyzes it in the batch's transaction (store/plannerstats.go),
// so that the foreign-key checks of the links that follow are planned on
// its real size; a small batch leaves the table's statistics alone.
func TestCreateUsers_PostgresAnalyzesUsersAfterALargeBatch(t *testing.T) {
	dsn := storetest.Postgres(t)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	raw, err := storetest.OpenRaw(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	known := func() float64 {
		t.Helper()
		var n float64
		if err := raw.QueryRow(`SELECT reltuples FROM pg_class WHERE oid = 'users'::regclass`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	f := mustFixture(t, db, "A")
	batch := func(from, n int) {
		users := make([]*gatehouse.User, n)
		for i := range users {
			users[i] = &gatehouse.User{FirstName: "F", LastName: "L", Email: fmt.Sprintf("u%d@example.com", from+i), Status: gatehouse.StatusInvited,
				GroupIDs: []string{f.groups[i%2].ID}, FacilityIDs: []string{f.facilities[i%3].ID}}
		}
		mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.CreateUsers(f.org.ID, users) })
	}
	batch(0, 10)
	if n := known(); n >= 10 {
		t.Fatalf("after 10 users the planner knows %v rows: a small batch analyzed the table", n)
	}
	batch(10, 1500)
	if n := known(); n < 1510 {
		t.Errorf("after 1,510 users the planner knows %v rows, want them all", n)
	}
}
