package store

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/store/storetest"
)

func readOrgs(db *DB) error {
	return db.View(context.Background(), func(tx gatehouse.Tx) error {
		_, err := tx.FindOrganization("org_none")
		if gatehouse.ErrorCode(err) == gatehouse.ENOTFOUND {
			return nil
		}
		return err
	})
}

// A closed SQLite database is unavailable, not an internal error.
func TestUnavailable_SQLiteClosed(t *testing.T) {
	db, err := Open(context.Background(), storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := readOrgs(db); gatehouse.ErrorCode(err) != gatehouse.EUNAVAILABLE {
		t.Fatalf("closed database: %v (%s), want unavailable", err, gatehouse.ErrorCode(err))
	}
}

// An SQLite file still locked by another writer after the busy timeout is
// unavailable (this test waits out the 5 s timeout).
func TestUnavailable_SQLiteLockedAfterBusyTimeout(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/gatehouse.db"
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), "ROLLBACK")
	err = db.Update(context.Background(), func(tx gatehouse.Tx) error { return nil })
	if gatehouse.ErrorCode(err) != gatehouse.EUNAVAILABLE {
		t.Fatalf("locked database: %v (%s), want unavailable", err, gatehouse.ErrorCode(err))
	}
}

// PostgreSQL that cannot be reached is unavailable: a connection lost, and
// new connections refused.
func TestUnavailable_PostgresUnreachable(t *testing.T) {
	proxy, dsn := storetest.NewProxy(t, storetest.Postgres(t))
	db, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := readOrgs(db); err != nil {
		t.Fatal(err)
	}
	proxy.Cut()
	for i := range 3 { // the pool's idle connection is dead, then none can be made
		if err := readOrgs(db); gatehouse.ErrorCode(err) != gatehouse.EUNAVAILABLE {
			t.Fatalf("read %d while cut off: %v (%s), want unavailable", i, err, gatehouse.ErrorCode(err))
		}
	}
	proxy.Restore()
	if err := readOrgs(db); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
}

// A commit whose connection fails says that the write's outcome is unknown.
func TestUnavailable_PostgresCommitOutcomeUnknown(t *testing.T) {
	proxy, dsn := storetest.NewProxy(t, storetest.Postgres(t))
	db, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(context.Background(), func(gtx gatehouse.Tx) error {
		if _, err := gtx.(*tx).exec(`SELECT 1`); err != nil {
			return err
		}
		proxy.Cut() // the connection dies before COMMIT is answered
		return nil
	})
	if gatehouse.ErrorCode(err) != gatehouse.EUNAVAILABLE || !strings.Contains(gatehouse.ErrorMessage(err), "may or may not") {
		t.Fatalf("commit on a lost connection: %v (%s)", err, gatehouse.ErrorCode(err))
	}
}
