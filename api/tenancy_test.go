package api_test

import (
	"net/http"
	"slices"
	"testing"
)

// TestTwoOrganizationsSideBySide: no id of one organization works in the
// other; each is "not found" there, and checks do not see across.
func TestTwoOrganizationsSideBySide(t *testing.T) {
	e := newEnv(t)
	a, b := e.newOrg("Acme", "facilities"), e.newOrg("Globex", "facilities")

	fac := a.facility("A North")
	grp := a.group("A Tech", "work_orders.view")
	user := a.user("alice", obj{"group_ids": []string{grp}, "facility_ids": []string{fac}})
	invited := str(a.invite("ivan", nil), "id")
	key, _ := a.admin.ok(http.StatusCreated, "POST", "/api/v1/api-keys", obj{"name": "a key"})
	aliceBrowser := a.session(user)
	aliceSession := str(items(t, aliceBrowser.get("/api/v1/sessions"))[0], "id")

	bFac := b.facility("B North")
	bUser := b.user("bob", obj{"facility_ids": []string{bFac}})

	for _, r := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/api/v1/users/" + user, nil},
		{"PATCH", "/api/v1/users/" + user, obj{"first_name": "Mallory"}},
		{"DELETE", "/api/v1/users/" + user, nil},
		{"POST", "/api/v1/users/" + user + "/deactivate", nil},
		{"POST", "/api/v1/users/" + user + "/activate", nil},
		{"POST", "/api/v1/users/" + invited + "/regenerate-invite", nil},
		{"POST", "/api/v1/users/" + user + "/resend-verification", nil},
		{"GET", "/api/v1/users/" + user + "/permissions", nil},
		{"GET", "/api/v1/users/" + a.adminID, nil},
		{"DELETE", "/api/v1/users/" + a.adminID, nil},
		{"GET", "/api/v1/groups/" + grp, nil},
		{"PATCH", "/api/v1/groups/" + grp, obj{"name": "Mine"}},
		{"DELETE", "/api/v1/groups/" + grp, nil},
		{"GET", "/api/v1/facilities/" + fac, nil},
		{"PATCH", "/api/v1/facilities/" + fac, obj{"name": "Mine"}},
		{"POST", "/api/v1/facilities/" + fac + "/archive", nil},
		{"POST", "/api/v1/facilities/" + fac + "/unarchive", nil},
		{"DELETE", "/api/v1/facilities/" + fac, nil},
		{"DELETE", "/api/v1/api-keys/" + str(key, "id"), nil},
		{"DELETE", "/api/v1/sessions/" + aliceSession, nil},
		// A's facility or group given to B's user, or to a new one.
		{"PATCH", "/api/v1/users/" + bUser, obj{"facility_ids": []string{fac}}},
		{"PATCH", "/api/v1/users/" + bUser, obj{"group_ids": []string{grp}}},
		{"POST", "/api/v1/users", obj{"first_name": "C", "last_name": "C", "email": "c@globex.test", "facility_ids": []string{fac}}},
		{"POST", "/api/v1/users", obj{"first_name": "C", "last_name": "C", "email": "c@globex.test", "group_ids": []string{grp}}},
	} {
		status, _, body := b.admin.do(r.method, r.path, r.body)
		if status != http.StatusNotFound {
			t.Errorf("%s %s through the other organization: %d %v", r.method, r.path, status, body)
			continue
		}
		wantError(t, status, body, http.StatusNotFound, "not_found")
	}

	// Checks in B know nothing of A.
	_, _, d := b.admin.do("POST", "/api/v1/authz/check", obj{"user_id": user, "permission": "work_orders.view"})
	if d["allowed"] != false || d["reason"] != "user_not_found" {
		t.Fatalf("check of A's user in B: %v", d)
	}
	_, _, d = b.admin.do("POST", "/api/v1/authz/check", obj{"user_id": a.adminID, "permission": "users.view"})
	if d["allowed"] != false || d["reason"] != "user_not_found" {
		t.Fatalf("check of A's admin in B: %v", d)
	}
	_, _, d = b.admin.do("POST", "/api/v1/authz/check", obj{"user_id": b.adminID, "permission": "work_orders.view", "resource": obj{"facility_id": fac}})
	if d["allowed"] != false || d["reason"] != "facility_not_found" {
		t.Fatalf("check with A's facility in B: %v", d)
	}
	_, _, batch := b.admin.do("POST", "/api/v1/authz/check-batch", obj{"checks": []obj{
		{"user_id": user, "permission": "work_orders.view"}, {"user_id": bUser, "permission": "work_orders.view"}}})
	for _, r := range batch["results"].([]any) {
		if r.(obj)["allowed"] != false {
			t.Fatalf("batch in B: %v", batch)
		}
	}
	if batch["results"].([]any)[0].(obj)["reason"] != "user_not_found" {
		t.Fatalf("batch in B: %v", batch)
	}
	_, _, filter := b.admin.do("POST", "/api/v1/authz/filter", obj{"user_id": user, "permission": "work_orders.view"})
	if filter["allowed"] != false || filter["reason"] != "user_not_found" || len(strs(filter["facility_ids"])) != 0 {
		t.Fatalf("filter of A's user in B: %v", filter)
	}

	// B's lists hold B's only, whatever the filter.
	if got := ids(items(t, b.admin.get("/api/v1/users"))); !slices.Equal(sorted(got...), sorted(b.adminID, bUser)) {
		t.Fatalf("B's users: %v", got)
	}
	for _, path := range []string{"/api/v1/users?group_id=" + grp, "/api/v1/users?facility_id=" + fac, "/api/v1/users?q=alice", "/api/v1/groups"} {
		if got := items(t, b.admin.get(path)); len(got) != 0 {
			t.Fatalf("%s in B: %v", path, got)
		}
	}
	if got := ids(items(t, b.admin.get("/api/v1/facilities"))); !slices.Equal(got, []string{bFac}) {
		t.Fatalf("B's facilities: %v", got)
	}
	if got := items(t, b.admin.get("/api/v1/api-keys")); len(got) != 1 {
		t.Fatalf("B's keys: %v", got)
	}

	// The same email may be in both organizations.
	a.invite("shared", obj{"email": "shared@example.test"})
	b.invite("shared", obj{"email": "SHARED@example.test"})

	// A is as it was, and its key, session and user still work.
	if u := a.admin.get("/api/v1/users/" + user); u["first_name"] != "Alice" || u["status"] != "active" ||
		!slices.Equal(strs(u["facility_ids"]), []string{fac}) {
		t.Fatalf("A's user after B's attempts: %v", u)
	}
	if g := a.admin.get("/api/v1/groups/" + grp); g["name"] != "A Tech" {
		t.Fatalf("A's group after B's attempts: %v", g)
	}
	if f := a.admin.get("/api/v1/facilities/" + fac); f["name"] != "A North" || f["archived"] != false {
		t.Fatalf("A's facility after B's attempts: %v", f)
	}
	e.bearer(str(key, "secret")).get("/api/v1/me")
	aliceBrowser.get("/api/v1/me")
	_, _, d = a.admin.do("POST", "/api/v1/authz/check", obj{"user_id": user, "permission": "work_orders.view", "resource": obj{"facility_id": fac}})
	if d["allowed"] != true {
		t.Fatalf("check in A: %v", d)
	}
}
