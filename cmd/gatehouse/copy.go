package main

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/store"
)

func runCopy(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "copy --from gatehouse.db --to postgres://…",
		"Moves an SQLite deployment to PostgreSQL: copies every table (organizations, users,\n"+
			"passwords, groups, facilities, API keys, sessions, invitations, tokens, the audit log,\n"+
			"the mail outbox, ...) into an empty PostgreSQL database, in one transaction, after\n"+
			"bringing both schemas up to date. A target holding any row is refused and left as it\n"+
			"was. Stop serving the SQLite file first, or copy a file written by 'gatehouse backup'.")
	from := fs.String("from", store.DefaultPath, "the SQLite database to copy (a file that exists)")
	to := fs.String("to", "", "the empty PostgreSQL database to copy into (postgres://…, required)")
	if err := parse(env, fs, args); err != nil {
		return err
	}
	report, err := store.Copy(ctx, *from, *to)
	if err != nil {
		return err
	}
	var rows int64
	for _, t := range report.Tables {
		fmt.Fprintf(env.stdout, "  %-22s %d\n", t.Name, t.Rows)
		rows += t.Rows
	}
	fmt.Fprintf(env.stdout, "copied %s to %s: %d rows in %d tables, at migration %d\n",
		*from, store.Redact(*to), rows, len(report.Tables), report.Version)
	return nil
}
