package client_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/client"
)

// Site roles and time-bound grants through the client: a site role with an
// end, the check at a moment after it, the per-facility effective access,
// the users who hold the role there, and one grant added, previewed and
// removed at a time.
func TestGrants(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "facilities")
	gh := e.admin
	north := must2[*client.Facility](t)(gh.CreateFacility(ctx, client.NewFacility{Name: "North"}))
	south := must2[*client.Facility](t)(gh.CreateFacility(ctx, client.NewFacility{Name: "South"}))
	tech := must2[*client.Group](t)(gh.CreateGroup(ctx, client.NewGroup{Name: "Technician", Permissions: []string{"work_orders.view"}}))
	end := time.Now().Add(14 * 24 * time.Hour).UTC().Truncate(time.Second)
	cara := e.activeUser("cara", client.NewUser{FacilityIDs: []string{south.ID},
		SiteRoles:  []client.SiteRole{{GroupID: tech.ID, FacilityID: north.ID, ExpiresAt: &end}},
		TimeBounds: []client.TimeBound{{GrantID: "facility:" + south.ID, ExpiresAt: &end}}})

	u := must[*client.User](t)(gh.GetUser(ctx, cara))
	if len(u.SiteRoles) != 1 || !u.SiteRoles[0].ExpiresAt.Equal(end) || len(u.TimeBounds) != 1 {
		t.Fatalf("user %+v", u)
	}
	d := must[*client.Decision](t)(gh.CheckDetail(ctx, cara, "work_orders.view", client.Resource{FacilityID: north.ID}))
	if !d.Allowed || !slices.Contains(d.GrantedBy, client.Source{Type: "group", ID: tech.ID, FacilityID: north.ID, ExpiresAt: end}) {
		t.Fatalf("decision %+v", d)
	}
	if d := must[*client.Decision](t)(gh.CheckAt(ctx, cara, "work_orders.view", client.Resource{FacilityID: north.ID}, end)); d.Allowed {
		t.Fatalf("decision at the end %+v", d)
	}
	perms := must[[]client.EffectivePermission](t)(gh.UserPermissions(ctx, cara))
	if len(perms) != 2 || perms[0].Codename != "work_orders.view" || len(perms[0].Facilities) != 1 || perms[0].Facilities[0].FacilityID != north.ID {
		t.Fatalf("effective %+v", perms)
	}
	page := must[client.Page[client.User]](t)(gh.ListUsers(ctx, client.UserQuery{HoldsGroupID: tech.ID, HoldsFacilityID: north.ID}))
	if len(page.Items) != 1 || page.Items[0].ID != cara {
		t.Fatalf("holders %+v", page.Items)
	}

	p := must[*client.Preview](t)(gh.PreviewAddGrant(ctx, cara, client.NewGrant{Type: "group", GroupID: tech.ID, FacilityID: south.ID}))
	if len(p.Users) != 1 || p.Refusal != nil {
		t.Fatalf("preview %+v", p)
	}
	g := must2[*client.UserGrant](t)(gh.AddGrant(ctx, cara, client.NewGrant{Type: "group", GroupID: tech.ID, FacilityID: south.ID}))
	if g.ID != "group:"+tech.ID+"@"+south.ID {
		t.Fatalf("grant %+v", g)
	}
	grants := must[[]client.UserGrant](t)(gh.ListGrants(ctx, cara))
	if len(grants) != 3 {
		t.Fatalf("grants %+v", grants)
	}
	if p := must[*client.Preview](t)(gh.PreviewRemoveGrant(ctx, cara, g.ID)); len(p.Users) != 1 {
		t.Fatalf("preview of removing %+v", p)
	}
	must[client.Revision](t)(gh.RemoveGrant(ctx, cara, g.ID))
	if _, err := gh.RemoveGrant(ctx, cara, g.ID); !client.IsNotFound(err) {
		t.Fatalf("removing again: %v", err)
	}
	f := must[*client.Filter](t)(gh.Filter(ctx, cara, "work_orders.view"))
	if !slices.Equal(f.FacilityIDs, []string{north.ID}) || f.OwnOnlyFacilityIDs == nil {
		t.Fatalf("filter %+v", f)
	}
	patched := must2[*client.User](t)(gh.UpdateUser(ctx, cara, client.UserPatch{SiteRoles: client.Ptr([]client.SiteRole{})}))
	if len(patched.SiteRoles) != 0 {
		t.Fatalf("site roles after clearing %+v", patched.SiteRoles)
	}
}
