package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/api"
	"github.com/gatehouse/gatehouse/store/storetest"
)

// The API's contract as outside tools see it (issue 13).

func TestWrongMethodIs405WithAllow(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	for _, tc := range []struct{ method, path, allow string }{
		{"PUT", "/api/v1/users", "GET, HEAD, POST"},
		{"DELETE", "/api/v1/catalog", "GET, HEAD"},
		{"GET", "/api/v1/authz/check", "POST"},
		{"POST", "/api/v1/users/" + o.adminID, "DELETE, GET, HEAD, PATCH"},
	} {
		status, header, body := o.admin.do(tc.method, tc.path, nil)
		wantError(t, status, body, http.StatusMethodNotAllowed, "method_not_allowed")
		if got := header.Get("Allow"); got != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
}

func TestBodiesThatAreNotJSONAre415(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	body := `{"name": "Depot"}`
	for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"} {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/facilities", strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+o.admin.key)
		status, _, out := send(t, req)
		wantError(t, status, out, http.StatusUnsupportedMediaType, "unsupported_media_type")
	}
	// JSON by any of its names, or a body without a type, is read.
	for i, ct := range []string{"application/json", "application/json; charset=utf-8", "application/merge-patch+json", ""} {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/facilities", strings.NewReader(strings.Replace(body, "Depot", "Depot "+string(rune('A'+i)), 1)))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		req.Header.Set("Authorization", "Bearer "+o.admin.key)
		if status, _, out := send(t, req); status != http.StatusCreated {
			t.Fatalf("Content-Type %q: status %d: %v", ct, status, out)
		}
	}
	// A browser's cross-site form post is still refused as cross-origin.
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/facilities", strings.NewReader(body))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Cookie", gatehouse.SessionCookie+"=ghs_x")
	status, _, out := send(t, req)
	wantReason(t, status, out, "cross_origin")
}

func send(t *testing.T, req *http.Request) (int, http.Header, obj) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out obj
	data, _ := io.ReadAll(res.Body)
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("%s: %q", err, data)
		}
	}
	return res.StatusCode, res.Header, out
}

func TestNullIsRefusedNamingTheField(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	for _, tc := range []struct {
		method, path string
		body         string
		field        string
	}{
		{"PATCH", "/api/v1/users/" + o.adminID, `{"first_name": null}`, "first_name"},
		{"PATCH", "/api/v1/users/" + o.adminID, `{"group_ids": null}`, "group_ids"},
		{"POST", "/api/v1/groups", `{"name": "G", "permissions": null}`, "permissions"},
		{"POST", "/api/v1/facilities", `{"name": "F", "external_id": null}`, "external_id"},
		{"POST", "/api/v1/authz/check", `{"user_id": "usr_1", "permission": "users.view", "resource": null}`, "resource"},
		{"POST", "/api/v1/authz/check", `{"user_id": "usr_1", "permission": "users.view", "resource": {"facility_id": null}}`, "resource.facility_id"},
		{"POST", "/api/v1/authz/check-batch", `{"checks": null}`, "checks"},
		{"POST", "/api/v1/authz/check-batch", `{"checks": [{"user_id": "usr_1", "permission": "users.view", "min_revision": null}]}`, "checks[0].min_revision"},
		{"POST", "/api/v1/authz/filter", `{"user_id": "usr_1", "permission": "users.view", "min_revision": null}`, "min_revision"},
	} {
		status, _, body := o.admin.do(tc.method, tc.path, raw(tc.body))
		wantField(t, status, body, tc.field)
	}
}

func TestOutOfRangeNumbersNameTheField(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	for _, path := range []string{"/api/v1/authz/check", "/api/v1/authz/filter"} {
		for _, n := range []string{"1e30", "99999999999999999999", "9007199254740992", "-1", "1.5"} {
			status, _, body := o.admin.do("POST", path, raw(`{"user_id": "`+o.adminID+`", "permission": "users.view", "min_revision": `+n+`}`))
			wantField(t, status, body, "min_revision")
		}
	}
	status, _, body := o.admin.do("POST", "/api/v1/authz/check-batch", raw(`{"checks": [{"user_id": "`+o.adminID+`", "permission": "users.view", "min_revision": 1e30}]}`))
	wantField(t, status, body, "checks[0].min_revision")
}

func TestCreatedAnswersCarryLocation(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	for _, tc := range []struct {
		path string
		body obj
	}{
		{"/api/v1/users", obj{"first_name": "Tess", "last_name": "Tech", "email": "tess@acme.test"}},
		{"/api/v1/groups", obj{"name": "Technicians"}},
		{"/api/v1/facilities", obj{"name": "North Depot"}},
		{"/api/v1/api-keys", obj{"name": "service"}},
	} {
		status, header, body := o.admin.do("POST", tc.path, tc.body)
		wantStatus(t, status, body, http.StatusCreated)
		loc := header.Get("Location")
		if loc != tc.path+"/"+str(body, "id") {
			t.Fatalf("POST %s: Location %q, want %s/%s", tc.path, loc, tc.path, str(body, "id"))
		}
		if !strings.HasPrefix(tc.path, "/api/v1/api-keys") {
			if status, _, got := o.admin.do("GET", loc, nil); status != http.StatusOK || got["id"] != body["id"] {
				t.Fatalf("GET %s: %d %v", loc, status, got)
			}
		}
	}
	// A dry run creates nothing: no Location.
	status, header, body := o.admin.do("POST", "/api/v1/groups?dry_run=true", obj{"name": "Dry"})
	wantStatus(t, status, body, http.StatusOK)
	if loc := header.Get("Location"); loc != "" {
		t.Fatalf("dry run: Location %q", loc)
	}
}

func TestArchivedIsABoolean(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	doc := o.admin.get("/api/v1/openapi.json")
	for _, p := range doc["paths"].(obj)["/api/v1/facilities"].(obj)["get"].(obj)["parameters"].([]any) {
		if p := p.(obj); p["name"] == "archived" && p["schema"].(obj)["type"] != "boolean" {
			t.Fatalf("archived: %v", p)
		}
	}
	for _, q := range []string{"archived=1", "archived=true", "archived=false", ""} {
		if status, _, body := o.admin.do("GET", "/api/v1/facilities?"+q, nil); status != http.StatusOK {
			t.Fatalf("?%s: %d %v", q, status, body)
		}
	}
}

// TestNoArrayIsNull: the document declares no nullable array, and answers
// never hold null where it declares an array.
func TestNoArrayIsNull(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	doc := o.admin.get("/api/v1/openapi.json")
	walk(doc, "", func(at string, s obj) {
		if types, ok := s["type"].([]any); ok && slices.Contains(types, any("array")) {
			t.Errorf("%s: type %v", at, types)
		}
	})
	// A user without groups, permissions or facilities; a filter for a
	// full-access user, who has no facility list.
	id := o.user("bare", nil)
	for _, path := range []string{"/api/v1/users/" + id, "/api/v1/users/" + id + "/permissions", "/api/v1/groups", "/api/v1/catalog"} {
		_, _, body := o.admin.doRaw("GET", path, nil)
		if bytes.Contains(body, []byte("null")) {
			t.Errorf("GET %s: %s", path, body)
		}
	}
	_, _, body := o.admin.doRaw("POST", "/api/v1/authz/filter", obj{"user_id": o.adminID, "permission": "users.view"})
	if bytes.Contains(body, []byte("null")) {
		t.Errorf("filter: %s", body)
	}
}

// walk calls f with every schema of a document.
func walk(v any, at string, f func(string, obj)) {
	switch v := v.(type) {
	case obj:
		if _, ok := v["type"]; ok {
			f(at, v)
		}
		for k, c := range v {
			walk(c, at+"/"+k, f)
		}
	case []any:
		for _, c := range v {
			walk(c, at, f)
		}
	}
}

// TestDocumentStatesTheContract: what outside tools need of the document.
func TestDocumentStatesTheContract(t *testing.T) {
	data, err := api.Document()
	if err != nil {
		t.Fatal(err)
	}
	var doc obj
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if servers, _ := doc["servers"].([]any); len(servers) == 0 {
		t.Error("no servers")
	}
	declared := map[string]bool{}
	for _, tag := range doc["tags"].([]any) {
		declared[str(tag.(obj), "name")] = true
	}
	for path, item := range doc["paths"].(obj) {
		for method, op := range item.(obj) {
			op := op.(obj)
			if str(op, "description") == "" {
				t.Errorf("%s %s: no description", method, path)
			}
			for _, tag := range op["tags"].([]any) {
				if !declared[tag.(string)] {
					t.Errorf("%s %s: tag %v not declared", method, path, tag)
				}
			}
			if op["responses"].(obj)["422"] != nil {
				t.Errorf("%s %s declares 422", method, path)
			}
		}
	}
	schemas := doc["components"].(obj)["schemas"].(obj)
	prop := func(schema, name string) obj { return schemas[schema].(obj)["properties"].(obj)[name].(obj) }
	var refusals []any
	for _, r := range gatehouse.Reasons() {
		if !r.Allows {
			refusals = append(refusals, string(r.Reason))
		}
	}
	if got := prop("ErrorDetail", "reason")["enum"]; !slices.Equal(got.([]any), refusals) {
		t.Errorf("error reason enum %v, want %v", got, refusals)
	}
	for _, s := range []string{"Decision", "FilterJSON"} {
		if enum, _ := prop(s, "reason")["enum"].([]any); !slices.Contains(enum, any("permission_missing")) || !slices.Contains(enum, any("granted")) {
			t.Errorf("%s.reason enum %v", s, enum)
		}
	}
	if enum, _ := prop("Source", "type")["enum"].([]any); len(enum) != 4 {
		t.Errorf("Source.type enum %v", enum)
	}
	// The request schemas state the service's rules, from its constants.
	user := schemas["UserBody"].(obj)["properties"].(obj)
	if user["email"].(obj)["format"] != "email" || user["first_name"].(obj)["maxLength"] != float64(gatehouse.MaxTextLen) ||
		user["first_name"].(obj)["pattern"] != gatehouse.RequiredOneLinePattern || user["phone"].(obj)["pattern"] != gatehouse.OneLinePattern {
		t.Errorf("UserBody: %v", user)
	}
	found := false
	walk(schemas, "", func(at string, s obj) {
		if strings.HasSuffix(at, "/password") && s["minLength"] == float64(gatehouse.MinPasswordLen) {
			found = true
		}
	})
	if !found {
		t.Error("no password with minLength", gatehouse.MinPasswordLen)
	}
}

// TestInternalErrorsAreLoggedWithTheRequestID: an error without a code is
// a 500 that shows nothing and is logged with the request's id.
func TestInternalErrorsAreLoggedWithTheRequestID(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	var logs bytes.Buffer
	srv := httptest.NewServer(api.New(e.svc, slog.New(slog.NewTextHandler(&logs, nil))))
	defer srv.Close()
	// Every authentication now fails with an error the domain does not know
	// (a database that cannot be reached is another matter: 503, below).
	raw, err := storetest.OpenRaw(e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`ALTER TABLE api_keys RENAME TO api_keys_gone`); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/users", "/api/v1/authz/check"} {
		logs.Reset()
		req, _ := http.NewRequestWithContext(context.Background(), "POST", srv.URL+path, strings.NewReader(`{"user_id": "usr_1", "permission": "users.view"}`))
		if path == "/api/v1/users" {
			req.Method = "GET"
			req.Body = http.NoBody
		}
		req.Header.Set("Authorization", "Bearer "+o.admin.key)
		req.Header.Set("X-Request-ID", "trace-internal-1")
		status, _, body := send(t, req)
		e := wantError(t, status, body, http.StatusInternalServerError, "internal")
		if e["message"] != "internal error" {
			t.Errorf("%s: message %v", path, e["message"])
		}
		if !strings.Contains(logs.String(), "request_id=trace-internal-1") || !strings.Contains(logs.String(), "level=ERROR") {
			t.Errorf("%s: logged %q", path, logs.String())
		}
	}
}

// TestUnreachableDatabaseIs503WithRetryAfter: while the database cannot be
// reached, reads and writes answer 503 unavailable with Retry-After, never
// an opaque 500.
func TestUnreachableDatabaseIs503WithRetryAfter(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	e.db.Close() // as good as a database that went away
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/v1/users", ""},
		{"POST", "/api/v1/facilities", `{"name": "Depot"}`},
	} {
		req, _ := http.NewRequestWithContext(context.Background(), tc.method, e.srv.URL+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Authorization", "Bearer "+o.admin.key)
		req.Header.Set("Content-Type", "application/json")
		status, h, body := send(t, req)
		wantError(t, status, body, http.StatusServiceUnavailable, "unavailable")
		if h.Get("Retry-After") == "" {
			t.Errorf("%s %s: no Retry-After", tc.method, tc.path)
		}
	}
}

// TestDocsListEveryReason: docs/api.md's table of reasons is the list's.
func TestDocsListEveryReason(t *testing.T) {
	doc, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range gatehouse.Reasons() {
		if !strings.Contains(string(doc), "| `"+string(r.Reason)+"` |") {
			t.Errorf("docs/api.md does not list reason %s", r.Reason)
		}
	}
}

// TestChecksAnswerFromMemoryWhileTheDatabaseIsUnreachable: a check with an
// API key this instance has read answers from the snapshot without the
// database, even when a write since moved the organization past the
// revision the key was read at.
func TestChecksAnswerFromMemoryWhileTheDatabaseIsUnreachable(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	c := e.bearer(o.admin.key)
	check := obj{"user_id": o.adminID, "permission": "users.view"}
	if status, _, body := c.do("POST", "/api/v1/authz/check", check); status != http.StatusOK || body["allowed"] != true {
		t.Fatalf("check: %d %v", status, body)
	}
	if status, _, body := c.do("POST", "/api/v1/facilities", obj{"name": "Depot"}); status != http.StatusCreated {
		t.Fatalf("write: %d %v", status, body)
	}
	e.db.Close()
	if status, _, body := c.do("POST", "/api/v1/authz/check", check); status != http.StatusOK || body["allowed"] != true {
		t.Fatalf("check with the database gone: %d %v", status, body)
	}
}
