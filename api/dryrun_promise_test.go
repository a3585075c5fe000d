package api_test

import (
	"net/http"
	"reflect"
	"testing"
)

// TestDryRunsStoreMailAndAuditNothing runs every write that takes
// ?dry_run=true — those that would mail included — and checks that nothing
// is stored, mailed, audited or applied (docs/security.md §3, "Preview"):
// the organization, its users, groups and facilities, the audit log, the
// revision and the mail folder are as before.
func TestDryRunsStoreMailAndAuditNothing(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	fac := o.facility("North")
	grp := o.group("Tech", "work_orders.view")
	user := o.user("una", obj{"group_ids": []string{grp}, "facility_ids": []string{fac}})
	invited := str(o.invite("ivan", nil), "id")
	e.mails("ivan@acme.test") // deliver what is queued so far

	state := func() []any {
		return []any{o.admin.get("/api/v1/users?limit=500"), o.admin.get("/api/v1/groups"), o.admin.get("/api/v1/facilities"),
			o.admin.get("/api/v1/audit-events?limit=500"), o.admin.get("/api/v1/me")["organization"],
			o.admin.get("/api/v1/users/" + user + "/grants"), len(e.mails("new@acme.test")), len(e.mails("ivan@acme.test")),
			len(e.mails("una@acme.test")), len(e.mails("imp@acme.test"))}
	}
	before := state()
	for _, r := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/users", obj{"first_name": "N", "last_name": "N", "email": "new@acme.test"}},
		{"PATCH", "/api/v1/users/" + user, obj{"email": "una.new@acme.test", "group_ids": []string{}}},
		{"DELETE", "/api/v1/users/" + user, nil},
		{"POST", "/api/v1/users/" + user + "/deactivate", nil},
		{"POST", "/api/v1/users/" + user + "/grants", obj{"type": "permission", "permission": "assets.view"}},
		{"DELETE", "/api/v1/users/" + user + "/grants/group:" + grp, nil},
		{"POST", "/api/v1/users/bulk", obj{"action": "resend_invitation", "user_ids": []string{invited}}},
		{"POST", "/api/v1/users/bulk", obj{"action": "delete", "user_ids": []string{user, invited}}},
		{"POST", "/api/v1/users/import", csvFile("email,first_name,last_name\nimp@acme.test,I,M\n")},
		{"POST", "/api/v1/groups", obj{"name": "New"}},
		{"PATCH", "/api/v1/groups/" + grp, obj{"permissions": []string{"assets.view"}}},
		{"DELETE", "/api/v1/groups/" + grp, nil},
		{"PATCH", "/api/v1/facilities/" + fac, obj{"name": "South"}},
		{"POST", "/api/v1/facilities/" + fac + "/archive", nil},
		{"DELETE", "/api/v1/facilities/" + fac, nil},
	} {
		status, _, body := o.admin.do(r.method, r.path+"?dry_run=true", r.body)
		if status != http.StatusOK {
			t.Errorf("%s %s?dry_run=true: %d %v", r.method, r.path, status, body)
		}
	}
	// Nor applied to the decision engine.
	_, _, d := o.admin.do("POST", "/api/v1/authz/check", obj{"user_id": user, "permission": "work_orders.view", "resource": obj{"facility_id": fac}})
	if d["allowed"] != true {
		t.Errorf("a check after the dry runs: %v", d)
	}
	if after := state(); !reflect.DeepEqual(before, after) {
		t.Errorf("dry runs changed something:\nbefore %v\nafter  %v", before, after)
	}
}
