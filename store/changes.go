package store

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/gatehouse/gatehouse"
)

// keptChanges is how many of an organization's latest access changes stay
// in the database: an instance further behind than that reloads the
// organization instead.
const keptChanges = 1000

// RevisionChannel is the PostgreSQL channel on which each committed write
// announces "<org id>:<revision>", followed by ":<change as JSON>" when it
// fits (see Listen).
const RevisionChannel = "gatehouse_revisions"

// maxPayload is what a PostgreSQL notification may carry, with room to spare.
const maxPayload = 7900

// RecordAccessChange stores what a write changed under its revision, drops
// the changes too old to be useful, and, on PostgreSQL, announces the
// revision to the other instances when the transaction commits.
func (t *tx) RecordAccessChange(orgID string, ch gatehouse.AccessChange) error {
	data, err := json.Marshal(ch)
	if err != nil {
		return dbError("record access change", err)
	}
	if _, err := t.exec(`INSERT INTO access_changes (org_id, revision, change) VALUES ($1, $2, $3)`,
		orgID, ch.Revision, string(data)); err != nil {
		return dbError("record access change", err)
	}
	if _, err := t.exec(`DELETE FROM access_changes WHERE org_id = $1 AND revision <= $2`,
		orgID, ch.Revision-keptChanges); err != nil {
		return dbError("record access change", err)
	}
	if t.dialect == dialectPostgres {
		// The change travels with the news when it fits in a notification
		// (8,000 bytes), so that listeners need not read it back.
		payload := orgID + ":" + strconv.FormatInt(ch.Revision, 10)
		if len(payload)+1+len(data) < maxPayload {
			payload += ":" + string(data)
		}
		if _, err := t.exec(`SELECT pg_notify($1, $2)`, RevisionChannel, payload); err != nil {
			return dbError("announce revision", err)
		}
	}
	return nil
}

// AccessChanges returns the organization's recorded changes after the given
// revision, in revision order. They may start later than after+1 (older
// ones were dropped, or a bulk write recorded none): the caller then
// reloads.
func (db *DB) AccessChanges(ctx context.Context, orgID string, after int64) ([]gatehouse.AccessChange, error) {
	var out []gatehouse.AccessChange
	err := db.View(ctx, func(gtx gatehouse.Tx) error {
		rows, err := gtx.(*tx).query(`SELECT change FROM access_changes WHERE org_id = $1 AND revision > $2 ORDER BY revision`, orgID, after)
		if err != nil {
			return dbError("access changes", err)
		}
		defer rows.Close()
		for rows.Next() {
			var data string
			var ch gatehouse.AccessChange
			if err := rows.Scan(&data); err != nil {
				return dbError("access changes", err)
			}
			if err := json.Unmarshal([]byte(data), &ch); err != nil {
				return dbError("access changes", err)
			}
			out = append(out, ch)
		}
		return dbError("access changes", rows.Err())
	})
	return out, err
}
