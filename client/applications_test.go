package client_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/client"
)

func TestApplications(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "facilities")
	gh := e.admin
	app := must[*client.NewApplicationSecret](t)(gh.CreateApplication(ctx, client.NewApplication{Name: "Work orders", Confidential: true,
		RedirectURIs: []string{"https://app.example.com/callback"}, Scopes: []string{"email"}}))
	if !strings.HasPrefix(app.ID, "app_") || !strings.HasPrefix(app.ClientSecret, "ghc_") {
		t.Fatalf("created: %+v", app)
	}
	if got := must[*client.Application](t)(gh.GetApplication(ctx, app.ID)); got.Name != "Work orders" || !got.Confidential {
		t.Fatalf("get: %+v", got)
	}
	if list := must[[]client.Application](t)(gh.ListApplications(ctx)); len(list) != 1 || list[0].ID != app.ID {
		t.Fatalf("list: %+v", list)
	}
	name := "Orders"
	if got := must[*client.Application](t)(gh.UpdateApplication(ctx, app.ID, client.ApplicationPatch{Name: &name})); got.Name != "Orders" {
		t.Fatalf("update: %+v", got)
	}
	if got := must[*client.NewApplicationSecret](t)(gh.RegenerateApplicationSecret(ctx, app.ID)); got.ClientSecret == "" || got.ClientSecret == app.ClientSecret {
		t.Fatalf("regenerate: %+v", got)
	}
	if err := gh.DeleteApplication(ctx, app.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := gh.GetApplication(ctx, app.ID); err == nil {
		t.Fatal("a deleted application is still found")
	}
}
