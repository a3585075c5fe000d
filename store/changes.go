package store

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"strconv"

	"github.com/gatehouse/gatehouse"
)

// keptChanges is how many of an organization's latest access changes stay
// in the database: an instance further behind than that reloads the
// organization instead.
const keptChanges = 1000

// revisionChannel is the PostgreSQL channel on which each committed write
// announces "<org id>:<revision>", followed by ":<change as JSON>" when it
// fits (see Listen): gatehouse_revisions in the public schema,
// gatehouse_revisions_<hash of the schema> in another.
func (db *DB) revisionChannel() string {
	if db.schema == "public" || db.schema == "" {
		return "gatehouse_revisions"
	}
	return fmt.Sprintf("gatehouse_revisions_%08x", crc32.ChecksumIEEE([]byte(db.schema)))
}

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
	return t.announce(orgID, ch.Revision, data)
}

// announce tells the other instances on PostgreSQL, when the transaction
// commits, that the organization reached revision; change (JSON) travels
// with the news when it fits in a notification's 8,000 bytes, so that
// listeners need not read it back.
func (t *tx) announce(orgID string, revision int64, change []byte) error {
	if t.dialect != dialectPostgres {
		return nil
	}
	payload := orgID + ":" + strconv.FormatInt(revision, 10)
	if len(change) > 0 && len(payload)+1+len(change) < maxPayload {
		payload += ":" + string(change)
	}
	_, err := t.exec(`SELECT pg_notify($1, $2)`, t.channel, payload)
	return dbError("announce revision", err)
}

// AccessChanges returns the organization's recorded changes after the given
// revision, in revision order. They may start later than after+1 (older
// ones were dropped, or a bulk write recorded none): the caller then
// reloads.
func (db *DB) AccessChanges(ctx context.Context, orgID string, after int64) ([]gatehouse.AccessChange, error) {
	var out []gatehouse.AccessChange
	err := db.View(ctx, func(tx gatehouse.Tx) (err error) {
		out, err = tx.AccessChanges(orgID, after)
		return err
	})
	return out, err
}

// AccessChanges is DB.AccessChanges within a transaction.
func (t *tx) AccessChanges(orgID string, after int64) ([]gatehouse.AccessChange, error) {
	rows, err := t.query(`SELECT change FROM access_changes WHERE org_id = $1 AND revision > $2 ORDER BY revision`, orgID, after)
	if err != nil {
		return nil, dbError("access changes", err)
	}
	defer rows.Close()
	var out []gatehouse.AccessChange
	for rows.Next() {
		var data string
		var ch gatehouse.AccessChange
		if err := rows.Scan(&data); err != nil {
			return nil, dbError("access changes", err)
		}
		if err := json.Unmarshal([]byte(data), &ch); err != nil {
			return nil, dbError("access changes", err)
		}
		out = append(out, ch)
	}
	return out, dbError("access changes", rows.Err())
}
