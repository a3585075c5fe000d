package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gatehouse/gatehouse"
)

// LoadAccess reads, in one read transaction, what the decision engine needs
// of an organization: its revision and catalog, every user's status,
// licence, groups, permissions and facilities, every group's permissions and
// every facility. It is a handful of whole-organization queries in key
// order, grouped in Go, so that 100,000 users load in well under a second or
// two rather than in 100,000 round trips.
func (db *DB) LoadAccess(ctx context.Context, orgID string) (gatehouse.AccessState, error) {
	var st gatehouse.AccessState
	err := db.View(ctx, func(gtx gatehouse.Tx) error {
		var err error
		st, err = gtx.(*tx).loadAccess(orgID)
		return err
	})
	return st, err
}

func (t *tx) loadAccess(orgID string) (gatehouse.AccessState, error) {
	st := gatehouse.AccessState{OrgID: orgID}
	var catalog string
	err := t.queryRow(`SELECT revision, catalog FROM organizations WHERE id = $1`, orgID).Scan(&st.Revision, &catalog)
	if errors.Is(err, sql.ErrNoRows) {
		return st, gatehouse.Errorf(gatehouse.ENOTFOUND, "organization %q not found", orgID)
	}
	if err != nil {
		return st, dbError("load access", err)
	}
	if st.Catalog, err = gatehouse.ParseCatalog([]byte(catalog)); err != nil {
		return st, err
	}

	rows, err := t.query(`SELECT id, status, full_access, licence FROM users WHERE org_id = $1 ORDER BY id`, orgID)
	if err != nil {
		return st, dbError("load access", err)
	}
	defer rows.Close()
	st.Users = []gatehouse.UserAccess{}
	for rows.Next() {
		var u gatehouse.UserAccess
		if err := rows.Scan(&u.ID, &u.Status, &u.FullAccess, &u.Licence); err != nil {
			return st, dbError("load access", err)
		}
		st.Users = append(st.Users, u)
	}
	if err := rows.Err(); err != nil {
		return st, dbError("load access", err)
	}
	rows.Close()
	userAt := make(map[string]int, len(st.Users))
	for i := range st.Users {
		userAt[st.Users[i].ID] = i
	}
	intern := map[string]string{} // group and facility ids repeat across users: keep one copy of each
	load := func(table, value string, add func(u *gatehouse.UserAccess, v string)) error {
		rows, err := t.query(`SELECT user_id, `+value+` FROM `+table+` WHERE org_id = $1 ORDER BY user_id, `+value, orgID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var userID, v string
			if err := rows.Scan(&userID, &v); err != nil {
				return err
			}
			if s, ok := intern[v]; ok {
				v = s
			} else {
				intern[v] = v
			}
			if i, ok := userAt[userID]; ok {
				add(&st.Users[i], v)
			}
		}
		return rows.Err()
	}
	if err := load("group_members", "group_id", func(u *gatehouse.UserAccess, v string) { u.GroupIDs = append(u.GroupIDs, v) }); err != nil {
		return st, dbError("load access", err)
	}
	if err := load("user_permissions", "permission", func(u *gatehouse.UserAccess, v string) { u.Permissions = append(u.Permissions, v) }); err != nil {
		return st, dbError("load access", err)
	}
	if err := load("facility_assignments", "facility_id", func(u *gatehouse.UserAccess, v string) { u.FacilityIDs = append(u.FacilityIDs, v) }); err != nil {
		return st, dbError("load access", err)
	}

	roles, bounds, err := t.loadGrants(orgID, nil)
	if err != nil {
		return st, dbError("load access", err)
	}
	for i := range st.Users {
		u := &st.Users[i]
		u.SiteRoles = roles[u.ID]
		u.Bounds = bounds[u.ID]
	}

	groupIDs, err := t.strings(`SELECT id FROM groups WHERE org_id = $1 ORDER BY id`, orgID)
	if err != nil {
		return st, dbError("load access", err)
	}
	perms, err := t.linkColumns("group_permissions", "group_id", "permission", orgID, nil)
	if err != nil {
		return st, dbError("load access", err)
	}
	st.Groups = make([]gatehouse.GroupAccess, len(groupIDs))
	for i, id := range groupIDs {
		st.Groups[i] = gatehouse.GroupAccess{ID: id, Permissions: orEmpty(perms[id])}
	}

	if st.Facilities, err = t.strings(`SELECT id FROM facilities WHERE org_id = $1 ORDER BY id`, orgID); err != nil {
		return st, dbError("load access", err)
	}
	return st, nil
}
