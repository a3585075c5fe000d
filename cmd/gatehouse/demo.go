package main

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/service"
)

const (
	demoOrg      = "Demo Facilities"
	demoAdmin    = "admin@demo.test"
	demoPassword = "gatehouse-demo"
)

func runDemo(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "demo [serve flags]",
		"Serves Gatehouse with a demo organization: groups, facilities and users in every\n"+
			"state (active, invited, inactive, full access, view-own only). Creates it on the\n"+
			"first run, reuses it after; prints the URL, the admin's sign-in and an API key\n"+
			"(a new one on every start; the earlier ones keep working).")
	var cfg serveConfig
	cfg.register(fs)
	if err := parse(env, fs, args); err != nil {
		return err
	}
	return serve(ctx, env, cfg, func(r server.Running) error {
		svc, url := r.Service, r.URL
		org, err := seedDemo(ctx, svc)
		if err != nil {
			return err
		}
		key, err := svc.CreateAPIKey(ctx, gatehouse.Actor{OrgID: org.ID, UserID: org.adminID}, "demo")
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, `Gatehouse is serving at %s

Demo organization %q (%s)
  web UI:   %s/   sign in as %s / %s
  API key:  %s   (a new one on every start; the earlier ones keep working)
  try:      curl -H 'Authorization: Bearer %s' %s/api/v1/users
  mail:     invitations are written to %s/

Press Ctrl-C to stop.
`, url, demoOrg, org.ID, url, demoAdmin, demoPassword, key.Secret, key.Secret, url, cfg.MailDir)
		return nil
	})
}

type demoOrganization struct {
	ID      string
	adminID string
}

// seedDemo creates the demo organization once, through the same service
// calls an admin would make.
func seedDemo(ctx context.Context, svc *service.Service) (*demoOrganization, error) {
	orgs, err := svc.Organizations(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		if o.Name == demoOrg {
			users, err := svc.ListUsers(ctx, gatehouse.SystemActor(o.ID), gatehouse.UserFilter{Query: demoAdmin, Limit: 1})
			if err != nil || len(users) == 0 {
				return nil, fmt.Errorf("demo organization exists without its admin: %v", err)
			}
			return &demoOrganization{ID: o.ID, adminID: users[0].ID}, nil
		}
	}
	_, catalog, err := catalogs.Load("facilities")
	if err != nil {
		return nil, err
	}
	founded, err := svc.CreateOrganization(ctx, service.NewOrganization{Name: demoOrg, Catalog: catalog,
		AdminEmail: demoAdmin, AdminFirstName: "Ada", AdminLastName: "Admin"})
	if err != nil {
		return nil, err
	}
	sys := gatehouse.SystemActor(founded.Org.ID)
	if err := svc.SetPassword(ctx, sys, founded.Admin.ID, demoPassword); err != nil {
		return nil, err
	}
	facilities := map[string]string{}
	for _, name := range []string{"North Depot", "South Store", "City Centre", "Harbour Warehouse"} {
		f, _, err := svc.CreateFacility(ctx, sys, service.FacilityInput{Name: name})
		if err != nil {
			return nil, err
		}
		facilities[name] = f.ID
	}
	groups := map[string]string{}
	for _, g := range []service.GroupInput{
		{Name: "Administrator", Description: "Runs the organization's users and facilities",
			Permissions: []string{"users.view", "users.create", "users.edit", "users.delete", "facilities.view", "facilities.create", "facilities.edit", "facilities.archive", "audit_logs.view", "reports.view"}},
		{Name: "Store Manager", Description: "Runs the work of their stores",
			Permissions: []string{"users.view", "users.create", "users.edit", "facilities.view", "assets.view", "work_orders.view", "work_orders.create", "work_orders.edit", "work_orders.send", "service_reports.view", "reports.view"}},
		{Name: "Technician", Description: "Works the orders assigned to them",
			Permissions: []string{"assets.view", "work_orders.view_own", "work_orders.edit", "service_reports.create", "service_reports.view_own"}},
	} {
		created, _, err := svc.CreateGroup(ctx, sys, g)
		if err != nil {
			return nil, err
		}
		groups[g.Name] = created.ID
	}
	people := []struct {
		in     service.UserInput
		status gatehouse.UserStatus
	}{
		{service.UserInput{FirstName: "Fran", LastName: "Fuller", Email: "fran@demo.test", Phone: "+44 20 7946 0101", FullAccess: true}, gatehouse.StatusActive},
		{service.UserInput{FirstName: "Mia", LastName: "Manager", Email: "mia@demo.test", Phone: "+44 20 7946 0102",
			GroupIDs: []string{groups["Store Manager"]}, FacilityIDs: []string{facilities["North Depot"], facilities["South Store"]}}, gatehouse.StatusActive},
		{service.UserInput{FirstName: "Tom", LastName: "Technician", Email: "tom@demo.test", Phone: "+44 20 7946 0103",
			GroupIDs: []string{groups["Technician"]}, FacilityIDs: []string{facilities["North Depot"]}}, gatehouse.StatusActive},
		{service.UserInput{FirstName: "Olga", LastName: "Operations", Email: "olga@demo.test",
			GroupIDs: []string{groups["Administrator"]}, FacilityIDs: []string{facilities["City Centre"], facilities["Harbour Warehouse"]}}, gatehouse.StatusActive},
		{service.UserInput{FirstName: "Vic", LastName: "Viewer", Email: "vic@demo.test",
			Permissions: []string{"work_orders.view_own"}, FacilityIDs: []string{facilities["South Store"]}}, gatehouse.StatusActive},
		{service.UserInput{FirstName: "Ivy", LastName: "Invited", Email: "ivy@demo.test",
			GroupIDs: []string{groups["Technician"]}, FacilityIDs: []string{facilities["South Store"]}}, gatehouse.StatusInvited},
		{service.UserInput{FirstName: "Ian", LastName: "Inactive", Email: "ian@demo.test",
			GroupIDs: []string{groups["Store Manager"]}, FacilityIDs: []string{facilities["City Centre"]}}, gatehouse.StatusInactive},
	}
	for _, p := range people {
		invited, err := svc.InviteUser(ctx, sys, p.in)
		if err != nil {
			return nil, err
		}
		if p.status == gatehouse.StatusInvited {
			continue
		}
		if _, _, err := svc.AcceptInvitation(ctx, invited.Token, demoPassword); err != nil {
			return nil, err
		}
		if p.status == gatehouse.StatusInactive {
			if _, _, err := svc.DeactivateUser(ctx, sys, invited.User.ID); err != nil {
				return nil, err
			}
		}
	}
	return &demoOrganization{ID: founded.Org.ID, adminID: founded.Admin.ID}, nil
}
