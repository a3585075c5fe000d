package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// A Bulk is a set of new facilities, groups and users of one organization,
// inserted together by BulkInsert: how `gatehouse seed` fills an
// organization with 100,000 users in seconds rather than in 100,000
// transactions.
type Bulk struct {
	OrgID      string
	Facilities []*gatehouse.Facility
	Groups     []*gatehouse.Group
	Users      []*gatehouse.User // their GroupIDs and FacilityIDs name rows of this Bulk or of the organization
}

// bulkMaxArgs bounds the arguments of one multi-row INSERT on SQLite. It
// accepts far more, but looks each $N parameter up in a list as long as the
// statement's, so that a statement's cost grows with the square of its
// arguments: about 300 is the fastest (20,000 users seed in 2 seconds this
// way, in 28 with statements of 30,000 arguments).
const bulkMaxArgs = 300

// bulkMaxArgsPostgres is bulkMaxArgs on PostgreSQL, where each statement
// is a round trip and a parameter costs the same however many there are:
// a CSV import of 10,000 users takes half the time with it (docs/benchmarks.md).
// PostgreSQL's own limit is 65,535.
const bulkMaxArgsPostgres = 10_000

// maxArgs is how many arguments one statement of t's database takes.
func (t *tx) maxArgs() int {
	if t.dialect == dialectPostgres {
		return bulkMaxArgsPostgres
	}
	return bulkMaxArgs
}

// BulkInsert inserts every row of b in one transaction, with multi-row
// INSERT statements prepared once, and bumps the organization's revision
// once; it returns the new revision. Rows get ids and timestamps where they
// have none. It checks what the schema checks (foreign keys, unique emails
// and group names, statuses) and nothing more: unlike CreateUser it does
// not name the field at fault, since its callers generate their rows.
func (db *DB) BulkInsert(ctx context.Context, b Bulk) (revision int64, err error) {
	err = db.Update(ctx, func(gtx gatehouse.Tx) error {
		t := gtx.(*tx)
		if _, err := t.LockOrganization(b.OrgID); err != nil {
			return err
		}
		if err := t.bulkFacilities(b.OrgID, b.Facilities); err != nil {
			return dbError("bulk insert facilities", err)
		}
		if err := t.bulkGroups(b.OrgID, b.Groups); err != nil {
			return dbError("bulk insert groups", err)
		}
		if err := t.bulkUsers(b.OrgID, b.Users); err != nil {
			return dbError("bulk insert users", err)
		}
		if revision, err = t.BumpRevision(b.OrgID); err != nil {
			return err
		}
		// Too large to record as a change: other instances hear of the
		// revision and reload.
		return t.announce(b.OrgID, revision, nil)
	})
	return revision, err
}

func (t *tx) bulkFacilities(orgID string, facilities []*gatehouse.Facility) error {
	ins := t.newBulkInsert("facilities", "id, org_id, name, external_id, archived, created_at, updated_at")
	for _, f := range facilities {
		f.OrgID = orgID
		if f.ID == "" {
			f.ID = gatehouse.NewID(gatehouse.PrefixFacility)
		}
		f.CreatedAt, f.UpdatedAt = t.now, t.now
		if err := ins.add(f.ID, orgID, f.Name, externalID(f.ExternalID), f.Archived, t.now, t.now); err != nil {
			return err
		}
	}
	return ins.flush()
}

func (t *tx) bulkGroups(orgID string, groups []*gatehouse.Group) error {
	ins := t.newBulkInsert("groups", "id, org_id, name, name_lower, description, created_at, updated_at")
	perms := t.newBulkInsert("group_permissions", "org_id, group_id, permission")
	for _, g := range groups {
		g.OrgID = orgID
		if g.ID == "" {
			g.ID = gatehouse.NewID(gatehouse.PrefixGroup)
		}
		g.Permissions = normalizeIDs(g.Permissions)
		g.CreatedAt, g.UpdatedAt = t.now, t.now
		if err := ins.add(g.ID, orgID, g.Name, groupNameKey(g.Name), g.Description, t.now, t.now); err != nil {
			return err
		}
	}
	if err := ins.flush(); err != nil {
		return err
	}
	for _, g := range groups {
		for _, p := range g.Permissions {
			if err := perms.add(orgID, g.ID, p); err != nil {
				return err
			}
		}
	}
	return perms.flush()
}

// bulkUsers inserts users in id order, then each link table in key order,
// so that every index grows at its end.
func (t *tx) bulkUsers(orgID string, users []*gatehouse.User) error {
	users = slices.Clone(users)
	for _, u := range users {
		u.OrgID = orgID
		if u.ID == "" {
			u.ID = gatehouse.NewID(gatehouse.PrefixUser)
		}
	}
	slices.SortFunc(users, func(a, b *gatehouse.User) int { return strings.Compare(a.ID, b.ID) })
	ins := t.newBulkInsert("users", `id, org_id, first_name, last_name, email, email_lower, phone, status,
		full_access, licence, email_verified, created_at, updated_at`)
	for _, u := range users {
		u.GroupIDs, u.Permissions, u.FacilityIDs = normalizeIDs(u.GroupIDs), normalizeIDs(u.Permissions), normalizeIDs(u.FacilityIDs)
		u.CreatedAt, u.UpdatedAt = t.now, t.now
		err := ins.add(u.ID, orgID, u.FirstName, u.LastName, u.Email, gatehouse.NormalizeEmail(u.Email), u.Phone, string(u.Status),
			u.FullAccess, u.Licence, u.EmailVerified, t.now, t.now)
		if err != nil {
			return err
		}
	}
	if err := ins.flush(); err != nil {
		return err
	}
	// Before the links, whose foreign keys look each user up.
	if err := t.refreshPlannerStats("users", len(users)); err != nil {
		return err
	}
	for _, link := range []struct {
		table, column string
		values        func(*gatehouse.User) []string
	}{
		{"group_members", "group_id", func(u *gatehouse.User) []string { return u.GroupIDs }},
		{"user_permissions", "permission", func(u *gatehouse.User) []string { return u.Permissions }},
		{"facility_assignments", "facility_id", func(u *gatehouse.User) []string { return u.FacilityIDs }},
	} {
		ins := t.newBulkInsert(link.table, "org_id, user_id, "+link.column)
		for _, u := range users {
			for _, v := range link.values(u) {
				if err := ins.add(orgID, u.ID, v); err != nil {
					return err
				}
			}
		}
		if err := ins.flush(); err != nil {
			return err
		}
	}
	roles := t.newBulkInsert("site_roles", "org_id, user_id, group_id, facility_id, starts_at, expires_at")
	bounds := t.newBulkInsert("grant_bounds", "org_id, user_id, grant_id, starts_at, expires_at")
	for _, u := range users {
		u.NormalizeGrants()
		for _, r := range u.SiteRoles {
			if err := roles.add(orgID, u.ID, r.GroupID, r.FacilityID, nullIfZero(r.StartsAt), nullIfZero(r.ExpiresAt)); err != nil {
				return err
			}
		}
		for _, b := range u.Bounds {
			if err := bounds.add(orgID, u.ID, b.GrantID, nullIfZero(b.StartsAt), nullIfZero(b.ExpiresAt)); err != nil {
				return err
			}
		}
	}
	if err := roles.flush(); err != nil {
		return err
	}
	return bounds.flush()
}

// A bulkInsert collects rows of one table and inserts them many at a time:
// full batches through one prepared statement, the rest in a last one.
type bulkInsert struct {
	t       *tx
	table   string
	columns string
	width   int // columns per row
	batch   int // rows per statement
	args    []any
	stmt    *sql.Stmt // for full batches, prepared on first use
}

func (t *tx) newBulkInsert(table, columns string) *bulkInsert {
	width := strings.Count(columns, ",") + 1
	batch := t.maxArgs() / width
	return &bulkInsert{t: t, table: table, columns: columns, width: width, batch: batch, args: make([]any, 0, batch*width)}
}

func (b *bulkInsert) add(row ...any) error {
	if len(row) != b.width {
		return fmt.Errorf("%s: %d values for %d columns", b.table, len(row), b.width)
	}
	b.args = append(b.args, row...)
	if len(b.args) < b.batch*b.width {
		return nil
	}
	if b.stmt == nil {
		stmt, err := b.t.tx.PrepareContext(b.t.ctx, b.query(b.batch))
		if err != nil {
			return err
		}
		b.stmt = stmt
	}
	_, err := b.stmt.ExecContext(b.t.ctx, b.args...)
	b.args = b.args[:0]
	return err
}

// flush inserts the rows not yet inserted and closes the statement.
func (b *bulkInsert) flush() error {
	if b.stmt != nil {
		defer b.stmt.Close()
	}
	if len(b.args) == 0 {
		return nil
	}
	_, err := b.t.exec(b.query(len(b.args)/b.width), b.args...)
	b.args = b.args[:0]
	return err
}

// query is "INSERT INTO table (columns) VALUES ($1, $2), ($3, $4), ..." for rows rows.
func (b *bulkInsert) query(rows int) string {
	var q strings.Builder
	q.Grow(64 + rows*b.width*8)
	q.WriteString("INSERT INTO " + b.table + " (" + b.columns + ") VALUES ")
	n := 0
	for r := range rows {
		if r > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for c := range b.width {
			if c > 0 {
				q.WriteString(", ")
			}
			n++
			fmt.Fprintf(&q, "$%d", n)
		}
		q.WriteByte(')')
	}
	return q.String()
}
