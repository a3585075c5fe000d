package client_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/client"
)

// Issue 15's SSO connections through the client.
func TestSSOConnections(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "facilities")
	created := must2[*client.SSOConnection](t)(e.admin.CreateSSOConnection(ctx, client.NewSSOConnection{Name: "Okta",
		Issuer: "https://acme.okta.com", ClientID: "app", ClientSecret: "s", Domains: []string{"acme.example"}}))
	if !created.ClientSecretSet || len(created.Scopes) != 2 || created.RedirectURI == "" {
		t.Fatalf("created %+v", created)
	}
	if all := must[[]client.SSOConnection](t)(e.admin.ListSSOConnections(ctx)); len(all) != 1 {
		t.Fatalf("list %+v", all)
	}
	off := true
	if got := must2[*client.SSOConnection](t)(e.admin.UpdateSSOConnection(ctx, created.ID, client.SSOConnectionPatch{PasswordSignInDisabled: &off})); !got.PasswordSignInDisabled {
		t.Fatalf("updated %+v", got)
	}
	if got := must[*client.SSOConnection](t)(e.admin.GetSSOConnection(ctx, created.ID)); got.ID != created.ID {
		t.Fatalf("get %+v", got)
	}
	must[client.Revision](t)(e.admin.DeleteSSOConnection(ctx, created.ID))
	if _, err := e.admin.GetSSOConnection(ctx, created.ID); !client.IsNotFound(err) {
		t.Fatalf("after delete: %v", err)
	}
}
