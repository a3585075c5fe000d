package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

func runLicences(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "licences seats --org ID [--licence NAME --seats N|unlimited] [--db DSN]",
		"Lists an organization's licence tiers with their seats used and free; with --licence and --seats, first\n"+
			"sets how many active or invited users that tier may have (\"unlimited\" removes the cap). Seats below\n"+
			"those in use are refused. Audited as licence.seats_set by the system.")
	org := fs.String("org", "", "organization id (required)")
	licence := fs.String("licence", "", "the tier to set (its name, as listed)")
	seats := fs.String("seats", "", "the tier's seats: a number, or unlimited")
	db := dbFlag(fs)
	if err := parseSubcommand(env, fs, args, "seats"); err != nil {
		return err
	}
	if *org == "" {
		return errors.New("--org is required")
	}
	if (*licence == "") != (*seats == "") {
		return errors.New("--licence and --seats go together")
	}
	var n *int
	if *seats != "" && *seats != "unlimited" {
		v, err := strconv.Atoi(*seats)
		if err != nil || v < 0 {
			return fmt.Errorf("--seats must be a number of seats or unlimited, not %q", *seats)
		}
		n = &v
	}
	svc, closeDB, err := openService(ctx, *db, service.Config{})
	if err != nil {
		return err
	}
	defer closeDB()
	actor := gatehouse.SystemActor(*org)
	if *licence != "" {
		if _, _, err := svc.SetLicenceSeats(ctx, actor, *licence, n); err != nil {
			return err
		}
	}
	list, err := svc.Licences(ctx, actor)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "LICENCE\tLABEL\tSEATS\tUSED\tFREE")
	for _, l := range list {
		seats, free := "unlimited", "unlimited"
		if l.Seats != nil {
			seats, free = strconv.Itoa(*l.Seats), strconv.Itoa(*l.Free())
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\n", l.Licence.Name, l.Licence.Label, seats, l.Used, free)
	}
	return w.Flush()
}
