// Package store is Gatehouse's plain-SQL storage for SQLite and
// PostgreSQL: it implements gatehouse.Store and gatehouse.Tx. One set of SQL
// with $N placeholders runs on both; the few differences switch on dialect.
package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"hash/crc64"
	"io/fs"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DefaultPath is the SQLite file used when no DSN is given, relative to the
// working directory.
const DefaultPath = "gatehouse.db"

// sqlitePragmas make every SQLite connection wait for locks instead of
// failing, use the write-ahead log (readers never block the writer), enforce
// foreign keys, start write transactions with BEGIN IMMEDIATE (so two writers
// never deadlock upgrading their locks) and store times in SQLite's own
// format. synchronous(FULL) syncs the log at every commit: an accepted write
// survives a power loss too, not only a crash of the process.
const sqlitePragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(FULL)&_txlock=immediate&_time_format=sqlite"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// dialect is the SQL database behind a DB. The few places where SQLite and
// PostgreSQL differ switch on it.
type dialect int

const (
	dialectSQLite dialect = iota + 1
	dialectPostgres
)

// DB is a Gatehouse database. It implements gatehouse.Store.
type DB struct {
	db      *sql.DB
	dialect dialect
	dsn     string // for Listen's own connection
	schema  string // PostgreSQL's current_schema()
	// listening is true while Listen holds its connection, caught up.
	listening atomic.Bool

	// Now returns the current time; tests replace it. Times are stored in
	// UTC with microsecond precision, the precision PostgreSQL keeps.
	Now func() time.Time
}

var _ gatehouse.Store = (*DB)(nil)

// Open opens the database named by dsn and brings its schema up to date. An
// empty dsn means DefaultPath; a postgres:// or postgresql:// URL is a
// PostgreSQL database (any libpq parameter, such as search_path, may follow);
// anything else is an SQLite file path or "file:" URI.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db, err := open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// open opens the database named by dsn as Open does, without migrating it.
func open(ctx context.Context, dsn string) (*DB, error) {
	if dsn == "" {
		dsn = DefaultPath
	}
	db := &DB{dialect: dialectSQLite, dsn: dsn, Now: time.Now}
	driver, source := "sqlite", dsn
	if IsPostgres(dsn) {
		db.dialect, driver = dialectPostgres, "pgx"
	} else {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		source = dsn + sep + sqlitePragmas
	}
	sqlDB, err := sql.Open(driver, source)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", Redact(dsn), err)
	}
	if db.dialect == dialectPostgres {
		// Enough connections for the requests of one instance; several
		// instances share the server's max_connections (100 by default).
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	db.db = sqlDB
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: open %s: %w", Redact(dsn), err)
	}
	if db.dialect == dialectPostgres {
		// The schema the tables live in names the migration lock and the
		// notification channel: deployments in other schemas of the same
		// database neither wait for nor hear each other.
		if err := sqlDB.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&db.schema); err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("store: open %s: %w", Redact(dsn), err)
		}
	}
	return db, nil
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Redact returns dsn without its password (in the user part or as a
// password parameter), for logs and errors; a URL that does not parse is
// not shown at all.
func Redact(dsn string) string {
	if !IsPostgres(dsn) {
		return dsn // a file path
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unreadable URL)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Engine names the database behind db: "sqlite" or "postgres".
func (db *DB) Engine() string {
	if db.dialect == dialectPostgres {
		return "postgres"
	}
	return "sqlite"
}

// Migrate applies every embedded migration the database has not seen yet.
func (db *DB) Migrate(ctx context.Context) error {
	p, err := db.migrations()
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// MigrateDownTo undoes the migrations after version, newest first, to
// go back to an older release (`gatehouse migrate --down-to N`).
func (db *DB) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := db.migrations()
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if _, err := p.DownTo(ctx, version); err != nil {
		return fmt.Errorf("store: migrate down to %d: %w", version, err)
	}
	return nil
}

// migrations is the goose provider of the embedded migrations.
func (db *DB) migrations() (*goose.Provider, error) {
	fsys, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	gooseDialect := goose.DialectSQLite3
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if db.dialect == dialectPostgres {
		gooseDialect = goose.DialectPostgres
		// Instances starting together migrate one at a time (an advisory
		// lock, one per schema, since each schema has its own tables);
		// SQLite's write lock does the same for a file.
		lockID := int64(crc64.Checksum([]byte("gatehouse migrations "+db.schema), crc64.MakeTable(crc64.ECMA)) >> 1)
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID), lock.WithLockTimeout(1, 120))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(gooseDialect, db.db, fsys, opts...)
}

// Close closes the database.
func (db *DB) Close() error { return db.db.Close() }

// Ping reports whether the database answers, for readiness checks.
func (db *DB) Ping(ctx context.Context) error { return db.db.PingContext(ctx) }

// Update runs fn in one read-write transaction, committed when fn returns
// nil and rolled back otherwise. On SQLite it begins with BEGIN IMMEDIATE,
// so writers queue up front rather than fail halfway.
func (db *DB) Update(ctx context.Context, fn func(gatehouse.Tx) error) error {
	return db.run(ctx, false, fn)
}

// View runs fn in a read-only transaction: it sees one consistent state of
// the database (on PostgreSQL, a REPEATABLE READ snapshot; SQLite's
// transactions always are one), and anything it writes is rolled back.
func (db *DB) View(ctx context.Context, fn func(gatehouse.Tx) error) error {
	return db.run(ctx, true, fn)
}

func (db *DB) run(ctx context.Context, readOnly bool, fn func(gatehouse.Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: readOnly}
	if readOnly && db.dialect == dialectPostgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	sqlTx, err := db.db.BeginTx(ctx, opts)
	if err != nil {
		return classify(fmt.Errorf("store: begin: %w", err))
	}
	t := &tx{tx: sqlTx, ctx: ctx, dialect: db.dialect, channel: db.revisionChannel(), now: db.Now().UTC().Truncate(time.Microsecond)}
	committed := false
	defer func() {
		if !committed {
			sqlTx.Rollback() // the error that got us here is the one worth reporting
		}
	}()
	if err := fn(t); err != nil {
		return classify(err)
	}
	if readOnly {
		return nil
	}
	if err := sqlTx.Commit(); err != nil {
		err = fmt.Errorf("store: commit: %w", err)
		if unreachable(err) {
			// The commit may have reached the database before the
			// connection failed: say that the outcome is unknown.
			return errOutcomeUnknown(err)
		}
		return err
	}
	committed = true
	return nil
}

// tx is one transaction; it implements gatehouse.Tx. The interface's methods
// take no context, so the transaction carries the one it was started with.
type tx struct {
	tx      *sql.Tx
	ctx     context.Context
	dialect dialect
	channel string    // where announce tells other instances of revisions
	now     time.Time // one clock reading per transaction, so its rows agree
}

var _ gatehouse.Tx = (*tx)(nil)

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(t.ctx, query, args...)
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(t.ctx, query, args...)
}

func (t *tx) queryRow(query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(t.ctx, query, args...)
}

// affected returns an error when a write that names one row changed none:
// notFound when it is missing.
func affected(res sql.Result, notFound *gatehouse.Error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return nil
}
