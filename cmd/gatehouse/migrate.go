package main

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/store"
)

func runMigrate(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "migrate [--db DSN]", "Applies every pending database migration (serve and init also do this on start).")
	db := dbFlag(fs)
	if err := parse(env, fs, args); err != nil {
		return err
	}
	st, err := store.Open(ctx, *db) // Open migrates
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintln(env.stdout, "database is up to date")
	return nil
}
