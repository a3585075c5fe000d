package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// runSSO is the operator's side of single sign-on: list an organization's
// connections, add one, or delete one — the way back in when a provider
// that password sign-in was switched off for cannot sign anyone in.
func runSSO(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "sso list --org ID | sso add --org ID --name N --issuer URL --client-id ID --domains a.com,b.com [...] | sso delete --org ID --id ID  [--db DSN]",
		"Lists an organization's single sign-on connections (JSON lines, without secrets), adds one, or deletes one.\n"+
			"Writes are audited as the system. The client secret is best given as GATEHOUSE_CLIENT_SECRET.")
	org := fs.String("org", "", "organization id (required)")
	id := fs.String("id", "", "delete: the connection id")
	name := fs.String("name", "", "add: the connection's name")
	issuer := fs.String("issuer", "", "add: the provider's issuer URL")
	clientID := fs.String("client-id", "", "add: Gatehouse's client id at the provider")
	clientSecret := fs.String("client-secret", "", "add: Gatehouse's client secret at the provider")
	domains := fs.String("domains", "", "add: the email domains it serves, separated by commas")
	createUsers := fs.Bool("create-users", false, "add: create unknown users of the domains at their first sign-in")
	passwordOff := fs.Bool("password-off", false, "add: switch password sign-in off for the domains' users")
	db := dbFlag(fs)
	if err := parseSubcommand(env, fs, args, "list", "add", "delete"); err != nil {
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
	switch args[0] {
	case "add":
		c, _, err := svc.CreateSSOConnection(ctx, system, service.SSOConnectionInput{Name: *name, Issuer: *issuer, ClientID: *clientID,
			ClientSecret: *clientSecret, Domains: strings.Split(*domains, ","), CreateUsers: *createUsers, PasswordSignInDisabled: *passwordOff})
		if err != nil {
			return err
		}
		fmt.Fprintln(env.stdout, c.ID)
	case "delete":
		if *id == "" {
			return errors.New("--id is required")
		}
		if _, err := svc.DeleteSSOConnection(ctx, system, *id); err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "deleted %s: its users sign in with their password again, if they have one\n", *id)
	default:
		all, err := svc.SSOConnections(ctx, system)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(env.stdout)
		for _, c := range all {
			if err := enc.Encode(map[string]any{"id": c.ID, "name": c.Name, "issuer": c.Issuer, "client_id": c.ClientID,
				"domains": c.Domains, "create_users": c.CreateUsers, "password_sign_in_disabled": c.PasswordSignInDisabled}); err != nil {
				return err
			}
		}
	}
	return nil
}
