package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// sampleBodies are valid bodies of the routes that take one, so that a
// request without credentials is refused for its credentials alone.
var sampleBodies = map[string]any{
	"POST /api/v1/users":                  obj{"first_name": "A", "last_name": "B", "email": "a@b.test"},
	"POST /api/v1/users/import":           csvFile("first_name,last_name,email\nA,B,a@b.test\n"),
	"PATCH /api/v1/users/{id}":            obj{"first_name": "A"},
	"POST /api/v1/groups":                 obj{"name": "G"},
	"PUT /api/v1/organization/security":   obj{"mfa_policy": "off"},
	"POST /api/v1/sso-connections":        obj{"name": "Okta", "issuer": "https://okta.example.com", "client_id": "x", "domains": []string{"acme.test"}},
	"PATCH /api/v1/groups/{id}":           obj{"name": "G"},
	"POST /api/v1/facilities":             obj{"name": "F"},
	"PATCH /api/v1/facilities/{id}":       obj{"name": "F"},
	"POST /api/v1/api-keys":               obj{"name": "k"},
	"POST /api/v1/authz/check":            obj{"user_id": "usr_x", "permission": "users.view"},
	"POST /api/v1/authz/check-batch":      obj{"checks": []obj{{"user_id": "usr_x", "permission": "users.view"}}},
	"POST /api/v1/authz/filter":           obj{"user_id": "usr_x", "permission": "users.view"},
	"POST /api/v1/sessions":               obj{"email": "a@b.test", "password": "x"},
	"POST /api/v1/invitations/accept":     obj{"token": "inv_x", "password": password},
	"POST /api/v1/invitations/resend":     obj{"user_ids": []string{"usr_x"}},
	"POST /api/v1/users/bulk":             obj{"action": "deactivate", "user_ids": []string{"usr_x"}},
	"POST /api/v1/password-reset/confirm": obj{"token": "rst_x", "password": password},
	"DELETE /api/v1/sessions/current":     nil,
	"GET /api/v1/users/{id}":              nil,
	"POST /api/v1/users/{id}/activate":    nil,
}

func concrete(path string) string { return strings.ReplaceAll(path, "{id}", "x_01") }

func TestEveryRouteRefusesRequestsWithoutCredentials(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	routes := apiRoutes(t, o.admin)
	if len(routes) < 30 {
		t.Fatalf("the OpenAPI document lists %d routes", len(routes))
	}
	anonymous := e.client()
	wrongKey := e.bearer("ghk_not_a_key")
	basic := e.client()
	basic.header.Set("Authorization", "Basic YWRtaW46YWRtaW4=")
	badCookie := e.client()
	badCookie.header.Set("Cookie", "gatehouse_session=ghs_not_a_session")
	for _, r := range routes {
		if r.public {
			continue
		}
		t.Run(r.String(), func(t *testing.T) {
			for name, c := range map[string]*client{"none": anonymous, "unknown key": wrongKey, "basic": basic, "unknown session": badCookie} {
				status, _, body := c.do(r.method, concrete(r.path), sampleBodies[r.String()])
				if status != http.StatusUnauthorized {
					t.Fatalf("%s: status %d, want 401: %v", name, status, body)
				}
				wantError(t, status, body, http.StatusUnauthorized, "unauthorized")
			}
			// Credentials are refused before the input is read: broken input
			// gets a 401 too, not a validation error.
			var broken any
			if r.method == "POST" || r.method == "PATCH" {
				broken = raw(`{"bogus": `)
			}
			status, _, body := anonymous.do(r.method, concrete(r.path)+"?limit=0&bogus=1", broken)
			wantError(t, status, body, http.StatusUnauthorized, "unauthorized")
		})
	}
	// Signing in and accepting an invitation are public; nothing that reads
	// or changes the organization is.
	public := map[string]bool{}
	for _, r := range routes {
		public[r.String()] = r.public
		if r.public && !strings.HasPrefix(r.path, "/api/v1/sessions") && !strings.HasPrefix(r.path, "/api/v1/invitations") &&
			!strings.HasPrefix(r.path, "/api/v1/email-verification") && !strings.HasPrefix(r.path, "/api/v1/password") {
			t.Errorf("%s is public", r)
		}
	}
	if !public["POST /api/v1/sessions"] || !public["POST /api/v1/invitations/accept"] || public["DELETE /api/v1/sessions/current"] {
		t.Fatalf("public routes: %v", public)
	}
}

// TestBadBodiesOnEveryRoute sends broken bodies to every route that takes
// one: each gets a 400 (413 when oversized) in the error shape, naming the
// field where there is one.
func TestBadBodiesOnEveryRoute(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	doc := o.admin.get("/api/v1/openapi.json")
	big := raw(`{"name": "` + strings.Repeat("x", 1<<20) + `"}`)
	n := 0
	for path, item := range doc["paths"].(obj) {
		for method, op := range item.(obj) {
			if op.(obj)["requestBody"] == nil {
				continue
			}
			n++
			name := strings.ToUpper(method) + " " + path
			p := concrete(path)
			if op.(obj)["requestBody"].(obj)["content"].(obj)["text/csv"] != nil {
				t.Run(name, func(t *testing.T) { badCSVBodies(t, o.admin, strings.ToUpper(method), p) })
				continue
			}
			t.Run(name, func(t *testing.T) {
				c := o.admin
				m := strings.ToUpper(method)
				status, _, body := c.do(m, p, raw(`{"name": `))
				wantError(t, status, body, http.StatusBadRequest, "invalid")
				status, _, body = c.do(m, p, raw(`[1, 2]`))
				wantError(t, status, body, http.StatusBadRequest, "invalid")
				// An unknown field is named, next to valid ones.
				valid, _ := sampleBodies[name].(obj)
				if valid == nil {
					valid = minimalBody(t, doc, op.(obj))
				}
				withBogus := obj{"bogus_field": 1}
				for k, v := range valid {
					withBogus[k] = v
				}
				status, _, body = c.do(m, p, withBogus)
				wantField(t, status, body, "bogus_field")
				// Keys match exactly: a known key in other letters is unknown.
				for k, v := range valid {
					miscased := obj{strings.ToUpper(k): v}
					for k, v := range valid {
						miscased[k] = v
					}
					status, _, body = c.do(m, p, miscased)
					wantField(t, status, body, strings.ToUpper(k))
					break
				}
				status, _, body = c.do(m, p, big)
				wantError(t, status, body, http.StatusRequestEntityTooLarge, "payload_too_large")
				// A body sent as a form (curl -d without a Content-Type of
				// JSON) is not JSON: 415.
				if valid != nil {
					data, _ := json.Marshal(valid)
					status, _, body = c.do(m, p, form(data))
					wantError(t, status, body, http.StatusUnsupportedMediaType, "unsupported_media_type")
				}
			})
		}
	}
	if n < 10 {
		t.Fatalf("only %d routes take a body", n)
	}
}

// badCSVBodies sends broken bodies to a route that takes a CSV file: JSON
// and broken CSV are 400, an oversized file 413, a form 415.
func badCSVBodies(t *testing.T, c *client, method, path string) {
	for _, b := range []csvFile{`{"name": "x"}`, "first_name,last_name,email\n\"A,B"} {
		status, _, body := c.do(method, path, b)
		wantError(t, status, body, http.StatusBadRequest, "invalid")
	}
	status, _, body := c.do(method, path, csvFile(strings.Repeat("x", 17<<20)))
	wantError(t, status, body, http.StatusRequestEntityTooLarge, "payload_too_large")
	status, _, body = c.do(method, path, form("first_name=A"))
	wantError(t, status, body, http.StatusUnsupportedMediaType, "unsupported_media_type")
}

// minimalBody builds a body with the required string properties of an
// operation's request schema, for routes without a sample body.
func minimalBody(t *testing.T, doc, op obj) obj {
	t.Helper()
	ref := str(op["requestBody"].(obj)["content"].(obj)["application/json"].(obj)["schema"].(obj), "$ref")
	schema := doc["components"].(obj)["schemas"].(obj)[strings.TrimPrefix(ref, "#/components/schemas/")].(obj)
	body := obj{}
	for _, name := range strs(schema["required"]) {
		if p := schema["properties"].(obj)[name].(obj); p["type"] != "string" {
			t.Fatalf("no sample body for a required %v property %s", p["type"], name)
		}
		body[name] = "x"
	}
	return body
}

func TestMissingAndMistypedFieldsAreNamed(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	for _, tc := range []struct {
		method, path string
		body         any
		field        string
	}{
		{"POST", "/api/v1/users", obj{"last_name": "B", "email": "a@acme.test"}, "first_name"},
		{"POST", "/api/v1/users", obj{"first_name": "A", "last_name": "B"}, "email"},
		{"POST", "/api/v1/users", obj{"first_name": "A", "last_name": "B", "email": "not-an-email"}, "email"},
		{"POST", "/api/v1/users", obj{"first_name": "", "last_name": "B", "email": "a@acme.test"}, "first_name"},
		{"POST", "/api/v1/users", obj{"first_name": "  ", "last_name": "B", "email": "a@acme.test"}, "first_name"},
		{"POST", "/api/v1/users", obj{"first_name": "A", "last_name": "B", "email": "a@acme.test", "full_access": "yes"}, "full_access"},
		{"POST", "/api/v1/users", obj{"first_name": "A", "last_name": "B", "email": "a@acme.test", "licence": "gold"}, "licence"},
		{"POST", "/api/v1/users", obj{"first_name": "A", "last_name": "B", "email": "a@acme.test", "permissions": []string{"nope.nope"}}, "permissions"},
		{"POST", "/api/v1/users", obj{"first_name": "A", "last_name": "B", "email": "a@acme.test", "group_ids": "grp_1"}, "group_ids"},
		{"PATCH", "/api/v1/users/" + o.adminID, obj{"first_name": 7}, "first_name"},
		{"PATCH", "/api/v1/users/" + o.adminID, obj{"last_name": ""}, "last_name"},
		{"POST", "/api/v1/groups", obj{"description": "no name"}, "name"},
		{"POST", "/api/v1/groups", obj{"name": "G", "permissions": []string{"work_orders.fly"}}, "permissions"},
		{"POST", "/api/v1/groups", obj{"name": "G", "description": strings.Repeat("d", 2001)}, "description"},
		{"POST", "/api/v1/facilities", obj{"external_id": "E1"}, "name"},
		{"POST", "/api/v1/facilities", obj{"name": "line\nbreak"}, "name"},
		{"POST", "/api/v1/api-keys", obj{}, "name"},
		{"POST", "/api/v1/authz/check", obj{"permission": "users.view"}, "user_id"},
		{"POST", "/api/v1/authz/check", obj{"user_id": o.adminID}, "permission"},
		{"POST", "/api/v1/authz/check", obj{"user_id": o.adminID, "permission": "users.view", "min_revision": -1}, "min_revision"},
		{"POST", "/api/v1/authz/check", obj{"user_id": o.adminID, "permission": "users.view", "resource": obj{"facility": "f"}}, "resource.facility"},
		{"POST", "/api/v1/authz/check-batch", obj{}, "checks"},
		{"POST", "/api/v1/authz/check-batch", obj{"checks": []obj{{"user_id": o.adminID}}}, "checks[0].permission"},
		{"POST", "/api/v1/authz/filter", obj{"user_id": o.adminID}, "permission"},
		{"POST", "/api/v1/sessions", obj{"email": "a@acme.test"}, "password"},
		{"POST", "/api/v1/invitations/accept", obj{"password": password}, "token"},
	} {
		t.Run(tc.method+" "+tc.path+" "+tc.field, func(t *testing.T) {
			status, _, body := o.admin.do(tc.method, tc.path, tc.body)
			wantField(t, status, body, tc.field)
		})
	}
	// Nothing was created by any of it.
	if n := len(items(t, o.admin.get("/api/v1/users"))); n != 1 {
		t.Fatalf("%d users after bad input", n)
	}
}

// TestMiscasedKeysAreUnknown: JSON keys match as the document spells them;
// a key in other letters is refused as unknown, naming it, and changes
// nothing (huma, like encoding/json, would match it regardless of case).
func TestMiscasedKeysAreUnknown(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	check := obj{"user_id": o.adminID, "permission": "users.view"}
	with := func(body obj, k string, v any) obj {
		out := obj{k: v}
		for k, v := range body {
			out[k] = v
		}
		return out
	}
	for _, tc := range []struct {
		method, path string
		body         any
		field        string
	}{
		{"PATCH", "/api/v1/users/" + o.adminID, obj{"First_Name": "Mallory"}, "First_Name"},
		{"PATCH", "/api/v1/users/" + o.adminID, obj{"first_name": "Ann", "FIRST_NAME": "Mallory"}, "FIRST_NAME"},
		{"POST", "/api/v1/authz/check", obj{"USER_ID": o.adminID, "Permission": "users.view"}, "Permission"},
		{"POST", "/api/v1/authz/check", with(check, "User_Id", "usr_other"), "User_Id"},
		{"POST", "/api/v1/authz/check", with(check, "resource", obj{"Facility_ID": "fac_1"}), "resource.Facility_ID"},
		{"POST", "/api/v1/authz/check-batch", obj{"checks": []obj{check, with(check, "Min_Revision", 1)}}, "checks[1].Min_Revision"},
		{"POST", "/api/v1/authz/check-batch", obj{"Checks": []obj{check}}, "Checks"},
		{"POST", "/api/v1/authz/filter", with(check, "PERMISSION", "users.view"), "PERMISSION"},
	} {
		t.Run(tc.method+" "+tc.path+" "+tc.field, func(t *testing.T) {
			// A key in place of a required one: that one is missing too,
			// and named first.
			status, _, body := o.admin.do(tc.method, tc.path, tc.body)
			e := wantError(t, status, body, http.StatusBadRequest, "invalid")
			for _, f := range e["errors"].([]any) {
				if f.(obj)["field"] == tc.field {
					return
				}
			}
			t.Fatalf("%s is not named: %v", tc.field, body)
		})
	}
	if u := o.admin.get("/api/v1/users/" + o.adminID); u["first_name"] == "Mallory" || u["first_name"] == "Ann" {
		t.Fatalf("a miscased key changed the user: %v", u)
	}
}

func TestBadQueryParameters(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	for _, tc := range []struct{ path, field string }{
		{"/api/v1/users?status=sleeping", "status"},
		{"/api/v1/users?bogus=1", "bogus"},
		{"/api/v1/users?limit=501", "limit"},
		{"/api/v1/users?limit=0", "limit"},
		{"/api/v1/users?limit=ten", "limit"},
		{"/api/v1/users?cursor=***", "cursor"},
		{"/api/v1/users?q=" + strings.Repeat("q", 201), "q"},
		{"/api/v1/groups?cursor=%25%25", "cursor"},
		{"/api/v1/groups?limit=9999", "limit"},
		{"/api/v1/groups?status=active", "status"},
		{"/api/v1/facilities?archived=maybe", "archived"},
		{"/api/v1/facilities?cursor=!", "cursor"},
		{"/api/v1/api-keys?limit=5", "limit"},
		{"/api/v1/me?verbose=1", "verbose"},
		{"/api/v1/catalog?template=compliance", "template"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			status, _, body := o.admin.do("GET", tc.path, nil)
			wantField(t, status, body, tc.field)
		})
	}
}

func TestUnknownRoutesAnswerInTheErrorShape(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	for _, tc := range []struct{ method, path string }{
		{"GET", "/api/v1/nope"},
		{"GET", "/api/v2/users"},
		{"POST", "/api/v1/users/" + o.adminID + "/promote"},
	} {
		status, _, body := o.admin.do(tc.method, tc.path, nil)
		wantError(t, status, body, http.StatusNotFound, "not_found")
	}
}

func TestOpenAPIDocumentIsServed(t *testing.T) {
	e := newEnv(t)
	doc := e.client().get("/api/v1/openapi.json")
	if !strings.HasPrefix(str(doc, "openapi"), "3.") {
		t.Fatalf("openapi version %v", doc["openapi"])
	}
	if doc["components"].(obj)["securitySchemes"].(obj)["apiKey"] == nil {
		t.Fatal("no apiKey security scheme")
	}
}
