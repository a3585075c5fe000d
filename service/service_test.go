package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/store/storetest"
)

// fixture is a service on a real SQLite file with one organization.
type fixture struct {
	t     *testing.T
	path  string
	db    *store.DB
	svc   *service.Service
	org   *service.Founded
	admin gatehouse.Actor
	// clock is the services' time (fakeClock); nil: the real time.
	clock func() time.Time
}

// now is the time of the fixture's services.
func (f *fixture) now() time.Time {
	if f.clock != nil {
		return f.clock()
	}
	return time.Now().UTC()
}

// config is the configuration of the fixture's services: cheap password
// hashing, links to a web UI at baseURL, and the fixture's clock.
func (f *fixture) config() service.Config {
	cfg := testsupport.ServiceConfig(baseURL, nil)
	cfg.Clock = f.now
	return cfg
}

// reconfigure replaces the fixture's service by one on the same database
// with its configuration changed, as a restart with other flags would.
func (f *fixture) reconfigure(change func(*service.Config)) {
	cfg := f.config()
	change(&cfg)
	f.svc = service.New(f.db, cfg)
}

func newFixture(t *testing.T, template string) *fixture {
	t.Helper()
	return newFixtureOn(t, storetest.DSN(t), template)
}

// newFixtureOn is newFixture on the database at dsn.
func newFixtureOn(t *testing.T, dsn, template string) *fixture {
	t.Helper()
	f := &fixture{t: t, path: dsn}
	f.open()
	f.org = f.newOrg("Acme", template)
	f.admin = gatehouse.Actor{OrgID: f.org.Org.ID, UserID: f.org.Admin.ID}
	return f
}

func (f *fixture) open() {
	db, err := store.Open(context.Background(), f.path)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { db.Close() })
	f.db, f.svc = db, service.New(db, f.config())
}

func (f *fixture) newOrg(name, template string) *service.Founded {
	f.t.Helper()
	_, data, err := catalogs.Load(template)
	if err != nil {
		f.t.Fatal(err)
	}
	org, err := f.svc.CreateOrganization(context.Background(), service.NewOrganization{Name: name, Catalog: data, AdminEmail: "admin@" + name + ".test"})
	if err != nil {
		f.t.Fatal(err)
	}
	return org
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func wantCode(t *testing.T, err error, code string) *gatehouse.Error {
	t.Helper()
	if got := gatehouse.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	var e *gatehouse.Error
	errors.As(err, &e)
	return e
}

// activeUser invites a user and accepts the invitation.
func (f *fixture) activeUser(actor gatehouse.Actor, in service.UserInput) *gatehouse.User {
	f.t.Helper()
	ctx := context.Background()
	inv, err := f.svc.InviteUser(ctx, actor, in)
	if err != nil {
		f.t.Fatal(err)
	}
	u, _, err := f.svc.AcceptInvitation(ctx, inv.Token, "correct horse battery")
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) check(userID, perm string, res authz.Resource) authz.Explanation {
	f.t.Helper()
	x, _, err := f.svc.Explain(context.Background(), f.admin, userID, perm, res, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	return x
}

func TestInitTwiceMakesSeparateOrganizations(t *testing.T) {
	f := newFixture(t, "facilities")
	other := f.newOrg("Globex", "compliance")
	if other.Org.ID == f.org.Org.ID || other.Admin.ID == f.org.Admin.ID {
		t.Fatal("second organization reuses ids")
	}
	ctx := context.Background()
	otherAdmin := gatehouse.Actor{OrgID: other.Org.ID, UserID: other.Admin.ID}
	_, err := f.svc.GetUser(ctx, otherAdmin, f.org.Admin.ID)
	wantCode(t, err, gatehouse.ENOTFOUND)
	fac := must[*gatehouse.Facility](t)(func() (*gatehouse.Facility, error) {
		fac, _, err := f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: "Depot"})
		return fac, err
	}())
	_, err = f.svc.GetFacility(ctx, otherAdmin, fac.ID)
	wantCode(t, err, gatehouse.ENOTFOUND)
	_, err = f.svc.InviteUser(ctx, otherAdmin, service.UserInput{FirstName: "A", LastName: "B", Email: "a@b.test", FacilityIDs: []string{fac.ID}})
	wantCode(t, err, gatehouse.ENOTFOUND)
	if x := f.check(other.Admin.ID, "users.view", authz.Resource{}); x.Reason != authz.ReasonUserNotFound {
		t.Fatalf("other org's admin in this org: %v", x.Reason)
	}
}

func TestEveryWriteIsVisibleToTheNextCheck(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	depot, _, _ := f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: "Depot"})
	store2, _, _ := f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: "Store 2"})
	tech, _, err := f.svc.CreateGroup(ctx, f.admin, service.GroupInput{Name: "Technician", Permissions: []string{"work_orders.view", "work_orders.edit"}})
	if err != nil {
		t.Fatal(err)
	}
	u := f.activeUser(f.admin, service.UserInput{FirstName: "Tess", LastName: "Tech", Email: "tess@acme.test", GroupIDs: []string{tech.ID}, FacilityIDs: []string{depot.ID}})
	at := authz.Resource{FacilityID: depot.ID}
	if x := f.check(u.ID, "work_orders.edit", at); !x.Allowed || len(x.GrantedBy) != 1 || x.GrantedBy[0].ID != tech.ID {
		t.Fatalf("after accept: %+v", x)
	}
	if x := f.check(u.ID, "work_orders.edit", authz.Resource{FacilityID: store2.ID}); x.Reason != authz.ReasonFacilityNotAssigned {
		t.Fatalf("other facility: %v", x.Reason)
	}
	// Group edit revokes.
	perms := []string{"work_orders.view"}
	if _, _, err := f.svc.UpdateGroup(ctx, f.admin, tech.ID, service.GroupPatch{Permissions: &perms}); err != nil {
		t.Fatal(err)
	}
	if x := f.check(u.ID, "work_orders.edit", at); x.Reason != authz.ReasonPermissionMissing {
		t.Fatalf("after group edit: %v", x.Reason)
	}
	// Unassignment revokes.
	none := []string{}
	if _, _, err := f.svc.UpdateUser(ctx, f.admin, u.ID, service.UserPatch{FacilityIDs: &none}); err != nil {
		t.Fatal(err)
	}
	if x := f.check(u.ID, "work_orders.view", at); x.Reason != authz.ReasonFacilityNotAssigned {
		t.Fatalf("after unassignment: %v", x.Reason)
	}
	// Deactivation revokes.
	if _, _, err := f.svc.DeactivateUser(ctx, f.admin, u.ID); err != nil {
		t.Fatal(err)
	}
	if x := f.check(u.ID, "work_orders.view", at); x.Reason != authz.ReasonUserInactive {
		t.Fatalf("after deactivation: %v", x.Reason)
	}
	// Group deletion and facility deletion revoke.
	f.svc.ActivateUser(ctx, f.admin, u.ID)
	f.svc.UpdateUser(ctx, f.admin, u.ID, service.UserPatch{FacilityIDs: &[]string{depot.ID}})
	if x := f.check(u.ID, "work_orders.view", at); !x.Allowed {
		t.Fatalf("after re-activation: %+v", x)
	}
	if _, err := f.svc.DeleteFacility(ctx, f.admin, depot.ID); err != nil {
		t.Fatal(err)
	}
	if x := f.check(u.ID, "work_orders.view", authz.Resource{}); x.Reason != authz.ReasonFacilityNotAssigned {
		t.Fatalf("after facility deletion: %v", x.Reason)
	}
	if _, err := f.svc.DeleteGroup(ctx, f.admin, tech.ID); err != nil {
		t.Fatal(err)
	}
	if x := f.check(u.ID, "work_orders.view", authz.Resource{}); x.Reason != authz.ReasonPermissionMissing {
		t.Fatalf("after group deletion: %v", x.Reason)
	}
}

func TestRevisionGrowsWithEveryWrite(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	_, r1, _ := f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: "A"})
	_, r2, _ := f.svc.CreateGroup(ctx, f.admin, service.GroupInput{Name: "G"})
	if r1 <= 0 || r2 != r1+1 {
		t.Fatalf("revisions %d, %d", r1, r2)
	}
	if _, _, err := f.svc.Explain(ctx, f.admin, f.org.Admin.ID, "users.view", authz.Resource{}, r2+5); gatehouse.ErrorCode(err) != gatehouse.EINVALID {
		t.Fatalf("min_revision ahead: %v", err)
	}
}

func TestOrganizationKeepsAnActiveFullAccessUser(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	id := f.org.Admin.ID
	no := false
	_, _, err := f.svc.DeactivateUser(ctx, gatehouse.SystemActor(f.org.Org.ID), id)
	wantCode(t, err, gatehouse.ECONFLICT)
	_, _, err = f.svc.UpdateUser(ctx, gatehouse.SystemActor(f.org.Org.ID), id, service.UserPatch{FullAccess: &no})
	wantCode(t, err, gatehouse.ECONFLICT)
	_, err = f.svc.DeleteUser(ctx, gatehouse.SystemActor(f.org.Org.ID), id)
	wantCode(t, err, gatehouse.ECONFLICT)

	// An invited full-access user does not count; an active one does.
	second := f.activeUser(f.admin, service.UserInput{FirstName: "Sam", LastName: "Second", Email: "sam@acme.test", FullAccess: true})
	if _, _, err := f.svc.UpdateUser(ctx, f.admin, id, service.UserPatch{FullAccess: &no}); err != nil {
		t.Fatalf("stripping one of two: %v", err)
	}
	_, err = f.svc.DeleteUser(ctx, gatehouse.SystemActor(f.org.Org.ID), second.ID)
	wantCode(t, err, gatehouse.ECONFLICT)
}

func TestEmailIsUniqueCaseInsensitively(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	_, err := f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "A", LastName: "B", Email: "ADMIN@Acme.test"})
	wantCode(t, err, gatehouse.ECONFLICT)
	// Another organization may use the same email.
	other := f.newOrg("Globex", "facilities")
	_, err = f.svc.InviteUser(ctx, gatehouse.SystemActor(other.Org.ID), service.UserInput{FirstName: "A", LastName: "B", Email: "admin@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	f := newFixture(t, "compliance")
	ctx := context.Background()
	for name, tc := range map[string]struct {
		in    service.UserInput
		field string
	}{
		"missing first name": {service.UserInput{LastName: "B", Email: "x@y.test"}, "first_name"},
		"bad email":          {service.UserInput{FirstName: "A", LastName: "B", Email: "not-an-email"}, "email"},
		"unknown licence":    {service.UserInput{FirstName: "A", LastName: "B", Email: "x@y.test", Licence: "platinum"}, "licence"},
		"unknown permission": {service.UserInput{FirstName: "A", LastName: "B", Email: "x@y.test", Permissions: []string{"nope.nope"}}, "permissions"},
		"unknown group":      {service.UserInput{FirstName: "A", LastName: "B", Email: "x@y.test", GroupIDs: []string{"grp_nope"}}, "group_ids"},
		"unknown facility":   {service.UserInput{FirstName: "A", LastName: "B", Email: "x@y.test", FacilityIDs: []string{"fac_nope"}}, "facility_ids"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.svc.InviteUser(ctx, f.admin, tc.in)
			var e *gatehouse.Error
			if !errors.As(err, &e) || e.Field != tc.field {
				t.Fatalf("got %v, want an error on %s", err, tc.field)
			}
		})
	}
	users, err := f.svc.ListUsers(ctx, f.admin, gatehouse.UserFilter{})
	if err != nil || len(users) != 1 {
		t.Fatalf("users after bad input: %d, %v", len(users), err)
	}
}

func TestLimitedAdminManagesOnlyTheirFacilitiesWithoutEscalation(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	north, _, _ := f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: "North"})
	south, _, _ := f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: "South"})
	managers, _, _ := f.svc.CreateGroup(ctx, f.admin, service.GroupInput{Name: "Store Manager",
		Permissions: []string{"users.view", "users.create", "users.edit", "work_orders.create", "work_orders.view"}})
	auditors, _, _ := f.svc.CreateGroup(ctx, f.admin, service.GroupInput{Name: "Auditor", Permissions: []string{"audit_logs.view"}})
	mgr := f.activeUser(f.admin, service.UserInput{FirstName: "Mia", LastName: "Manager", Email: "mia@acme.test", GroupIDs: []string{managers.ID}, FacilityIDs: []string{north.ID}})
	southie := f.activeUser(f.admin, service.UserInput{FirstName: "Sol", LastName: "South", Email: "sol@acme.test", FacilityIDs: []string{south.ID}})
	actor := gatehouse.Actor{OrgID: f.org.Org.ID, UserID: mgr.ID}

	base := service.UserInput{FirstName: "New", LastName: "Hire", Email: "new@acme.test", FacilityIDs: []string{north.ID}}
	for name, tc := range map[string]struct {
		change func(*service.UserInput)
		reason string
	}{
		"cannot set full access":         {func(in *service.UserInput) { in.FullAccess = true }, authz.EscalationFullAccess},
		"cannot grant a permission":      {func(in *service.UserInput) { in.Permissions = []string{"work_orders.delete"} }, authz.EscalationPermission},
		"cannot add a group beyond them": {func(in *service.UserInput) { in.GroupIDs = []string{auditors.ID} }, authz.EscalationGroup},
		"cannot assign another facility": {func(in *service.UserInput) { in.FacilityIDs = []string{north.ID, south.ID} }, authz.EscalationFacility},
	} {
		t.Run(name, func(t *testing.T) {
			in := base
			tc.change(&in)
			_, err := f.svc.InviteUser(ctx, actor, in)
			if e := wantCode(t, err, gatehouse.EFORBIDDEN); e.Reason != tc.reason {
				t.Fatalf("reason %q, want %q", e.Reason, tc.reason)
			}
		})
	}
	in := base
	in.GroupIDs, in.Permissions = []string{managers.ID}, []string{"work_orders.view_own"}
	if _, err := f.svc.InviteUser(ctx, actor, in); err != nil {
		t.Fatalf("granting what they hold: %v", err)
	}
	users, _ := f.svc.ListUsers(ctx, actor, gatehouse.UserFilter{})
	for _, u := range users {
		if u.ID == southie.ID || u.ID == f.org.Admin.ID {
			t.Fatalf("limited admin sees %s outside their facilities", u.Email)
		}
	}
	if len(users) != 2 {
		t.Fatalf("limited admin sees %d users, want themselves and the new hire", len(users))
	}
	_, err := f.svc.GetUser(ctx, actor, southie.ID)
	wantCode(t, err, gatehouse.ENOTFOUND)
	_, _, err = f.svc.DeactivateUser(ctx, actor, f.org.Admin.ID)
	wantCode(t, err, gatehouse.ENOTFOUND)
	self := []string{north.ID, south.ID}
	_, _, err = f.svc.UpdateUser(ctx, actor, mgr.ID, service.UserPatch{FacilityIDs: &self})
	if e := wantCode(t, err, gatehouse.EFORBIDDEN); e.Reason != authz.EscalationSelf {
		t.Fatalf("self change: %q", e.Reason)
	}
	_, _, err = f.svc.UpdateGroup(ctx, actor, managers.ID, service.GroupPatch{Permissions: &[]string{"users.view", "users.delete"}})
	if e := wantCode(t, err, gatehouse.EFORBIDDEN); e.Reason != authz.EscalationPermission {
		t.Fatalf("group escalation: %q", e.Reason)
	}
}

func TestAdminOperationsGoThroughTheDecision(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	plain := f.activeUser(f.admin, service.UserInput{FirstName: "Pat", LastName: "Plain", Email: "pat@acme.test"})
	actor := gatehouse.Actor{OrgID: f.org.Org.ID, UserID: plain.ID}
	_, err := f.svc.ListUsers(ctx, actor, gatehouse.UserFilter{})
	if e := wantCode(t, err, gatehouse.EFORBIDDEN); e.Reason != "permission_missing" {
		t.Fatalf("reason %q", e.Reason)
	}
	_, _, err = f.svc.CreateGroup(ctx, actor, service.GroupInput{Name: "X"})
	wantCode(t, err, gatehouse.EFORBIDDEN)
	_, _, err = f.svc.CreateFacility(ctx, actor, service.FacilityInput{Name: "X"})
	wantCode(t, err, gatehouse.EFORBIDDEN)
}

func TestInvitationTokens(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	first, err := f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "I", LastName: "Nvited", Email: "i@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.svc.RegenerateInvite(ctx, f.admin, first.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.AcceptInvitation(ctx, first.Token, "correct horse battery")
	wantCode(t, err, gatehouse.EINVALID)
	_, _, err = f.svc.AcceptInvitation(ctx, second.Token, "short")
	wantCode(t, err, gatehouse.EINVALID)
	u, _, err := f.svc.AcceptInvitation(ctx, second.Token, "correct horse battery")
	if err != nil || u.Status != gatehouse.StatusActive || !u.EmailVerified {
		t.Fatalf("accept: %+v %v", u, err)
	}
	_, _, err = f.svc.AcceptInvitation(ctx, second.Token, "correct horse battery")
	wantCode(t, err, gatehouse.EINVALID)

	late, _ := f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "L", LastName: "Ate", Email: "late@acme.test"})
	f.clock = func() time.Time { return time.Now().UTC().Add(8 * 24 * time.Hour) }
	_, _, err = f.svc.AcceptInvitation(ctx, late.Token, "correct horse battery")
	wantCode(t, err, gatehouse.EINVALID)
}

func TestAPIKeysActAsTheirUserAndStopWhenDeactivated(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	actor, err := f.svc.AuthenticateAPIKey(ctx, f.org.APIKey)
	if err != nil || actor.UserID != f.org.Admin.ID || actor.OrgID != f.org.Org.ID {
		t.Fatalf("init key: %+v %v", actor, err)
	}
	_, err = f.svc.AuthenticateAPIKey(ctx, f.org.APIKey+"x")
	wantCode(t, err, gatehouse.EUNAUTHORIZED)

	u := f.activeUser(f.admin, service.UserInput{FirstName: "K", LastName: "Ey", Email: "k@acme.test"})
	key, err := f.svc.CreateAPIKey(ctx, gatehouse.Actor{OrgID: f.org.Org.ID, UserID: u.ID}, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateAPIKey(ctx, key.Secret); err != nil {
		t.Fatal(err)
	}
	f.svc.DeactivateUser(ctx, f.admin, u.ID)
	_, err = f.svc.AuthenticateAPIKey(ctx, key.Secret)
	wantCode(t, err, gatehouse.EUNAUTHORIZED)
}

func TestRestartGivesTheSameAnswers(t *testing.T) {
	f := newFixture(t, "compliance")
	ctx := context.Background()
	site, _, _ := f.svc.CreateFacility(ctx, f.admin, service.FacilityInput{Name: "Site"})
	role, _, _ := f.svc.CreateGroup(ctx, f.admin, service.GroupInput{Name: "Assessor", Permissions: []string{"create.add_assets", "approve_own_close.approve_assets"}})
	u := f.activeUser(f.admin, service.UserInput{FirstName: "A", LastName: "Ction", Email: "a@acme.test", Licence: "action", GroupIDs: []string{role.ID}, FacilityIDs: []string{site.ID}})
	queries := []struct{ perm string }{{"create.add_assets"}, {"approve_own_close.approve_assets"}, {"admin.manage_users"}}
	before := map[string]authz.Decision{}
	for _, q := range queries {
		before[q.perm] = f.check(u.ID, q.perm, authz.Resource{FacilityID: site.ID}).Decision
	}
	f.db.Close()
	f.open()
	for _, q := range queries {
		if got := f.check(u.ID, q.perm, authz.Resource{FacilityID: site.ID}).Decision; got != before[q.perm] {
			t.Fatalf("%s after restart: %+v, before %+v", q.perm, got, before[q.perm])
		}
	}
	if before["create.add_assets"].Reason != authz.ReasonGranted || before["approve_own_close.approve_assets"].Reason != authz.ReasonLicenceTooLow {
		t.Fatalf("unexpected answers %+v", before)
	}
}

func TestReactivatingANeverAcceptedUserLeavesThemInvited(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	inv, err := f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "Ivy", LastName: "Invited", Email: "ivy@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.DeactivateUser(ctx, f.admin, inv.User.ID); err != nil {
		t.Fatal(err)
	}
	u, _, err := f.svc.ActivateUser(ctx, f.admin, inv.User.ID)
	if err != nil || u.Status != gatehouse.StatusInvited {
		t.Fatalf("reactivated never-accepted user: %v %v", u.Status, err)
	}
	if x := f.check(u.ID, "users.view", authz.Resource{}); x.Allowed {
		t.Fatal("a user who never accepted is allowed")
	}
}
