// Package storetest gives tests a database of their own on either engine:
// an SQLite file by default, or a fresh schema in a PostgreSQL server.
//
//	GATEHOUSE_TEST_POSTGRES=postgres://…   the server PostgreSQL-only tests use
//	GATEHOUSE_TEST_DB=postgres             every test's database on that server
//
// .ci/postgres starts a local server and prints its URL.
package storetest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// DSN returns the address of a new, empty database that is dropped when the
// test ends: a schema of its own on the PostgreSQL server when
// GATEHOUSE_TEST_DB is "postgres", an SQLite file under tb.TempDir()
// otherwise.
func DSN(tb testing.TB) string {
	tb.Helper()
	if onPostgres() {
		if os.Getenv("GATEHOUSE_TEST_POSTGRES") == "" {
			tb.Fatal("GATEHOUSE_TEST_DB=postgres needs GATEHOUSE_TEST_POSTGRES, the server's URL")
		}
		return Postgres(tb)
	}
	return filepath.Join(tb.TempDir(), "gatehouse.db")
}

// onPostgres reports whether DSN hands out PostgreSQL databases.
func onPostgres() bool { return os.Getenv("GATEHOUSE_TEST_DB") == "postgres" }

// Postgres returns the URL of a new, empty schema on the server that
// GATEHOUSE_TEST_POSTGRES names, dropped when the test ends. Without a
// server the test is skipped, or fails when CI is set: CI must not pass by
// skipping.
func Postgres(tb testing.TB) string {
	tb.Helper()
	server := os.Getenv("GATEHOUSE_TEST_POSTGRES")
	if server == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("GATEHOUSE_TEST_POSTGRES is not set: .ci/run starts a server and sets it")
		}
		tb.Skip("no PostgreSQL server: set GATEHOUSE_TEST_POSTGRES=$(bash .ci/postgres)")
	}
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("GATEHOUSE_TEST_POSTGRES: %v", err)
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 8)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		tb.Fatalf("PostgreSQL at %s: %v", u.Redacted(), err)
	}
	tb.Cleanup(func() {
		admin, err := sql.Open("pgx", server)
		if err != nil {
			return
		}
		defer admin.Close()
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenRaw opens the database at dsn beneath the store, for tests that read
// what it wrote. (It cannot call store.IsPostgres: the store's own tests
// import this package.)
func OpenRaw(dsn string) (*sql.DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return sql.Open("pgx", dsn)
	}
	return sql.Open("sqlite", dsn)
}

// Tables lists the tables of the database raw is open on.
func Tables(raw *sql.DB) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	var probe int
	if raw.QueryRow(`SELECT 1 FROM information_schema.tables LIMIT 1`).Scan(&probe) == nil {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	rows, err := raw.Query(q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, rows.Err()
}
