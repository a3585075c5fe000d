package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/gatehouse/gatehouse"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// unreachable reports whether err says that the database could not be
// reached or did not answer in time, rather than that it refused the
// statement: PostgreSQL that does not accept connections or lost one (a
// connect error, a broken or timed-out connection, "the database system is
// shutting down"), a wait for a connection that outlived its deadline, and
// SQLite still locked after its busy timeout, or a file that cannot be
// opened or read.
func unreachable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		pgconn.Timeout(err) {
		return true
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 57P01-57P03: the server is
		// shutting down or starting; 53300: too many connections.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || pe.Code == "53300"
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR:
			return true
		}
		return false
	}
	// database/sql's own "sql: database is closed" has no exported value.
	return strings.Contains(err.Error(), "sql: database is closed")
}

// errUnavailable is the answer to a statement that could not reach the
// database: nothing was written, and the caller may try again.
func errUnavailable(err error) error {
	return &unavailableError{domain: gatehouse.Unavailable("the database is unavailable; nothing was changed; try again shortly"), cause: err}
}

// errOutcomeUnknown is the answer to a commit that did not come back: the
// write may or may not have been made.
func errOutcomeUnknown(err error) error {
	return &unavailableError{domain: gatehouse.Unavailable("the database did not confirm the write: it may or may not have been made; check, or repeat it (see docs/operations.md for which writes are safe to repeat)"), cause: err}
}

// unavailableError is an EUNAVAILABLE domain error that keeps the driver's
// error for logs and errors.Is.
type unavailableError struct {
	domain *gatehouse.Error
	cause  error
}

func (e *unavailableError) Error() string   { return e.domain.Error() + ": " + e.cause.Error() }
func (e *unavailableError) Unwrap() []error { return []error{e.domain, e.cause} }

// classify turns a database error that means "unreachable" into
// EUNAVAILABLE and leaves every other error as it is.
func classify(err error) error {
	var e *gatehouse.Error
	if err == nil || errors.As(err, &e) || !unreachable(err) {
		return err
	}
	return errUnavailable(err)
}
