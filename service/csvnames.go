package service

import (
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/usercsv"
)

// orgNames are the names by which a file of users (package usercsv) names
// an organization's groups, facilities and licences, both ways: an import
// reads them, an export writes them.
type orgNames struct {
	groups     map[string]string   // lower-case name → id
	external   map[string]string   // external id → facility id
	facilities map[string][]string // lower-case name → facility ids
	groupName  map[string]string   // id → name
	facilityOf map[string]string   // id → how a file names it: its external id, else its name
}

// loadNames reads the names of the organization's groups and facilities.
func loadNames(tx gatehouse.Tx, orgID string) (*orgNames, error) {
	n := &orgNames{groups: map[string]string{}, external: map[string]string{}, facilities: map[string][]string{},
		groupName: map[string]string{}, facilityOf: map[string]string{}}
	const page = 1000
	for after := ""; ; {
		groups, err := tx.FindGroups(gatehouse.GroupFilter{OrgID: orgID, After: after, Limit: page})
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			n.groups[nameKey(g.Name)] = g.ID
			n.groupName[g.ID] = g.Name
		}
		if len(groups) < page {
			break
		}
		after = groups[len(groups)-1].ID
	}
	for after := ""; ; {
		facilities, err := tx.FindFacilities(gatehouse.FacilityFilter{OrgID: orgID, After: after, Limit: page})
		if err != nil {
			return nil, err
		}
		for _, f := range facilities {
			n.facilityOf[f.ID] = f.Name
			if f.ExternalID != "" {
				n.external[f.ExternalID] = f.ID
				n.facilityOf[f.ID] = f.ExternalID
			}
			n.facilities[nameKey(f.Name)] = append(n.facilities[nameKey(f.Name)], f.ID)
		}
		if len(facilities) < page {
			break
		}
		after = facilities[len(facilities)-1].ID
	}
	return n, nil
}

func nameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// group is the id of the group named name, compared case-insensitively as
// group names are unique.
func (n *orgNames) group(name string) (string, bool) {
	id, ok := n.groups[nameKey(name)]
	return id, ok
}

// facility is the id of the facility that ref names: its external id,
// exactly, or else its name, case-insensitively and only when no other
// facility has that name.
func (n *orgNames) facility(ref string) (string, error) {
	if id, ok := n.external[ref]; ok {
		return id, nil
	}
	switch ids := n.facilities[nameKey(ref)]; len(ids) {
	case 0:
		return "", gatehouse.Errorf(gatehouse.ENOTFOUND, "Facility %q not found: name a facility by its external id or its name", ref)
	case 1:
		return ids[0], nil
	default:
		return "", gatehouse.Errorf(gatehouse.EINVALID, "%d facilities are named %q: name the one you mean by its external id", len(ids), ref)
	}
}

// licence is the name of the licence tier that ref names, by its name or
// its label, case-insensitively; ref itself when none (validateUser then
// says which tiers there are).
func (n *orgNames) licence(c *gatehouse.Catalog, ref string) string {
	for _, l := range c.Licences {
		if strings.EqualFold(l.Name, ref) || strings.EqualFold(l.Label, ref) {
			return l.Name
		}
	}
	return ref
}

// row is how a file of users writes u.
func (n *orgNames) row(u *gatehouse.User) usercsv.Row {
	r := usercsv.Row{FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, Phone: u.Phone,
		Licence: u.Licence, FullAccess: u.FullAccess}
	for _, id := range u.GroupIDs {
		r.Groups = append(r.Groups, n.groupName[id])
	}
	for _, id := range u.FacilityIDs {
		r.Facilities = append(r.Facilities, n.facilityOf[id])
	}
	return r
}
