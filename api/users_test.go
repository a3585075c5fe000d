package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// userKeys are the fields of the brief's user JSON.
var userKeys = []string{"id", "first_name", "last_name", "email", "phone", "status", "full_access", "licence",
	"group_ids", "permissions", "facility_ids", "email_verified", "created_at", "updated_at"}

func wantUserShape(t *testing.T, u obj) {
	t.Helper()
	for _, k := range userKeys {
		if _, ok := u[k]; !ok {
			t.Fatalf("user has no %q: %v", k, u)
		}
	}
	for _, k := range []string{"group_ids", "permissions", "facility_ids"} {
		if _, ok := u[k].([]any); !ok {
			t.Fatalf("user %s is not a list: %v", k, u)
		}
	}
}

func TestUserLifecycle(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	north := o.facility("North")
	tech := o.group("Technician", "work_orders.view", "work_orders.edit")

	// Invite, with every field of the form.
	u, rev1 := o.admin.ok(http.StatusCreated, "POST", "/api/v1/users", obj{
		"first_name": "Tess", "last_name": "Tech", "email": "Tess@Acme.test", "phone": "+44 20 7946 0000",
		"group_ids": []string{tech}, "facility_ids": []string{north}, "permissions": []string{"reports.view"}})
	wantUserShape(t, u)
	id := str(u, "id")
	if !strings.HasPrefix(id, "usr_") || u["status"] != "invited" || u["email_verified"] != false || u["full_access"] != false ||
		u["licence"] != "" || u["phone"] != "+442079460000" || u["first_name"] != "Tess" || u["last_name"] != "Tech" ||
		!slices.Equal(strs(u["group_ids"]), []string{tech}) || !slices.Equal(strs(u["facility_ids"]), []string{north}) ||
		!slices.Equal(strs(u["permissions"]), []string{"reports.view"}) {
		t.Fatalf("invited user: %v", u)
	}
	if !strings.EqualFold(str(u, "email"), "tess@acme.test") {
		t.Fatalf("email %v", u["email"])
	}

	// The email is unique in the organization, whatever its case.
	for _, email := range []string{"tess@acme.test", "TESS@ACME.TEST", "admin@ACME.test"} {
		status, _, body := o.admin.do("POST", "/api/v1/users", obj{"first_name": "T", "last_name": "Two", "email": email})
		if e := wantError(t, status, body, http.StatusConflict, "conflict"); e["field"] != "email" {
			t.Fatalf("duplicate %s: %v", email, body)
		}
	}

	got := o.admin.get("/api/v1/users/" + id)
	if got["id"] != id || got["email"] != u["email"] || got["status"] != "invited" {
		t.Fatalf("get: %v", got)
	}

	// Patch changes only what it names.
	patched, rev2 := o.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+id, obj{"first_name": "Tessa", "phone": ""})
	if rev2 <= rev1 || patched["first_name"] != "Tessa" || patched["phone"] != "" || patched["last_name"] != "Tech" ||
		!slices.Equal(strs(patched["group_ids"]), []string{tech}) {
		t.Fatalf("patch (rev %d after %d): %v", rev2, rev1, patched)
	}
	patched, _ = o.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+id, obj{"group_ids": []string{}, "permissions": []string{}})
	if len(strs(patched["group_ids"])) != 0 || len(strs(patched["permissions"])) != 0 || len(strs(patched["facility_ids"])) != 1 {
		t.Fatalf("emptying groups and permissions: %v", patched)
	}
	// Changing the email to another user's, in any case, is a conflict.
	status, _, body := o.admin.do("PATCH", "/api/v1/users/"+id, obj{"email": "ADMIN@acme.test"})
	wantError(t, status, body, http.StatusConflict, "conflict")
	status, _, body = o.admin.do("PATCH", "/api/v1/users/"+id, obj{"email": "not-an-email"})
	wantField(t, status, body, "email")
	status, _, body = o.admin.do("PATCH", "/api/v1/users/"+id, obj{"group_ids": []string{"grp_nope"}})
	wantError(t, status, body, http.StatusNotFound, "not_found")
	status, _, body = o.admin.do("PATCH", "/api/v1/users/"+id, obj{"facility_ids": []string{"fac_nope"}})
	wantError(t, status, body, http.StatusNotFound, "not_found")

	// An invited user is activated by accepting, not by an admin.
	status, _, body = o.admin.do("POST", "/api/v1/users/"+id+"/activate", nil)
	wantError(t, status, body, http.StatusConflict, "conflict")
	_, rev3 := o.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+id+"/regenerate-invite", nil)
	if rev3 <= rev2 {
		t.Fatalf("regenerate-invite revision %d after %d", rev3, rev2)
	}

	// Deactivate and activate an active user.
	active := o.user("ada", obj{"facility_ids": []string{north}})
	status, _, body = o.admin.do("POST", "/api/v1/users/"+active+"/regenerate-invite", nil)
	wantError(t, status, body, http.StatusConflict, "conflict")
	out, _ := o.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+active+"/deactivate", nil)
	if out["status"] != "inactive" {
		t.Fatalf("deactivate: %v", out)
	}
	status, _, body = o.admin.do("POST", "/api/v1/users/"+active+"/deactivate", nil)
	wantError(t, status, body, http.StatusConflict, "conflict")
	out, _ = o.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+active+"/activate", nil)
	if out["status"] != "active" {
		t.Fatalf("activate: %v", out)
	}
	status, _, body = o.admin.do("POST", "/api/v1/users/"+active+"/activate", nil)
	wantError(t, status, body, http.StatusConflict, "conflict")

	// Delete: 204 with a revision and no body, then not found.
	status, h, data := o.admin.doRaw("DELETE", "/api/v1/users/"+id, nil)
	if status != http.StatusNoContent || len(data) != 0 || revision(t, h) <= rev3 {
		t.Fatalf("delete: %d %q", status, data)
	}
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/users/" + id}, {"PATCH", "/api/v1/users/" + id}, {"DELETE", "/api/v1/users/" + id},
		{"POST", "/api/v1/users/" + id + "/deactivate"}, {"POST", "/api/v1/users/" + id + "/activate"},
		{"POST", "/api/v1/users/" + id + "/regenerate-invite"}, {"GET", "/api/v1/users/" + id + "/permissions"},
	} {
		var b any
		if r.method == "PATCH" {
			b = obj{"first_name": "X"}
		}
		status, _, body := o.admin.do(r.method, r.path, b)
		wantError(t, status, body, http.StatusNotFound, "not_found")
	}
}

func TestOrganizationKeepsAnActiveFullAccessAdmin(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	me := "/api/v1/users/" + o.adminID
	for _, r := range []struct {
		method, path string
		body         any
	}{
		{"POST", me + "/deactivate", nil},
		{"PATCH", me, obj{"full_access": false}},
		{"DELETE", me, nil},
	} {
		status, _, body := o.admin.do(r.method, r.path, r.body)
		if e := wantError(t, status, body, http.StatusConflict, "conflict"); e["reason"] != "last_full_access_user" {
			t.Fatalf("%s %s: %v", r.method, r.path, body)
		}
	}
	// An invited full-access user does not count; an active one does.
	second := str(o.invite("sam", obj{"full_access": true}), "id")
	status, _, body := o.admin.do("POST", me+"/deactivate", nil)
	wantError(t, status, body, http.StatusConflict, "conflict")
	o.activate(second)
	o.admin.ok(http.StatusOK, "PATCH", me, obj{"full_access": false})
	// The former admin, without full access, may no longer administer.
	status, _, body = o.admin.do("GET", "/api/v1/users", nil)
	wantReason(t, status, body, "permission_missing")
	sam := o.as(second)
	status, _, body = sam.do("DELETE", "/api/v1/users/"+second, nil)
	wantError(t, status, body, http.StatusConflict, "conflict")
}

func TestEffectivePermissions(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	north, south := o.facility("North"), o.facility("South")
	tech := o.group("Technician", "work_orders.view", "work_orders.edit")
	id := o.user("tess", obj{"group_ids": []string{tech}, "permissions": []string{"work_orders.view", "reports.view", "service_reports.view_own"},
		"facility_ids": []string{north, south}})

	list := o.admin.get("/api/v1/users/" + id + "/permissions")
	perms := map[string]obj{}
	for _, p := range list["items"].([]any) {
		perms[str(p.(obj), "codename")] = p.(obj)
	}
	if len(perms) != 5 {
		t.Fatalf("effective permissions: %v", list)
	}
	wo := perms["work_orders.view"]
	if wo["facility_scoped"] != true || wo["all_facilities"] != false || wo["own_only"] != false || wo["category"] == "" ||
		!slices.Equal(strs(wo["facility_ids"]), sorted(north, south)) {
		t.Fatalf("work_orders.view: %v", wo)
	}
	sources := wo["granted_by"].([]any)
	if len(sources) != 2 || sources[0].(obj)["type"] != "group" || sources[0].(obj)["id"] != tech || sources[1].(obj)["type"] != "direct" {
		t.Fatalf("work_orders.view sources: %v", sources)
	}
	if r := perms["reports.view"]; r["facility_scoped"] != false || r["all_facilities"] != true || len(strs(r["facility_ids"])) != 0 {
		t.Fatalf("reports.view: %v", r)
	}
	if r := perms["service_reports.view_own"]; r["own_only"] != true {
		t.Fatalf("service_reports.view_own: %v", r)
	}
	if r := perms["work_orders.edit"]; len(r["granted_by"].([]any)) != 1 {
		t.Fatalf("work_orders.edit: %v", r)
	}
	// work_orders.view implies work_orders.view_own, for all items.
	if r := perms["work_orders.view_own"]; r["own_only"] != false || len(r["granted_by"].([]any)) != 2 {
		t.Fatalf("work_orders.view_own: %v", r)
	}
	// Full access holds the whole catalog everywhere.
	all := o.admin.get("/api/v1/users/" + o.adminID + "/permissions")["items"].([]any)
	if len(all) != 40 {
		t.Fatalf("full access holds %d permissions", len(all))
	}
	for _, p := range all {
		if p.(obj)["all_facilities"] != true || p.(obj)["granted_by"].([]any)[0].(obj)["type"] != "full_access" {
			t.Fatalf("full access: %v", p)
		}
	}
	// An invited user holds nothing yet.
	invited := str(o.invite("ivy", obj{"group_ids": []string{tech}}), "id")
	if got := o.admin.get("/api/v1/users/" + invited + "/permissions")["items"].([]any); len(got) != 0 {
		t.Fatalf("invited user holds %v", got)
	}
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}

// TestUserWithoutTheGuardingPermissionIsForbidden sends every request of the
// users, groups and facilities routes as an active user who holds nothing:
// each is refused with 403 and the decision's reason. What every member may
// do (their own account, keys, the catalog) still works.
func TestUserWithoutTheGuardingPermissionIsForbidden(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	fac := o.facility("North")
	grp := o.group("Technician", "work_orders.view")
	plain := o.as(o.user("pat", obj{"facility_ids": []string{fac}}))
	ids := map[string]string{"users": o.adminID, "groups": grp, "facilities": fac}
	n := 0
	for _, r := range apiRoutes(t, o.admin) {
		kind := strings.Split(r.path, "/")[3]
		if ids[kind] == "" {
			continue
		}
		n++
		status, _, body := plain.do(r.method, strings.ReplaceAll(r.path, "{id}", ids[kind]), sampleBodies[r.String()])
		if status != http.StatusForbidden {
			t.Errorf("%s: %d %v", r, status, body)
			continue
		}
		wantReason(t, status, body, "permission_missing")
	}
	if n < 20 {
		t.Fatalf("only %d guarded routes", n)
	}
	plain.get("/api/v1/me")
	plain.get("/api/v1/catalog")
	plain.get("/api/v1/api-keys")
	plain.ok(http.StatusCreated, "POST", "/api/v1/api-keys", obj{"name": "mine"})
}

func TestLimitedAdminManagesOnlyTheirFacilities(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	north, south := o.facility("North"), o.facility("South")
	managers := o.group("Store Manager", "users.view", "users.create", "users.edit", "facilities.view", "work_orders.view", "work_orders.create")
	auditors := o.group("Auditor", "audit_logs.view")
	mgrID := o.user("mia", obj{"group_ids": []string{managers}, "facility_ids": []string{north}})
	northie := o.user("nick", obj{"facility_ids": []string{north}})
	southie := o.user("sol", obj{"facility_ids": []string{south}})
	boss := o.user("bo", obj{"full_access": true, "facility_ids": []string{north}})
	mgr := o.as(mgrID)

	// The list holds the users of North only.
	got := ids(items(t, mgr.get("/api/v1/users")))
	if !slices.Equal(sorted(got...), sorted(mgrID, northie, boss)) {
		t.Fatalf("limited admin lists %v", got)
	}
	if got := items(t, mgr.get("/api/v1/users?facility_id="+south)); len(got) != 0 {
		t.Fatalf("limited admin lists South's users: %v", got)
	}
	// Users outside their facilities are not found, whatever the operation.
	for _, r := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/users/" + southie, nil},
		{"PATCH", "/api/v1/users/" + southie, obj{"first_name": "S"}},
		{"POST", "/api/v1/users/" + southie + "/deactivate", nil},
		{"GET", "/api/v1/users/" + southie + "/permissions", nil},
		{"POST", "/api/v1/users/" + o.adminID + "/deactivate", nil},
		{"GET", "/api/v1/facilities/" + south, nil},
	} {
		status, _, body := mgr.do(r.method, r.path, r.body)
		wantError(t, status, body, http.StatusNotFound, "not_found")
	}
	if got := ids(items(t, mgr.get("/api/v1/facilities"))); !slices.Equal(got, []string{north}) {
		t.Fatalf("limited admin's facilities: %v", got)
	}

	// No escalation, through the API, with the rule as the reason.
	hire := func(fields obj) obj {
		b := obj{"first_name": "New", "last_name": "Hire", "email": "new@acme.test", "facility_ids": []string{north}}
		for k, v := range fields {
			b[k] = v
		}
		return b
	}
	for _, tc := range []struct {
		method, path string
		body         obj
		reason       string
	}{
		{"POST", "/api/v1/users", hire(obj{"full_access": true}), "escalation_full_access"},
		{"POST", "/api/v1/users", hire(obj{"permissions": []string{"work_orders.delete"}}), "escalation_permission"},
		{"POST", "/api/v1/users", hire(obj{"group_ids": []string{auditors}}), "escalation_group"},
		{"POST", "/api/v1/users", hire(obj{"facility_ids": []string{north, south}}), "escalation_facility"},
		{"PATCH", "/api/v1/users/" + northie, obj{"group_ids": []string{auditors}}, "escalation_group"},
		{"PATCH", "/api/v1/users/" + northie, obj{"full_access": true}, "escalation_full_access"},
		{"PATCH", "/api/v1/users/" + northie, obj{"facility_ids": []string{north, south}}, "escalation_facility"},
		{"PATCH", "/api/v1/users/" + mgrID, obj{"facility_ids": []string{north, south}}, "escalation_self"},
		{"PATCH", "/api/v1/users/" + mgrID, obj{"permissions": []string{"work_orders.view"}}, "escalation_self"},
		{"PATCH", "/api/v1/users/" + boss, obj{"first_name": "Boss"}, "target_full_access"},
		{"POST", "/api/v1/users/" + boss + "/deactivate", nil, "target_full_access"},
		{"PATCH", "/api/v1/groups/" + managers, obj{"permissions": []string{"users.view", "users.delete"}}, "escalation_permission"},
		{"POST", "/api/v1/groups", obj{"name": "Mine", "permissions": []string{"audit_logs.view"}}, "escalation_permission"},
		{"DELETE", "/api/v1/users/" + northie, nil, "permission_missing"},
		{"PATCH", "/api/v1/facilities/" + north, obj{"name": "N"}, "permission_missing"},
	} {
		var body any
		if tc.body != nil {
			body = tc.body
		}
		status, _, out := mgr.do(tc.method, tc.path, body)
		if status != http.StatusForbidden {
			t.Errorf("%s %s %v: %d %v", tc.method, tc.path, tc.body, status, out)
			continue
		}
		wantReason(t, status, out, tc.reason)
	}
	// An invitation from a limited admin must land in one of their facilities.
	status, _, body := mgr.do("POST", "/api/v1/users", hire(obj{"facility_ids": []string{}}))
	wantField(t, status, body, "facility_ids")

	// What they hold, they may grant.
	created, _ := mgr.ok(http.StatusCreated, "POST", "/api/v1/users", hire(obj{"group_ids": []string{managers}, "permissions": []string{"work_orders.view_own"}}))
	mgr.ok(http.StatusOK, "PATCH", "/api/v1/users/"+northie, obj{"group_ids": []string{managers}, "last_name": "North"})
	mgr.ok(http.StatusOK, "POST", "/api/v1/users/"+northie+"/deactivate", nil)
	if got := items(t, mgr.get("/api/v1/users?status=invited")); len(got) != 1 || got[0]["id"] != created["id"] {
		t.Fatalf("invited users of North: %v", got)
	}
	// Nothing of it touched the users outside their scope.
	if u := o.admin.get("/api/v1/users/" + southie); u["status"] != "active" || u["first_name"] != "Sol" {
		t.Fatalf("South's user changed: %v", u)
	}
}

func TestLicenceEscalationAndDefaults(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "compliance")
	site := o.facility("Site")
	admins := o.group("User admins", "admin.manage_users")
	admin := o.as(o.user("ada", obj{"licence": "administrator", "group_ids": []string{admins}, "facility_ids": []string{site}}))

	invited := o.invite("dee", obj{"facility_ids": []string{site}})
	if invited["licence"] != "external_auditor" {
		t.Fatalf("default licence: %v", invited["licence"])
	}
	status, _, body := admin.do("POST", "/api/v1/users", obj{"first_name": "A", "last_name": "P", "email": "ap@acme.test",
		"licence": "approval", "facility_ids": []string{site}})
	wantReason(t, status, body, "escalation_licence")
	status, _, body = admin.do("PATCH", "/api/v1/users/"+str(invited, "id"), obj{"licence": "action"})
	wantReason(t, status, body, "escalation_licence")
	out, _ := admin.ok(http.StatusCreated, "POST", "/api/v1/users", obj{"first_name": "R", "last_name": "R", "email": "rr@acme.test",
		"licence": "read_report", "facility_ids": []string{site}})
	if out["licence"] != "read_report" {
		t.Fatalf("licence: %v", out)
	}
	status, _, body = o.admin.do("POST", "/api/v1/users", obj{"first_name": "A", "last_name": "P", "email": "x@acme.test", "licence": "platinum"})
	wantField(t, status, body, "licence")
	// The facilities catalog has no licences.
	f := e.newOrg("Fac", "facilities")
	status, _, body = f.admin.do("POST", "/api/v1/users", obj{"first_name": "A", "last_name": "P", "email": "x@fac.test", "licence": "approval"})
	wantField(t, status, body, "licence")
}

// A user write refused for several fields names every one of them at once,
// in words, in the error's errors; the first is the error's own field.
func TestUserWriteListsEveryFieldAtFault(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	status, _, body := o.admin.do("POST", "/api/v1/users", obj{"first_name": "Tess", "last_name": "Tech",
		"email": "tess@acme.test", "phone": "call me maybe", "licence": "platinum", "group_ids": []string{"grp_nope"}})
	wantField(t, status, body, "phone")
	var got []string
	for _, item := range body["error"].(obj)["errors"].([]any) {
		f := item.(obj)
		got = append(got, f["code"].(string)+" "+f["field"].(string)+": "+f["message"].(string))
	}
	want := []string{
		`invalid phone: Phone must be in international format: a + and the country code first, like +44 20 7946 0000`,
		`invalid licence: this organization's catalog has no licences`,
		`not_found group_ids: Groups: grp_nope not found`,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A body the schema refuses lists each violation too.
	status, _, body = o.admin.do("POST", "/api/v1/users", obj{"first_name": "", "last_name": "Tech", "email": "nope"})
	wantError(t, status, body, http.StatusBadRequest, "invalid")
	fields := map[string]bool{}
	for _, item := range body["error"].(obj)["errors"].([]any) {
		fields[item.(obj)["field"].(string)] = true
	}
	if len(fields) != 2 || !fields["first_name"] || !fields["email"] {
		t.Fatalf("schema violations: fields %v in errors, want first_name and email: %v", fields, body)
	}
	// A phone is stored in E.164, whatever the spacing it came with.
	u, _ := o.admin.ok(http.StatusCreated, "POST", "/api/v1/users", obj{"first_name": "Tess", "last_name": "Tech",
		"email": "tess@acme.test", "phone": "+1 (202) 555-0100"})
	if u["phone"] != "+12025550100" {
		t.Fatalf("phone %v, want +12025550100", u["phone"])
	}
}
