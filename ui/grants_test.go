package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// The user page gives a role at facilities with dates; the access page
// lists each grant with its dates and what it does at each facility, and
// extends and ends grants; the users list filters "holds the group at that
// facility". Each page passes the markup lint.
func TestSiteRolePages(t *testing.T) {
	e := newEnv(t, "facilities")
	north, south := e.facility("North"), e.facility("South")
	tech := e.group("Technician", "work_orders.view")
	cole := e.activeUser("Cole", "Contractor", "cole@acme.test", service.UserInput{})
	b := e.signIn("ada@acme.test")

	res := b.page("/users/"+cole.ID, http.StatusOK)
	has(t, "user page", res, "Roles at facilities", `name="site_group_id"`, `id="site-fac-`+north.ID+`"`)
	end := time.Now().UTC().Add(14 * 24 * time.Hour).Format("2006-01-02")
	res = b.post("/users/"+cole.ID+"/site-roles", url.Values{"site_group_id": {tech.ID}, "site_facility_ids": {north.ID}, "ends_on": {end}})
	if res.status != http.StatusOK || res.url.Path != "/users/"+cole.ID+"/access" {
		t.Fatalf("giving the role: %d at %s\n%s", res.status, res.url, res.body)
	}
	endsAt, _ := time.Parse("2006-01-02", end)
	has(t, "access page", res, "Saved.", "Role at a facility: Technician", endsAt.Format("2 Jan 2006 15:04 UTC"), `<h3 id="at-0">North</h3>`,
		"role Technician at North (until")
	lint(t, "/users/"+cole.ID+"/access", res)

	res = b.page("/users?group_id="+tech.ID+"&facility_id="+north.ID+"&held_at=on", http.StatusOK)
	has(t, "holders at North", res, "cole@acme.test")
	res = b.page("/users?group_id="+tech.ID+"&facility_id="+south.ID+"&held_at=on", http.StatusOK)
	hasNot(t, "holders at South", res, "cole@acme.test")

	grantID := gatehouse.GrantID(gatehouse.GrantGroup, tech.ID, north.ID)
	later := time.Now().UTC().Add(30 * 24 * time.Hour).Format("2006-01-02")
	b.post("/users/"+cole.ID+"/grants", url.Values{"op": {"extend"}, "grant_id": {grantID}, "ends_on": {later}})
	u, _ := e.svc.GetUser(e.ctx, e.admin, cole.ID)
	if len(u.SiteRoles) != 1 || u.SiteRoles[0].ExpiresAt.Format("2006-01-02") != later {
		t.Fatalf("after extending: %+v", u.SiteRoles)
	}
	res = b.post("/users/"+cole.ID+"/grants", url.Values{"op": {"end"}, "grant_id": {grantID}})
	has(t, "after ending", res, "Saved.")
	if u, _ := e.svc.GetUser(e.ctx, e.admin, cole.ID); len(u.SiteRoles) != 0 {
		t.Fatalf("after ending: %+v", u.SiteRoles)
	}
	res = b.post("/users/"+cole.ID+"/site-roles", url.Values{"site_group_id": {tech.ID}})
	if res.status != http.StatusBadRequest || !strings.Contains(res.body, "pick a group and at least one facility") {
		t.Fatalf("a role without a facility: %d\n%s", res.status, res.body)
	}
}
