package store

import (
	"github.com/gatehouse/gatehouse"
)

// LicenceSeats returns the seats set for the organization's tiers.
func (t *tx) LicenceSeats(orgID string) (map[string]int, error) {
	rows, err := t.query(`SELECT licence, seats FROM licence_seats WHERE org_id = $1`, orgID)
	if err != nil {
		return nil, dbError("read licence seats", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var licence string
		var seats int
		if err := rows.Scan(&licence, &seats); err != nil {
			return nil, dbError("read licence seats", err)
		}
		out[licence] = seats
	}
	return out, dbError("read licence seats", rows.Err())
}

// SetLicenceSeats sets a tier's seats, or removes the limit (nil).
func (t *tx) SetLicenceSeats(orgID, licence string, seats *int) error {
	if _, err := t.exec(`DELETE FROM licence_seats WHERE org_id = $1 AND licence = $2`, orgID, licence); err != nil {
		return dbError("set licence seats", err)
	}
	if seats == nil {
		return nil
	}
	if *seats < 0 {
		return gatehouse.Invalid("seats", "seats cannot be negative")
	}
	_, err := t.exec(`INSERT INTO licence_seats (org_id, licence, seats) VALUES ($1, $2, $3)`, orgID, licence, *seats)
	return dbError("set licence seats", err)
}

// SeatsUsed counts the active and invited users of each licence tier.
func (t *tx) SeatsUsed(orgID string) (map[string]int, error) {
	rows, err := t.query(`SELECT licence, COUNT(*) FROM users
		WHERE org_id = $1 AND licence <> '' AND status IN ('active', 'invited') GROUP BY licence`, orgID)
	if err != nil {
		return nil, dbError("count licence seats", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var licence string
		var n int
		if err := rows.Scan(&licence, &n); err != nil {
			return nil, dbError("count licence seats", err)
		}
		out[licence] = n
	}
	return out, dbError("count licence seats", rows.Err())
}
