package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/store/storetest"
	"github.com/pressly/goose/v3"
)

// MustOpen opens a new database of its own (SQLite, or PostgreSQL: see
// storetest) and closes it when the test ends.
func MustOpen(tb testing.TB) *store.DB {
	tb.Helper()
	return mustOpenPath(tb, storetest.DSN(tb))
}

func mustOpenPath(tb testing.TB, path string) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func mustUpdate(tb testing.TB, db *store.DB, fn func(gatehouse.Tx) error) {
	tb.Helper()
	if err := db.Update(context.Background(), fn); err != nil {
		tb.Fatal(err)
	}
}

func mustView(tb testing.TB, db *store.DB, fn func(gatehouse.Tx) error) {
	tb.Helper()
	if err := db.View(context.Background(), fn); err != nil {
		tb.Fatal(err)
	}
}

func mustCatalog(tb testing.TB, template string) []byte {
	tb.Helper()
	data, ok := catalogs.Builtin(template)
	if !ok {
		tb.Fatalf("no built-in catalog %q", template)
	}
	return data
}

func mustCreateOrg(tb testing.TB, db *store.DB, name string) *gatehouse.Organization {
	tb.Helper()
	org := &gatehouse.Organization{Name: name, Template: "facilities"}
	mustUpdate(tb, db, func(tx gatehouse.Tx) error { return tx.CreateOrganization(org, mustCatalog(tb, "facilities")) })
	return org
}

func mustCreateUser(tb testing.TB, db *store.DB, u *gatehouse.User) *gatehouse.User {
	tb.Helper()
	if u.Status == "" {
		u.Status = gatehouse.StatusActive
	}
	mustUpdate(tb, db, func(tx gatehouse.Tx) error { return tx.CreateUser(u) })
	return u
}

func mustCreateGroup(tb testing.TB, db *store.DB, g *gatehouse.Group) *gatehouse.Group {
	tb.Helper()
	mustUpdate(tb, db, func(tx gatehouse.Tx) error { return tx.CreateGroup(g) })
	return g
}

func mustCreateFacility(tb testing.TB, db *store.DB, f *gatehouse.Facility) *gatehouse.Facility {
	tb.Helper()
	mustUpdate(tb, db, func(tx gatehouse.Tx) error { return tx.CreateFacility(f) })
	return f
}

// wantError fails unless err is a *gatehouse.Error with the code and, when
// field is not "", the field.
func wantError(tb testing.TB, err error, code, field string) {
	tb.Helper()
	var e *gatehouse.Error
	if !errors.As(err, &e) {
		tb.Fatalf("error = %v, want a %s error", err, code)
	}
	if e.Code != code || (field != "" && e.Field != field) {
		tb.Fatalf("error = %v, want code %s field %q", err, code, field)
	}
	if e.Message == "" {
		tb.Fatalf("error %v has no message", err)
	}
}

// fixedClock makes the database's clock return t, then t+1s, t+2s, ...
func fixedClock(db *store.DB, t time.Time) {
	db.Now = func() time.Time {
		now := t
		t = t.Add(time.Second)
		return now
	}
}

func TestOpen_PostgresMigratesOnceAndReopens(t *testing.T) {
	dsn := storetest.Postgres(t)
	for range 2 { // the second open finds the schema up to date
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		if db.Engine() != "postgres" {
			t.Errorf("Engine() = %q", db.Engine())
		}
		org := &gatehouse.Organization{Name: "Acme", Template: "facilities"}
		data, _ := catalogs.Builtin("facilities")
		mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.CreateOrganization(org, data) })
		db.Close()
	}
}

// Instances that start together on a new database migrate it once, one
// after another.
func TestOpen_PostgresInstancesStartingTogetherMigrateOnce(t *testing.T) {
	dsn := storetest.Postgres(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := store.Open(context.Background(), dsn)
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpen_PostgresErrorHidesThePassword(t *testing.T) {
	_, err := store.Open(context.Background(), "postgres://gatehouse:s3cret-pw@127.0.0.1:1/none?connect_timeout=2")
	if err == nil {
		t.Fatal("open of a server that is not there succeeded")
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestOpen_EmptyDSNIsGatehouseDBInWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	db, err := store.Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := os.Stat(filepath.Join(dir, store.DefaultPath)); err != nil {
		t.Fatal(err)
	}
}

func TestOpen_FileURI(t *testing.T) {
	path := filepath.Join(t.TempDir(), "uri.db")
	db, err := store.Open(context.Background(), "file:"+path+"?cache=private")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	org := mustCreateOrg(t, db, "Acme")
	mustView(t, db, func(tx gatehouse.Tx) error {
		_, err := tx.FindOrganization(org.ID)
		return err
	})
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

func TestOpen_PragmasAreSet(t *testing.T) {
	db := mustOpenPath(t, filepath.Join(t.TempDir(), "gatehouse.db")) // SQLite's own settings
	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"busy_timeout": "5000",
		"synchronous":  "2", // FULL
	} {
		var got string
		if err := db.SQL().QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

func TestMigrate_IsIdempotent(t *testing.T) {
	db := MustOpen(t)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Every migration can be undone and redone: its Down section is valid SQL
// that leaves nothing behind.
func TestMigrate_DownAndUpAgain(t *testing.T) {
	db := MustOpen(t)
	mustCreateOrg(t, db, "Acme")
	fsys, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	dialect, countTables := goose.DialectSQLite3,
		`SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'goose%' AND name NOT LIKE 'sqlite%'`
	if db.Engine() == "postgres" {
		dialect, countTables = goose.DialectPostgres,
			`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name NOT LIKE 'goose%'`
	}
	p, err := goose.NewProvider(dialect, db.SQL(), fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	var tables int
	if err := db.SQL().QueryRow(countTables).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 0 {
		t.Errorf("%d tables left after migrating down", tables)
	}
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	mustCreateOrg(t, db, "Acme again")
}

// The store writes every query with $1, $2, ... placeholders, which
// PostgreSQL requires; this proves SQLite binds them by number, reused ones
// included.
func TestPlaceholders_NumberedAndReused(t *testing.T) {
	db := MustOpen(t)
	var got string
	if err := db.SQL().QueryRow(`SELECT $2 || $1 || $2`, "b", "a").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "aba" {
		t.Fatalf("got %q, want aba", got)
	}
}

func TestUpdate_RollsBackWhenFnFails(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	boom := errors.New("boom")
	var userID string
	err := db.Update(context.Background(), func(tx gatehouse.Tx) error {
		u := &gatehouse.User{OrgID: org.ID, Email: "a@example.com", Status: gatehouse.StatusActive}
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		userID = u.ID
		if _, err := tx.BumpRevision(org.ID); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want fn's error", err)
	}
	mustView(t, db, func(tx gatehouse.Tx) error {
		_, err := tx.FindUser(org.ID, userID)
		wantError(t, err, gatehouse.ENOTFOUND, "")
		got, err := tx.FindOrganization(org.ID)
		if err != nil {
			return err
		}
		if got.Revision != 0 {
			t.Errorf("revision = %d after rollback, want 0", got.Revision)
		}
		return nil
	})
}

func TestUpdate_RollsBackOnPanic(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	func() {
		defer func() { recover() }()
		db.Update(context.Background(), func(tx gatehouse.Tx) error {
			tx.BumpRevision(org.ID)
			panic("boom")
		})
	}()
	// The connection went back to the pool rolled back: the next write
	// neither blocks nor sees the bump.
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		rev, err := tx.BumpRevision(org.ID)
		if rev != 1 {
			t.Errorf("revision = %d, want 1", rev)
		}
		return err
	})
}

func TestView_KeepsNoWrites(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	err := db.View(t.Context(), func(tx gatehouse.Tx) error {
		_, err := tx.BumpRevision(org.ID)
		return err
	})
	// SQLite rolls the write back; PostgreSQL refuses it in a READ ONLY
	// transaction.
	if err != nil && db.Engine() != "postgres" {
		t.Fatal(err)
	}
	mustView(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindOrganization(org.ID)
		if err == nil && got.Revision != 0 {
			t.Errorf("revision = %d, want 0", got.Revision)
		}
		return err
	})
}

// An empty id names nothing: it must not fall through to "no filter" and
// return the first row.
func TestFind_EmptyIDIsNotFound(t *testing.T) {
	db := MustOpen(t)
	fx := mustFixture(t, db, "Acme")
	mustCreateUser(t, db, &gatehouse.User{OrgID: fx.org.ID, Email: "a@example.com"})
	mustView(t, db, func(tx gatehouse.Tx) error {
		_, err := tx.FindOrganization("")
		wantError(t, err, gatehouse.ENOTFOUND, "")
		_, err = tx.FindUser(fx.org.ID, "")
		wantError(t, err, gatehouse.ENOTFOUND, "")
		_, err = tx.FindUserByEmail(fx.org.ID, " ")
		wantError(t, err, gatehouse.ENOTFOUND, "")
		_, err = tx.FindGroup(fx.org.ID, "")
		wantError(t, err, gatehouse.ENOTFOUND, "")
		_, err = tx.FindFacility(fx.org.ID, "")
		wantError(t, err, gatehouse.ENOTFOUND, "")
		return nil
	})
}

// Writers queue (BEGIN IMMEDIATE with a busy timeout) instead of failing
// with "database is locked", and none of their writes is lost.
func TestUpdate_ConcurrentWritersAllCommit(t *testing.T) {
	db := MustOpen(t)
	org := mustCreateOrg(t, db, "Acme")
	const writers, writes = 8, 25
	errs := make(chan error, writers)
	for range writers {
		go func() {
			for range writes {
				err := db.Update(context.Background(), func(tx gatehouse.Tx) error {
					if _, err := tx.FindOrganization(org.ID); err != nil {
						return err
					}
					_, err := tx.BumpRevision(org.ID)
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	mustView(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindOrganization(org.ID)
		if err == nil && got.Revision != writers*writes {
			t.Errorf("revision = %d, want %d", got.Revision, writers*writes)
		}
		return err
	})
}

func TestRedact_HidesPasswordsWhereverTheyAre(t *testing.T) {
	for dsn, want := range map[string]string{
		"postgres://gh:s3cret@db:5432/gh?sslmode=require":  "postgres://gh:xxxxx@db:5432/gh?sslmode=require",
		"postgres://db/gh?password=s3cret&sslmode=disable": "postgres://db/gh?password=xxxxx&sslmode=disable",
		"postgresql://gh:50%off@db/gh":                     "postgres://(unreadable URL)",
		"postgres://db/gh":                                 "postgres://db/gh",
		"/var/lib/gatehouse/gatehouse.db":                  "/var/lib/gatehouse/gatehouse.db",
	} {
		if got := store.Redact(dsn); got != want {
			t.Errorf("Redact(%q) = %q, want %q", dsn, got, want)
		}
	}
}
