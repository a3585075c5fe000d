package store

import (
	"context"
	"fmt"
	"os"

	"github.com/gatehouse/gatehouse"
)

// Backup writes a consistent copy of an SQLite database to path while
// Gatehouse keeps serving (VACUUM INTO: one read transaction, so the copy
// is the state of one moment, compacted). The file must not exist yet.
// PostgreSQL has its own tools (pg_dump), which know more than Gatehouse
// about its server.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.dialect == dialectPostgres {
		return gatehouse.Invalid("db", "back up PostgreSQL with pg_dump (see docs/operations.md)")
	}
	if path == "" {
		return gatehouse.Invalid("out", "name the file to write the backup to")
	}
	if _, err := os.Stat(path); err == nil {
		return gatehouse.Errorf(gatehouse.ECONFLICT, "%s already exists: a backup never overwrites a file", path)
	}
	if _, err := db.db.ExecContext(ctx, `VACUUM INTO $1`, path); err != nil {
		return fmt.Errorf("store: backup to %s: %w", path, err)
	}
	return nil
}
