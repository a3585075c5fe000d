package store

import (
	"database/sql"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse"
)

// loadGrants reads the site roles and grant bounds of the users whose ids
// are given (nil: every user of the organization), grouped by user, in the
// order gatehouse.User keeps them.
func (t *tx) loadGrants(orgID string, ids []string) (map[string][]gatehouse.SiteRole, map[string][]gatehouse.GrantBounds, error) {
	roles := map[string][]gatehouse.SiteRole{}
	bounds := map[string][]gatehouse.GrantBounds{}
	if ids != nil && len(ids) == 0 {
		return roles, bounds, nil
	}
	a := args{dialect: t.dialect}
	where := " WHERE org_id = " + a.add(orgID)
	if ids != nil {
		where += " AND user_id IN " + a.in(ids)
	}
	rows, err := t.query(`SELECT user_id, group_id, facility_id, starts_at, expires_at FROM site_roles`+where+
		` ORDER BY user_id, facility_id, group_id`, a.values...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var userID string
		var r gatehouse.SiteRole
		var start, expiry sql.NullTime
		if err := rows.Scan(&userID, &r.GroupID, &r.FacilityID, &start, &expiry); err != nil {
			return nil, nil, err
		}
		r.StartsAt, r.ExpiresAt = utcOrZero(start), utcOrZero(expiry)
		roles[userID] = append(roles[userID], r)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows.Close()
	rows, err = t.query(`SELECT user_id, grant_id, starts_at, expires_at FROM grant_bounds`+where+` ORDER BY user_id, grant_id`, a.values...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var userID string
		var b gatehouse.GrantBounds
		var start, expiry sql.NullTime
		if err := rows.Scan(&userID, &b.GrantID, &start, &expiry); err != nil {
			return nil, nil, err
		}
		b.StartsAt, b.ExpiresAt = utcOrZero(start), utcOrZero(expiry)
		bounds[userID] = append(bounds[userID], b)
	}
	return roles, bounds, rows.Err()
}

func utcOrZero(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

func nullIfZero(t time.Time) sql.NullTime {
	if t.IsZero() {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC(), Valid: true}
}

// checkSiteRoles reports a site role whose group or facility the
// organization does not have, by field.
func (t *tx) checkSiteRoles(u *gatehouse.User) error {
	var groups, facilities []string
	for _, r := range u.SiteRoles {
		groups, facilities = append(groups, r.GroupID), append(facilities, r.FacilityID)
	}
	if err := t.checkIDs("groups", "group", "site_roles", u.OrgID, normalizeIDs(groups)); err != nil {
		return err
	}
	return t.checkIDs("facilities", "facility", "site_roles", u.OrgID, normalizeIDs(facilities))
}

// writeGrants makes the user's site roles and grant bounds exactly u's.
func (t *tx) writeGrants(u *gatehouse.User) error {
	for _, table := range []string{"site_roles", "grant_bounds"} {
		if _, err := t.exec("DELETE FROM "+table+" WHERE org_id = $1 AND user_id = $2", u.OrgID, u.ID); err != nil {
			return err
		}
	}
	for _, r := range u.SiteRoles {
		if _, err := t.exec(`INSERT INTO site_roles (org_id, user_id, group_id, facility_id, starts_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, u.OrgID, u.ID, r.GroupID, r.FacilityID, nullIfZero(r.StartsAt), nullIfZero(r.ExpiresAt)); err != nil {
			return err
		}
	}
	for _, b := range u.Bounds {
		if _, err := t.exec(`INSERT INTO grant_bounds (org_id, user_id, grant_id, starts_at, expires_at)
			VALUES ($1, $2, $3, $4, $5)`, u.OrgID, u.ID, b.GrantID, nullIfZero(b.StartsAt), nullIfZero(b.ExpiresAt)); err != nil {
			return err
		}
	}
	return nil
}

// siteRoleHolders is the SQL condition "u holds group at facility at the
// transaction's time": a site role there, or the group organization-wide
// with the facility assigned, each within its bounds.
func (t *tx) siteRoleHolders(a *args, org, groupID, facilityID string) string {
	g, f, now := a.add(groupID), a.add(facilityID), a.add(t.now)
	inForce := func(alias, grantID string) string {
		return "NOT EXISTS (SELECT 1 FROM grant_bounds b WHERE b.org_id = " + org + " AND b.user_id = " + alias +
			".user_id AND b.grant_id = " + grantID + " AND ((b.starts_at IS NOT NULL AND b.starts_at > " + now +
			") OR (b.expires_at IS NOT NULL AND b.expires_at <= " + now + ")))"
	}
	site := "u.id IN (SELECT sr.user_id FROM site_roles sr WHERE sr.org_id = " + org + " AND sr.group_id = " + g +
		" AND sr.facility_id = " + f + " AND (sr.starts_at IS NULL OR sr.starts_at <= " + now + ")" +
		" AND (sr.expires_at IS NULL OR sr.expires_at > " + now + "))"
	wide := "u.id IN (SELECT gm.user_id FROM group_members gm JOIN facility_assignments fa ON fa.org_id = gm.org_id AND fa.user_id = gm.user_id" +
		" WHERE gm.org_id = " + org + " AND gm.group_id = " + g + " AND fa.facility_id = " + f +
		" AND " + inForce("gm", a.add(gatehouse.GrantID(gatehouse.GrantGroup, groupID, ""))) +
		" AND " + inForce("fa", a.add(gatehouse.GrantID(gatehouse.GrantFacility, facilityID, ""))) + ")"
	return "(" + site + " OR " + wide + ")"
}

// passedBoundaryQueries read the starts and expiries at or before $2 not yet
// marked seen: of grant_bounds, then of site roles (whose grant id is
// spelled as gatehouse.GrantID spells it). The caller appends the rest of
// the condition: after $3, or of the users listed.
var passedBoundaryQueries = func() []struct{ boundary, column, sql string } {
	var out []struct{ boundary, column, sql string }
	for _, src := range []struct{ table, grantID string }{
		{"grant_bounds", "x.grant_id"},
		{"site_roles", "'group:' || x.group_id || '@' || x.facility_id"},
	} {
		for _, b := range []struct{ boundary, column string }{
			{gatehouse.BoundaryStart, "starts_at"},
			{gatehouse.BoundaryExpiry, "expires_at"},
		} {
			out = append(out, struct{ boundary, column, sql string }{b.boundary, "x." + b.column,
				"SELECT x.user_id, " + src.grantID + ", x." + b.column + " FROM " + src.table + " x" +
					" WHERE x.org_id = $1 AND x." + b.column + " <= $2 AND NOT EXISTS (SELECT 1 FROM grant_boundaries_seen s" +
					" WHERE s.org_id = x.org_id AND s.user_id = x.user_id AND s.grant_id = " + src.grantID +
					" AND s.boundary = '" + b.boundary + "' AND s.at = x." + b.column + ")"})
		}
	}
	return out
}()

// PassedGrantBoundaries returns the starts and expiries of the
// organization's grants that are at or before the transaction's time and
// not yet marked seen: after its watermark (less the lookback) and of the
// users given; all of them when it has no watermark yet.
func (t *tx) PassedGrantBoundaries(orgID string, users []string) ([]gatehouse.GrantBoundary, error) {
	var since sql.NullTime
	err := t.queryRow(`SELECT audited_through FROM grant_boundary_watermarks WHERE org_id = $1`, orgID).Scan(&since)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, dbError("passed grant boundaries", err)
	}
	var out []gatehouse.GrantBoundary
	for _, q := range passedBoundaryQueries {
		a := args{dialect: t.dialect}
		a.add(orgID)
		a.add(t.now)
		query := q.sql
		if since.Valid {
			cond := q.column + " > " + a.add(since.Time.Add(-gatehouse.GrantBoundaryLookback))
			if len(users) > 0 {
				cond += " OR x.user_id IN " + a.in(users)
			}
			query += " AND (" + cond + ")"
		}
		rows, err := t.query(query, a.values...)
		if err != nil {
			return nil, dbError("passed grant boundaries", err)
		}
		for rows.Next() {
			b := gatehouse.GrantBoundary{Boundary: q.boundary}
			if err := rows.Scan(&b.UserID, &b.GrantID, &b.At); err != nil {
				rows.Close()
				return nil, dbError("passed grant boundaries", err)
			}
			b.At = b.At.UTC()
			out = append(out, b)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, dbError("passed grant boundaries", err)
		}
	}
	return out, nil
}

// AdvanceGrantBoundaryWatermark moves the organization's watermark to the
// transaction's time, never back.
func (t *tx) AdvanceGrantBoundaryWatermark(orgID string) error {
	_, err := t.exec(`INSERT INTO grant_boundary_watermarks (org_id, audited_through) VALUES ($1, $2)
		ON CONFLICT (org_id) DO UPDATE SET audited_through = CASE
			WHEN grant_boundary_watermarks.audited_through < excluded.audited_through THEN excluded.audited_through
			ELSE grant_boundary_watermarks.audited_through END`, orgID, t.now)
	return dbError("advance grant boundary watermark", err)
}

// MarkGrantBoundary records that a boundary was audited; false when it was
// already (another instance, or another write, noticed it first).
func (t *tx) MarkGrantBoundary(orgID string, b gatehouse.GrantBoundary) (bool, error) {
	res, err := t.exec(`INSERT INTO grant_boundaries_seen (org_id, user_id, grant_id, boundary, at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, orgID, b.UserID, b.GrantID, b.Boundary, b.At.UTC())
	if err != nil {
		return false, dbError("mark grant boundary", err)
	}
	n, err := res.RowsAffected()
	return n == 1, dbError("mark grant boundary", err)
}
