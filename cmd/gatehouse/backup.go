package main

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/store"
)

func runBackup(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "backup --out FILE [--db DSN]",
		"Writes a consistent copy of the SQLite database to FILE while Gatehouse runs. For PostgreSQL, use pg_dump.")
	db := dbFlag(fs)
	out := fs.String("out", "", "the file to write (it must not exist)")
	if err := parse(env, fs, args); err != nil {
		return err
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, *out); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "backed up %s to %s\n", *db, *out)
	return nil
}
