package api_test

import (
	"net/http"
	"slices"
	"testing"
)

func TestCatalog(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		template              string
		categories, perms     int
		licences              []string
		scoped, unscoped, min []string // min: a codename and its minimum licence
	}{
		{"facilities", 9, 40, nil, []string{"work_orders.view", "facilities.edit", "assets.archive", "service_reports.view_own"},
			[]string{"users.view", "reports.view", "audit_logs.view", "contracts.create"}, []string{"users.view", ""}},
		{"compliance", 11, 59, []string{"external_auditor", "read_report", "administrator", "action", "approval"}, nil,
			[]string{"create.add_business_contacts"}, []string{"super_admin.grant_super_admin", "approval"}},
	} {
		t.Run(tc.template, func(t *testing.T) {
			o := e.newOrg("Org"+tc.template, tc.template)
			c := o.admin.get("/api/v1/catalog")
			if c["template"] != tc.template || len(c) != 3 {
				t.Fatalf("catalog: %v", c)
			}
			perms := map[string]obj{}
			cats := c["categories"].([]any)
			for _, cat := range cats {
				if str(cat.(obj), "name") == "" {
					t.Fatalf("category without a name: %v", cat)
				}
				for _, p := range cat.(obj)["permissions"].([]any) {
					p := p.(obj)
					for _, k := range []string{"codename", "label", "min_licence", "facility_scoped"} {
						if _, ok := p[k]; !ok {
							t.Fatalf("permission has no %q: %v", k, p)
						}
					}
					perms[str(p, "codename")] = p
				}
			}
			if len(cats) != tc.categories || len(perms) != tc.perms {
				t.Fatalf("%d categories and %d permissions, want %d and %d", len(cats), len(perms), tc.categories, tc.perms)
			}
			for _, code := range tc.scoped {
				if perms[code]["facility_scoped"] != true {
					t.Errorf("%s is not facility-scoped: %v", code, perms[code])
				}
			}
			for _, code := range tc.unscoped {
				if perms[code]["facility_scoped"] != false {
					t.Errorf("%s is facility-scoped: %v", code, perms[code])
				}
			}
			if got := perms[tc.min[0]]["min_licence"]; got != tc.min[1] {
				t.Errorf("%s min_licence %v, want %q", tc.min[0], got, tc.min[1])
			}
			licences, ok := c["licences"].([]any)
			if !ok || len(licences) != len(tc.licences) {
				t.Fatalf("licences: %v", c["licences"])
			}
			for i, l := range licences {
				l := l.(obj)
				if l["name"] != tc.licences[i] || l["rank"] != float64(i+1) || str(l, "label") == "" {
					t.Fatalf("licence %d: %v", i, l)
				}
				if _, ok := l["implicit_permissions"].([]any); !ok {
					t.Fatalf("licence %d implicit_permissions: %v", i, l)
				}
			}
			// Every minimum licence is on the ladder.
			for code, p := range perms {
				if m := str(p, "min_licence"); m != "" && !slices.Contains(tc.licences, m) {
					t.Fatalf("%s: min_licence %q is not a licence", code, m)
				}
			}
			// Every member may read the catalog.
			o.as(o.user("pat", nil)).get("/api/v1/catalog")
		})
	}
}

func TestMe(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "compliance")
	me := o.admin.get("/api/v1/me")
	u, org := me["user"].(obj), me["organization"].(obj)
	wantUserShape(t, u)
	if u["id"] != o.adminID || u["full_access"] != true || u["status"] != "active" || u["licence"] != "approval" || u["email"] != "admin@acme.test" {
		t.Fatalf("me: %v", u)
	}
	if org["id"] != o.id || org["name"] != "Acme" || org["template"] != "compliance" || org["revision"] == nil {
		t.Fatalf("organization: %v", org)
	}
	if !slices.Contains([]string{"key_"}, str(me, "api_key_id")[:4]) {
		t.Fatalf("api_key_id: %v", me["api_key_id"])
	}
	// Even a user who holds nothing sees themselves.
	pat := o.user("pat", nil)
	if got := o.as(pat).get("/api/v1/me")["user"].(obj); got["id"] != pat || got["licence"] != "external_auditor" {
		t.Fatalf("plain user's me: %v", got)
	}
	status, _, body := e.client().do("GET", "/api/v1/me", nil)
	wantError(t, status, body, http.StatusUnauthorized, "unauthorized")
}

func TestAuditEvents(t *testing.T) {
	e := newEnv(t)
	a, b := e.newOrg("Acme", "facilities"), e.newOrg("Globex", "facilities")
	user := str(a.invite("tess", nil), "id")
	a.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+user, obj{"first_name": "Tessa"})

	events := items(t, a.admin.get("/api/v1/audit-events?target_id="+user))
	if len(events) < 2 {
		t.Fatalf("events about the user: %v", events)
	}
	for _, ev := range events {
		if ev["target_id"] != user || ev["actor_id"] != a.adminID || str(ev, "action") == "" || ev["at"] == nil {
			t.Fatalf("event: %v", ev)
		}
	}
	if events[0]["id"].(string) < events[1]["id"].(string) {
		t.Fatalf("events are not newest first: %v", ids(events))
	}
	// One organization's log is not another's.
	if got := items(t, b.admin.get("/api/v1/audit-events?target_id="+user)); len(got) != 0 {
		t.Fatalf("A's events in B: %v", got)
	}
	for _, ev := range items(t, b.admin.get("/api/v1/audit-events?limit=500")) {
		if ev["actor_id"] == a.adminID || ev["target_id"] == user {
			t.Fatalf("A's event in B: %v", ev)
		}
	}
	status, _, body := a.as(a.user("pat", nil)).do("GET", "/api/v1/audit-events", nil)
	wantReason(t, status, body, "permission_missing")
	status, _, body = a.admin.do("GET", "/api/v1/audit-events?target_type=planet", nil)
	wantField(t, status, body, "target_type")
	status, _, body = a.admin.do("GET", "/api/v1/audit-events?since=yesterday", nil)
	wantField(t, status, body, "since")
}
