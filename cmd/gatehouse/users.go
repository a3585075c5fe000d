package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/ui"
)

// runUsers is the users command family: import and export of CSV files
// (docs/import-export.md), as the system, for operators.
func runUsers(ctx context.Context, env *environment, args []string) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "import":
		return runUsersImport(ctx, env, args)
	case "export":
		return runUsersExport(ctx, env, args)
	case "-h", "--help", "help":
		usersUsage(env)
		return errHelp
	}
	usersUsage(env)
	return errUsage
}

func usersUsage(env *environment) {
	fmt.Fprintln(env.stderr, "Usage: gatehouse users import|export --org ID [flags]")
	fmt.Fprintln(env.stderr, "\n  import  invite every user of a CSV file, all or none (--dry-run only checks it)")
	fmt.Fprintln(env.stderr, "  export  write the organization's users as a CSV file that import reads")
	fmt.Fprintln(env.stderr, "\nRun 'gatehouse users import --help' for its flags; docs/import-export.md has the file's format.")
}

func runUsersImport(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "users import --org ID --file FILE [--dry-run] [--base-url URL] [--db DSN]",
		"Invites every user of a CSV file as the system (no limit of an admin's own access applies),\n"+
			"all of them or, when any row has an error, none: every error is printed with its row and\n"+
			"column. Invitation mail waits in the outbox for serve to send it. --file - reads stdin.")
	org := fs.String("org", "", "organization id (required)")
	file := fs.String("file", "", "the CSV file, or - for stdin (required)")
	dryRun := fs.Bool("dry-run", false, "check every row and change nothing")
	baseURL := fs.String("base-url", "http://127.0.0.1:8080", "public URL of the server (serve --base-url), for the invitation links")
	db := dbFlag(fs)
	if err := parse(env, fs, args); err != nil {
		return err
	}
	if *org == "" || *file == "" {
		fs.Usage()
		return errors.New("--org and --file are required")
	}
	var in io.Reader = os.Stdin
	if *file != "-" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	svc, closeDB, err := openService(ctx, *db, service.Config{Links: ui.Links(*baseURL)})
	if err != nil {
		return err
	}
	defer closeDB()
	report, err := svc.ImportUsers(ctx, gatehouse.SystemActor(*org), bufio.NewReader(in), *dryRun)
	if report == nil {
		return err
	}
	for _, e := range report.Errors {
		fmt.Fprintf(env.stderr, "row %d, %s: %s\n", e.Row, e.Field, e.Message)
	}
	switch {
	case len(report.Errors) > 0:
		return fmt.Errorf("%d errors in %s: nothing was imported", len(report.Errors), *file)
	case *dryRun:
		fmt.Fprintf(env.stdout, "All %d rows are valid; nothing was imported (--dry-run).\n", report.Rows)
	default:
		fmt.Fprintf(env.stdout, "Imported %d users (revision %d); their invitations wait in the outbox.\n", len(report.Users), report.Revision)
	}
	return nil
}

func runUsersExport(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "users export --org ID [--status S] [--group-id ID] [--facility-id ID] [--licence L] [--q TEXT] [--sort created|name|email] [--order asc|desc] [--out FILE] [--db DSN]",
		"Writes the organization's users, filtered and ordered as the users list, as a CSV file\n"+
			"that users import reads (to stdout, or --out).")
	org := fs.String("org", "", "organization id (required)")
	var f gatehouse.UserFilter
	status := fs.String("status", "", "only users in this status: invited, active or inactive")
	fs.StringVar(&f.GroupID, "group-id", "", "only members of this group")
	fs.StringVar(&f.FacilityID, "facility-id", "", "only users assigned to this facility")
	fs.StringVar(&f.Licence, "licence", "", "only users of this licence tier")
	fs.StringVar(&f.Query, "q", "", "search first name, last name and email")
	sort := fs.String("sort", "created", "order: created, name (last, first) or email")
	order := fs.String("order", "asc", "asc or desc")
	out := fs.String("out", "", "write to this file rather than stdout")
	db := dbFlag(fs)
	if err := parse(env, fs, args); err != nil {
		return err
	}
	if *org == "" {
		fs.Usage()
		return errors.New("--org is required")
	}
	f.Status, f.Sort, f.Desc = gatehouse.UserStatus(*status), *sort, *order == "desc"
	if f.Sort == "created" {
		f.Sort = gatehouse.SortID
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	w := env.stdout
	if *out != "" {
		file, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer file.Close()
		w = file
	}
	bw := bufio.NewWriter(w)
	if err := service.New(st, service.Config{}).ExportUsers(ctx, gatehouse.SystemActor(*org), f, bw); err != nil {
		return err
	}
	return bw.Flush()
}
