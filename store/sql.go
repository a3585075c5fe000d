package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// args collects the arguments of a query built piece by piece and hands out
// their numbered placeholders ($1, $2, ...), which both SQLite and
// PostgreSQL accept.
type args struct {
	dialect dialect
	values  []any
}

// add appends v and returns its placeholder.
func (a *args) add(v any) string {
	a.values = append(a.values, v)
	return "$" + strconv.Itoa(len(a.values))
}

// maxListedIDs is how many ids an IN list spells out as placeholders; longer
// lists travel as one JSON argument, so no list ever meets the database's
// limit on arguments.
const maxListedIDs = 100

// in returns the right-hand side of "x IN ...", as a parenthesised list.
func (a *args) in(ids []string) string {
	if len(ids) > maxListedIDs {
		data, _ := json.Marshal(ids) // a []string always marshals
		p := a.add(string(data))
		if a.dialect == dialectPostgres {
			return "(SELECT jsonb_array_elements_text(" + p + "::jsonb))"
		}
		return "(SELECT value FROM json_each(" + p + "))"
	}
	if len(ids) == 0 {
		return "(NULL)" // matches nothing
	}
	var b strings.Builder
	b.WriteByte('(')
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.add(id))
	}
	b.WriteByte(')')
	return b.String()
}

// contains returns a condition that holds when q, case-insensitively, is
// part of any of the columns.
func (a *args) contains(q string, columns ...string) string {
	p := a.add(likeContains(strings.ToLower(q)))
	conds := make([]string, len(columns))
	for i, c := range columns {
		conds[i] = "lower(" + c + ") LIKE " + p + ` ESCAPE '\'`
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

// likeContains returns a LIKE pattern matching s anywhere, with LIKE's
// wildcards in s escaped by backslash (use with ESCAPE '\').
func likeContains(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// normalizeIDs returns ids sorted and without duplicates, never nil, so that
// what is stored and what the caller holds agree.
func normalizeIDs(ids []string) []string {
	out := append([]string{}, ids...)
	slices.Sort(out)
	return slices.Compact(out)
}

// limitOr returns limit, or def when limit is not positive.
func limitOr(limit, def int) int {
	if limit <= 0 {
		return def
	}
	return limit
}

// DefaultLimit is the page size of a list when the filter gives none.
const DefaultLimit = 50

// A constraint is one of the schema's constraints that a caller can violate,
// with the error the caller gets. SQLite reports a unique violation by its
// columns and a check violation by its name; PostgreSQL reports the name.
type constraint struct {
	name    string // as declared in the migrations
	columns string // as SQLite lists them in a unique violation
	code    string
	field   string
	message string
}

var constraints = []constraint{
	{"users_org_email_key", "users.org_id, users.email_lower", gatehouse.ECONFLICT, "email",
		"email is already used by another user in this organization"},
	{"users_status_check", "", gatehouse.EINVALID, "status",
		"status must be invited, active or inactive"},
	{"groups_org_name_key", "groups.org_id, groups.name_lower", gatehouse.ECONFLICT, "name",
		"group name is already taken in this organization"},
	{"facilities_org_external_id_key", "facilities.org_id, facilities.external_id", gatehouse.ECONFLICT, "external_id",
		"external_id is already used by another facility in this organization"},
	{"invitations_token_hash_key", "invitations.token_hash", gatehouse.ECONFLICT, "token",
		"invitation token already exists"},
	{"api_keys_secret_hash_key", "api_keys.secret_hash", gatehouse.ECONFLICT, "secret",
		"API key secret already exists"},
}

// PostgreSQL's error codes that dbError maps (SQLSTATE, appendix A of its
// manual).
var pgerrcode = struct{ UniqueViolation, CheckViolation, ForeignKeyViolation, CharacterNotInRepertoire string }{"23505", "23514", "23503", "22021"}

// dbError turns a constraint violation of either database into the domain
// error that names the field at fault, a database that cannot be reached
// into EUNAVAILABLE, and wraps anything else as an internal error of op.
func dbError(op string, err error) error {
	var e *gatehouse.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case pgerrcode.UniqueViolation, pgerrcode.CheckViolation:
			for _, c := range constraints {
				if c.name == pe.ConstraintName {
					return &gatehouse.Error{Code: c.code, Field: c.field, Message: c.message}
				}
			}
			if pe.Code == pgerrcode.UniqueViolation {
				return gatehouse.Errorf(gatehouse.ECONFLICT, "already exists")
			}
		case pgerrcode.ForeignKeyViolation:
			return gatehouse.Errorf(gatehouse.ENOTFOUND, "a linked record was not found in this organization")
		case pgerrcode.CharacterNotInRepertoire:
			// A NUL in a text PostgreSQL is given (SQLite takes it): bad
			// input, wherever it came from (an email at sign-in, an id in a
			// path), never a server error.
			return gatehouse.Errorf(gatehouse.EINVALID, "a text must not contain a NUL character")
		}
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		msg := se.Error()
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			for _, c := range constraints {
				if c.columns != "" && strings.Contains(msg, "constraint failed: "+c.columns+" ") {
					return &gatehouse.Error{Code: c.code, Field: c.field, Message: c.message}
				}
			}
			return gatehouse.Errorf(gatehouse.ECONFLICT, "already exists")
		case sqlite3.SQLITE_CONSTRAINT_CHECK:
			for _, c := range constraints {
				if strings.Contains(msg, "constraint failed: "+c.name) {
					return &gatehouse.Error{Code: c.code, Field: c.field, Message: c.message}
				}
			}
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			// Callers check the rows they link to first, so that the error
			// names the field; this is the database's last word.
			return gatehouse.Errorf(gatehouse.ENOTFOUND, "a linked record was not found in this organization")
		}
	}
	return classify(fmt.Errorf("store: %s: %w", op, err))
}

// checkIDs returns a not_found error naming field and the first of ids that
// is not a row of table in the organization. Writes call it before linking
// rows, so that a bad id is reported as the caller's mistake.
func (t *tx) checkIDs(table, what, field, orgID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	a := args{dialect: t.dialect}
	q := "SELECT id FROM " + table + " WHERE org_id = " + a.add(orgID) + " AND id IN " + a.in(ids)
	found, err := t.strings(q, a.values...)
	if err != nil {
		return dbError("check "+field, err)
	}
	if len(found) == len(ids) {
		return nil
	}
	for _, id := range ids {
		if !slices.Contains(found, id) {
			return &gatehouse.Error{Code: gatehouse.ENOTFOUND, Field: field, Message: fmt.Sprintf("%s %q not found", what, id)}
		}
	}
	return nil
}

// strings runs a query of one text column.
func (t *tx) strings(query string, args ...any) ([]string, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// linkColumns loads, for the rows whose owner column is in ids, the values of
// one other column, sorted, grouped by owner: a page's groups, permissions or
// facilities in one query. With ids nil, it loads them for every owner of
// the organization.
func (t *tx) linkColumns(table, owner, value, orgID string, ids []string) (map[string][]string, error) {
	out := make(map[string][]string, len(ids))
	if ids != nil && len(ids) == 0 {
		return out, nil
	}
	a := args{dialect: t.dialect}
	q := "SELECT " + owner + ", " + value + " FROM " + table + " WHERE org_id = " + a.add(orgID)
	if ids != nil {
		q += " AND " + owner + " IN " + a.in(ids)
	}
	q += " ORDER BY " + owner + ", " + value
	rows, err := t.query(q, a.values...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var o, v string
		if err := rows.Scan(&o, &v); err != nil {
			return nil, err
		}
		out[o] = append(out[o], v)
	}
	return out, rows.Err()
}

// replaceLinks makes the rows of table for one owner exactly values: the
// user's groups, permissions or facilities, or the group's permissions.
func (t *tx) replaceLinks(table, owner, value, orgID, ownerID string, values []string) error {
	if _, err := t.exec("DELETE FROM "+table+" WHERE org_id = $1 AND "+owner+" = $2", orgID, ownerID); err != nil {
		return err
	}
	// Insert in batches of rows, each well within the argument limit.
	const batch = 500
	for start := 0; start < len(values); start += batch {
		chunk := values[start:min(start+batch, len(values))]
		a := args{dialect: t.dialect}
		org, own := a.add(orgID), a.add(ownerID)
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (org_id, " + owner + ", " + value + ") VALUES ")
		for i, v := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + org + ", " + own + ", " + a.add(v) + ")")
		}
		if _, err := t.exec(b.String(), a.values...); err != nil {
			return err
		}
	}
	return nil
}
