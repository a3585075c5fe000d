package client_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/client"
)

// TestPreviews calls every Preview… method: each answers what the write
// would change, changes nothing, and reports the refusal a limited admin's
// write would meet.
func TestPreviews(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "facilities")
	gh := e.admin
	north := must2[*client.Facility](t)(gh.CreateFacility(ctx, client.NewFacility{Name: "North"}))
	south := must2[*client.Facility](t)(gh.CreateFacility(ctx, client.NewFacility{Name: "South"}))
	techs := must2[*client.Group](t)(gh.CreateGroup(ctx, client.NewGroup{Name: "Techs", Permissions: []string{"work_orders.view"}}))
	tess := e.activeUser("tess", client.NewUser{GroupIDs: []string{techs.ID}, FacilityIDs: []string{north.ID, south.ID}})
	lead := e.activeUser("lead", client.NewUser{Permissions: []string{"users.view", "users.edit", "work_orders.view", "work_orders.edit"}, FacilityIDs: []string{north.ID}})
	before := must[*client.Me](t)(gh.Me(ctx)).Organization.Revision

	p := must[*client.Preview](t)(gh.PreviewUpdateGroup(ctx, techs.ID, client.GroupPatch{Permissions: &[]string{"work_orders.view", "work_orders.edit"}}))
	if len(p.Users) != 1 || p.Users[0].UserID != tess || len(p.Users[0].Gained) != 1 || p.Users[0].Gained[0].Permission != "work_orders.edit" ||
		len(p.Users[0].Gained[0].FacilityIDs) != 2 || p.Refusal != nil || int64(p.Revision) != int64(before) {
		t.Fatalf("group edit preview: %+v", p)
	}
	calls := []func() (*client.Preview, error){
		func() (*client.Preview, error) {
			return gh.PreviewInviteUser(ctx, client.NewUser{FirstName: "N", LastName: "U", Email: e.email("new"), GroupIDs: []string{techs.ID}, FacilityIDs: []string{north.ID}})
		},
		func() (*client.Preview, error) {
			return gh.PreviewUpdateUser(ctx, tess, client.UserPatch{FacilityIDs: &[]string{north.ID}})
		},
		func() (*client.Preview, error) { return gh.PreviewDeactivateUser(ctx, tess) },
		func() (*client.Preview, error) { return gh.PreviewDeleteUser(ctx, tess) },
		func() (*client.Preview, error) {
			return gh.PreviewCreateGroup(ctx, client.NewGroup{Name: "New", Permissions: []string{"reports.view"}})
		},
		func() (*client.Preview, error) { return gh.PreviewDeleteGroup(ctx, techs.ID) },
		func() (*client.Preview, error) {
			return gh.PreviewUpdateFacility(ctx, south.ID, client.FacilityPatch{Name: client.Ptr("South Yard")})
		},
		func() (*client.Preview, error) { return gh.PreviewArchiveFacility(ctx, south.ID) },
		func() (*client.Preview, error) { return gh.PreviewDeleteFacility(ctx, south.ID) },
	}
	for i, call := range calls {
		p, err := call()
		if err != nil || p.Refusal != nil {
			t.Fatalf("preview %d: %+v, %v", i, p, err)
		}
	}
	if _, err := gh.PreviewActivateUser(ctx, tess); !client.IsConflict(err) {
		t.Fatalf("activating an active user: %v, want the write's own conflict", err)
	}
	if got := must[*client.Me](t)(gh.Me(ctx)).Organization.Revision; int64(got) != int64(before) {
		t.Fatalf("previews moved the revision from %d to %d", before, got)
	}
	// A limited admin's group edit that reaches a member at South, where the
	// admin holds nothing: the refusal comes in the preview.
	limited := e.client(e.keyOf(lead))
	p = must[*client.Preview](t)(limited.PreviewUpdateGroup(ctx, techs.ID, client.GroupPatch{Permissions: &[]string{"work_orders.view", "work_orders.edit"}}))
	if p.Refusal == nil || p.Refusal.Reason != "escalation" || p.Refusal.Status != http.StatusForbidden || len(p.Users) != 1 {
		t.Fatalf("limited preview: %+v (%+v)", p, p.Refusal)
	}
}
