package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/metrics"
)

type engine struct{}

func (engine) Reloads() int64   { return 3 }
func (engine) Loaded() []string { return []string{"org_a", "org_b"} }

func TestRouteNamesRoutesNotRecords(t *testing.T) {
	for path, want := range map[string]string{
		"/api/v1/users/usr_06h0mdm9g5wzc3tc9z5zje4jmw":            "/api/v1/users/{id}",
		"/api/v1/users/usr_06h0mdm9g5wzc3tc9z5zje4jmw/deactivate": "/api/v1/users/{id}/deactivate",
		"/groups/grp_06h0mdmgh6gkkxz96sfx978rh0/edit":             "/groups/{id}/edit",
		"/api/v1/authz/check":                                     "/api/v1/authz/check",
		"/api/v1/users/usr_short":                                 "/api/v1/users/usr_short",
		"/static/app_v2.css":                                      "/static/app_v2.css",
	} {
		if got := metrics.Route(path); got != want {
			t.Errorf("Route(%q) = %q, want %q", path, got, want)
		}
	}
}

// Requests through the middleware show up on the metrics handler, by
// route and status, with unknown paths folded into one label.
func TestMiddlewareCountsRequestsByRoute(t *testing.T) {
	m := metrics.New(engine{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/users/{id}", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("POST /api/v1/authz/check", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	})
	srv := httptest.NewServer(m.Middleware(mux))
	defer srv.Close()
	for _, req := range []struct{ method, path string }{
		{"GET", "/api/v1/users/usr_06h0mdm9g5wzc3tc9z5zje4jmw"},
		{"GET", "/api/v1/users/usr_16h0mdm9g5wzc3tc9z5zje4jmw"},
		{"POST", "/api/v1/authz/check"},
		{"GET", "/no/such/page/12345"},
	} {
		r, _ := http.NewRequest(req.method, srv.URL+req.path, nil)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`gatehouse_http_requests_total{code="200",method="GET",route="/api/v1/users/{id}"} 2`,
		`gatehouse_http_requests_total{code="403",method="POST",route="/api/v1/authz/check"} 1`,
		`gatehouse_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`gatehouse_http_request_duration_seconds_count{method="POST",route="/api/v1/authz/check"} 1`,
		`gatehouse_snapshot_reloads_total 3`,
		`gatehouse_organizations_loaded 2`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(string(body), "no/such") {
		t.Error("an unknown path became a label")
	}
}
