package ui_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/requestinfo"
	"github.com/gatehouse/gatehouse/ui"
)

// TestUIReadsRequestsAsTheAPIDoes: behind a trusted reverse proxy on this
// host, the web UI records the address the proxy appended, not the forged
// leftmost X-Forwarded-For entry (finding 6 of issue 12), marks cookies
// Secure from X-Forwarded-Proto, and keeps one request id per request: the
// caller's X-Request-ID, echoed and written to the audit log (it used to
// mint a new one at every service call, and never echo it).
func TestUIReadsRequestsAsTheAPIDoes(t *testing.T) {
	e := newEnv(t, "facilities", ui.RequestInfo(requestinfo.New(requestinfo.MustParseNetworks(requestinfo.Loopback), nil)))
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, form url.Values, requestID string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", e.srv.URL)
		req.Header.Set("X-Forwarded-For", "203.0.113.66, 198.51.100.7")
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Request-ID", requestID)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s: %d", path, res.StatusCode)
		}
		if got := res.Header.Get("X-Request-ID"); got != requestID {
			t.Fatalf("POST %s: X-Request-ID %q, want %q echoed", path, got, requestID)
		}
		return res
	}
	res := post("/sign-in", url.Values{"email": {"ada@acme.test"}, "password": {password}}, "trace-sign-in")
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == gatehouse.SessionCookie {
			session = ck
		}
	}
	if session == nil || !session.Secure {
		t.Fatalf("session cookie %+v: want Secure behind a proxy saying https", session)
	}
	// Cookies marked Secure are not sent back to the http:// test server
	// by the jar: send it by hand, as the browser behind TLS would.
	u, _ := url.Parse(e.srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: session.Name, Value: session.Value, Path: "/"}})
	sessions, err := e.svc.Sessions(e.ctx, e.admin)
	if err != nil || len(sessions) != 1 || sessions[0].Client != "198.51.100.7" {
		t.Fatalf("sessions %+v %v: want one from 198.51.100.7", sessions, err)
	}
	post("/facilities", url.Values{"name": {"Dock"}}, "trace-facility")
	events, err := e.svc.AuditEvents(e.ctx, e.admin, gatehouse.AuditFilter{Action: "facility.created", Limit: 1})
	if err != nil || len(events) != 1 {
		t.Fatalf("audit: %v %v", events, err)
	}
	if events[0].Client != "198.51.100.7" || events[0].RequestID != "trace-facility" {
		t.Fatalf("audit event from %q, request %q: want 198.51.100.7, trace-facility", events[0].Client, events[0].RequestID)
	}
}

// A request that sends no X-Request-ID gets one id of Gatehouse's making,
// the same in its answer and in every audit event it writes (the UI once
// minted a new id at every service call).
func TestUIRequestHasOneIDOfItsOwn(t *testing.T) {
	e := newEnv(t, "facilities")
	b := e.signIn("ada@acme.test")
	req, _ := http.NewRequest("POST", e.srv.URL+"/facilities", strings.NewReader(url.Values{"name": {"Dock"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.srv.URL)
	client := *b.c
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	id := res.Header.Get("X-Request-ID")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(id, "req_") {
		t.Fatalf("POST /facilities: %d, X-Request-ID %q", res.StatusCode, id)
	}
	events, err := e.svc.AuditEvents(e.ctx, e.admin, gatehouse.AuditFilter{Action: "facility.created", Limit: 10})
	if err != nil || len(events) != 1 || events[0].RequestID != id {
		t.Fatalf("audit %+v %v: want one event with request %s", events, err, id)
	}
}
