package main

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/store"
)

func runMigrate(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "migrate [--db DSN] [--down-to N]", "Applies every pending database migration (serve and init also do this on start);\n"+
		"with --down-to N, then undoes those after N, to go back to an older release.")
	db := dbFlag(fs)
	downTo := fs.Int64("down-to", -1, "undo the migrations after this version")
	if err := parse(env, fs, args); err != nil {
		return err
	}
	st, err := store.Open(ctx, *db) // Open migrates
	if err != nil {
		return err
	}
	defer st.Close()
	if *downTo >= 0 {
		if err := st.MigrateDownTo(ctx, *downTo); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "database migrated down to version %d\n", *downTo)
		return nil
	}
	fmt.Fprintln(env.stdout, "database is up to date")
	return nil
}
