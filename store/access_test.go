package store_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/store"
)

func TestLoadAccess_ReadsTheWholeOrganization(t *testing.T) {
	db := MustOpen(t)
	fx := mustFixture(t, db, "Acme")
	other := mustFixture(t, db, "Other")
	mustCreateUser(t, db, &gatehouse.User{OrgID: other.org.ID, Email: "x@example.com", FullAccess: true,
		GroupIDs: []string{other.groups[0].ID}, FacilityIDs: []string{other.facilities[0].ID}})
	admin := mustCreateUser(t, db, &gatehouse.User{OrgID: fx.org.ID, Email: "admin@example.com", FullAccess: true})
	tech := mustCreateUser(t, db, &gatehouse.User{OrgID: fx.org.ID, Email: "tech@example.com", Licence: "action",
		GroupIDs: []string{fx.groups[1].ID, fx.groups[0].ID}, Permissions: []string{"reports.view"},
		FacilityIDs: []string{fx.facilities[2].ID, fx.facilities[1].ID}})
	left := mustCreateUser(t, db, &gatehouse.User{OrgID: fx.org.ID, Email: "left@example.com", Status: gatehouse.StatusInactive,
		FacilityIDs: []string{fx.facilities[0].ID}})
	bare := mustCreateGroup(t, db, &gatehouse.Group{OrgID: fx.org.ID, Name: "No permissions"})
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		_, err := tx.BumpRevision(fx.org.ID)
		return err
	})

	st, err := db.LoadAccess(context.Background(), fx.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.OrgID != fx.org.ID || st.Revision != 1 || st.Catalog == nil || st.Catalog.Template != "facilities" {
		t.Fatalf("LoadAccess = org %s revision %d catalog %v", st.OrgID, st.Revision, st.Catalog)
	}
	users := []gatehouse.UserAccess{
		{ID: admin.ID, Status: gatehouse.StatusActive, FullAccess: true},
		{ID: tech.ID, Status: gatehouse.StatusActive, Licence: "action", GroupIDs: sorted(fx.groups[0].ID, fx.groups[1].ID),
			Permissions: []string{"reports.view"}, FacilityIDs: sorted(fx.facilities[1].ID, fx.facilities[2].ID)},
		{ID: left.ID, Status: gatehouse.StatusInactive, FacilityIDs: []string{fx.facilities[0].ID}},
	}
	wantUsers := map[string]gatehouse.UserAccess{}
	for _, u := range users {
		wantUsers[u.ID] = u
	}
	if len(st.Users) != len(users) {
		t.Fatalf("LoadAccess has %d users, want %d", len(st.Users), len(users))
	}
	for i, u := range st.Users {
		if i > 0 && st.Users[i-1].ID >= u.ID {
			t.Errorf("users not in id order")
		}
		if !reflect.DeepEqual(u, wantUsers[u.ID]) {
			t.Errorf("LoadAccess user\n%+v, want\n%+v", u, wantUsers[u.ID])
		}
	}
	wantGroups := map[string]gatehouse.GroupAccess{
		fx.groups[0].ID: {ID: fx.groups[0].ID, Permissions: []string{"assets.view", "work_orders.view"}},
		fx.groups[1].ID: {ID: fx.groups[1].ID, Permissions: []string{"assets.view", "work_orders.view"}},
		bare.ID:         {ID: bare.ID, Permissions: []string{}},
	}
	if len(st.Groups) != len(wantGroups) {
		t.Fatalf("LoadAccess has %d groups, want %d", len(st.Groups), len(wantGroups))
	}
	for _, g := range st.Groups {
		if !reflect.DeepEqual(g, wantGroups[g.ID]) {
			t.Errorf("LoadAccess group %+v, want %+v", g, wantGroups[g.ID])
		}
	}
	if want := sorted(fx.facilities[0].ID, fx.facilities[1].ID, fx.facilities[2].ID); !reflect.DeepEqual(st.Facilities, want) {
		t.Errorf("LoadAccess facilities %v, want %v", st.Facilities, want)
	}

	if _, err := db.LoadAccess(context.Background(), "org_missing"); gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
		t.Errorf("LoadAccess of a missing organization: %v", err)
	}
}

func TestCascade_DeletingAUserDeletesEverythingOfIt(t *testing.T) {
	db := MustOpen(t)
	fx := mustFixture(t, db, "Acme")
	u := mustCreateUser(t, db, &gatehouse.User{OrgID: fx.org.ID, Email: "a@example.com",
		GroupIDs: []string{fx.groups[0].ID}, Permissions: []string{"reports.view"}, FacilityIDs: []string{fx.facilities[0].ID}})
	keep := mustCreateUser(t, db, &gatehouse.User{OrgID: fx.org.ID, Email: "b@example.com",
		GroupIDs: []string{fx.groups[0].ID}, Permissions: []string{"reports.view"}, FacilityIDs: []string{fx.facilities[0].ID}})
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		for _, owner := range []*gatehouse.User{u, keep} {
			if err := tx.CreateInvitation(&gatehouse.Invitation{OrgID: fx.org.ID, UserID: owner.ID, TokenHash: "t" + owner.ID, ExpiresAt: time.Now()}); err != nil {
				return err
			}
			if err := tx.CreateAPIKey(&gatehouse.APIKey{OrgID: fx.org.ID, UserID: owner.ID, Name: "k", SecretHash: "s" + owner.ID}); err != nil {
				return err
			}
		}
		return tx.DeleteUser(fx.org.ID, u.ID)
	})
	for _, table := range []string{"group_members", "user_permissions", "facility_assignments", "invitations", "api_keys"} {
		for owner, want := range map[string]int{u.ID: 0, keep.ID: 1} {
			var n int
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM `+table+` WHERE user_id = $1`, owner).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Errorf("%s has %d rows of user %s, want %d", table, n, owner, want)
			}
		}
	}
}

func TestCascade_DeletingAGroupOrFacilityDeletesItsLinks(t *testing.T) {
	db := MustOpen(t)
	fx := mustFixture(t, db, "Acme")
	mustCreateUser(t, db, &gatehouse.User{OrgID: fx.org.ID, Email: "a@example.com",
		GroupIDs: []string{fx.groups[0].ID, fx.groups[1].ID}, FacilityIDs: []string{fx.facilities[0].ID, fx.facilities[1].ID}})
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		if err := tx.DeleteGroup(fx.org.ID, fx.groups[0].ID); err != nil {
			return err
		}
		return tx.DeleteFacility(fx.org.ID, fx.facilities[0].ID)
	})
	for _, c := range []struct {
		query string
		id    string
		want  int
	}{
		{`SELECT COUNT(*) FROM group_members WHERE group_id = $1`, fx.groups[0].ID, 0},
		{`SELECT COUNT(*) FROM group_permissions WHERE group_id = $1`, fx.groups[0].ID, 0},
		{`SELECT COUNT(*) FROM facility_assignments WHERE facility_id = $1`, fx.facilities[0].ID, 0},
		{`SELECT COUNT(*) FROM group_members WHERE group_id = $1`, fx.groups[1].ID, 1},
		{`SELECT COUNT(*) FROM group_permissions WHERE group_id = $1`, fx.groups[1].ID, 2},
		{`SELECT COUNT(*) FROM facility_assignments WHERE facility_id = $1`, fx.facilities[1].ID, 1},
	} {
		var n int
		if err := db.SQL().QueryRow(c.query, c.id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != c.want {
			t.Errorf("%s [%s] = %d, want %d", c.query, c.id, n, c.want)
		}
	}
}

// seedForRestart writes an organization with users, groups and facilities
// and returns its id.
func seedForRestart(tb testing.TB, db *store.DB) string {
	tb.Helper()
	fx := mustFixture(tb, db, "Acme")
	mustUpdate(tb, db, func(tx gatehouse.Tx) error {
		for i := range 20 {
			u := &gatehouse.User{OrgID: fx.org.ID, FirstName: fmt.Sprint("User ", i), Email: fmt.Sprintf("u%d@example.com", i),
				Status: gatehouse.StatusActive, FullAccess: i == 0,
				GroupIDs: []string{fx.groups[i%2].ID}, FacilityIDs: []string{fx.facilities[i%3].ID}}
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		_, err := tx.BumpRevision(fx.org.ID)
		return err
	})
	return fx.org.ID
}

type snapshot struct {
	access gatehouse.AccessState
	users  []*gatehouse.User
}

func takeSnapshot(tb testing.TB, db *store.DB, orgID string) snapshot {
	tb.Helper()
	var s snapshot
	var err error
	if s.access, err = db.LoadAccess(context.Background(), orgID); err != nil {
		tb.Fatal(err)
	}
	s.access.Catalog = nil // compared by template below; parsed anew on each load
	mustView(tb, db, func(tx gatehouse.Tx) error {
		s.users, err = tx.FindUsers(gatehouse.UserFilter{OrgID: orgID, Limit: 1000})
		return err
	})
	return s
}

func TestRestart_CloseAndReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	orgID := seedForRestart(t, db)
	before := takeSnapshot(t, db, orgID)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	after := takeSnapshot(t, mustOpenPath(t, path), orgID)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("after reopening:\n%+v\nwant\n%+v", after, before)
	}
}

// A process that dies without closing the database loses no committed write.
func TestRestart_CrashLosesNoCommittedWrite(t *testing.T) {
	if path := os.Getenv("GATEHOUSE_STORE_CRASH_DB"); path != "" {
		db, err := store.Open(context.Background(), path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println(seedForRestart(t, db))
		os.Exit(3) // no Close, no cleanup: as if killed
	}
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestRestart_CrashLosesNoCommittedWrite$")
	cmd.Env = append(os.Environ(), "GATEHOUSE_STORE_CRASH_DB="+path)
	out, err := cmd.Output()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 3 {
		t.Fatalf("writer process: %v\n%s", err, out)
	}
	var orgID string
	fmt.Sscan(string(out), &orgID)
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Logf("no WAL left behind (%v); the test still checks the data", err)
	}
	after := takeSnapshot(t, mustOpenPath(t, path), orgID)
	if after.access.Revision != 1 || len(after.access.Users) != 20 || len(after.users) != 20 {
		t.Fatalf("after the crash: revision %d, %d users", after.access.Revision, len(after.access.Users))
	}
}
