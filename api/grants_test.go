package api_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testsupport"
)

// A contractor gets the Technician role at one facility for 14 days: the
// grant is listed with its id and end, checks allow it there and not
// elsewhere (and not at a moment after its end), the users list finds them
// by "holds Technician at Toronto", a check asked after the end denies,
// the end is audited once, and the admin can extend and end it.
func TestGrants_ContractorFortnight(t *testing.T) {
	clk := &testsupport.ShiftedClock{}
	e := newEnvOnClock(t, clk.Now)
	o := e.newOrg("Acme", "facilities")
	toronto, milwaukee := o.facility("Toronto"), o.facility("Milwaukee")
	tech := o.group("Technician", "work_orders.view", "reports.view")
	contractor := o.user("casey", nil)
	end := clk.Now().Add(14 * 24 * time.Hour).Truncate(time.Second)
	grantsPath := "/api/v1/users/" + contractor + "/grants"

	// A dry run shows the role gained at Toronto only, and changes nothing.
	status, _, preview := o.admin.do("POST", grantsPath+"?dry_run=true", obj{"type": "group", "group_id": tech, "facility_id": toronto, "expires_at": end})
	wantStatus(t, status, preview, http.StatusOK)
	gained := preview["users"].([]any)[0].(obj)["gained"].([]any)
	for _, g := range gained {
		g := g.(obj)
		if g["permission"] == "work_orders.view" && !slices.Equal(strs(g["facility_ids"]), []string{toronto}) {
			t.Errorf("preview gained %v, want work_orders.view at Toronto", g)
		}
	}
	if got := listed(o.admin.get(grantsPath)); len(got) != 0 {
		t.Fatalf("a dry run stored %v", got)
	}

	created, h, grant := o.admin.do("POST", grantsPath, obj{"type": "group", "group_id": tech, "facility_id": toronto, "expires_at": end})
	wantStatus(t, created, grant, http.StatusCreated)
	wantID := "group:" + tech + "@" + toronto
	if grant["id"] != wantID || h.Get("Location") != grantsPath+"/"+wantID || grant["expires_at"] != end.Format(time.RFC3339) {
		t.Fatalf("grant %v at %s", grant, h.Get("Location"))
	}
	if got := listed(o.admin.get(grantsPath)); len(got) != 1 || got[0]["id"] != wantID {
		t.Fatalf("grants %v", got)
	}
	user := o.admin.get("/api/v1/users/" + contractor)
	if roles := user["site_roles"].([]any); len(roles) != 1 || roles[0].(obj)["facility_id"] != toronto {
		t.Fatalf("site_roles %v", user["site_roles"])
	}

	check := func(facility string, at time.Time) obj {
		body := obj{"user_id": contractor, "permission": "work_orders.view", "resource": obj{"facility_id": facility}}
		if !at.IsZero() {
			body["at"] = at.UTC().Format(time.RFC3339)
		}
		status, _, out := o.admin.do("POST", "/api/v1/authz/check", body)
		wantStatus(t, status, out, http.StatusOK)
		return out
	}
	d := check(toronto, time.Time{})
	src := d["granted_by"].([]any)[0].(obj)
	if d["allowed"] != true || src["id"] != tech || src["facility_id"] != toronto || src["expires_at"] != end.Format(time.RFC3339) {
		t.Fatalf("check at Toronto %v", d)
	}
	if d := check(milwaukee, time.Time{}); d["allowed"] != false || d["reason"] != "facility_not_assigned" {
		t.Fatalf("check at Milwaukee %v", d)
	}
	if d := check(toronto, end.Add(-time.Second)); d["allowed"] != true {
		t.Fatalf("check at the last second %v", d)
	}
	if d := check(toronto, end); d["allowed"] != false {
		t.Fatalf("check at the end %v", d)
	}
	_, _, batch := o.admin.do("POST", "/api/v1/authz/check-batch", obj{"checks": []obj{
		{"user_id": contractor, "permission": "work_orders.view", "resource": obj{"facility_id": toronto}, "at": end.Format(time.RFC3339)},
		{"user_id": contractor, "permission": "work_orders.view", "resource": obj{"facility_id": toronto}},
	}})
	if r := batch["results"].([]any); r[0].(obj)["allowed"] != false || r[1].(obj)["allowed"] != true {
		t.Fatalf("batch %v", batch)
	}
	status, _, body := o.admin.do("POST", "/api/v1/authz/check", obj{"user_id": contractor, "permission": "work_orders.view",
		"at": clk.Now().Add(-91 * 24 * time.Hour).Format(time.RFC3339)})
	wantField(t, status, body, "at")

	// The list filter and the effective access, per facility.
	holders := items(t, o.admin.get("/api/v1/users?holds_group_id="+tech+"&holds_facility_id="+toronto))
	if !slices.Equal(ids(holders), []string{contractor}) {
		t.Fatalf("holders at Toronto %v", ids(holders))
	}
	if got := items(t, o.admin.get("/api/v1/users?holds_group_id="+tech+"&holds_facility_id="+milwaukee)); len(got) != 0 {
		t.Fatalf("holders at Milwaukee %v", ids(got))
	}
	status, _, body = o.admin.do("GET", "/api/v1/users?holds_group_id="+tech, nil)
	wantField(t, status, body, "holds_facility_id")
	_, _, f := o.admin.do("POST", "/api/v1/authz/filter", obj{"user_id": contractor, "permission": "work_orders.view"})
	if !slices.Equal(strs(f["facility_ids"]), []string{toronto}) {
		t.Fatalf("filter %v", f)
	}
	for _, p := range listed(o.admin.get("/api/v1/users/" + contractor + "/permissions")) {
		if p["codename"] == "work_orders.view" {
			at := p["facilities"].([]any)
			if len(at) != 1 || at[0].(obj)["facility_id"] != toronto {
				t.Fatalf("work_orders.view per facility %v", p)
			}
		}
		if p["codename"] == "reports.view" && p["all_facilities"] != true {
			t.Fatalf("reports.view (organization-wide) through a site role %v", p)
		}
	}

	// A fortnight later the check denies, by itself; the end is audited once.
	clk.Set(14 * 24 * time.Hour)
	if d := check(toronto, time.Time{}); d["allowed"] != false {
		t.Fatalf("check after the end %v", d)
	}
	for i, want := range []int{1, 0} {
		if n, err := e.svc.AuditGrantBoundaries(t.Context(), o.id); err != nil || n != want {
			t.Fatalf("audit pass %d: %d boundaries (%v), want %d", i, n, err, want)
		}
	}
	events := items(t, o.admin.get("/api/v1/audit-events?action=grant.expired"))
	if len(events) != 1 || events[0]["target_id"] != contractor {
		t.Fatalf("grant.expired events %v", events)
	}

	// Extending: the same grant with a later end replaces its dates.
	later := clk.Now().Add(7 * 24 * time.Hour).Truncate(time.Second)
	o.admin.ok(http.StatusCreated, "POST", grantsPath, obj{"type": "group", "group_id": tech, "facility_id": toronto, "expires_at": later})
	if d := check(toronto, time.Time{}); d["allowed"] != true {
		t.Fatalf("check after extending %v", d)
	}
	// Ending it now.
	o.admin.ok(http.StatusNoContent, "DELETE", grantsPath+"/"+wantID, nil)
	if d := check(toronto, time.Time{}); d["allowed"] != false {
		t.Fatalf("check after removing %v", d)
	}
	status, _, body = o.admin.do("DELETE", grantsPath+"/"+wantID, nil)
	wantError(t, status, body, http.StatusNotFound, "not_found")
}

// Site roles and time bounds on POST and PATCH /api/v1/users, and their
// errors by field.
func TestGrants_OnUserWrites(t *testing.T) {
	clk := &testsupport.ShiftedClock{}
	o := newOnClock(t, clk)
	f1, f2 := o.facility("One"), o.facility("Two")
	grp := o.group("Tech", "work_orders.view")
	start := clk.Now().Add(time.Hour).Truncate(time.Second)
	u := o.invite("sam", obj{"group_ids": []string{grp}, "facility_ids": []string{f1},
		"site_roles":  []obj{{"group_id": grp, "facility_id": f2, "starts_at": start}},
		"time_bounds": []obj{{"grant_id": "facility:" + f1, "expires_at": start.Add(time.Hour)}}})
	if len(u["site_roles"].([]any)) != 1 || len(u["time_bounds"].([]any)) != 1 {
		t.Fatalf("user %v", u)
	}
	id := str(u, "id")
	out, _ := o.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+id, obj{"site_roles": []obj{}})
	if len(out["site_roles"].([]any)) != 0 || len(out["time_bounds"].([]any)) != 1 {
		t.Fatalf("after clearing site roles %v", out)
	}
	// Removing the facility takes its bounds with it.
	out, _ = o.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+id, obj{"facility_ids": []string{f2}})
	if len(out["time_bounds"].([]any)) != 0 {
		t.Fatalf("bounds of a removed facility kept %v", out)
	}
	status, _, body := o.admin.do("PATCH", "/api/v1/users/"+id, obj{"time_bounds": []obj{{"grant_id": "facility:" + f1, "expires_at": start}}})
	wantField(t, status, body, "time_bounds")
	status, _, body = o.admin.do("PATCH", "/api/v1/users/"+id, obj{"site_roles": []obj{{"group_id": grp, "facility_id": f1, "starts_at": start, "expires_at": start}}})
	wantField(t, status, body, "site_roles")
	status, _, body = o.admin.do("POST", "/api/v1/users/"+id+"/grants", obj{"type": "teleport"})
	wantError(t, status, body, http.StatusBadRequest, "invalid")
	status, _, body = o.admin.do("POST", "/api/v1/users/"+id+"/grants", obj{"type": "group", "group_id": "grp_nope", "facility_id": f1})
	wantError(t, status, body, http.StatusNotFound, "not_found")
}

// A limited admin gives a site role only where they hold its group's
// permissions, and only until their own grants end.
func TestGrants_LimitedAdmin(t *testing.T) {
	clk := &testsupport.ShiftedClock{}
	o := newOnClock(t, clk)
	f1, f2 := o.facility("One"), o.facility("Two")
	tech := o.group("Tech", "work_orders.view")
	end := clk.Now().Add(24 * time.Hour).Truncate(time.Second)
	lead := o.as(o.user("lead", obj{"permissions": []string{"users.view", "users.edit"}, "group_ids": []string{tech}, "facility_ids": []string{f1},
		"time_bounds": []obj{{"grant_id": "group:" + tech, "expires_at": end}}}))
	target := o.user("tia", obj{"facility_ids": []string{f1}})
	path := "/api/v1/users/" + target + "/grants"
	status, _, body := lead.do("POST", path, obj{"type": "group", "group_id": tech, "facility_id": f2, "expires_at": end})
	wantReason(t, status, body, "escalation_group")
	status, _, body = lead.do("POST", path, obj{"type": "group", "group_id": tech, "facility_id": f1})
	wantReason(t, status, body, "escalation")
	lead.ok(http.StatusCreated, "POST", path, obj{"type": "group", "group_id": tech, "facility_id": f1, "expires_at": end})
}

// listed is the items of a list answered whole (no paging).
func listed(body obj) []obj {
	var out []obj
	for _, v := range body["items"].([]any) {
		out = append(out, v.(obj))
	}
	return out
}
