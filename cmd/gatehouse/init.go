package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/ui"
)

func runInit(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "init --org NAME --template facilities|compliance --admin-email EMAIL [--catalog FILE] [--db DSN]",
		"Creates an organization and its first active, full-access admin, and prints\n"+
			`{"org_id", "user_id", "api_key", "set_password_url"} as JSON. The admin has no\n`+
			"password yet: set_password_url, also mailed to them (sent once serve runs),\n"+
			"opens the web UI's page to choose one; it works once, for 72 hours.\n"+
			"Run it again for another organization.")
	org := fs.String("org", "", "organization name (required)")
	template := fs.String("template", "facilities", "built-in catalog template: facilities or compliance")
	catalogFile := fs.String("catalog", "", "custom catalog file (JSON); replaces --template")
	email := fs.String("admin-email", "", "email of the first admin (required)")
	first := fs.String("admin-first-name", "", "first name of the first admin (default: the email's local part)")
	last := fs.String("admin-last-name", "Admin", "last name of the first admin")
	baseURL := fs.String("base-url", "http://127.0.0.1:8080", "public URL of the server (serve --base-url), for the set-password link")
	db := dbFlag(fs)
	if err := parse(env, fs, args); err != nil {
		return err
	}
	if *org == "" || *email == "" {
		fs.Usage()
		return fmt.Errorf("--org and --admin-email are required")
	}
	var data []byte
	var err error
	if *catalogFile != "" {
		if data, err = os.ReadFile(*catalogFile); err != nil {
			return err
		}
	} else if _, data, err = catalogs.Load(*template); err != nil {
		return err
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := service.New(st, service.Config{Links: ui.Links(*baseURL)})
	founded, err := svc.CreateOrganization(ctx, service.NewOrganization{
		Name: *org, Catalog: data, AdminEmail: *email, AdminFirstName: *first, AdminLastName: *last,
	})
	if err != nil {
		return err
	}
	link, err := svc.SendPasswordSetup(ctx, gatehouse.SystemActor(founded.Org.ID), founded.Admin.ID)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(env.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]string{"org_id": founded.Org.ID, "user_id": founded.Admin.ID, "api_key": founded.APIKey, "set_password_url": link})
}
