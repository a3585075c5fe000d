package store

import (
	"database/sql"
	"strings"

	"github.com/gatehouse/gatehouse"
)

func (t *tx) FindFacilities(f gatehouse.FacilityFilter) ([]*gatehouse.Facility, error) {
	return t.findFacilities(f, "")
}

func (t *tx) FindFacility(orgID, id string) (*gatehouse.Facility, error) {
	if id == "" {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "facility %q not found", id)
	}
	facilities, err := t.findFacilities(gatehouse.FacilityFilter{OrgID: orgID, Limit: 1}, id)
	if err != nil {
		return nil, err
	}
	if len(facilities) == 0 {
		return nil, gatehouse.Errorf(gatehouse.ENOTFOUND, "facility %q not found", id)
	}
	return facilities[0], nil
}

// findFacilities is the one facility finder: a page of the organization's
// facilities in id order, or the one with id when id is not "".
func (t *tx) findFacilities(f gatehouse.FacilityFilter, id string) ([]*gatehouse.Facility, error) {
	if f.Within != nil && len(f.Within) == 0 {
		return []*gatehouse.Facility{}, nil
	}
	a := args{dialect: t.dialect}
	where := []string{"org_id = " + a.add(f.OrgID)}
	if id != "" {
		where = append(where, "id = "+a.add(id))
	}
	if f.Archived != nil {
		where = append(where, "archived = "+a.add(*f.Archived))
	}
	if f.Within != nil {
		where = append(where, "id IN "+a.in(f.Within))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, a.contains(q, "name", "external_id"))
	}
	if f.After != "" {
		where = append(where, "id > "+a.add(f.After))
	}
	q := `SELECT id, org_id, name, external_id, archived, created_at, updated_at FROM facilities WHERE ` +
		strings.Join(where, " AND ") + " ORDER BY id LIMIT " + a.add(limitOr(f.Limit, DefaultLimit))
	rows, err := t.query(q, a.values...)
	if err != nil {
		return nil, dbError("find facilities", err)
	}
	defer rows.Close()
	facilities := []*gatehouse.Facility{}
	for rows.Next() {
		var fac gatehouse.Facility
		var externalID sql.NullString
		if err := rows.Scan(&fac.ID, &fac.OrgID, &fac.Name, &externalID, &fac.Archived, &fac.CreatedAt, &fac.UpdatedAt); err != nil {
			return nil, dbError("find facilities", err)
		}
		fac.ExternalID = externalID.String
		fac.CreatedAt, fac.UpdatedAt = fac.CreatedAt.UTC(), fac.UpdatedAt.UTC()
		facilities = append(facilities, &fac)
	}
	return facilities, dbError("find facilities", rows.Err())
}

// externalID is how an optional external id is stored: NULL when empty, so
// that only given ids must be unique.
func externalID(id string) sql.NullString {
	return sql.NullString{String: id, Valid: id != ""}
}

// CreateFacility stores a new facility. It gives f an id when it has none
// and sets its timestamps.
func (t *tx) CreateFacility(f *gatehouse.Facility) error {
	if f.ID == "" {
		f.ID = gatehouse.NewID(gatehouse.PrefixFacility)
	}
	f.CreatedAt, f.UpdatedAt = t.now, t.now
	_, err := t.exec(`INSERT INTO facilities (id, org_id, name, external_id, archived, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		f.ID, f.OrgID, f.Name, externalID(f.ExternalID), f.Archived, f.CreatedAt, f.UpdatedAt)
	return dbError("create facility", err)
}

// UpdateFacility stores the facility's name, external id and archived flag
// and sets its UpdatedAt.
func (t *tx) UpdateFacility(f *gatehouse.Facility) error {
	f.UpdatedAt = t.now
	res, err := t.exec(`UPDATE facilities SET name = $3, external_id = $4, archived = $5, updated_at = $6
		WHERE org_id = $1 AND id = $2`,
		f.OrgID, f.ID, f.Name, externalID(f.ExternalID), f.Archived, f.UpdatedAt)
	if err != nil {
		return dbError("update facility", err)
	}
	return dbError("update facility", affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "facility %q not found", f.ID)))
}

// DeleteFacility deletes the facility and every assignment to it.
func (t *tx) DeleteFacility(orgID, id string) error {
	res, err := t.exec(`DELETE FROM facilities WHERE org_id = $1 AND id = $2`, orgID, id)
	if err != nil {
		return dbError("delete facility", err)
	}
	return dbError("delete facility", affected(res, gatehouse.Errorf(gatehouse.ENOTFOUND, "facility %q not found", id)))
}

// FacilityUsers returns the ids of the users assigned to the facility, sorted.
func (t *tx) FacilityUsers(orgID, facilityID string) ([]string, error) {
	if err := t.checkIDs("facilities", "facility", "facility_id", orgID, []string{facilityID}); err != nil {
		return nil, err
	}
	ids, err := t.strings(`SELECT user_id FROM facility_assignments WHERE org_id = $1 AND facility_id = $2 ORDER BY user_id`, orgID, facilityID)
	return ids, dbError("facility users", err)
}
