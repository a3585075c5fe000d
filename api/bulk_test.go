package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// POST /api/v1/users/bulk: a dry run previews the whole action and changes
// nothing; the action itself changes every user or, on one refusal, none.
func TestBulkUsers(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	grp := o.group("Technician", "work_orders.view")
	fac := o.facility("North")
	var users []string
	for i := range 20 {
		users = append(users, o.user(fmt.Sprintf("u%02d", i), obj{"facility_ids": []string{fac}}))
	}
	body := obj{"action": "add_group", "group_id": grp, "user_ids": users}

	preview, _ := o.admin.ok(http.StatusOK, "POST", "/api/v1/users/bulk?dry_run=true", body)
	if preview["dry_run"] != true || len(preview["users"].([]any)) != 20 || preview["error"] != nil {
		t.Fatalf("preview: %v", preview)
	}
	if got := o.admin.get("/api/v1/users/" + users[0])["group_ids"].([]any); len(got) != 0 {
		t.Fatalf("the dry run added the group: %v", got)
	}

	out, rev := o.admin.ok(http.StatusOK, "POST", "/api/v1/users/bulk", body)
	if out["changed"] != float64(20) || len(out["items"].([]any)) != 20 || rev == 0 {
		t.Fatalf("bulk add_group: %v (revision %d)", out, rev)
	}
	for _, id := range users {
		if got := strs(o.admin.get("/api/v1/users/" + id)["group_ids"]); len(got) != 1 || got[0] != grp {
			t.Fatalf("%s groups %v", id, got)
		}
	}
	events := items(t, o.admin.get("/api/v1/audit-events?action=user.updated&limit=100"))
	if len(events) != 20 {
		t.Errorf("%d user.updated events, want 20 (one per user)", len(events))
	}

	// One unknown user: 404 naming it, and nobody deactivated.
	status, _, res := o.admin.do("POST", "/api/v1/users/bulk", obj{"action": "deactivate", "user_ids": append(users[:19:19], "usr_06h2k0v2ph3rcpfv8yv2st3f0w")})
	er := wantError(t, status, res, http.StatusNotFound, "not_found")
	if !strings.HasPrefix(str(er, "message"), "user usr_06h2k0v2ph3rcpfv8yv2st3f0w: ") {
		t.Errorf("message %q does not name the user", er["message"])
	}
	if got := str(o.admin.get("/api/v1/users/"+users[0]), "status"); got != "active" {
		t.Fatalf("a refused bulk action deactivated a user: %s", got)
	}
	// Deactivating twenty at once.
	out, _ = o.admin.ok(http.StatusOK, "POST", "/api/v1/users/bulk", obj{"action": "deactivate", "user_ids": users})
	if out["changed"] != float64(20) {
		t.Fatalf("deactivate: %v", out)
	}
	if n := len(items(t, o.admin.get("/api/v1/users?status=inactive"))); n != 20 {
		t.Fatalf("%d inactive users, want 20", n)
	}

	// Bad input: 400 with the field.
	status, _, res = o.admin.do("POST", "/api/v1/users/bulk", obj{"action": "add_group", "user_ids": users})
	wantField(t, status, res, "group_id")
	status, _, res = o.admin.do("POST", "/api/v1/users/bulk", obj{"action": "promote", "user_ids": users})
	wantError(t, status, res, http.StatusBadRequest, "invalid")
}

// A limited admin's bulk action is judged as a whole by no escalation.
func TestBulkUsersNoEscalation(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	fac := o.facility("North")
	managers := o.group("Managers", "users.view", "users.edit")
	powerful := o.group("Powerful", "users.delete")
	limited := o.as(o.user("lim", obj{"group_ids": []string{managers}, "facility_ids": []string{fac}}))
	a := o.user("a", obj{"facility_ids": []string{fac}})
	b := o.user("b", obj{"facility_ids": []string{fac}})
	body := obj{"action": "add_group", "group_id": powerful, "user_ids": []string{a, b}}
	preview, _ := limited.ok(http.StatusOK, "POST", "/api/v1/users/bulk?dry_run=true", body)
	if e, _ := preview["error"].(obj); str(e, "code") != "forbidden" {
		t.Fatalf("preview error %v, want forbidden", preview["error"])
	}
	status, _, res := limited.do("POST", "/api/v1/users/bulk", body)
	wantError(t, status, res, http.StatusForbidden, "forbidden")
	if got := o.admin.get("/api/v1/users/" + a)["group_ids"].([]any); len(got) != 0 {
		t.Fatalf("refused, yet the group was added: %v", got)
	}
}

// Licence seats through the API: GET /api/v1/licences shows them, PUT sets
// them, and a write past them is a 409 naming the tier and its seats.
func TestLicenceSeats(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Comply", "compliance")
	list := items(t, o.admin.get("/api/v1/licences"))
	if len(list) != 5 || str(list[0], "name") != "external_auditor" || list[0]["seats"] != nil || list[0]["seats_free"] != nil {
		t.Fatalf("licences: %v", list)
	}
	out, rev := o.admin.ok(http.StatusOK, "PUT", "/api/v1/licences/action", obj{"seats": 2})
	if out["seats"] != float64(2) || out["seats_used"] != float64(0) || out["seats_free"] != float64(2) || rev == 0 {
		t.Fatalf("PUT: %v", out)
	}
	first := str(o.invite("one", obj{"licence": "action"}), "id")
	o.invite("two", obj{"licence": "action"})
	status, _, res := o.admin.do("POST", "/api/v1/users", obj{"first_name": "T", "last_name": "T", "email": "three@comply.test", "licence": "action"})
	er := wantError(t, status, res, http.StatusConflict, "conflict")
	if str(er, "reason") != "licence_seats_exhausted" || !strings.Contains(str(er, "message"), "Action licence has 2 seats") {
		t.Fatalf("refusal: %v", er)
	}
	for _, l := range items(t, o.admin.get("/api/v1/licences")) {
		if str(l, "name") == "action" && (l["seats_used"] != float64(2) || l["seats_free"] != float64(0)) {
			t.Fatalf("action: %v", l)
		}
	}
	// Bulk deactivation frees a seat; bulk activation past the seats is refused.
	o.admin.ok(http.StatusOK, "POST", "/api/v1/users/bulk", obj{"action": "deactivate", "user_ids": []string{first}})
	o.invite("three", obj{"licence": "action"})
	status, _, res = o.admin.do("POST", "/api/v1/users/bulk", obj{"action": "activate", "user_ids": []string{first}})
	if er := wantError(t, status, res, http.StatusConflict, "conflict"); str(er, "reason") != "licence_seats_exhausted" {
		t.Fatalf("bulk activation past the seats: %v", er)
	}

	status, _, res = o.admin.do("PUT", "/api/v1/licences/action", obj{"seats": 1})
	if er := wantError(t, status, res, http.StatusConflict, "conflict"); str(er, "reason") != "licence_seats_in_use" {
		t.Fatalf("seats below those in use: %v", er)
	}
	status, _, res = o.admin.do("PUT", "/api/v1/licences/nope", obj{"seats": 1})
	wantError(t, status, res, http.StatusNotFound, "not_found")
	status, _, res = o.admin.do("PUT", "/api/v1/licences/action", obj{"seats": -1})
	wantError(t, status, res, http.StatusBadRequest, "invalid")
	// Unlimited again: no seats in the body.
	out, _ = o.admin.ok(http.StatusOK, "PUT", "/api/v1/licences/action", obj{})
	if out["seats"] != nil {
		t.Fatalf("unlimited: %v", out)
	}
	// Only full access sets seats.
	mgr := o.group("Managers", "admin.manage_users")
	limited := o.as(o.user("lim", obj{"group_ids": []string{mgr}, "licence": "administrator"}))
	status, _, res = limited.do("PUT", "/api/v1/licences/action", obj{"seats": 5})
	wantError(t, status, res, http.StatusForbidden, "forbidden")
	if n := len(items(t, limited.get("/api/v1/licences"))); n != 5 {
		t.Fatalf("a user admin sees %d tiers", n)
	}
	if events := items(t, o.admin.get("/api/v1/audit-events?action=licence.seats_set")); len(events) != 2 {
		t.Errorf("%d licence.seats_set events, want 2", len(events))
	}
}
