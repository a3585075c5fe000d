package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/api"
	"github.com/gatehouse/gatehouse/requestinfo"
)

// behindLoopbackProxy is serve --trust-proxy with the default
// --trusted-proxies: a reverse proxy on this host.
func behindLoopbackProxy() api.Option {
	return api.RequestInfo(requestinfo.New(requestinfo.MustParseNetworks(requestinfo.Loopback), nil))
}

// proxied is the API behind a reverse proxy on this host: the test's
// requests come from 127.0.0.1, as a proxy's would, carrying the
// X-Forwarded-For the proxy would send.
func proxied(e *env, opts ...api.Option) *httptest.Server {
	srv := httptest.NewServer(api.New(e.svc, slog.New(slog.NewTextHandler(io.Discard, nil)), opts...))
	e.t.Cleanup(srv.Close)
	return srv
}

// through sends a request as a proxy that appended the client's address
// to what the client sent in X-Forwarded-For.
func through(t *testing.T, srv *httptest.Server, key, method, path, body, forwardedFor string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("X-Forwarded-For", forwardedFor)
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// TestForwardedForSpoofingIsIgnored reproduces finding 6 of issue 12:
// behind a trusted proxy, the client is the address the proxy appended
// (198.51.100.7), not the leftmost entry, which the client wrote itself.
// Without --trust-proxy, no header counts.
func TestForwardedForSpoofingIsIgnored(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	for _, tc := range []struct {
		name   string
		opts   []api.Option
		client string
	}{
		{"trusted", []api.Option{behindLoopbackProxy()}, "198.51.100.7"},
		{"not trusted", nil, "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := proxied(e, tc.opts...)
			res := through(t, srv, o.admin.key, "POST", "/api/v1/facilities", `{"name":"Dock `+tc.name+`"}`, "203.0.113.66, 198.51.100.7")
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("create: %d", res.StatusCode)
			}
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

// TestSignInThrottleCannotBeDodgedWithForwardedFor reproduces finding 6 of
// issue 12 against the sign-in throttle: an attacker who writes a new
// X-Forwarded-For for every guess still comes from one address, which the
// proxy appends, and is throttled as that address. (However many failures
// the per-address limit allows, it is reached within 60.)
func TestSignInThrottleCannotBeDodgedWithForwardedFor(t *testing.T) {
	e := newEnv(t)
	e.newOrg("Acme", "facilities")
	srv := proxied(e, behindLoopbackProxy())
	for i := range 60 {
		forged := fmt.Sprintf("203.0.%d.%d", i/250, i%250+1)
		body := fmt.Sprintf(`{"email":"guess%d@acme.test","password":"wrong password"}`, i)
		res := through(t, srv, "", "POST", "/api/v1/sessions", body, forged+", 198.51.100.7")
		switch res.StatusCode {
		case http.StatusUnauthorized:
			continue
		case http.StatusTooManyRequests:
			// And the address stays throttled whatever it writes next.
			res = through(t, srv, "", "POST", "/api/v1/sessions", `{"email":"another@acme.test","password":"wrong password"}`, "192.0.2.1, 198.51.100.7")
			if res.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("after a 429, a new forged address gets %d", res.StatusCode)
			}
			return
		default:
			t.Fatalf("sign-in %d: %d", i, res.StatusCode)
		}
	}
	t.Fatal("60 failed sign-ins from one address, each with a forged X-Forwarded-For, were never throttled")
}

// TestRequestIDIsTheCallersOrANewOne: a caller's X-Request-ID, short and
// plain, is echoed and written to the audit log; any other is replaced by
// one Gatehouse makes. The fast check path echoes it too.
func TestRequestIDIsTheCallersOrANewOne(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	for _, tc := range []struct{ sent, want string }{
		{"3f2a9c1e-7b4d-4e8f-9a0b-1c2d3e4f5a6b", "3f2a9c1e-7b4d-4e8f-9a0b-1c2d3e4f5a6b"},
		{"orders.svc:trace_42", "orders.svc:trace_42"},
		{strings.Repeat("x", 129), ""},
		{"id with spaces", ""},
		{`"><script>`, ""},
	} {
		c := e.bearer(o.admin.key)
		c.header.Set("X-Request-ID", tc.sent)
		_, h, _ := c.do("POST", "/api/v1/facilities", obj{"name": "Dock " + tc.sent})
		got := h.Get("X-Request-ID")
		if tc.want != "" && got != tc.want || tc.want == "" && (got == tc.sent || !strings.HasPrefix(got, "req_")) {
			t.Errorf("sent %q: echoed %q", tc.sent, got)
		}
		events, err := e.svc.AuditEvents(context.Background(), gatehouse.SystemActor(o.id), gatehouse.AuditFilter{Action: "facility.created", Limit: 1})
		if err != nil || len(events) != 1 || events[0].RequestID != got {
			t.Errorf("sent %q: audit %+v %v, want request id %q", tc.sent, events, err, got)
		}
		_, h, _ = c.do("POST", "/api/v1/authz/check", obj{"user_id": o.adminID, "permission": "users.view"})
		if check := h.Get("X-Request-ID"); tc.want != "" && check != tc.want || check == "" {
			t.Errorf("sent %q: the check echoed %q", tc.sent, check)
		}
	}
}
