package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/api"
)

// Behind a proxy, the client's address and TLS come from the forwarded
// headers only when the operator says the proxy is trusted.
func TestForwardedHeadersCountOnlyWithTrustProxy(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	key := o.admin.key
	for _, tc := range []struct {
		name   string
		opts   []api.Option
		client string
	}{
		{"trusted", []api.Option{api.TrustProxy()}, "203.0.113.9"},
		{"not trusted", nil, "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(api.New(e.svc, slog.New(slog.NewTextHandler(io.Discard, nil)), tc.opts...))
			defer srv.Close()
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/facilities", strings.NewReader(`{"name":"Dock `+tc.name+`"}`))
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("X-Forwarded-For", "203.0.113.9, 10.0.0.1")
			req.Header.Set("X-Forwarded-Proto", "https")
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != http.StatusCreated {
				t.Fatalf("create: %v %v", res.StatusCode, err)
			}
			res.Body.Close()
			events, err := e.svc.AuditEvents(context.Background(), gatehouse.SystemActor(o.id), gatehouse.AuditFilter{Action: "facility.created", Limit: 1})
			if err != nil || len(events) != 1 || events[0].Client != tc.client {
				t.Fatalf("audit client: %+v %v, want %s", events, err, tc.client)
			}
			if events[0].RequestID == "" || events[0].RequestID != res.Header.Get("X-Request-ID") {
				t.Fatalf("request id %q, response header %q", events[0].RequestID, res.Header.Get("X-Request-ID"))
			}
		})
	}
}
