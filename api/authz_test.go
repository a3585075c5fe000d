package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// authzFixture is an organization with two facilities, a group and users
// in the states a check can meet.
type authzFixture struct {
	*org
	north, south, tech    string
	tess, own, plain, ivy string
}

func newAuthzFixture(t *testing.T) *authzFixture {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	f := &authzFixture{org: o}
	f.north, f.south = o.facility("North"), o.facility("South")
	f.tech = o.group("Technician", "work_orders.view", "work_orders.edit")
	f.tess = o.user("tess", obj{"group_ids": []string{f.tech}, "permissions": []string{"reports.view"}, "facility_ids": []string{f.north}})
	f.own = o.user("owen", obj{"permissions": []string{"work_orders.view_own"}, "facility_ids": []string{f.north}})
	f.plain = o.user("pat", nil)
	f.ivy = str(o.invite("ivy", obj{"group_ids": []string{f.tech}, "facility_ids": []string{f.north}}), "id")
	return f
}

// check asks one question as the admin and returns the decision.
func (f *authzFixture) check(user, perm string, res obj) obj {
	f.e.t.Helper()
	body := obj{"user_id": user, "permission": perm}
	if res != nil {
		body["resource"] = res
	}
	status, _, out := f.admin.do("POST", "/api/v1/authz/check", body)
	wantStatus(f.e.t, status, out, http.StatusOK)
	return out
}

func (f *authzFixture) wantCheck(user, perm string, res obj, allowed bool, reason string) obj {
	f.e.t.Helper()
	d := f.check(user, perm, res)
	if d["allowed"] != allowed || d["reason"] != reason {
		f.e.t.Fatalf("check %s %s %v: %v, want allowed=%v reason=%s", user, perm, res, d, allowed, reason)
	}
	return d
}

func TestCheck(t *testing.T) {
	f := newAuthzFixture(t)
	at := func(fac string) obj { return obj{"facility_id": fac} }

	d := f.wantCheck(f.tess, "work_orders.edit", at(f.north), true, "granted")
	for _, k := range []string{"allowed", "reason", "granted_by", "own_only", "message", "revision"} {
		if _, ok := d[k]; !ok {
			t.Fatalf("decision has no %q: %v", k, d)
		}
	}
	if src := d["granted_by"].([]any); len(src) != 1 || src[0].(obj)["type"] != "group" || src[0].(obj)["id"] != f.tech {
		t.Fatalf("granted_by: %v", d)
	}
	if d["own_only"] != false || d["message"] == "" || d["revision"].(float64) <= 0 {
		t.Fatalf("decision: %v", d)
	}
	f.wantCheck(f.tess, "work_orders.edit", at(f.south), false, "facility_not_assigned")
	f.wantCheck(f.tess, "work_orders.edit", nil, true, "granted")
	f.wantCheck(f.tess, "work_orders.delete", at(f.north), false, "permission_missing")
	d = f.wantCheck(f.tess, "reports.view", nil, true, "granted")
	if src := d["granted_by"].([]any); len(src) != 1 || src[0].(obj)["type"] != "direct" {
		t.Fatalf("direct grant: %v", d)
	}
	f.wantCheck(f.tess, "reports.view", at(f.south), true, "granted") // not facility-scoped
	f.wantCheck(f.tess, "work_orders.fly", nil, false, "unknown_permission")
	f.wantCheck(f.tess, "work_orders.view", at("fac_nope"), false, "facility_not_found")
	f.wantCheck("usr_nope", "work_orders.view", nil, false, "user_not_found")
	f.wantCheck(f.ivy, "work_orders.view", at(f.north), false, "user_invited")
	f.wantCheck(f.plain, "work_orders.view", nil, false, "permission_missing")
	d = f.wantCheck(f.adminID, "work_orders.delete", at(f.south), true, "full_access")
	if src := d["granted_by"].([]any); len(src) != 1 || src[0].(obj)["type"] != "full_access" {
		t.Fatalf("full access: %v", d)
	}

	// view_own: only the user's own items.
	d = f.wantCheck(f.own, "work_orders.view", nil, true, "granted")
	if d["own_only"] != true {
		t.Fatalf("own only: %v", d)
	}
	f.wantCheck(f.own, "work_orders.view", at(f.north), false, "not_own") // an item of no one
	f.wantCheck(f.own, "work_orders.view", obj{"facility_id": f.north, "created_by": f.tess}, false, "not_own")
	f.wantCheck(f.own, "work_orders.view", obj{"facility_id": f.north, "created_by": f.own}, true, "granted")
	f.wantCheck(f.own, "work_orders.view", obj{"facility_id": f.north, "assignee_id": f.own, "created_by": f.tess}, true, "granted")
	f.wantCheck(f.own, "work_orders.view", obj{"facility_id": f.south, "created_by": f.own}, false, "facility_not_assigned")
	// X.view covers X.view_own.
	f.wantCheck(f.tess, "work_orders.view_own", obj{"facility_id": f.north, "created_by": f.own}, true, "granted")

	// Everyone may ask about themselves; asking about others takes the
	// catalog's view_users permission (users.view here).
	status, _, body := f.as(f.plain).do("POST", "/api/v1/authz/check", obj{"user_id": f.tess, "permission": "work_orders.view"})
	if status != http.StatusForbidden || body["error"].(map[string]any)["reason"] != "permission_missing" {
		t.Fatalf("check about another user by a plain user: %d %v", status, body)
	}
	status, _, body = f.as(f.plain).do("POST", "/api/v1/authz/check", obj{"user_id": f.plain, "permission": "work_orders.view"})
	if status != http.StatusOK || body["allowed"] != false {
		t.Fatalf("check about oneself by a plain user: %d %v", status, body)
	}
}

func TestRevisionsAndFreshness(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	var revs []int64
	write := func(status int, method, path string, body any) obj {
		t.Helper()
		out, rev := o.admin.ok(status, method, path, body)
		revs = append(revs, rev)
		return out
	}
	fac := str(write(http.StatusCreated, "POST", "/api/v1/facilities", obj{"name": "North"}), "id")
	grp := str(write(http.StatusCreated, "POST", "/api/v1/groups", obj{"name": "Tech", "permissions": []string{"work_orders.view"}}), "id")
	user := str(write(http.StatusCreated, "POST", "/api/v1/users", obj{"first_name": "T", "last_name": "T", "email": "t@acme.test"}), "id")
	write(http.StatusOK, "PATCH", "/api/v1/users/"+user, obj{"group_ids": []string{grp}, "facility_ids": []string{fac}})
	write(http.StatusOK, "PATCH", "/api/v1/groups/"+grp, obj{"description": "d"})
	write(http.StatusOK, "POST", "/api/v1/facilities/"+fac+"/archive", nil)
	write(http.StatusOK, "POST", "/api/v1/users/"+user+"/regenerate-invite", nil)
	write(http.StatusCreated, "POST", "/api/v1/api-keys", obj{"name": "k"})
	for i := 1; i < len(revs); i++ {
		if revs[i] <= revs[i-1] {
			t.Fatalf("revisions do not increase: %v", revs)
		}
	}
	latest := revs[len(revs)-1]
	// Reads carry no revision header; they do not change the organization.
	if _, h, _ := o.admin.do("GET", "/api/v1/users", nil); h.Get("Gatehouse-Revision") != "" {
		t.Fatalf("a read returned a revision: %v", h)
	}
	if got := o.admin.get("/api/v1/me")["organization"].(obj)["revision"]; got != float64(latest) {
		t.Fatalf("me: organization revision %v, want %d", got, latest)
	}

	check := obj{"user_id": user, "permission": "work_orders.view", "min_revision": latest}
	_, _, d := o.admin.do("POST", "/api/v1/authz/check", check)
	if d["revision"] != float64(latest) || d["reason"] != "user_invited" {
		t.Fatalf("check at the latest revision: %v", d)
	}
	check["min_revision"] = latest + 1
	status, _, body := o.admin.do("POST", "/api/v1/authz/check", check)
	wantField(t, status, body, "min_revision")
	status, _, body = o.admin.do("POST", "/api/v1/authz/check-batch", obj{"checks": []obj{
		{"user_id": user, "permission": "work_orders.view"}, {"user_id": user, "permission": "work_orders.view", "min_revision": latest + 5}}})
	wantField(t, status, body, "min_revision")
	status, _, body = o.admin.do("POST", "/api/v1/authz/filter", obj{"user_id": user, "permission": "work_orders.view", "min_revision": latest + 1})
	wantField(t, status, body, "min_revision")
	_, _, body = o.admin.do("POST", "/api/v1/authz/filter", obj{"user_id": user, "permission": "work_orders.view", "min_revision": latest})
	if body["revision"] != float64(latest) {
		t.Fatalf("filter: %v", body)
	}
	// A failed write changes no revision.
	o.admin.do("POST", "/api/v1/groups", obj{"name": "tech"})
	if got := o.admin.get("/api/v1/me")["organization"].(obj)["revision"]; got != float64(latest) {
		t.Fatalf("revision after a refused write: %v, want %d", got, latest)
	}
}

// TestChangesAreSeenByTheNextCheck: every revocation through the API is
// visible to the very next check, and so is every grant.
func TestChangesAreSeenByTheNextCheck(t *testing.T) {
	f := newAuthzFixture(t)
	at := obj{"facility_id": f.north}
	f.wantCheck(f.tess, "work_orders.edit", at, true, "granted")

	f.admin.ok(http.StatusOK, "PATCH", "/api/v1/groups/"+f.tech, obj{"permissions": []string{"work_orders.view"}})
	f.wantCheck(f.tess, "work_orders.edit", at, false, "permission_missing")
	f.admin.ok(http.StatusOK, "PATCH", "/api/v1/groups/"+f.tech, obj{"permissions": []string{"work_orders.view", "work_orders.edit"}})
	f.wantCheck(f.tess, "work_orders.edit", at, true, "granted")

	f.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+f.tess, obj{"facility_ids": []string{f.south}})
	f.wantCheck(f.tess, "work_orders.edit", at, false, "facility_not_assigned")
	f.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+f.tess, obj{"facility_ids": []string{f.north}})
	f.wantCheck(f.tess, "work_orders.edit", at, true, "granted")

	f.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+f.tess+"/deactivate", nil)
	f.wantCheck(f.tess, "work_orders.edit", at, false, "user_inactive")
	f.wantCheck(f.tess, "reports.view", nil, false, "user_inactive")
	f.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+f.tess+"/activate", nil)
	f.wantCheck(f.tess, "work_orders.edit", at, true, "granted")

	f.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+f.tess, obj{"group_ids": []string{}})
	f.wantCheck(f.tess, "work_orders.edit", at, false, "permission_missing")
	f.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+f.tess, obj{"group_ids": []string{f.tech}})
	f.wantCheck(f.tess, "work_orders.edit", at, true, "granted")

	f.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+f.tess, obj{"permissions": []string{}})
	f.wantCheck(f.tess, "reports.view", nil, false, "permission_missing")
	f.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+f.tess, obj{"full_access": true})
	f.wantCheck(f.tess, "reports.view", nil, true, "full_access")
	f.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+f.tess, obj{"full_access": false})
	f.wantCheck(f.tess, "reports.view", nil, false, "permission_missing")

	f.admin.ok(http.StatusNoContent, "DELETE", "/api/v1/facilities/"+f.north, nil)
	f.wantCheck(f.tess, "work_orders.edit", at, false, "facility_not_found")
	f.wantCheck(f.tess, "work_orders.edit", nil, false, "facility_not_assigned")
	f.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+f.tess, obj{"facility_ids": []string{f.south}})
	f.admin.ok(http.StatusNoContent, "DELETE", "/api/v1/groups/"+f.tech, nil)
	f.wantCheck(f.tess, "work_orders.edit", obj{"facility_id": f.south}, false, "permission_missing")

	f.admin.ok(http.StatusNoContent, "DELETE", "/api/v1/users/"+f.tess, nil)
	f.wantCheck(f.tess, "work_orders.edit", nil, false, "user_not_found")
}

func TestCheckBatch(t *testing.T) {
	f := newAuthzFixture(t)
	checks := []obj{
		{"user_id": f.tess, "permission": "work_orders.edit", "resource": obj{"facility_id": f.north}},
		{"user_id": f.tess, "permission": "work_orders.edit", "resource": obj{"facility_id": f.south}},
		{"user_id": f.adminID, "permission": "audit_logs.view"},
		{"user_id": "usr_nope", "permission": "audit_logs.view"},
		{"user_id": f.own, "permission": "work_orders.view", "resource": obj{"facility_id": f.north, "created_by": f.tess}},
		{"user_id": f.plain, "permission": "nope.nope"},
	}
	want := []string{"granted", "facility_not_assigned", "full_access", "user_not_found", "not_own", "unknown_permission"}
	_, _, out := f.admin.do("POST", "/api/v1/authz/check-batch", obj{"checks": checks})
	results, _ := out["results"].([]any)
	if len(out) != 1 || len(results) != len(want) {
		t.Fatalf("batch: %v", out)
	}
	for i, r := range results {
		res, _ := checks[i]["resource"].(obj)
		single := f.check(str(checks[i], "user_id"), str(checks[i], "permission"), res)
		if r.(obj)["reason"] != want[i] || r.(obj)["allowed"] != single["allowed"] || r.(obj)["reason"] != single["reason"] {
			t.Fatalf("result %d: %v, want %s (single check %v)", i, r, want[i], single)
		}
	}

	// A bigger batch answers each check as the small batch did, in order.
	uneven := make([]obj, 257)
	for i := range uneven {
		uneven[i] = checks[i%len(checks)]
	}
	_, _, out257 := f.admin.do("POST", "/api/v1/authz/check-batch", obj{"checks": uneven})
	results257, _ := out257["results"].([]any)
	if len(results257) != len(uneven) {
		t.Fatalf("257 checks: %d results", len(results257))
	}
	for i, r := range results257 {
		if got, want := fmt.Sprint(r), fmt.Sprint(results[i%len(checks)]); got != want {
			t.Fatalf("result %d of 257: %s, want %s", i, got, want)
		}
	}

	// Up to 1,000 checks; none or more are refused.
	many := make([]obj, 1000)
	for i := range many {
		perm := "work_orders.view"
		if i%2 == 1 {
			perm = "work_orders.delete"
		}
		many[i] = obj{"user_id": f.tess, "permission": perm}
	}
	_, _, out = f.admin.do("POST", "/api/v1/authz/check-batch", obj{"checks": many})
	results, _ = out["results"].([]any)
	if len(results) != 1000 {
		t.Fatalf("1,000 checks: %d results", len(results))
	}
	for i, r := range results {
		if r.(obj)["allowed"] != (i%2 == 0) {
			t.Fatalf("result %d out of order: %v", i, r)
		}
	}
	status, _, body := f.admin.do("POST", "/api/v1/authz/check-batch", obj{"checks": append(many, many[0])})
	wantField(t, status, body, "checks")
	status, _, body = f.admin.do("POST", "/api/v1/authz/check-batch", obj{"checks": []obj{}})
	wantField(t, status, body, "checks")
	status, _, body = f.admin.do("POST", "/api/v1/authz/check-batch", obj{"checks": nil})
	wantField(t, status, body, "checks")
}

func TestFilter(t *testing.T) {
	f := newAuthzFixture(t)
	f.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+f.tess, obj{"facility_ids": []string{f.north, f.south}})
	filter := func(user, perm string) obj {
		t.Helper()
		_, _, out := f.admin.do("POST", "/api/v1/authz/filter", obj{"user_id": user, "permission": perm})
		for _, k := range []string{"allowed", "reason", "all_facilities", "facility_ids", "own_only", "revision"} {
			if _, ok := out[k]; !ok {
				t.Fatalf("filter has no %q: %v", k, out)
			}
		}
		return out
	}
	for _, tc := range []struct {
		user, perm   string
		allowed, all bool
		facilities   []string
		ownOnly      bool
		reason       string
	}{
		{f.adminID, "work_orders.view", true, true, nil, false, "full_access"},
		{f.tess, "work_orders.view", true, false, sorted(f.north, f.south), false, "granted"},
		{f.tess, "reports.view", true, true, nil, false, "granted"},
		{f.own, "work_orders.view", true, false, []string{f.north}, true, "granted"},
		{f.plain, "work_orders.view", false, false, nil, false, "permission_missing"},
		{f.ivy, "work_orders.view", false, false, nil, false, "user_invited"},
		{"usr_nope", "work_orders.view", false, false, nil, false, "user_not_found"},
		{f.tess, "work_orders.fly", false, false, nil, false, "unknown_permission"},
	} {
		got := filter(tc.user, tc.perm)
		if got["allowed"] != tc.allowed || got["all_facilities"] != tc.all || got["own_only"] != tc.ownOnly || got["reason"] != tc.reason ||
			!slices.Equal(strs(got["facility_ids"]), append([]string{}, tc.facilities...)) {
			t.Fatalf("filter %s %s: %v", tc.user, tc.perm, got)
		}
		if _, ok := got["facility_ids"].([]any); !ok {
			t.Fatalf("facility_ids is not a list: %v", got)
		}
	}
	// Unassigning shows in the next filter.
	f.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+f.tess, obj{"facility_ids": []string{f.south}})
	if got := filter(f.tess, "work_orders.view"); !slices.Equal(strs(got["facility_ids"]), []string{f.south}) {
		t.Fatalf("after unassigning: %v", got)
	}
}

// TestRefusedBodyListsAtMostAHundredViolations: a batch of 20,000 empty
// checks breaks the schema twice per check and once as a whole; the answer
// names the first of them and lists 100, rather than growing with the body.
func TestRefusedBodyListsAtMostAHundredViolations(t *testing.T) {
	f := newAuthzFixture(t)
	status, _, data := f.admin.doRaw("POST", "/api/v1/authz/check-batch", raw(`{"checks":[`+strings.Repeat(`{},`, 19_999)+`{}]}`))
	var out struct {
		Error struct {
			Field  string `json:"field"`
			Errors []struct {
				Field string `json:"field"`
			} `json:"errors"`
		} `json:"error"`
	}
	if err := json.Unmarshal(data, &out); err != nil || status != http.StatusBadRequest {
		t.Fatalf("%d %.300s (%v)", status, data, err)
	}
	if out.Error.Field != "checks" || len(out.Error.Errors) != 100 || out.Error.Errors[0].Field != "checks" {
		t.Fatalf("field %q, %d errors listed: %.300s", out.Error.Field, len(out.Error.Errors), data)
	}
}
