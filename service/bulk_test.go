package service_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// A bulk action is all or nothing: one user it may not act on changes
// nobody, and one that goes through writes one audit event per user.
func TestBulkIsAllOrNothing(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx, admin := context.Background(), f.admin
	var ids []string
	for i := range 5 {
		u := f.activeUser(admin, service.UserInput{FirstName: "U", LastName: fmt.Sprint(i), Email: fmt.Sprintf("u%d@b.test", i)})
		ids = append(ids, u.ID)
	}
	// An unknown id among them: nobody is deactivated.
	_, _, err := f.svc.BulkUsers(ctx, admin, service.BulkInput{Action: service.BulkDeactivate, UserIDs: append(ids[:4:4], "usr_nobody")})
	if e := wantCode(t, err, gatehouse.ENOTFOUND); e.Message != `user usr_nobody: user "usr_nobody" not found` {
		t.Errorf("message = %q", e.Message)
	}
	for _, id := range ids {
		if u := f.getUser(id); u.Status != gatehouse.StatusActive {
			t.Fatalf("%s is %s after a refused bulk action", id, u.Status)
		}
	}
	// Deactivating the organization's only full-access user with them: refused, nobody changes.
	_, _, err = f.svc.BulkUsers(ctx, gatehouse.SystemActor(admin.OrgID), service.BulkInput{Action: service.BulkDeactivate, UserIDs: append(ids[:2:2], admin.UserID)})
	wantCode(t, err, gatehouse.ECONFLICT)
	if u := f.getUser(ids[0]); u.Status != gatehouse.StatusActive {
		t.Fatalf("deactivated by a refused bulk action")
	}

	out, rev, err := f.svc.BulkUsers(ctx, admin, service.BulkInput{Action: service.BulkDeactivate, UserIDs: ids[:3]})
	if err != nil || rev == 0 || len(out) != 3 {
		t.Fatalf("bulk deactivate: %v, %d, %v", out, rev, err)
	}
	// Again with one more: the three already inactive are left unchanged.
	out, _, err = f.svc.BulkUsers(ctx, admin, service.BulkInput{Action: service.BulkDeactivate, UserIDs: ids[:4]})
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for _, o := range out {
		if o.Changed {
			changed++
		}
	}
	if changed != 1 {
		t.Errorf("changed = %d, want 1 (the others were inactive already)", changed)
	}
	events, err := f.svc.AuditEvents(ctx, admin, gatehouse.AuditFilter{Action: "user.deactivated", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 4 {
		t.Errorf("%d user.deactivated events, want 4 (one per user changed)", len(events))
	}
}

// Each bulk action does what its single write does, to every user.
func TestBulkActions(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx, admin := context.Background(), f.admin
	g := must[*gatehouse.Group](t)(func() (*gatehouse.Group, error) {
		g, _, err := f.svc.CreateGroup(ctx, admin, service.GroupInput{Name: "Techs", Permissions: []string{"work_orders.view"}})
		return g, err
	}())
	fac := must[*gatehouse.Facility](t)(func() (*gatehouse.Facility, error) {
		fac, _, err := f.svc.CreateFacility(ctx, admin, service.FacilityInput{Name: "North"})
		return fac, err
	}())
	a := f.activeUser(admin, service.UserInput{FirstName: "A", LastName: "A", Email: "a@b.test"})
	b := f.activeUser(admin, service.UserInput{FirstName: "B", LastName: "B", Email: "b@b.test"})
	ids := []string{a.ID, b.ID}
	run := func(in service.BulkInput) {
		t.Helper()
		in.UserIDs = ids
		if _, _, err := f.svc.BulkUsers(ctx, admin, in); err != nil {
			t.Fatalf("%s: %v", in.Action, err)
		}
	}
	check := func(what string, ok func(u *gatehouse.User) bool) {
		t.Helper()
		for _, id := range ids {
			if !ok(f.getUser(id)) {
				t.Errorf("%s: not so for %s", what, id)
			}
		}
	}
	run(service.BulkInput{Action: service.BulkAddGroup, GroupID: g.ID})
	check("add_group", func(u *gatehouse.User) bool { return len(u.GroupIDs) == 1 && u.GroupIDs[0] == g.ID })
	run(service.BulkInput{Action: service.BulkAssignFacility, FacilityID: fac.ID})
	check("assign_facility", func(u *gatehouse.User) bool { return len(u.FacilityIDs) == 1 })
	run(service.BulkInput{Action: service.BulkUnassignFacility, FacilityID: fac.ID})
	check("unassign_facility", func(u *gatehouse.User) bool { return len(u.FacilityIDs) == 0 })
	run(service.BulkInput{Action: service.BulkRemoveGroup, GroupID: g.ID})
	check("remove_group", func(u *gatehouse.User) bool { return len(u.GroupIDs) == 0 })
	run(service.BulkInput{Action: service.BulkDeactivate})
	check("deactivate", func(u *gatehouse.User) bool { return u.Status == gatehouse.StatusInactive })
	run(service.BulkInput{Action: service.BulkActivate})
	check("activate", func(u *gatehouse.User) bool { return u.Status == gatehouse.StatusActive })
	// Resending needs invited users: refused for active ones, all of them.
	_, _, err := f.svc.BulkUsers(ctx, admin, service.BulkInput{Action: service.BulkResendInvitation, UserIDs: ids})
	wantCode(t, err, gatehouse.ECONFLICT)
	run(service.BulkInput{Action: service.BulkDelete})
	for _, id := range ids {
		if _, err := f.svc.GetUser(ctx, admin, id); gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
			t.Errorf("%s not deleted: %v", id, err)
		}
	}

	for _, tc := range []struct {
		in    service.BulkInput
		field string
	}{
		{service.BulkInput{Action: "promote", UserIDs: []string{a.ID}}, "action"},
		{service.BulkInput{Action: service.BulkDeactivate}, "user_ids"},
		{service.BulkInput{Action: service.BulkAddGroup, UserIDs: []string{a.ID}}, "group_id"},
		{service.BulkInput{Action: service.BulkAssignFacility, UserIDs: []string{a.ID}}, "facility_id"},
	} {
		_, _, err := f.svc.BulkUsers(ctx, admin, tc.in)
		if e := wantCode(t, err, gatehouse.EINVALID); e.Field != tc.field && (len(e.Fields) == 0 || e.Fields[0].Field != tc.field) {
			t.Errorf("%+v: error %v, want field %s", tc.in, err, tc.field)
		}
	}
}

// A bulk action is judged as a whole under no escalation: a limited admin
// may not add a group beyond their own permissions, to anyone, and the
// preview says so without changing anything.
func TestBulkNoEscalation(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx, admin := context.Background(), f.admin
	fac := must[*gatehouse.Facility](t)(func() (*gatehouse.Facility, error) {
		fac, _, err := f.svc.CreateFacility(ctx, admin, service.FacilityInput{Name: "North"})
		return fac, err
	}())
	managers := must[*gatehouse.Group](t)(func() (*gatehouse.Group, error) {
		g, _, err := f.svc.CreateGroup(ctx, admin, service.GroupInput{Name: "Managers", Permissions: []string{"users.view", "users.edit"}})
		return g, err
	}())
	powerful := must[*gatehouse.Group](t)(func() (*gatehouse.Group, error) {
		g, _, err := f.svc.CreateGroup(ctx, admin, service.GroupInput{Name: "Powerful", Permissions: []string{"users.delete"}})
		return g, err
	}())
	limited := f.activeUser(admin, service.UserInput{FirstName: "L", LastName: "L", Email: "l@b.test", GroupIDs: []string{managers.ID}, FacilityIDs: []string{fac.ID}})
	actor := gatehouse.Actor{OrgID: admin.OrgID, UserID: limited.ID}
	var ids []string
	for i := range 3 {
		ids = append(ids, f.activeUser(admin, service.UserInput{FirstName: "U", LastName: fmt.Sprint(i), Email: fmt.Sprintf("u%d@b.test", i), FacilityIDs: []string{fac.ID}}).ID)
	}
	in := service.BulkInput{Action: service.BulkAddGroup, GroupID: powerful.ID, UserIDs: ids}
	p, err := f.svc.Preview(ctx, func(ctx context.Context) error { _, _, err := f.svc.BulkUsers(ctx, actor, in); return err })
	if err != nil {
		t.Fatal(err)
	}
	if gatehouse.ErrorCode(p.Error) != gatehouse.EFORBIDDEN || len(p.Users) != 3 {
		t.Fatalf("preview: error %v, %d users; want forbidden, 3", p.Error, len(p.Users))
	}
	_, _, err = f.svc.BulkUsers(ctx, actor, in)
	wantCode(t, err, gatehouse.EFORBIDDEN)
	for _, id := range ids {
		if len(f.getUser(id).GroupIDs) != 0 {
			t.Fatal("a refused bulk action added a group")
		}
	}
	// The group within their own permissions goes through, for all three.
	if _, _, err := f.svc.BulkUsers(ctx, actor, service.BulkInput{Action: service.BulkAddGroup, GroupID: managers.ID, UserIDs: ids}); err != nil {
		t.Fatal(err)
	}
	// A user outside the limited admin's facilities is not found, and stops the lot.
	outside := f.activeUser(admin, service.UserInput{FirstName: "O", LastName: "O", Email: "o@b.test"})
	_, _, err = f.svc.BulkUsers(ctx, actor, service.BulkInput{Action: service.BulkRemoveGroup, GroupID: managers.ID, UserIDs: append(ids[:2:2], outside.ID)})
	wantCode(t, err, gatehouse.ENOTFOUND)
	if len(f.getUser(ids[0]).GroupIDs) != 1 {
		t.Fatal("a refused bulk action removed a group")
	}
}
