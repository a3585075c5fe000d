package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// A connection keeps its domains and default groups; a domain is claimed
// once per organization but may be claimed by another organization too, and
// an id of another organization is not found.
func TestSSOConnection_DomainsPerOrganization(t *testing.T) {
	db := MustOpen(t)
	acme, globex := mustFixture(t, db, "Acme"), mustFixture(t, db, "Globex")
	c := &gatehouse.SSOConnection{OrgID: acme.org.ID, Name: "Entra", Issuer: "https://login.example.com", ClientID: "id",
		ClientSecret: "secret", Scopes: []string{"email", "profile"}, Domains: []string{"Acme.COM", "acme.org"},
		CreateUsers: true, DefaultGroupIDs: []string{acme.groups[0].ID}, PasswordSignInDisabled: true}
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.CreateSSOConnection(c) })

	var got *gatehouse.SSOConnection
	mustView(t, db, func(tx gatehouse.Tx) (err error) { got, err = tx.FindSSOConnection(acme.org.ID, c.ID); return })
	if !reflect.DeepEqual(got.Domains, []string{"acme.com", "acme.org"}) || !reflect.DeepEqual(got.DefaultGroupIDs, c.DefaultGroupIDs) ||
		got.ClientSecret != "secret" || !got.PasswordSignInDisabled || !got.CreateUsers || !reflect.DeepEqual(got.Scopes, c.Scopes) {
		t.Fatalf("stored connection = %+v", got)
	}
	err := db.View(t.Context(), func(tx gatehouse.Tx) error { _, err := tx.FindSSOConnection(globex.org.ID, c.ID); return err })
	wantError(t, err, gatehouse.ENOTFOUND, "")

	second := &gatehouse.SSOConnection{OrgID: acme.org.ID, Name: "Okta", Issuer: "https://okta.example.com", ClientID: "x", Domains: []string{"acme.com"}}
	wantError(t, db.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.CreateSSOConnection(second) }), gatehouse.ECONFLICT, "domains")

	other := &gatehouse.SSOConnection{OrgID: globex.org.ID, Name: "Okta", Issuer: "https://okta.example.com", ClientID: "x", Domains: []string{"acme.com"}}
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.CreateSSOConnection(other) })
	var byDomain []*gatehouse.SSOConnection
	mustView(t, db, func(tx gatehouse.Tx) (err error) { byDomain, err = tx.FindSSOConnectionsByDomain("ACME.com"); return })
	if len(byDomain) != 2 || byDomain[0].ID != c.ID || byDomain[1].ID != other.ID {
		t.Fatalf("by domain = %v, want Acme's then Globex's", byDomain)
	}

	// A deleted group leaves the default groups.
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.DeleteGroup(acme.org.ID, acme.groups[0].ID) })
	mustView(t, db, func(tx gatehouse.Tx) (err error) { got, err = tx.FindSSOConnection(acme.org.ID, c.ID); return })
	if len(got.DefaultGroupIDs) != 0 {
		t.Fatalf("default groups after the group's deletion = %v", got.DefaultGroupIDs)
	}
	// A group of another organization is not found, by field.
	got.DefaultGroupIDs = []string{globex.groups[0].ID}
	wantError(t, db.Update(t.Context(), func(tx gatehouse.Tx) error { return tx.UpdateSSOConnection(got) }), gatehouse.ENOTFOUND, "default_group_ids")
}

// A state is taken once: the second take finds nothing.
func TestSSOState_TakenOnce(t *testing.T) {
	db := MustOpen(t)
	fx := mustFixture(t, db, "Acme")
	c := &gatehouse.SSOConnection{OrgID: fx.org.ID, Name: "Entra", Issuer: "https://login.example.com", ClientID: "id", Domains: []string{"acme.com"}}
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.CreateSSOConnection(c) })
	st := &gatehouse.SSOState{StateHash: gatehouse.HashToken("state"), OrgID: fx.org.ID, ConnectionID: c.ID,
		Nonce: "n", CodeVerifier: "v", Next: "/users", ExpiresAt: time.Now().Add(time.Minute)}
	mustUpdate(t, db, func(tx gatehouse.Tx) error { return tx.CreateSSOState(st) })
	var got *gatehouse.SSOState
	mustUpdate(t, db, func(tx gatehouse.Tx) (err error) { got, err = tx.TakeSSOState(st.StateHash); return })
	if got.Nonce != "n" || got.CodeVerifier != "v" || got.Next != "/users" || got.ConnectionID != c.ID {
		t.Fatalf("taken state = %+v", got)
	}
	err := db.Update(t.Context(), func(tx gatehouse.Tx) error { _, err := tx.TakeSSOState(st.StateHash); return err })
	wantError(t, err, gatehouse.ENOTFOUND, "")
}
