package client_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/client"
)

// Bulk actions and licence seats through the client.
func TestBulkUsersAndSeats(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "compliance")
	tiers := must[[]client.LicenceSeats](t)(e.admin.Licences(ctx))
	if len(tiers) != 5 || tiers[0].Seats != nil || tiers[0].SeatsFree != nil {
		t.Fatalf("licences: %+v", tiers)
	}
	two := 2
	set := must2[*client.LicenceSeats](t)(e.admin.SetLicenceSeats(ctx, "read_report", &two))
	if *set.Seats != 2 || *set.SeatsFree != 2 {
		t.Fatalf("set: %+v", set)
	}
	a := e.activeUser("ann", client.NewUser{Licence: "read_report"})
	b := e.activeUser("bob", client.NewUser{Licence: "read_report"})
	if _, _, err := e.admin.InviteUser(ctx, client.NewUser{FirstName: "C", LastName: "C", Email: e.email("cat"), Licence: "read_report"}); err == nil {
		t.Fatal("a third read_report user past 2 seats")
	} else if ce, ok := err.(*client.Error); !ok || ce.Reason != "licence_seats_exhausted" {
		t.Fatalf("refusal: %v", err)
	}
	action := client.BulkAction{Action: client.BulkDeactivate, UserIDs: []string{a, b}}
	p := must[*client.Preview](t)(e.admin.PreviewBulkUsers(ctx, action))
	if p.Refusal != nil {
		t.Fatalf("preview refusal: %v", p.Refusal)
	}
	res := must2[*client.BulkResult](t)(e.admin.BulkUsers(ctx, action))
	if res.Changed != 2 || len(res.Items) != 2 || res.Items[0].User.Status != "inactive" {
		t.Fatalf("bulk: %+v", res)
	}
	page := must[client.Page[client.User]](t)(e.admin.ListUsers(ctx, client.UserQuery{Status: "inactive", Count: true}))
	if page.Total != 2 {
		t.Fatalf("total %d, want 2", page.Total)
	}
	if _, _, err := e.admin.SetLicenceSeats(ctx, "read_report", nil); err != nil {
		t.Fatal(err)
	}
}
