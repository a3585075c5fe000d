package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/service"
)

// TestSiteRoleInBrowser: an admin gives a contractor the Technician role at
// one facility for 14 days in the user page's "Roles at facilities", sees
// it on the access page with its end date and the check allowed there (not
// at the other facility); the server's clock moves 14 days on (the test
// hook) and the same check is denied, by itself.
func TestSiteRoleInBrowser(t *testing.T) {
	execPath := findChromium(t)
	srv := startServer(t)
	ctx := context.Background()
	sys := gatehouse.SystemActor(srv.orgID)
	tech, _, err := srv.svc.CreateGroup(ctx, sys, service.GroupInput{Name: "Technician", Permissions: []string{"work_orders.view", "work_orders.edit"}})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := srv.svc.InviteUser(ctx, sys, service.UserInput{FirstName: "Cole", LastName: "Contractor", Email: "cole@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.svc.AcceptInvitation(ctx, inv.Token, "a password for Cole"); err != nil {
		t.Fatal(err)
	}
	cole, north, south := inv.User.ID, srv.facilities["North Plant"], srv.facilities["South Store"]

	admin := openTab(t, newAllocator(t, execPath), "admin", srv.url)
	signIn := func(t *testing.T) {
		admin.open(t, "/sign-in", http.StatusOK)
		admin.fill(t, "email", adminEmail)
		admin.fill(t, "password", adminPassword)
		admin.follow(t, "Sign in", http.StatusOK, chromedp.Click(button("Sign in")))
	}
	explain := func(t *testing.T, facility string) string {
		admin.open(t, "/users/"+cole+"/access?permission=work_orders.view&facility_id="+facility, http.StatusOK)
		return text(t, admin, chromedp.ID("decision"))
	}
	signIn(t)

	end := srv.clock.Now().Add(14 * 24 * time.Hour).UTC().Format("2006-01-02")
	endsAt, _ := time.Parse("2006-01-02", end)
	admin.open(t, "/users/"+cole, http.StatusOK)
	admin.choose(t, "site_group_id", "Technician")
	admin.run(t, "tick North Plant", chromedp.Click(chromedp.ID("site-fac-"+north)))
	admin.run(t, "set the end date", chromedp.SetValue(chromedp.ID("ends_on"), end))
	admin.follow(t, "Give the role", http.StatusOK, chromedp.Click(button("Give the role")))
	admin.expectPath(t, "/users/"+cole+"/access")
	admin.expectFlash(t, "Saved.")

	row := rowText(t, admin, "Role at a facility: Technician")
	for _, want := range []string{"North Plant", endsAt.Format("2 Jan 2006 15:04 UTC"), "in force"} {
		if !strings.Contains(row, want) {
			t.Errorf("the grant's row %q does not say %q", row, want)
		}
	}
	if at := text(t, admin, chromedp.ID("at-0")); at != "North Plant" {
		t.Errorf("the per-facility section names %q", at)
	}
	if d := explain(t, north); !strings.Contains(d, "Allowed") || !strings.Contains(d, "role Technician at North Plant") {
		t.Errorf("check at North Plant: %q", d)
	}
	if d := explain(t, south); !strings.Contains(d, "Denied") {
		t.Errorf("check at South Store: %q", d)
	}
	if x, _, _ := srv.svc.Explain(ctx, sys, cole, "work_orders.view", authz.Resource{FacilityID: north}, 0); !x.Allowed || len(x.GrantedBy) != 1 || x.GrantedBy[0].ID != tech.ID {
		t.Errorf("the service's check before the end: %+v", x)
	}

	// Fourteen days on, to the role's end: the check denies by itself.
	srv.clock.Set(time.Until(endsAt) + time.Second)
	admin.open(t, "/users", 0)
	if admin.path(t) == "/sign-in" { // the session may have ended too
		signIn(t)
	}
	if d := explain(t, north); !strings.Contains(d, "Denied") {
		t.Errorf("check at North Plant after the end: %q", d)
	}
	if row := rowText(t, admin, "Role at a facility: Technician"); !strings.Contains(row, "ended") {
		t.Errorf("the grant's row after the end: %q", row)
	}
	if x, _, _ := srv.svc.Explain(ctx, sys, cole, "work_orders.view", authz.Resource{FacilityID: north}, 0); x.Allowed {
		t.Errorf("the service's check after the end: %+v", x)
	}
	if problems := admin.takeProblems(); len(problems) > 0 {
		t.Errorf("console problems: %q", problems)
	}
}
