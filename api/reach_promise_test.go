package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAMembersKeyReachesOnlyItsOwner walks every route of the OpenAPI
// document with the API key of a member who holds no permission, each
// path's ids being real ones of other people and things of the same
// organization. "An API key acts as its owner with exactly their access"
// and "a user lists and revokes only their own keys and sessions"
// (docs/security.md §4): only the routes any member may use answer 2xx,
// and everything is as it was afterwards.
func TestAMembersKeyReachesOnlyItsOwner(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	fac := o.facility("North")
	grp := o.group("Tech", "work_orders.view")
	other := o.user("olga", obj{"group_ids": []string{grp}, "facility_ids": []string{fac}})
	invited := str(o.invite("ivan", nil), "id")
	member := o.user("max", nil)
	key := o.as(member)
	adminKey, _ := o.admin.ok(http.StatusCreated, "POST", "/api/v1/api-keys", obj{"name": "admin's"})
	adminSession := str(items(t, o.session(o.adminID).get("/api/v1/sessions"))[0], "id")
	status, _, app := o.admin.do("POST", "/api/v1/oidc-clients", obj{"name": "App", "confidential": true, "redirect_uris": []string{"https://a.test/cb"}})
	wantStatus(t, status, app, http.StatusCreated)
	status, _, sso := o.admin.do("POST", "/api/v1/sso-connections", obj{"name": "Idp", "issuer": "https://idp.acme.test", "client_id": "a",
		"client_secret": "s", "domains": []string{"idp.acme.test"}})
	wantStatus(t, status, sso, http.StatusCreated)

	ids := map[string]string{"users": other, "groups": grp, "facilities": fac, "api-keys": str(adminKey, "id"),
		"sessions": adminSession, "oidc-clients": str(app, "id"), "sso-connections": str(sso, "id"), "licences": "standard"}
	// Bodies that name someone else, so that a route open to members for
	// themselves is tried on another.
	bodies := map[string]any{}
	for k, v := range sampleBodies {
		bodies[k] = v
	}
	bodies["POST /api/v1/authz/check"] = obj{"user_id": other, "permission": "work_orders.view"}
	bodies["POST /api/v1/authz/check-batch"] = obj{"checks": []obj{{"user_id": member, "permission": "work_orders.view"}, {"user_id": other, "permission": "work_orders.view"}}}
	bodies["POST /api/v1/authz/filter"] = obj{"user_id": other, "permission": "work_orders.view"}
	bodies["POST /api/v1/invitations/resend"] = obj{"user_ids": []string{invited}}
	bodies["POST /api/v1/users/bulk"] = obj{"action": "deactivate", "user_ids": []string{other}}
	bodies["PUT /api/v1/licences/{name}"] = obj{"seats": 1}
	bodies["PATCH /api/v1/oidc-clients/{id}"] = obj{"name": "Mine"}
	bodies["PATCH /api/v1/sso-connections/{id}"] = obj{"name": "Mine"}
	bodies["POST /api/v1/oidc-clients"] = obj{"name": "Mine", "confidential": true, "grant_types": []string{"client_credentials"}, "service_user_id": o.adminID}

	// What any member may do, about themselves.
	mayMember := map[string]bool{"GET /api/v1/catalog": true, "GET /api/v1/me": true, "GET /api/v1/api-keys": true,
		"POST /api/v1/api-keys": true, "GET /api/v1/sessions": true, "GET /api/v1/openapi.json": true}
	for _, r := range apiRoutes(t, o.admin) {
		if r.public || r.String() == "DELETE /api/v1/sessions/current" {
			continue
		}
		path := r.path
		for i, seg := range r.segments {
			if strings.HasPrefix(seg, "{") {
				id := ids[r.segments[i-1]]
				if seg == "{grant_id}" {
					id = "group:" + grp
				}
				path = strings.Replace(path, seg, id, 1)
			}
		}
		status, _, body := key.doRaw(r.method, path, bodies[r.String()])
		ok := status >= 200 && status < 300
		if ok != mayMember[r.String()] {
			t.Errorf("%s as a member with no permission: %d %s", r, status, body)
		}
	}

	// Everything is as it was.
	if u := o.admin.get("/api/v1/users/" + other); u["status"] != "active" || len(strs(u["group_ids"])) != 1 || len(strs(u["facility_ids"])) != 1 {
		t.Errorf("the other user: %v", u)
	}
	if u := o.admin.get("/api/v1/users/" + member); u["full_access"] != false || len(strs(u["group_ids"])) != 0 || len(strs(u["permissions"])) != 0 {
		t.Errorf("the member gave themselves something: %v", u)
	}
	if got := items(t, o.admin.get("/api/v1/api-keys")); len(got) != 2 {
		t.Errorf("the admin's keys: %v", got)
	}
	e.bearer(str(adminKey, "secret")).get("/api/v1/me")
	if g := o.admin.get("/api/v1/groups/" + grp); g["name"] != "Tech" {
		t.Errorf("the group: %v", g)
	}
}
