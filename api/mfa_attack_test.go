package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/api"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
)

// Attacks on the API's second sign-in step (issue 15).

// pendingStep signs in with the right password and returns the step's token.
func (e *env) pendingStep(email string) string {
	e.t.Helper()
	status, _, body := e.client().do("POST", "/api/v1/sessions", obj{"email": email, "password": password})
	wantStatus(e.t, status, body, http.StatusAccepted)
	return str(body["second_factor"].(obj), "token")
}

// secondInstance is another server on the same database, as a second
// `gatehouse serve` would be.
func (e *env) secondInstance() string {
	e.t.Helper()
	db, err := store.Open(context.Background(), e.dsn)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewServer(api.New(service.New(db, testsupport.ServiceConfig(baseURL, logger)), logger))
	e.t.Cleanup(srv.Close)
	return srv.URL
}

// postStatus posts JSON and returns the status only: safe in goroutines.
func postStatus(base, path string, body obj) int {
	data, _ := json.Marshal(body)
	resp, err := http.Post(base+path, "application/json", bytes.NewReader(data))
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestOneCodeOpensOneSessionAcrossInstances: the same TOTP code, or the
// same recovery code, sent at once to two instances for several pending
// steps opens exactly one session (run with GATEHOUSE_TEST_DB=postgres for
// PostgreSQL).
func TestOneCodeOpensOneSessionAcrossInstances(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	mo := o.user("mo", obj{"full_access": true})
	secret := o.withTOTP(mo)
	recovery, err := e.svc.RegenerateRecoveryCodes(context.Background(), gatehouse.Actor{OrgID: o.id, UserID: mo}, password, "127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	bases := []string{e.srv.URL, e.secondInstance()}
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second)) // the next step: never spent
	for _, c := range []struct{ name, code string }{{"totp", code}, {"recovery code", recovery[0]}} {
		const n = 3 // the first one admitted holds the right code: it wins
		var steps []string
		for range n {
			steps = append(steps, e.pendingStep("mo@acme.test"))
		}
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				statuses[i] = postStatus(bases[i%2], "/api/v1/sessions/second-factor", obj{"token": steps[i], "code": c.code})
			})
		}
		wg.Wait()
		created := 0
		for _, s := range statuses {
			switch s {
			case http.StatusCreated:
				created++
			case http.StatusBadRequest, http.StatusTooManyRequests: // the losers count as wrong codes
			default:
				t.Fatalf("%s: statuses %v", c.name, statuses)
			}
		}
		if created != 1 {
			t.Fatalf("%s sent at once to %d steps on two instances: statuses %v, want one 201", c.name, n, statuses)
		}
	}
}

// TestMalformedSecondFactorsAreRefusedCleanly: wrong types, huge values,
// Unicode digits and tokens of nothing get a 4xx in the brief's format,
// never a 5xx (do fails the test on any 5xx), and change nothing.
func TestMalformedSecondFactorsAreRefusedCleanly(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	mo := o.user("mo", obj{"full_access": true})
	secret := o.withTOTP(mo)
	step := e.pendingStep("mo@acme.test")
	anon := e.client()
	for _, c := range []struct {
		name string
		body any
		want int
	}{
		{"code as a number", obj{"token": step, "code": 123456}, http.StatusBadRequest},
		{"token as an object", obj{"token": obj{"a": 1}, "code": "123456"}, http.StatusBadRequest},
		{"no code", obj{"token": step}, http.StatusBadRequest},
		{"huge code", obj{"token": step, "code": strings.Repeat("9", 100000)}, http.StatusBadRequest},
		{"huge token", obj{"token": strings.Repeat("g", 100000), "code": "123456"}, http.StatusBadRequest},
		{"not JSON", raw(`{"token": `), http.StatusBadRequest},
		{"Unicode digits", obj{"token": step, "code": "１２３４５６"}, http.StatusBadRequest},
		{"a NUL", obj{"token": step, "code": "12\x003456"}, http.StatusBadRequest},
		{"an unknown token", obj{"token": "ghm_nothing", "code": "123456"}, http.StatusUnauthorized},
	} {
		status, _, body := anon.do("POST", "/api/v1/sessions/second-factor", c.body)
		if e, _ := body["error"].(obj); status != c.want || str(e, "message") == "" {
			t.Errorf("%s: %d %v, want %d with a message", c.name, status, body, c.want)
		}
	}
	// None of that spent the step (two wrong codes cost nothing yet): the
	// right code still completes it.
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	status, _, body := anon.do("POST", "/api/v1/sessions/second-factor", obj{"token": step, "code": code})
	wantStatus(t, status, body, http.StatusCreated)
}

// TestAPasswordResetEndsPendingSteps: a step opened with the old password
// dies with it. A password reset ends the user's sessions; a step opened
// before it must not still turn a code into a session afterwards.
func TestAPasswordResetEndsPendingSteps(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	mo := o.user("mo", obj{"full_access": true})
	secret := o.withTOTP(mo)
	step := e.pendingStep("mo@acme.test") // the attacker knows the old password

	anon := e.client()
	status, _, body := anon.do("POST", "/api/v1/password-reset/request", obj{"email": "mo@acme.test"})
	wantStatus(t, status, body, http.StatusAccepted)
	token := e.mailedToken("mo@acme.test", "/reset-password")
	status, _, body = anon.do("POST", "/api/v1/password-reset/confirm", obj{"token": token, "password": "a brand new passphrase"})
	wantStatus(t, status, body, http.StatusOK)

	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	status, _, body = e.client().do("POST", "/api/v1/sessions/second-factor", obj{"token": step, "code": code})
	wantError(t, status, body, http.StatusUnauthorized, "unauthorized")
}

// factorCount is how many factors the user has, read beneath the API.
func (o *org) factorCount(userID string) int {
	o.e.t.Helper()
	factors, _, err := o.e.svc.UserFactors(context.Background(), gatehouse.SystemActor(o.id), userID)
	if err != nil {
		o.e.t.Fatal(err)
	}
	return len(factors)
}

// TestResetMFAStaysWithinCoverAndOrganization: another organization's
// admin, a limited admin facing a full-access user, a cross-origin page
// riding an admin's session, and an admin about themselves all fail, and
// the factors stay.
func TestResetMFAStaysWithinCoverAndOrganization(t *testing.T) {
	e := newEnv(t)
	a, b := e.newOrg("Acme", "facilities"), e.newOrg("Bolt", "facilities")
	full := a.user("full", obj{"full_access": true})
	a.withTOTP(full)
	limited := a.user("lim", obj{"permissions": []string{"users.view", "users.edit"}, "facility_ids": []string{a.facility("Depot")}})

	status, _, body := b.admin.do("POST", "/api/v1/users/"+full+"/reset-mfa", nil)
	wantError(t, status, body, http.StatusNotFound, "not_found")
	// A full-access user is beyond a facility's admin: not even seen.
	status, _, body = a.as(limited).do("POST", "/api/v1/users/"+full+"/reset-mfa", nil)
	wantError(t, status, body, http.StatusNotFound, "not_found")
	browser := a.session(a.adminID)
	browser.header.Set("Sec-Fetch-Site", "cross-site")
	status, _, body = browser.do("POST", "/api/v1/users/"+full+"/reset-mfa", nil)
	wantError(t, status, body, http.StatusForbidden, "forbidden")
	status, _, body = a.as(full).do("POST", "/api/v1/users/"+full+"/reset-mfa", nil)
	wantError(t, status, body, http.StatusBadRequest, "invalid")
	if n := a.factorCount(full); n != 1 {
		t.Fatalf("refused resets left %d factors", n)
	}
}

// TestParallelWrongCodesStayWithinTheThrottle: wrong codes sent all at
// once, to two instances, are admitted no more than one after another
// would be — the throttle counts each before it checks it (run with
// GATEHOUSE_TEST_DB=postgres for PostgreSQL, where transactions run side
// by side).
func TestParallelWrongCodesStayWithinTheThrottle(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	mo := o.user("mo", obj{"full_access": true})
	o.withTOTP(mo)
	step := e.pendingStep("mo@acme.test")
	bases := []string{e.srv.URL, e.secondInstance()}
	const n = 24
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			statuses[i] = postStatus(bases[i%2], "/api/v1/sessions/second-factor", obj{"token": step, "code": "000000"})
		})
	}
	wg.Wait()
	admitted := 0
	for _, s := range statuses {
		switch s {
		case http.StatusBadRequest:
			admitted++
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("statuses %v", statuses)
		}
	}
	// One after another, 3 failures are free and the 4th waits a second.
	if free := service.DefaultThrottle().SignInFreeFailures; admitted > free {
		t.Fatalf("%d of %d parallel wrong codes were checked, want at most %d: %v", admitted, n, free, statuses)
	}
}

// TestAPIKeysAreNotSignIns: as docs/accounts.md says, a key acts as its
// user without a second factor, even under a policy that covers them.
func TestAPIKeysAreNotSignIns(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	mo := o.user("mo", obj{"full_access": true})
	o.withTOTP(mo)
	o.admin.ok(http.StatusOK, "PUT", "/api/v1/organization/security", obj{"mfa_policy": "all"})
	if me := o.as(mo).get("/api/v1/me"); str(me["user"].(obj), "id") != mo {
		t.Fatalf("me: %v", me)
	}
}
