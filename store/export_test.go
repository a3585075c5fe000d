package store

import (
	"database/sql"
	"io/fs"
)

// SQL exposes the database handle to tests that must reach under the Tx
// interface, e.g. to prove a constraint holds at the database level.
func (db *DB) SQL() *sql.DB { return db.db }

// Migrations is the embedded migrations directory, for tests that run
// migrations down as well as up.
func Migrations() (fs.FS, error) { return fs.Sub(migrationFiles, "migrations") }
