package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestNoRouteReachesAnotherOrganization tries the ids of organization A in
// every path, body and query field of organization B's routes that
// TestTwoOrganizationsSideBySide leaves out — grants, bulk actions, invitation
// resends, second factors, sign-out everywhere, applications, single sign-on
// connections, the audit log, the CSV import and export — and then checks that
// A is as it was. docs/security.md §1: "An id of another organization … is
// 404 not_found, also when it is given as a group or facility to assign."
func TestNoRouteReachesAnotherOrganization(t *testing.T) {
	e := newEnv(t)
	a, b := e.newOrg("Acme", "facilities"), e.newOrg("Globex", "facilities")

	fac := a.facility("A North")
	grp := a.group("A Tech", "work_orders.view")
	user := a.user("alice", obj{"group_ids": []string{grp}, "facility_ids": []string{fac}})
	invited := str(a.invite("ivan", nil), "id")
	status, _, created := a.admin.do("POST", "/api/v1/oidc-clients", obj{"name": "A app", "confidential": true,
		"redirect_uris": []string{"https://a.test/cb"}})
	wantStatus(t, status, created, http.StatusCreated)
	appID := str(created, "id")
	status, _, sso := a.admin.do("POST", "/api/v1/sso-connections", obj{"name": "A idp", "issuer": "https://idp.acme.test",
		"client_id": "a", "client_secret": "s", "domains": []string{"acme-sso.test"}})
	wantStatus(t, status, sso, http.StatusCreated)
	ssoID := str(sso, "id")
	grantsPath := "/api/v1/users/" + user + "/grants"
	a.admin.ok(http.StatusCreated, "POST", grantsPath, obj{"type": "permission", "permission": "assets.view"})
	before := a.admin.get(grantsPath)

	bFac := b.facility("B North")
	bGrp := b.group("B Tech", "work_orders.view")
	bUser := b.user("bob", obj{"facility_ids": []string{bFac}})
	bInvited := str(b.invite("ben", nil), "id")

	for _, r := range []struct {
		method, path string
		body         any
	}{
		// A's user in the path.
		{"GET", grantsPath, nil},
		{"POST", grantsPath, obj{"type": "permission", "permission": "users.view"}},
		{"DELETE", grantsPath + "/permission:assets.view", nil},
		{"POST", "/api/v1/users/" + user + "/reset-mfa", nil},
		{"POST", "/api/v1/users/" + user + "/sign-out-everywhere", nil},
		// A's group or facility given to B's user as a grant.
		{"POST", "/api/v1/users/" + bUser + "/grants", obj{"type": "group", "group_id": grp}},
		{"POST", "/api/v1/users/" + bUser + "/grants", obj{"type": "group", "group_id": bGrp, "facility_id": fac}},
		{"POST", "/api/v1/users/" + bUser + "/grants", obj{"type": "facility", "facility_id": fac}},
		// Bulk: A's users among B's, or A's group or facility for B's users.
		{"POST", "/api/v1/users/bulk", obj{"action": "deactivate", "user_ids": []string{bUser, user}}},
		{"POST", "/api/v1/users/bulk", obj{"action": "delete", "user_ids": []string{user}}},
		{"POST", "/api/v1/users/bulk", obj{"action": "resend_invitation", "user_ids": []string{invited}}},
		{"POST", "/api/v1/users/bulk", obj{"action": "add_group", "user_ids": []string{bUser}, "group_id": grp}},
		{"POST", "/api/v1/users/bulk", obj{"action": "remove_group", "user_ids": []string{user}, "group_id": grp}},
		{"POST", "/api/v1/users/bulk", obj{"action": "assign_facility", "user_ids": []string{bUser}, "facility_id": fac}},
		{"POST", "/api/v1/users/bulk?dry_run=true", obj{"action": "add_group", "user_ids": []string{bUser}, "group_id": grp}},
		{"POST", "/api/v1/invitations/resend", obj{"user_ids": []string{bInvited, invited}}},
		// A's application and connection.
		{"GET", "/api/v1/oidc-clients/" + appID, nil},
		{"PATCH", "/api/v1/oidc-clients/" + appID, obj{"name": "Mine"}},
		{"POST", "/api/v1/oidc-clients/" + appID + "/regenerate-secret", nil},
		{"DELETE", "/api/v1/oidc-clients/" + appID, nil},
		{"POST", "/api/v1/oidc-clients", obj{"name": "B app", "confidential": true, "grant_types": []string{"client_credentials"}, "service_user_id": user}},
		{"POST", "/api/v1/oidc-clients", obj{"name": "B app", "confidential": true, "grant_types": []string{"client_credentials"}, "service_user_id": a.adminID}},
		{"GET", "/api/v1/sso-connections/" + ssoID, nil},
		{"PATCH", "/api/v1/sso-connections/" + ssoID, obj{"name": "Mine"}},
		{"DELETE", "/api/v1/sso-connections/" + ssoID, nil},
		{"POST", "/api/v1/sso-connections", obj{"name": "B idp", "issuer": "https://idp.globex.test", "client_id": "b", "client_secret": "s",
			"domains": []string{"globex-sso.test"}, "create_users": true, "default_group_ids": []string{grp}}},
	} {
		status, _, body := b.admin.do(r.method, r.path, r.body)
		if status != http.StatusNotFound {
			t.Errorf("%s %s %v through the other organization: %d %v", r.method, r.path, r.body, status, body)
			continue
		}
		wantError(t, status, body, http.StatusNotFound, "not_found")
	}

	// B's audit log, filtered by A's ids, is empty; B's export names none of A.
	for _, q := range []string{"target_id=" + user, "actor_id=" + a.adminID, "target_id=" + grp, "target_id=" + appID} {
		if got := items(t, b.admin.get("/api/v1/audit-events?"+q)); len(got) != 0 {
			t.Errorf("B's audit log with %s: %v", q, got)
		}
	}
	for _, q := range []string{"", "?group_id=" + grp, "?facility_id=" + fac, "?q=alice"} {
		status, _, csv := b.admin.doRaw("GET", "/api/v1/users/export"+q, nil)
		if status != http.StatusOK && status != http.StatusNotFound {
			t.Errorf("B's export%s: %d %s", q, status, csv)
		}
		if s := string(csv); strings.Contains(s, "acme.test") || strings.Contains(s, "A Tech") || strings.Contains(s, "A North") {
			t.Errorf("B's export%s shows A: %s", q, s)
		}
	}
	// B's import cannot name A's group or facility.
	status, _, body := b.admin.do("POST", "/api/v1/users/import",
		csvFile("email,first_name,last_name,groups,facilities\ncarl@globex.test,Carl,C,A Tech,A North\n"))
	if status != http.StatusBadRequest || !strings.Contains(str(body["error"].(obj), "message"), "nothing was imported") {
		t.Errorf("B's import naming A's group and facility: %d %v", status, body)
	}

	// A is as it was.
	if got := a.admin.get(grantsPath); len(got["items"].([]any)) != len(before["items"].([]any)) {
		t.Errorf("A's user's grants changed: %v → %v", before, got)
	}
	if u := a.admin.get("/api/v1/users/" + user); u["status"] != "active" || len(strs(u["group_ids"])) != 1 {
		t.Errorf("A's user after B's attempts: %v", u)
	}
	if got := a.admin.get("/api/v1/oidc-clients/" + appID); got["name"] != "A app" {
		t.Errorf("A's application after B's attempts: %v", got)
	}
	if got := a.admin.get("/api/v1/sso-connections/" + ssoID); got["name"] != "A idp" {
		t.Errorf("A's connection after B's attempts: %v", got)
	}
	if u := a.admin.get("/api/v1/users/" + invited); u["status"] != "invited" {
		t.Errorf("A's invited user: %v", u)
	}
	if got := items(t, b.admin.get("/api/v1/oidc-clients")); len(got) != 0 {
		t.Errorf("B has applications after the refused attempts: %v", got)
	}
	if got := items(t, b.admin.get("/api/v1/sso-connections")); len(got) != 0 {
		t.Errorf("B has connections after the refused attempts: %v", got)
	}
}
