package store

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// userFilter is gatehouse.UserFilter plus the lookups only the store makes.
// Empty fields do not filter, so callers looking up one user must refuse an
// empty id or email first.
type userFilter struct {
	gatehouse.UserFilter
	ID    string
	Email string // normalized
}

func (t *tx) FindUsers(f gatehouse.UserFilter) ([]*gatehouse.User, error) {
	return t.findUsers(userFilter{UserFilter: f})
}

func (t *tx) FindUser(orgID, id string) (*gatehouse.User, error) {
	if id == "" {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "user %q not found", id)
	}
	users, err := t.findUsers(userFilter{UserFilter: gatehouse.UserFilter{OrgID: orgID, Limit: 1}, ID: id})
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "user %q not found", id)
	}
	return users[0], nil
}

func (t *tx) FindUserByEmail(orgID, email string) (*gatehouse.User, error) {
	if gatehouse.NormalizeEmail(email) == "" {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "no user with email %q", email)
	}
	users, err := t.findUsers(userFilter{UserFilter: gatehouse.UserFilter{OrgID: orgID, Limit: 1}, Email: gatehouse.NormalizeEmail(email)})
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "no user with email %q", email)
	}
	return users[0], nil
}

// FindUsersByEmailAnyOrg returns the users with the email in every
// organization, oldest organization first.
func (t *tx) FindUsersByEmailAnyOrg(email string) ([]*gatehouse.User, error) {
	email = gatehouse.NormalizeEmail(email)
	if email == "" {
		return []*gatehouse.User{}, nil
	}
	rows, err := t.query(`SELECT org_id FROM users WHERE email_lower = $1 ORDER BY org_id`, email)
	if err != nil {
		return nil, dbError("find users by email", err)
	}
	var orgs []string
	for rows.Next() {
		var org string
		if err := rows.Scan(&org); err != nil {
			rows.Close()
			return nil, dbError("find users by email", err)
		}
		orgs = append(orgs, org)
	}
	rows.Close()
	users := []*gatehouse.User{}
	for _, org := range orgs {
		u, err := t.FindUserByEmail(org, email)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, nil
}

// sortKeys are the SQL of each sort order's key: what the indexes of
// migration 00005 and the email uniqueness constraint hold.
var sortKeys = map[string]string{
	gatehouse.SortID:    "",
	gatehouse.SortName:  "(lower(u.last_name) || ' ' || lower(u.first_name))",
	gatehouse.SortEmail: "u.email_lower",
}

// sortKey is the SQL of a sort order's key. Last sign-in puts those who
// never signed in first (ascending): NULL, which compares with nothing,
// becomes the earliest value each engine has.
func (t *tx) sortKey(sort string) string {
	if sort != gatehouse.SortLastSignIn {
		return sortKeys[sort]
	}
	if t.dialect == dialectPostgres {
		return "COALESCE(u.last_sign_in_at, '-infinity'::timestamp)"
	}
	return "COALESCE(u.last_sign_in_at, '')" // SQLite stores times as text; '' sorts first
}

// userWhere is the WHERE conditions of a user filter, without its paging;
// the organization is always a's first argument.
func (t *tx) userWhere(f userFilter, a *args) ([]string, error) {
	org := a.add(f.OrgID)
	where := []string{"u.org_id = " + org}
	if f.ID != "" {
		where = append(where, "u.id = "+a.add(f.ID))
	}
	if f.Email != "" {
		where = append(where, "u.email_lower = "+a.add(f.Email))
	}
	if f.Status != "" {
		where = append(where, "u.status = "+a.add(string(f.Status)))
	}
	if f.Licence != "" {
		where = append(where, "u.licence = "+a.add(f.Licence))
	}
	if f.Invitation != "" {
		// At most one invitation of a user is open: a new one revokes the
		// others (see RevokeInvitations), so the open one is the latest.
		open := "u.id IN (SELECT iv.user_id FROM invitations iv WHERE iv.org_id = " + org +
			" AND iv.accepted_at IS NULL AND iv.revoked_at IS NULL"
		switch f.Invitation {
		case gatehouse.InvitationPending:
			open += " AND iv.expires_at > " + a.add(t.now)
		case gatehouse.InvitationExpired:
			open += " AND iv.expires_at <= " + a.add(t.now)
		case gatehouse.InvitationOpen:
		default:
			return nil, gatehouse.Invalid("invitation", "unknown invitation state %q", f.Invitation)
		}
		where = append(where, open+")")
	}
	// Membership filters are IN subqueries rather than EXISTS: the planner
	// can then start from the (usually small) set of members, in id order.
	if f.GroupID != "" {
		where = append(where, "u.id IN (SELECT gm.user_id FROM group_members gm WHERE gm.org_id = "+org+
			" AND gm.group_id = "+a.add(f.GroupID)+")")
	}
	if f.FacilityID != "" {
		where = append(where, "u.id IN (SELECT fa.user_id FROM facility_assignments fa WHERE fa.org_id = "+org+
			" AND fa.facility_id = "+a.add(f.FacilityID)+")")
	}
	if f.Within != nil {
		where = append(where, "u.id IN (SELECT fw.user_id FROM facility_assignments fw WHERE fw.org_id = "+org+
			" AND fw.facility_id IN "+a.in(f.Within)+")")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := a.add(likeContains(strings.ToLower(q)))
		where = append(where, "(lower(u.first_name) LIKE "+p+` ESCAPE '\'`+
			" OR lower(u.last_name) LIKE "+p+` ESCAPE '\'`+
			" OR u.email_lower LIKE "+p+` ESCAPE '\')`)
	}
	return where, nil
}

// CountUsers counts the users the filter selects, whatever its paging.
func (t *tx) CountUsers(f gatehouse.UserFilter) (int, error) {
	if f.Within != nil && len(f.Within) == 0 {
		return 0, nil
	}
	a := args{dialect: t.dialect}
	where, err := t.userWhere(userFilter{UserFilter: f}, &a)
	if err != nil {
		return 0, err
	}
	var n int
	err = t.queryRow(`SELECT COUNT(*) FROM users u WHERE `+strings.Join(where, " AND "), a.values...).Scan(&n)
	return n, dbError("count users", err)
}

// findUsers is the one user finder: a page of the organization's users in id
// order, each with its groups, direct permissions and facilities.
func (t *tx) findUsers(f userFilter) ([]*gatehouse.User, error) {
	if f.Within != nil && len(f.Within) == 0 {
		return []*gatehouse.User{}, nil // scoped to no facility: sees nobody
	}
	a := args{dialect: t.dialect}
	where, err := t.userWhere(f, &a)
	if err != nil {
		return nil, err
	}
	org := "$1" // userWhere's first argument: the organization
	// Keyset paging: after the last row seen in the sort order, the id
	// breaking ties.
	key, dir, cmp := t.sortKey(f.Sort), "", ">"
	if f.Desc {
		dir, cmp = " DESC", "<"
	}
	if f.After != "" {
		id := a.add(f.After)
		if key == "" {
			where = append(where, "u.id "+cmp+" "+id)
		} else {
			// The last row's key, read by the database itself so that it
			// compares exactly as the ORDER BY does.
			k := "(SELECT " + strings.ReplaceAll(key, "u.", "c.") + " FROM users c WHERE c.org_id = " + org + " AND c.id = " + id + ")"
			where = append(where, "("+key+" "+cmp+" "+k+" OR ("+key+" = "+k+" AND u.id "+cmp+" "+id+"))")
		}
	}
	order := "u.id" + dir
	if key != "" {
		order = key + dir + ", u.id" + dir
	}
	q := `SELECT u.id, u.org_id, u.first_name, u.last_name, u.email, u.phone, u.status,
		u.full_access, u.licence, u.email_verified, u.pending_email, u.pending_email_by, u.last_sign_in_at, u.created_at, u.updated_at
		FROM users u WHERE ` + strings.Join(where, " AND ") +
		" ORDER BY " + order + " LIMIT " + a.add(limitOr(f.Limit, DefaultLimit))
	if f.Offset > 0 {
		q += " OFFSET " + a.add(f.Offset)
	}
	rows, err := t.query(q, a.values...)
	if err != nil {
		return nil, dbError("find users", err)
	}
	defer rows.Close()
	users := []*gatehouse.User{}
	for rows.Next() {
		var u gatehouse.User
		var lastSignIn sql.NullTime
		if err := rows.Scan(&u.ID, &u.OrgID, &u.FirstName, &u.LastName, &u.Email, &u.Phone, &u.Status,
			&u.FullAccess, &u.Licence, &u.EmailVerified, &u.PendingEmail, &u.PendingEmailBy, &lastSignIn, &u.CreatedAt, &u.UpdatedAt); err != nil {
			return nil, dbError("find users", err)
		}
		u.CreatedAt, u.UpdatedAt, u.LastSignInAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC(), timePtr(lastSignIn)
		users = append(users, &u)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("find users", err)
	}
	rows.Close()
	if err := t.loadUserLinks(f.OrgID, users); err != nil {
		return nil, dbError("find users", err)
	}
	return users, nil
}

// loadUserLinks fills the groups, direct permissions and facilities of a
// page of users: one query each, whatever the size of the page.
func (t *tx) loadUserLinks(orgID string, users []*gatehouse.User) error {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	groups, err := t.linkColumns("group_members", "user_id", "group_id", orgID, ids)
	if err != nil {
		return err
	}
	perms, err := t.linkColumns("user_permissions", "user_id", "permission", orgID, ids)
	if err != nil {
		return err
	}
	facilities, err := t.linkColumns("facility_assignments", "user_id", "facility_id", orgID, ids)
	if err != nil {
		return err
	}
	invitations, err := t.latestInvitations(orgID, ids)
	if err != nil {
		return err
	}
	for _, u := range users {
		u.GroupIDs = orEmpty(groups[u.ID])
		u.Permissions = orEmpty(perms[u.ID])
		u.FacilityIDs = orEmpty(facilities[u.ID])
		u.Invitation = invitations[u.ID]
	}
	return nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CreateUser stores a new user with its groups, direct permissions and
// facilities. It gives u an id when it has none and sets its timestamps.
func (t *tx) CreateUser(u *gatehouse.User) error {
	if u.ID == "" {
		u.ID = gatehouse.NewID(gatehouse.PrefixUser)
	}
	if err := t.checkUserLinks(u); err != nil {
		return err
	}
	u.CreatedAt, u.UpdatedAt = t.now, t.now
	_, err := t.exec(`INSERT INTO users (id, org_id, first_name, last_name, email, email_lower, phone, status,
		full_access, licence, email_verified, pending_email, pending_email_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		u.ID, u.OrgID, u.FirstName, u.LastName, u.Email, gatehouse.NormalizeEmail(u.Email), u.Phone, string(u.Status),
		u.FullAccess, u.Licence, u.EmailVerified, u.PendingEmail, u.PendingEmailBy, u.CreatedAt, u.UpdatedAt)
	if err != nil {
		return dbError("create user", err)
	}
	return dbError("create user", t.writeUserLinks(u))
}

// UpdateUser stores every field of u, its groups, direct permissions and
// facilities, and sets its UpdatedAt.
func (t *tx) UpdateUser(u *gatehouse.User) error {
	if err := t.checkUserLinks(u); err != nil {
		return err
	}
	u.UpdatedAt = t.now
	res, err := t.exec(`UPDATE users SET first_name = $3, last_name = $4, email = $5, email_lower = $6, phone = $7,
		status = $8, full_access = $9, licence = $10, email_verified = $11, pending_email = $12, pending_email_by = $13,
		updated_at = $14
		WHERE org_id = $1 AND id = $2`,
		u.OrgID, u.ID, u.FirstName, u.LastName, u.Email, gatehouse.NormalizeEmail(u.Email), u.Phone, string(u.Status),
		u.FullAccess, u.Licence, u.EmailVerified, u.PendingEmail, u.PendingEmailBy, u.UpdatedAt)
	if err != nil {
		return dbError("update user", err)
	}
	if err := affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "user %q not found", u.ID)); err != nil {
		return dbError("update user", err)
	}
	return dbError("update user", t.writeUserLinks(u))
}

// checkUserLinks normalizes the user's lists and checks that its groups and
// facilities exist in its organization, so that a bad id is reported by
// field rather than as a foreign-key failure.
func (t *tx) checkUserLinks(u *gatehouse.User) error {
	u.GroupIDs = normalizeIDs(u.GroupIDs)
	u.Permissions = normalizeIDs(u.Permissions)
	u.FacilityIDs = normalizeIDs(u.FacilityIDs)
	if err := t.checkIDs("groups", "group", "group_ids", u.OrgID, u.GroupIDs); err != nil {
		return err
	}
	return t.checkIDs("facilities", "facility", "facility_ids", u.OrgID, u.FacilityIDs)
}

func (t *tx) writeUserLinks(u *gatehouse.User) error {
	if err := t.replaceLinks("group_members", "user_id", "group_id", u.OrgID, u.ID, u.GroupIDs); err != nil {
		return err
	}
	if err := t.replaceLinks("user_permissions", "user_id", "permission", u.OrgID, u.ID, u.Permissions); err != nil {
		return err
	}
	return t.replaceLinks("facility_assignments", "user_id", "facility_id", u.OrgID, u.ID, u.FacilityIDs)
}

// DeleteUser deletes the user with its memberships, permissions,
// assignments, invitations and API keys.
func (t *tx) DeleteUser(orgID, id string) error {
	res, err := t.exec(`DELETE FROM users WHERE org_id = $1 AND id = $2`, orgID, id)
	if err != nil {
		return dbError("delete user", err)
	}
	return dbError("delete user", affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "user %q not found", id)))
}

func (t *tx) CountActiveFullAccess(orgID, exceptID string) (int, error) {
	var n int
	err := t.queryRow(`SELECT COUNT(*) FROM users
		WHERE org_id = $1 AND full_access = TRUE AND status = 'active' AND id <> $2`, orgID, exceptID).Scan(&n)
	return n, dbError("count full-access users", err)
}

func (t *tx) SetPassword(orgID, userID, hash string) error {
	res, err := t.exec(`UPDATE users SET password_hash = $3, updated_at = $4 WHERE org_id = $1 AND id = $2`,
		orgID, userID, hash, t.now)
	if err != nil {
		return dbError("set password", err)
	}
	return dbError("set password", affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "user %q not found", userID)))
}

// PasswordHash returns the user's password hash, "" when they have none yet.
func (t *tx) PasswordHash(orgID, userID string) (string, error) {
	var hash sql.NullString
	err := t.queryRow(`SELECT password_hash FROM users WHERE org_id = $1 AND id = $2`, orgID, userID).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", gatehouse.Errorf(gatehouse.ENOTFOUND, "user %q not found", userID)
	}
	if err != nil {
		return "", dbError("read password", err)
	}
	return hash.String, nil
}
