package service_test

import (
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// A grant's start and expiry are audited once, whichever of two instances
// on the same database, and however many sweeps and writes, notice them.
func TestGrantBoundariesAuditedOnce(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := t.Context()
	other := service.New(f.db, f.config()) // a second instance
	fac, _, err := f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: "North"})
	if err != nil {
		t.Fatal(err)
	}
	grp, _, err := f.svc.CreateGroup(ctx, f.admin, service.GroupInput{Name: "Tech", Permissions: []string{"work_orders.view"}})
	if err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Minute)
	inv, err := f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "C", LastName: "C", Email: "c@acme.test",
		SiteRoles: []gatehouse.SiteRole{{GroupID: grp.ID, FacilityID: fac.ID, StartsAt: past.Add(-time.Hour), ExpiresAt: past}}})
	if err != nil {
		t.Fatal(err)
	}
	// The invitation was itself a write: it audited both boundaries.
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i, svc := range []*service.Service{f.svc, other, f.svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := svc.AuditGrantBoundaries(ctx, f.org.Org.ID)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	events, err := f.svc.AuditEvents(ctx, f.admin, gatehouse.AuditFilter{TargetID: inv.User.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range events {
		seen[e.Action]++
	}
	if seen[service.ActionGrantStarted] != 1 || seen[service.ActionGrantExpired] != 1 {
		t.Fatalf("audit events %v (sweeps audited %v), want one start and one expiry", seen, counts)
	}
}
