package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/jackc/pgx/v5"
)

// A CopyReport says what Copy copied: the schema's migration version and
// every table, in the order it was copied (a table after those it refers
// to), with its rows.
type CopyReport struct {
	Version int64
	Tables  []CopiedTable
}

// A CopiedTable is one table Copy copied.
type CopiedTable struct {
	Name string
	Rows int64
}

// gooseTable is where the migrations record which of them ran: each
// database keeps its own, so Copy leaves it alone.
const gooseTable = "goose_db_version"

// Copy moves an SQLite deployment to PostgreSQL: every row of every table of
// the SQLite database at from goes to the empty PostgreSQL database at to.
//
// The tables and their columns are read from the databases themselves, not
// listed here, so a table a later migration adds is copied too. Copy first
// refuses a target holding any row at all, changing nothing; then it brings
// both schemas up to date (the source refuses if a newer Gatehouse migrated
// it), and copies in one transaction on the target, tables in the order of
// their foreign keys, converting SQLite's values to PostgreSQL's types
// (0/1 to booleans, times in UTC to the microsecond PostgreSQL keeps,
// text, bytes, NULL as NULL). Password,
// token and key hashes are copied as they are, so passwords, sessions, API
// keys and mailed links keep working; organizations keep their revisions
// and recorded changes, so instances serving the target start in step.
//
// The source must not be written meanwhile: copy a stopped deployment, or
// a file written by Backup.
func Copy(ctx context.Context, from, to string) (*CopyReport, error) {
	if err := checkCopyEnds(from, to); err != nil {
		return nil, err
	}

	// The target first: a refusal must change nothing, not even migrate it.
	dst, err := open(ctx, to)
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	if err := dst.refuseRows(ctx); err != nil {
		return nil, err
	}

	src, err := open(ctx, from)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	latest, err := latestMigration()
	if err != nil {
		return nil, err
	}
	if v, err := src.schemaVersion(ctx); err != nil {
		return nil, err
	} else if v > latest {
		return nil, gatehouse.Invalid("from",
			"%s is at migration %d, which this Gatehouse does not know (it knows up to %d): copy with the Gatehouse that last served it",
			from, v, latest)
	}
	if err := src.Migrate(ctx); err != nil {
		return nil, err
	}
	if err := dst.Migrate(ctx); err != nil {
		return nil, err
	}
	srcVersion, err := src.schemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	dstVersion, err := dst.schemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if srcVersion != dstVersion {
		return nil, gatehouse.Invalid("to",
			"%s is at migration %d and %s at %d: both must be at the same one", Redact(to), dstVersion, from, srcVersion)
	}

	tables, err := src.copyPlan(ctx, dst)
	if err != nil {
		return nil, err
	}
	report := &CopyReport{Version: srcVersion}

	// One read transaction on the source (SQLite's are consistent
	// snapshots) and one write transaction on the target.
	srcTx, err := src.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("store: copy: read %s: %w", from, err)
	}
	defer srcTx.Rollback()
	conn, err := pgx.Connect(ctx, dst.dsn)
	if err != nil {
		return nil, fmt.Errorf("store: copy: connect to %s: %w", Redact(to), err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	dstTx, err := conn.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: copy: begin on %s: %w", Redact(to), err)
	}
	defer dstTx.Rollback(context.WithoutCancel(ctx))

	// Nobody writes to the target until the copy commits, and it is still
	// empty now that nobody can.
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = pgx.Identifier{t.name}.Sanitize()
	}
	if _, err := dstTx.Exec(ctx, "LOCK TABLE "+strings.Join(names, ", ")+" IN EXCLUSIVE MODE"); err != nil {
		return nil, fmt.Errorf("store: copy: lock the tables of %s: %w", Redact(to), err)
	}
	for _, t := range tables {
		var found bool
		if err := dstTx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+pgx.Identifier{t.name}.Sanitize()+")").Scan(&found); err != nil {
			return nil, fmt.Errorf("store: copy: %w", err)
		}
		if found {
			return nil, notEmpty(to, t.name)
		}
	}

	for _, t := range tables {
		n, err := t.copy(ctx, srcTx, dstTx)
		if err != nil {
			return nil, fmt.Errorf("store: copy table %s: %w", t.name, err)
		}
		report.Tables = append(report.Tables, CopiedTable{Name: t.name, Rows: n})
	}
	if err := dstTx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("store: copy: commit on %s: %w", Redact(to), err)
	}
	// Fresh statistics for the planner: the tables were empty a moment ago.
	conn.Exec(ctx, "ANALYZE "+strings.Join(names, ", "))
	return report, nil
}

// checkCopyEnds refuses a copy that does not go from an existing SQLite
// file to a PostgreSQL URL.
func checkCopyEnds(from, to string) error {
	switch {
	case from == "":
		return gatehouse.Invalid("from", "name the SQLite database to copy from")
	case IsPostgres(from):
		return gatehouse.Invalid("from", "copy reads an SQLite database (a file), not %s: "+
			"to move between PostgreSQL databases, use pg_dump and pg_restore", Redact(from))
	case to == "":
		return gatehouse.Invalid("to", "name the PostgreSQL database to copy to (postgres://…)")
	case !IsPostgres(to):
		return gatehouse.Invalid("to", "copy writes to a PostgreSQL database (a postgres:// URL), not %s: "+
			"to copy an SQLite database to a file, use gatehouse backup", to)
	}
	path := strings.TrimPrefix(from, "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if _, err := os.Stat(path); err != nil {
		return gatehouse.Invalid("from", "%s: no such SQLite database (%v)", from, err)
	}
	return nil
}

func notEmpty(to, table string) error {
	return gatehouse.Errorf(gatehouse.ECONFLICT,
		"%s is not empty (table %s has rows): copy only writes to an empty database; nothing was changed", Redact(to), table)
}

// refuseRows fails with ECONFLICT when any table of the database, other
// than the migrations' record, holds a row: Gatehouse's tables, or anything
// else in the schema.
func (db *DB) refuseRows(ctx context.Context) error {
	rows, err := db.db.QueryContext(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		return fmt.Errorf("store: copy: list the tables of %s: %w", Redact(db.dsn), err)
	}
	names, err := scanStrings(rows)
	if err != nil {
		return fmt.Errorf("store: copy: list the tables of %s: %w", Redact(db.dsn), err)
	}
	for _, name := range names {
		if name == gooseTable {
			continue
		}
		var found bool
		if err := db.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+pgx.Identifier{name}.Sanitize()+")").Scan(&found); err != nil {
			return fmt.Errorf("store: copy: read %s: %w", name, err)
		}
		if found {
			return notEmpty(db.dsn, name)
		}
	}
	return nil
}

// schemaVersion is the newest migration applied to the database, 0 before
// the first.
func (db *DB) schemaVersion(ctx context.Context) (int64, error) {
	var exists bool
	q := `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1)`
	if db.dialect == dialectPostgres {
		q = `SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1)`
	}
	if err := db.db.QueryRowContext(ctx, q, gooseTable).Scan(&exists); err != nil {
		return 0, fmt.Errorf("store: read the migration version of %s: %w", Redact(db.dsn), err)
	}
	if !exists {
		return 0, nil
	}
	var v int64
	if err := db.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM `+gooseTable+` WHERE is_applied`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: read the migration version of %s: %w", Redact(db.dsn), err)
	}
	return v, nil
}

// latestMigration is the number of the newest embedded migration.
func latestMigration() (int64, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return 0, err
	}
	var latest int64
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		if n, err := strconv.ParseInt(num, 10, 64); err == nil {
			latest = max(latest, n)
		}
	}
	return latest, nil
}

// A copyTable is one table to copy: its columns, with the target's type
// of each, and the tables its foreign keys refer to.
type copyTable struct {
	name    string
	columns []string
	types   []string // information_schema.columns.data_type on the target
	refers  []string
}

// copyPlan reads the tables of the SQLite source, their columns and
// foreign keys, and the target's types of those columns, and orders the
// tables so that each comes after the tables it refers to.
func (db *DB) copyPlan(ctx context.Context, dst *DB) ([]*copyTable, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT name FROM sqlite_master
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> $1 ORDER BY name`, gooseTable)
	if err != nil {
		return nil, fmt.Errorf("store: copy: list the tables: %w", err)
	}
	names, err := scanStrings(rows)
	if err != nil {
		return nil, fmt.Errorf("store: copy: list the tables: %w", err)
	}
	byName := map[string]*copyTable{}
	for _, name := range names {
		t := &copyTable{name: name}
		rows, err := db.db.QueryContext(ctx, `SELECT name FROM pragma_table_info($1) ORDER BY cid`, name)
		if err != nil {
			return nil, fmt.Errorf("store: copy: columns of %s: %w", name, err)
		}
		if t.columns, err = scanStrings(rows); err != nil {
			return nil, fmt.Errorf("store: copy: columns of %s: %w", name, err)
		}
		rows, err = db.db.QueryContext(ctx, `SELECT DISTINCT "table" FROM pragma_foreign_key_list($1)`, name)
		if err != nil {
			return nil, fmt.Errorf("store: copy: foreign keys of %s: %w", name, err)
		}
		if t.refers, err = scanStrings(rows); err != nil {
			return nil, fmt.Errorf("store: copy: foreign keys of %s: %w", name, err)
		}
		rows, err = dst.db.QueryContext(ctx, `SELECT column_name, data_type FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1`, name)
		if err != nil {
			return nil, fmt.Errorf("store: copy: columns of %s on the target: %w", name, err)
		}
		types := map[string]string{}
		for rows.Next() {
			var col, typ string
			if err := rows.Scan(&col, &typ); err != nil {
				rows.Close()
				return nil, err
			}
			types[col] = typ
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(types) == 0 {
			return nil, fmt.Errorf("store: copy: the target has no table %s", name)
		}
		for _, col := range t.columns {
			typ, ok := types[col]
			if !ok {
				return nil, fmt.Errorf("store: copy: the target's table %s has no column %s", name, col)
			}
			t.types = append(t.types, typ)
		}
		byName[name] = t
	}

	// Depth-first: a table after the tables it refers to (names in order,
	// so the order is the same on every run).
	var order []*copyTable
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name, from string) error
	visit = func(name, from string) error {
		t, ok := byName[name]
		if !ok {
			return fmt.Errorf("store: copy: %s refers to %s, which is not a table", from, name)
		}
		switch state[name] {
		case 1:
			if name == from {
				return nil // a table referring to itself: SQLite's schema has none today
			}
			return fmt.Errorf("store: copy: the foreign keys of %s and %s refer to each other", from, name)
		case 2:
			return nil
		}
		state[name] = 1
		for _, ref := range t.refers {
			if err := visit(ref, name); err != nil {
				return err
			}
		}
		state[name] = 2
		order = append(order, t)
		return nil
	}
	for _, name := range names {
		if err := visit(name, name); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// copy copies every row of the table from the source's transaction to the
// target's, with COPY, and returns how many rows it copied.
func (t *copyTable) copy(ctx context.Context, src *sql.Tx, dst pgx.Tx) (int64, error) {
	quoted := make([]string, len(t.columns))
	for i, c := range t.columns {
		quoted[i] = pgx.Identifier{c}.Sanitize() // SQLite quotes names as PostgreSQL does
	}
	rows, err := src.QueryContext(ctx, "SELECT "+strings.Join(quoted, ", ")+" FROM "+pgx.Identifier{t.name}.Sanitize())
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n, err := dst.CopyFrom(ctx, pgx.Identifier{t.name}, t.columns, &copySource{table: t, rows: rows})
	if err != nil {
		return n, err
	}
	return n, rows.Err()
}

// copySource hands the source's rows to pgx's COPY, each value converted
// to its column's type on the target.
type copySource struct {
	table *copyTable
	rows  *sql.Rows
	err   error
}

func (s *copySource) Next() bool { return s.err == nil && s.rows.Next() }

func (s *copySource) Values() ([]any, error) {
	raw := make([]any, len(s.table.columns))
	ptrs := make([]any, len(raw))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if err := s.rows.Scan(ptrs...); err != nil {
		s.err = err
		return nil, err
	}
	for i, v := range raw {
		c, err := convertValue(v, s.table.types[i])
		if err != nil {
			s.err = fmt.Errorf("column %s: %w", s.table.columns[i], err)
			return nil, s.err
		}
		raw[i] = c
	}
	return raw, nil
}

func (s *copySource) Err() error {
	if s.err != nil {
		return s.err
	}
	return s.rows.Err()
}

// sqliteTimeLayouts are the ways SQLite may hold a time as text: the
// driver's own (what the store writes) and SQLite's date functions'.
var sqliteTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
}

// convertValue turns a value read from SQLite into one for a PostgreSQL
// column of type typ (information_schema's data_type). NULL stays NULL.
func convertValue(v any, typ string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		case float64:
			return x != 0, nil
		case string:
			return strconv.ParseBool(strings.ToLower(x))
		case []byte:
			return strconv.ParseBool(strings.ToLower(string(x)))
		}
	case "timestamp without time zone", "timestamp with time zone", "date":
		switch x := v.(type) {
		case time.Time:
			return x.UTC().Truncate(time.Microsecond), nil // PostgreSQL's precision
		case int64:
			return time.Unix(x, 0).UTC(), nil
		case string:
			return parseSQLiteTime(x)
		case []byte:
			return parseSQLiteTime(string(x))
		}
	case "bigint", "integer", "smallint":
		switch x := v.(type) {
		case int64:
			return x, nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case string:
			return strconv.ParseInt(x, 10, 64)
		case []byte:
			return strconv.ParseInt(string(x), 10, 64)
		}
	case "bytea":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	case "text", "character varying", "character":
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case time.Time:
			return x.UTC().Format(time.RFC3339Nano), nil
		}
	default:
		return v, nil
	}
	return nil, fmt.Errorf("cannot store %T %v as %s", v, v, typ)
}

func parseSQLiteTime(s string) (time.Time, error) {
	for _, layout := range sqliteTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Microsecond), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time", s)
}

// scanStrings returns the first column of every row, and closes rows.
func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}
