package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// runSecurity is the operator's side of two-step verification: an
// organization's MFA policy, and resetting a user's factors (a user who
// lost their device and whose admins cannot reset them, say the last one).
func runSecurity(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "security mfa-policy --org ID [--set off|admins|all] | security reset-mfa --org ID --user ID  [--db DSN]",
		"Prints or sets an organization's MFA policy (off, admins: users who hold any admin operation, all),\n"+
			"or removes every second factor and recovery code of a user. Both are audited as the system.")
	org := fs.String("org", "", "organization id (required)")
	set := fs.String("set", "", "mfa-policy: the new policy")
	user := fs.String("user", "", "reset-mfa: the user id")
	db := dbFlag(fs)
	if err := parseSubcommand(env, fs, args, "mfa-policy", "reset-mfa"); err != nil {
		return err
	}
	if *org == "" {
		return errors.New("--org is required")
	}
	svc, closeDB, err := openService(ctx, *db, service.Config{})
	if err != nil {
		return err
	}
	defer closeDB()
	system := gatehouse.SystemActor(*org)
	switch {
	case args[0] == "reset-mfa":
		if *user == "" {
			return errors.New("--user is required")
		}
		if _, err := svc.ResetFactors(ctx, system, *user); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "reset the second factors of %s: they sign in with their password alone\n", *user)
	case *set != "":
		if _, err := svc.SetMFAPolicy(ctx, system, *set); err != nil {
			return err
		}
		fmt.Fprintln(env.stdout, *set)
	default:
		policy, err := svc.MFAPolicy(ctx, system)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.stdout, policy)
	}
	return nil
}
