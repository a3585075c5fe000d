package service

import (
	"context"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// NewOrganization is what init needs: a name, a catalog file and the first admin.
type NewOrganization struct {
	Name           string
	Catalog        []byte // a catalog file: a built-in template or a custom one
	AdminEmail     string
	AdminFirstName string
	AdminLastName  string
}

// Founded is a new organization with its first admin and that admin's API
// key secret, shown once.
type Founded struct {
	Org    *gatehouse.Organization
	Admin  *gatehouse.User
	APIKey string
}

// CreateOrganization creates an organization and its first active,
// full-access admin with an API key, in one transaction.
func (s *Service) CreateOrganization(ctx context.Context, in NewOrganization) (*Founded, error) {
	if err := validateText("name", in.Name, true); err != nil {
		return nil, err
	}
	catalog, err := gatehouse.ParseCatalog(in.Catalog)
	if err != nil {
		return nil, err
	}
	if in.AdminFirstName == "" {
		in.AdminFirstName, _, _ = strings.Cut(in.AdminEmail, "@")
	}
	if in.AdminLastName == "" {
		in.AdminLastName = "Admin"
	}
	now := s.now()
	org := &gatehouse.Organization{ID: gatehouse.NewID(gatehouse.PrefixOrg), Name: strings.TrimSpace(in.Name), Template: catalog.Template, CreatedAt: now}
	admin := &gatehouse.User{
		ID: gatehouse.NewID(gatehouse.PrefixUser), OrgID: org.ID,
		FirstName: in.AdminFirstName, LastName: in.AdminLastName, Email: in.AdminEmail,
		Status: gatehouse.StatusActive, FullAccess: true, Licence: catalog.HighestLicence(),
		// The operator who creates the organization names this address: it
		// counts as verified, so that the first admin can set a password
		// through a reset link (which only ever goes to verified addresses).
		EmailVerified: true,
	}
	for _, f := range []struct{ name, value string }{{"admin_first_name", admin.FirstName}, {"admin_last_name", admin.LastName}} {
		if err := validateText(f.name, f.value, true); err != nil {
			return nil, err
		}
	}
	if err := validateEmail(admin.Email); err != nil {
		err.(*gatehouse.Error).Field = "admin_email"
		return nil, err
	}
	secret, key := newAPIKey(org.ID, admin.ID, "init", now)
	err = s.store.Update(ctx, func(tx gatehouse.Tx) error {
		if err := tx.CreateOrganization(org, in.Catalog); err != nil {
			return err
		}
		if err := tx.CreateUser(admin); err != nil {
			return err
		}
		if err := tx.CreateAPIKey(key); err != nil {
			return err
		}
		return record(ctx, tx, gatehouse.SystemActor(org.ID), "organization.created", "organization", org.ID,
			diff(nil, map[string]any{"name": org.Name, "template": org.Template, "admin_id": admin.ID, "admin_email": admin.Email, "api_key_id": key.ID}))
	})
	if err != nil {
		return nil, err
	}
	return &Founded{Org: org, Admin: admin, APIKey: secret}, nil
}

// Organizations lists every organization, for operators.
func (s *Service) Organizations(ctx context.Context) ([]*gatehouse.Organization, error) {
	var out []*gatehouse.Organization
	err := s.store.View(ctx, func(tx gatehouse.Tx) error {
		orgs, err := tx.FindOrganizations()
		out = orgs
		return err
	})
	return out, err
}
