package store

import (
	"strings"

	"github.com/gatehouse/gatehouse"
)

func (t *tx) FindGroups(f gatehouse.GroupFilter) ([]*gatehouse.Group, error) {
	return t.findGroups(f, "")
}

func (t *tx) FindGroup(orgID, id string) (*gatehouse.Group, error) {
	if id == "" {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "group %q not found", id)
	}
	groups, err := t.findGroups(gatehouse.GroupFilter{OrgID: orgID, Limit: 1}, id)
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "group %q not found", id)
	}
	return groups[0], nil
}

// findGroups is the one group finder: a page of the organization's groups in
// id order (or the one with id, when id is not ""), each with its
// permissions and member count.
func (t *tx) findGroups(f gatehouse.GroupFilter, id string) ([]*gatehouse.Group, error) {
	a := args{dialect: t.dialect}
	where := []string{"org_id = " + a.add(f.OrgID)}
	if id != "" {
		where = append(where, "id = "+a.add(id))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, a.contains(q, "name", "description"))
	}
	if f.After != "" {
		where = append(where, "id > "+a.add(f.After))
	}
	q := `SELECT id, org_id, name, description, created_at, updated_at FROM groups WHERE ` +
		strings.Join(where, " AND ") + " ORDER BY id LIMIT " + a.add(limitOr(f.Limit, DefaultLimit))
	rows, err := t.query(q, a.values...)
	if err != nil {
		return nil, dbError("find groups", err)
	}
	defer rows.Close()
	groups := []*gatehouse.Group{}
	for rows.Next() {
		var g gatehouse.Group
		if err := rows.Scan(&g.ID, &g.OrgID, &g.Name, &g.Description, &g.CreatedAt, &g.UpdatedAt); err != nil {
			return nil, dbError("find groups", err)
		}
		g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
		groups = append(groups, &g)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError("find groups", err)
	}
	rows.Close()
	if err := t.loadGroupDetails(f.OrgID, groups); err != nil {
		return nil, dbError("find groups", err)
	}
	return groups, nil
}

// loadGroupDetails fills the permissions and member counts of a page of
// groups, one query each.
func (t *tx) loadGroupDetails(orgID string, groups []*gatehouse.Group) error {
	if len(groups) == 0 {
		return nil
	}
	ids := make([]string, len(groups))
	for i, g := range groups {
		ids[i] = g.ID
	}
	perms, err := t.linkColumns("group_permissions", "group_id", "permission", orgID, ids)
	if err != nil {
		return err
	}
	a := args{dialect: t.dialect}
	rows, err := t.query(`SELECT group_id, COUNT(*) FROM group_members WHERE org_id = `+a.add(orgID)+
		` AND group_id IN `+a.in(ids)+` GROUP BY group_id`, a.values...)
	if err != nil {
		return err
	}
	defer rows.Close()
	counts := make(map[string]int, len(ids))
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		counts[id] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, g := range groups {
		g.Permissions = orEmpty(perms[g.ID])
		g.MemberCount = counts[g.ID]
	}
	return nil
}

// groupNameKey is the form in which group names are compared: unique per
// organization, case-insensitively.
func groupNameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// CreateGroup stores a new group with its permissions. It gives g an id when
// it has none and sets its timestamps.
func (t *tx) CreateGroup(g *gatehouse.Group) error {
	if g.ID == "" {
		g.ID = gatehouse.NewID(gatehouse.PrefixGroup)
	}
	g.Permissions = normalizeIDs(g.Permissions)
	g.CreatedAt, g.UpdatedAt = t.now, t.now
	g.MemberCount = 0
	_, err := t.exec(`INSERT INTO groups (id, org_id, name, name_lower, description, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		g.ID, g.OrgID, g.Name, groupNameKey(g.Name), g.Description, g.CreatedAt, g.UpdatedAt)
	if err != nil {
		return dbError("create group", err)
	}
	return dbError("create group", t.replaceLinks("group_permissions", "group_id", "permission", g.OrgID, g.ID, g.Permissions))
}

// UpdateGroup stores the group's name, description and permissions, sets its
// UpdatedAt and refreshes its MemberCount.
func (t *tx) UpdateGroup(g *gatehouse.Group) error {
	g.Permissions = normalizeIDs(g.Permissions)
	g.UpdatedAt = t.now
	res, err := t.exec(`UPDATE groups SET name = $3, name_lower = $4, description = $5, updated_at = $6
		WHERE org_id = $1 AND id = $2`,
		g.OrgID, g.ID, g.Name, groupNameKey(g.Name), g.Description, g.UpdatedAt)
	if err != nil {
		return dbError("update group", err)
	}
	if err := affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "group %q not found", g.ID)); err != nil {
		return dbError("update group", err)
	}
	if err := t.replaceLinks("group_permissions", "group_id", "permission", g.OrgID, g.ID, g.Permissions); err != nil {
		return dbError("update group", err)
	}
	err = t.queryRow(`SELECT COUNT(*) FROM group_members WHERE org_id = $1 AND group_id = $2`, g.OrgID, g.ID).Scan(&g.MemberCount)
	return dbError("update group", err)
}

// DeleteGroup deletes the group; its members stay, without it.
func (t *tx) DeleteGroup(orgID, id string) error {
	res, err := t.exec(`DELETE FROM groups WHERE org_id = $1 AND id = $2`, orgID, id)
	if err != nil {
		return dbError("delete group", err)
	}
	return dbError("delete group", affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "group %q not found", id)))
}

// GroupMembers returns the ids of the group's users, sorted.
func (t *tx) GroupMembers(orgID, groupID string) ([]string, error) {
	if err := t.checkIDs("groups", "group", "group_id", orgID, []string{groupID}); err != nil {
		return nil, err
	}
	ids, err := t.strings(`SELECT user_id FROM group_members WHERE org_id = $1 AND group_id = $2 ORDER BY user_id`, orgID, groupID)
	return ids, dbError("group members", err)
}
