package api_test

import (
	"net/http"
	"reflect"
	"testing"
)

// TestARefusedWriteChangesNothing sends writes whose every field is good
// but one — a deleted group or facility, an unknown permission, a bad
// phone, a taken name — and checks that the objects, the audit log and the
// organization's revision are exactly as before: "Bad input changes
// nothing: every write is one transaction" (docs/api.md, Errors).
func TestARefusedWriteChangesNothing(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	fac := o.facility("North")
	grp := o.group("Tech", "work_orders.view")
	user := o.user("una", obj{"group_ids": []string{grp}, "facility_ids": []string{fac}})
	goneGrp := o.group("Gone", "assets.view")
	goneFac := o.facility("Gone")
	o.admin.ok(http.StatusNoContent, "DELETE", "/api/v1/groups/"+goneGrp, nil)
	o.admin.ok(http.StatusNoContent, "DELETE", "/api/v1/facilities/"+goneFac, nil)
	o.group("Taken")

	state := func() []obj {
		return []obj{o.admin.get("/api/v1/users/" + user), o.admin.get("/api/v1/groups/" + grp), o.admin.get("/api/v1/facilities/" + fac),
			o.admin.get("/api/v1/users/" + user + "/grants"), o.admin.get("/api/v1/audit-events?limit=500"), o.admin.get("/api/v1/me")["organization"].(obj),
			o.admin.get("/api/v1/users")}
	}
	before := state()
	for _, r := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"PATCH", "/api/v1/users/" + user, obj{"first_name": "Changed", "group_ids": []string{grp, goneGrp}}, http.StatusNotFound},
		{"PATCH", "/api/v1/users/" + user, obj{"last_name": "Changed", "facility_ids": []string{goneFac}}, http.StatusNotFound},
		{"PATCH", "/api/v1/users/" + user, obj{"first_name": "Changed", "permissions": []string{"assets.view", "nope.nope"}}, http.StatusBadRequest},
		{"PATCH", "/api/v1/users/" + user, obj{"first_name": "Changed", "phone": "call me maybe"}, http.StatusBadRequest},
		{"PATCH", "/api/v1/users/" + user, obj{"first_name": "Changed", "email": "admin@acme.test"}, http.StatusConflict},
		{"PATCH", "/api/v1/groups/" + grp, obj{"description": "Changed", "permissions": []string{"work_orders.view", "nope.nope"}}, http.StatusBadRequest},
		{"PATCH", "/api/v1/groups/" + grp, obj{"description": "Changed", "name": "taken"}, http.StatusConflict},
		{"PATCH", "/api/v1/facilities/" + fac, obj{"name": "Changed\x00"}, http.StatusBadRequest},
		{"POST", "/api/v1/users/" + user + "/grants", obj{"type": "group", "group_id": goneGrp}, http.StatusNotFound},
		{"POST", "/api/v1/users/" + user + "/grants", obj{"type": "group", "group_id": grp, "facility_id": goneFac}, http.StatusNotFound},
		{"DELETE", "/api/v1/users/" + user + "/grants/group:" + goneGrp, nil, http.StatusNotFound},
		{"POST", "/api/v1/users/bulk", obj{"action": "add_group", "user_ids": []string{user}, "group_id": goneGrp}, http.StatusNotFound},
		{"POST", "/api/v1/users/bulk", obj{"action": "deactivate", "user_ids": []string{user, "usr_06h2mdfsj6mzes3c5j71b77wpc"}}, http.StatusNotFound},
		{"POST", "/api/v1/users", obj{"first_name": "N", "last_name": "N", "email": "n@acme.test", "group_ids": []string{goneGrp}}, http.StatusNotFound},
	} {
		status, _, body := o.admin.do(r.method, r.path, r.body)
		if status != r.status {
			t.Errorf("%s %s %v: %d %v, want %d", r.method, r.path, r.body, status, body, r.status)
		}
	}
	if after := state(); !reflect.DeepEqual(before, after) {
		t.Errorf("refused writes changed something:\nbefore %v\nafter  %v", before, after)
	}
	if got := o.admin.get("/api/v1/users"); len(items(t, got)) != 2 {
		t.Errorf("a refused invitation left a user: %v", got)
	}
}
