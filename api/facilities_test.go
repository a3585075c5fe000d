package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestFacilities(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	f, rev1 := o.admin.ok(http.StatusCreated, "POST", "/api/v1/facilities", obj{"name": "North Depot", "external_id": "site-1"})
	id := str(f, "id")
	if !strings.HasPrefix(id, "fac_") || f["name"] != "North Depot" || f["external_id"] != "site-1" || f["archived"] != false ||
		f["created_at"] == nil || f["updated_at"] == nil {
		t.Fatalf("created facility: %v", f)
	}
	// External ids are unique; no external id is no conflict.
	status, _, body := o.admin.do("POST", "/api/v1/facilities", obj{"name": "Other", "external_id": "site-1"})
	if e := wantError(t, status, body, http.StatusConflict, "conflict"); e["field"] != "external_id" {
		t.Fatalf("duplicate external id: %v", body)
	}
	south, east := o.facility("South"), o.facility("East")

	if got := o.admin.get("/api/v1/facilities/" + id); got["name"] != "North Depot" || got["external_id"] != "site-1" {
		t.Fatalf("get: %v", got)
	}
	patched, rev2 := o.admin.ok(http.StatusOK, "PATCH", "/api/v1/facilities/"+id, obj{"name": "North", "external_id": "site-01"})
	if rev2 <= rev1 || patched["name"] != "North" || patched["external_id"] != "site-01" || patched["archived"] != false {
		t.Fatalf("patch: %v", patched)
	}
	status, _, body = o.admin.do("PATCH", "/api/v1/facilities/"+south, obj{"external_id": "site-01"})
	wantError(t, status, body, http.StatusConflict, "conflict")
	status, _, body = o.admin.do("PATCH", "/api/v1/facilities/"+id, obj{"name": ""})
	wantField(t, status, body, "name")

	// Archive and unarchive, by their routes and by PATCH.
	archived, rev3 := o.admin.ok(http.StatusOK, "POST", "/api/v1/facilities/"+id+"/archive", nil)
	if rev3 <= rev2 || archived["archived"] != true || archived["name"] != "North" {
		t.Fatalf("archive: %v", archived)
	}
	o.admin.ok(http.StatusOK, "PATCH", "/api/v1/facilities/"+south, obj{"archived": true})
	if got := ids(items(t, o.admin.get("/api/v1/facilities?archived=true"))); !slices.Equal(got, []string{id, south}) {
		t.Fatalf("archived: %v", got)
	}
	if got := ids(items(t, o.admin.get("/api/v1/facilities?archived=false"))); !slices.Equal(got, []string{east}) {
		t.Fatalf("current: %v", got)
	}
	if got := ids(items(t, o.admin.get("/api/v1/facilities"))); !slices.Equal(got, []string{id, south, east}) {
		t.Fatalf("all: %v", got)
	}
	restored, _ := o.admin.ok(http.StatusOK, "POST", "/api/v1/facilities/"+id+"/unarchive", nil)
	if restored["archived"] != false {
		t.Fatalf("unarchive: %v", restored)
	}
	for _, path := range []string{"/archive", "/unarchive"} {
		status, _, body := o.admin.do("POST", "/api/v1/facilities/fac_nope"+path, nil)
		wantError(t, status, body, http.StatusNotFound, "not_found")
	}

	// Deleting a facility ends its assignments.
	user := o.user("tess", obj{"facility_ids": []string{id, east}})
	status, h, data := o.admin.doRaw("DELETE", "/api/v1/facilities/"+id, nil)
	if status != http.StatusNoContent || len(data) != 0 || revision(t, h) <= rev3 {
		t.Fatalf("delete: %d %s", status, data)
	}
	for _, r := range []struct{ method, path string }{
		{"GET", ""}, {"PATCH", ""}, {"DELETE", ""}, {"POST", "/archive"}, {"POST", "/unarchive"},
	} {
		var b any
		if r.method == "PATCH" {
			b = obj{"name": "X"}
		}
		status, _, body := o.admin.do(r.method, "/api/v1/facilities/"+id+r.path, b)
		wantError(t, status, body, http.StatusNotFound, "not_found")
	}
	if u := o.admin.get("/api/v1/users/" + user); !slices.Equal(strs(u["facility_ids"]), []string{east}) {
		t.Fatalf("user's facilities after deletion: %v", u["facility_ids"])
	}
}

func TestLimitedFacilityManager(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	north, south := o.facility("North"), o.facility("South")
	keepers := o.group("Facility keeper", "facilities.view", "facilities.edit")
	id := o.user("kim", obj{"group_ids": []string{keepers}, "facility_ids": []string{north}})
	kim := o.as(id)

	// A facility they create is assigned to them, so that it stays theirs.
	created, _ := kim.ok(http.StatusCreated, "POST", "/api/v1/facilities", obj{"name": "East"})
	east := str(created, "id")
	if got := ids(items(t, kim.get("/api/v1/facilities"))); !slices.Equal(sorted(got...), sorted(north, east)) {
		t.Fatalf("their facilities: %v", got)
	}
	me := kim.get("/api/v1/me")["user"].(obj)
	if !slices.Equal(strs(me["facility_ids"]), sorted(north, east)) {
		t.Fatalf("their assignments: %v", me["facility_ids"])
	}
	kim.ok(http.StatusOK, "POST", "/api/v1/facilities/"+north+"/archive", nil)
	kim.ok(http.StatusOK, "PATCH", "/api/v1/facilities/"+north, obj{"archived": false, "name": "North 2"})
	for _, r := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/facilities/" + south, nil},
		{"PATCH", "/api/v1/facilities/" + south, obj{"name": "Mine"}},
		{"POST", "/api/v1/facilities/" + south + "/archive", nil},
		{"DELETE", "/api/v1/facilities/" + south, nil},
	} {
		status, _, body := kim.do(r.method, r.path, r.body)
		wantError(t, status, body, http.StatusNotFound, "not_found")
	}
	if got := o.admin.get("/api/v1/facilities/" + south); got["name"] != "South" || got["archived"] != false {
		t.Fatalf("South changed: %v", got)
	}
}
