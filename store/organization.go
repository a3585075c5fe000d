package store

import (
	"database/sql"
	"errors"

	"github.com/gatehouse/gatehouse"
)

// CreateOrganization stores org with its catalog file, which must parse: an
// organization whose catalog cannot be read could never be authorized.
func (t *tx) CreateOrganization(org *gatehouse.Organization, catalog []byte) error {
	if _, err := gatehouse.ParseCatalog(catalog); err != nil {
		return err
	}
	if org.ID == "" {
		org.ID = gatehouse.NewID(gatehouse.PrefixOrg)
	}
	org.CreatedAt = t.now
	_, err := t.exec(`INSERT INTO organizations (id, name, template, catalog, revision, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`,
		org.ID, org.Name, org.Template, string(catalog), org.Revision, org.CreatedAt)
	return dbError("create organization", err)
}

func (t *tx) FindOrganization(id string) (*gatehouse.Organization, error) {
	if id == "" {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "organization %q not found", id)
	}
	orgs, err := t.findOrganizations(id)
	if err != nil {
		return nil, err
	}
	if len(orgs) == 0 {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "organization %q not found", id)
	}
	return orgs[0], nil
}

// LockOrganization finds the organization and holds its write lock until
// the transaction ends, so that writes to one organization run one after
// another across every instance: on PostgreSQL a row lock (SELECT ... FOR
// NO KEY UPDATE); on SQLite the transaction already holds the database's
// only write lock (BEGIN IMMEDIATE). NO KEY: writers still exclude each
// other, but a row inserted with the organization's id (an audit event, a
// session) takes only the foreign key's KEY SHARE lock, which FOR UPDATE
// would make wait for the writer — a deadlock when that transaction already
// holds rows the writer goes on to delete (a user's own "sign out
// everywhere" racing their deactivation answered 500).
func (t *tx) LockOrganization(id string) (*gatehouse.Organization, error) {
	if t.dialect == dialectPostgres {
		if _, err := t.exec(`SELECT id FROM organizations WHERE id = $1 FOR NO KEY UPDATE`, id); err != nil {
			return nil, dbError("lock organization", err)
		}
	}
	return t.FindOrganization(id)
}

// FindOrganizations returns every organization, by id.
func (t *tx) FindOrganizations() ([]*gatehouse.Organization, error) {
	return t.findOrganizations("")
}

// findOrganizations is the one organization finder: all of them, or the one
// with id.
func (t *tx) findOrganizations(id string) ([]*gatehouse.Organization, error) {
	q := `SELECT id, name, template, revision, created_at FROM organizations`
	var args []any
	if id != "" {
		q += ` WHERE id = $1`
		args = append(args, id)
	}
	rows, err := t.query(q+` ORDER BY id`, args...)
	if err != nil {
		return nil, dbError("find organizations", err)
	}
	defer rows.Close()
	orgs := []*gatehouse.Organization{}
	for rows.Next() {
		var o gatehouse.Organization
		if err := rows.Scan(&o.ID, &o.Name, &o.Template, &o.Revision, &o.CreatedAt); err != nil {
			return nil, dbError("find organizations", err)
		}
		o.CreatedAt = o.CreatedAt.UTC()
		orgs = append(orgs, &o)
	}
	return orgs, dbError("find organizations", rows.Err())
}

func (t *tx) Catalog(orgID string) ([]byte, error) {
	var catalog string
	err := t.queryRow(`SELECT catalog FROM organizations WHERE id = $1`, orgID).Scan(&catalog)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "organization %q not found", orgID)
	}
	if err != nil {
		return nil, dbError("read catalog", err)
	}
	return []byte(catalog), nil
}

func (t *tx) BumpRevision(orgID string) (int64, error) {
	var rev int64
	err := t.queryRow(`UPDATE organizations SET revision = revision + 1 WHERE id = $1 RETURNING revision`, orgID).Scan(&rev)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, gatehouse.Errorf(gatehouse.ENOTFOUND, "organization %q not found", orgID)
	}
	if err != nil {
		return 0, dbError("bump revision", err)
	}
	return rev, nil
}
