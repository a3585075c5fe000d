package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestWhatALimitedAdminSeesOfUsersOutsideTheirFacilities pins the reach of
// an admin without full access (users.view, audit_logs.view at F1) over a
// user who shares none of their facilities, as docs/security.md §3 words
// it: every user read, list, count, export and invitation list treats the
// outsider as not there; the decisions (check, check-batch, filter) and the
// audit log are the organization's, answered to whoever holds view_users
// or view_audit_log, outsiders included.
func TestWhatALimitedAdminSeesOfUsersOutsideTheirFacilities(t *testing.T) {
	o := newEnv(t).newOrg("Acme", "facilities")
	f1, f2 := o.facility("F1"), o.facility("F2")
	lead := o.user("lead", obj{"permissions": []string{"users.view", "users.create", "users.edit", "audit_logs.view", "work_orders.view"}, "facility_ids": []string{f1}})
	out := o.user("outsider", obj{"permissions": []string{"work_orders.view"}, "facility_ids": []string{f2}})
	o.invite("invout", obj{"facility_ids": []string{f2}})
	l := o.as(lead)

	for _, p := range []string{"/api/v1/users/" + out, "/api/v1/users/" + out + "/permissions", "/api/v1/users/" + out + "/grants"} {
		status, _, body := l.do("GET", p, nil)
		wantError(t, status, body, http.StatusNotFound, "not_found")
	}
	list := l.get("/api/v1/users?count=true&limit=500")
	if list["total"] != float64(1) || len(items(t, list)) != 1 {
		t.Errorf("the lead's list: %v", list)
	}
	if got := items(t, l.get("/api/v1/invitations")); len(got) != 0 {
		t.Errorf("the lead's invitations: %v", got)
	}
	status, _, csv := l.doRaw("GET", "/api/v1/users/export", nil)
	if status != http.StatusOK || strings.Contains(string(csv), "outsider") || strings.Contains(string(csv), "invout") {
		t.Errorf("the lead's export: %d %s", status, csv)
	}

	// Organization-wide, as documented.
	_, _, d := l.do("POST", "/api/v1/authz/check", obj{"user_id": out, "permission": "work_orders.view", "resource": obj{"facility_id": f2}})
	if d["allowed"] != true {
		t.Errorf("a check about the outsider: %v", d)
	}
	_, _, f := l.do("POST", "/api/v1/authz/filter", obj{"user_id": out, "permission": "work_orders.view"})
	if strs(f["facility_ids"])[0] != f2 {
		t.Errorf("a filter about the outsider: %v", f)
	}
	if got := items(t, l.get("/api/v1/audit-events?target_id="+out)); len(got) == 0 {
		t.Errorf("the audit log about the outsider: %v", got)
	}
}
