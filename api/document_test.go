package api_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/api"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/store/storetest"
)

// The routes the product brief and the issues name; each must be documented.
var briefRoutes = []string{
	"GET /api/v1/catalog", "GET /api/v1/me",
	"GET /api/v1/users", "POST /api/v1/users", "GET /api/v1/users/{id}", "PATCH /api/v1/users/{id}", "DELETE /api/v1/users/{id}",
	"POST /api/v1/users/{id}/deactivate", "POST /api/v1/users/{id}/activate", "POST /api/v1/users/{id}/regenerate-invite",
	"GET /api/v1/users/{id}/permissions",
	"GET /api/v1/groups", "POST /api/v1/groups", "GET /api/v1/groups/{id}", "PATCH /api/v1/groups/{id}", "DELETE /api/v1/groups/{id}",
	"GET /api/v1/facilities", "POST /api/v1/facilities", "GET /api/v1/facilities/{id}", "PATCH /api/v1/facilities/{id}", "DELETE /api/v1/facilities/{id}",
	"GET /api/v1/api-keys", "POST /api/v1/api-keys", "DELETE /api/v1/api-keys/{id}",
	"POST /api/v1/authz/check", "POST /api/v1/authz/check-batch", "POST /api/v1/authz/filter",
	"GET /api/v1/audit-events",
	"POST /api/v1/sessions", "DELETE /api/v1/sessions/current", "POST /api/v1/invitations/accept",
	"POST /api/v1/email-verification/confirm", "POST /api/v1/password-reset/request", "POST /api/v1/password-reset/confirm",
}

func documentedRoutes(t *testing.T) map[string]bool {
	t.Helper()
	doc, err := api.Document()
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Paths map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	routes := map[string]bool{}
	for path, methods := range d.Paths {
		for method := range methods {
			routes[strings.ToUpper(method)+" "+path] = true
		}
	}
	return routes
}

func TestEveryRouteOfTheBriefIsDocumented(t *testing.T) {
	routes := documentedRoutes(t)
	for _, r := range briefRoutes {
		if !routes[r] {
			t.Errorf("%s is not in the OpenAPI document", r)
		}
	}
}

// Every documented route is served: the server answers it with the API's
// own JSON (an error for a made-up id, a 401 without credentials), never
// with the router's plain "404 page not found" or 405.
func TestEveryDocumentedRouteExists(t *testing.T) {
	db, err := store.Open(t.Context(), storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv := httptest.NewServer(api.New(service.New(db, service.Config{}), slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	for route := range documentedRoutes(t) {
		method, path, _ := strings.Cut(route, " ")
		req, _ := http.NewRequest(method, srv.URL+strings.ReplaceAll(path, "{id}", "x"), strings.NewReader("{}"))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode == http.StatusMethodNotAllowed || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: %d %q: not served by the API", route, res.StatusCode, body)
		}
	}
	res, err := http.Get(srv.URL + "/api/v1/openapi.json")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("openapi.json: %v %v", res.StatusCode, err)
	}
	res.Body.Close()
}

func TestAPIReferenceIsUpToDate(t *testing.T) {
	doc, err := api.Document()
	if err != nil {
		t.Fatal(err)
	}
	want, err := api.Reference(doc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../docs/api-reference.md")
	if err != nil || string(got) != want {
		t.Fatal("docs/api-reference.md is out of date: run go run ./cmd/gatehouse api reference --out docs/api-reference.md")
	}
}
