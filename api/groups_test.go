package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestGroups(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	g, rev1 := o.admin.ok(http.StatusCreated, "POST", "/api/v1/groups", obj{"name": "Store Manager", "description": "Runs a store",
		"permissions": []string{"work_orders.view", "work_orders.create", "work_orders.view"}})
	id := str(g, "id")
	if !strings.HasPrefix(id, "grp_") || g["name"] != "Store Manager" || g["description"] != "Runs a store" || g["member_count"] != 0.0 ||
		!slices.Equal(strs(g["permissions"]), []string{"work_orders.create", "work_orders.view"}) || g["created_at"] == nil || g["updated_at"] == nil {
		t.Fatalf("created group: %v", g)
	}
	// Names are unique in the organization, whatever their case.
	status, _, body := o.admin.do("POST", "/api/v1/groups", obj{"name": "store MANAGER"})
	if e := wantError(t, status, body, http.StatusConflict, "conflict"); e["field"] != "name" {
		t.Fatalf("duplicate name: %v", body)
	}
	other := o.group("Technician")
	status, _, body = o.admin.do("PATCH", "/api/v1/groups/"+other, obj{"name": "Store manager"})
	wantError(t, status, body, http.StatusConflict, "conflict")

	o.user("mia", obj{"group_ids": []string{id}})
	got := o.admin.get("/api/v1/groups/" + id)
	if got["member_count"] != 1.0 || got["name"] != "Store Manager" {
		t.Fatalf("get: %v", got)
	}
	list := items(t, o.admin.get("/api/v1/groups"))
	if !slices.Equal(ids(list), []string{id, other}) {
		t.Fatalf("list: %v", list)
	}

	patched, rev2 := o.admin.ok(http.StatusOK, "PATCH", "/api/v1/groups/"+id, obj{"description": ""})
	if rev2 <= rev1 || patched["name"] != "Store Manager" || patched["description"] != "" || len(strs(patched["permissions"])) != 2 {
		t.Fatalf("patch description: %v", patched)
	}
	patched, _ = o.admin.ok(http.StatusOK, "PATCH", "/api/v1/groups/"+id, obj{"name": "Manager", "permissions": []string{"reports.view"}})
	if patched["name"] != "Manager" || !slices.Equal(strs(patched["permissions"]), []string{"reports.view"}) {
		t.Fatalf("patch: %v", patched)
	}
	status, _, body = o.admin.do("PATCH", "/api/v1/groups/"+id, obj{"permissions": []string{"reports.fly"}})
	wantField(t, status, body, "permissions")
	status, _, body = o.admin.do("PATCH", "/api/v1/groups/"+id, obj{"name": ""})
	wantField(t, status, body, "name")

	status, h, data := o.admin.doRaw("DELETE", "/api/v1/groups/"+id, nil)
	if status != http.StatusNoContent || len(data) != 0 || revision(t, h) <= rev2 {
		t.Fatalf("delete: %d %s", status, data)
	}
	for _, method := range []string{"GET", "PATCH", "DELETE"} {
		var b any
		if method == "PATCH" {
			b = obj{"name": "X"}
		}
		status, _, body := o.admin.do(method, "/api/v1/groups/"+id, b)
		wantError(t, status, body, http.StatusNotFound, "not_found")
	}
	// The member lost the group.
	if u := items(t, o.admin.get("/api/v1/users?q=mia"))[0]; len(strs(u["group_ids"])) != 0 {
		t.Fatalf("member after group deletion: %v", u)
	}
}

// TestGroups_Search: ?q= finds groups by part of their name or
// description, in any case, and pages like every list.
func TestGroups_Search(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	tech := o.group("Technician")
	mgr := o.create("/api/v1/groups", obj{"name": "Store Manager", "description": "Runs the tech of a store"})
	o.group("Auditor")
	for q, want := range map[string][]string{"TECH": {tech, mgr}, "manager": {mgr}, "nobody": {}} {
		var got []string
		for _, g := range items(t, o.admin.get("/api/v1/groups?q="+q)) {
			got = append(got, str(g, "id"))
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) && len(got)+len(want) > 0 {
			t.Errorf("q=%s: %v, want %v", q, got, want)
		}
	}
	first := o.admin.get("/api/v1/groups?q=tech&limit=1")
	if len(items(t, first)) != 1 || first["next_cursor"] == nil {
		t.Fatalf("first page: %v", first)
	}
	second := o.admin.get("/api/v1/groups?q=tech&limit=1&cursor=" + str(first, "next_cursor"))
	if len(items(t, second)) != 1 || str(items(t, second)[0], "id") == str(items(t, first)[0], "id") {
		t.Fatalf("second page: %v", second)
	}
}
