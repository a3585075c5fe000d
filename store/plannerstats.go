package store

// PostgreSQL checks each foreign key with a plan it prepares once per
// connection and keeps. A plan prepared while the users table was nearly
// empty (a new organization, a new server) may look a user up through an
// index that only narrows by organization, which costs nothing on a few
// rows and reads every user of the organization per check once thousands
// have been inserted: the first 10,000-row CSV import then spent most of
// its time checking group and facility links (100 million index tuples
// read for 40,000 links; docs/benchmarks.md). Analyzing the table after a
// large insert that at least doubles what the planner knows of it
// invalidates those plans, so that the checks are planned again on the
// table's real size.

// analyzeMinRows is the fewest new rows worth analyzing a table for: below
// it, a bad plan costs little and ANALYZE more.
const analyzeMinRows = 1000

// refreshPlannerStats analyzes table on PostgreSQL when added new rows are
// at least analyzeMinRows and more than the table's last known row count
// (never analyzed: -1). ANALYZE in a transaction counts the transaction's
// own new rows, and its lock only keeps other ANALYZEs and schema changes
// of the table waiting until commit. Without the table's ownership
// PostgreSQL skips it with a warning, which is no error here.
func (t *tx) refreshPlannerStats(table string, added int) error {
	if t.dialect != dialectPostgres || added < analyzeMinRows {
		return nil
	}
	var known float64
	if err := t.tx.QueryRowContext(t.ctx, "SELECT reltuples FROM pg_class WHERE oid = $1::regclass", table).Scan(&known); err != nil {
		return err
	}
	if known >= float64(added) {
		return nil
	}
	_, err := t.exec("ANALYZE " + table)
	return err
}
