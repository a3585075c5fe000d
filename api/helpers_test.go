package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/api"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/mailer"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/store/storetest"
)

// baseURL starts the links in the test server's emails.
const baseURL = "https://gatehouse.test"

// password is the one password the tests set: argon2id costs ~100 ms per
// hash, so few users get one.
const password = "correct horse battery"

// env is one Gatehouse server over real HTTP on a real SQLite file, with
// mail written as .eml files.
type env struct {
	t       testing.TB
	db      *store.DB
	dsn     string // where db is, for tests that reach beneath the store
	svc     *service.Service
	srv     *httptest.Server
	mailDir string
	outbox  *mailer.Outbox
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvOnClock(t, nil)
}

// newEnvOnClock is newEnv with the service and its store on clock (nil:
// the real time), for tests that move time rather than wait.
func newEnvOnClock(t testing.TB, clock func() time.Time) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	dsn := storetest.DSN(t)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := testsupport.ServiceConfig(baseURL, logger)
	if clock != nil {
		db.Now, cfg.Clock = clock, clock
	}
	svc := service.New(db, cfg)
	e := &env{t: t, db: db, dsn: dsn, svc: svc, mailDir: filepath.Join(dir, "mail")}
	// Writes queue mail in the durable outbox; the tests deliver it to the
	// mail folder when they read it (see mails), as serve's sender would.
	e.outbox = mailer.NewOutbox(db, mailer.Dir{Path: e.mailDir, From: "gatehouse@localhost"}, logger)
	handler := api.New(svc, logger)
	if _, bench := t.(*testing.B); bench {
		e.srv = httptest.NewServer(handler) // no coverage bookkeeping in the timings
		t.Cleanup(e.srv.Close)
		return e
	}
	e.srv = httptest.NewServer(covered(handler))
	t.Cleanup(e.srv.Close)
	coverage.Lock()
	loaded := coverage.routes != nil
	coverage.Unlock()
	if !loaded {
		routes := apiRoutes(t, e.client())
		coverage.Lock()
		coverage.routes = routes
		coverage.Unlock()
	}
	return e
}

// org is one organization on the server, with its first full-access admin
// acting through the API key that init gives.
type org struct {
	e       *env
	id      string
	name    string
	domain  string // email domain of the org's test users
	adminID string
	admin   *client
}

// newOrg creates an organization from a built-in template, as gatehouse
// init does.
func (e *env) newOrg(name, template string) *org {
	e.t.Helper()
	_, data, err := catalogs.Load(template)
	if err != nil {
		e.t.Fatal(err)
	}
	domain := strings.ToLower(name) + ".test"
	f, err := e.svc.CreateOrganization(context.Background(), service.NewOrganization{Name: name, Catalog: data, AdminEmail: "admin@" + domain})
	if err != nil {
		e.t.Fatal(err)
	}
	return &org{e: e, id: f.Org.ID, name: name, domain: domain, adminID: f.Admin.ID, admin: e.bearer(f.APIKey)}
}

// invite invites a user through the API as the org's admin; fields override
// the defaults (first name, last name, an email at the org's domain).
func (o *org) invite(local string, fields obj) obj {
	o.e.t.Helper()
	body := obj{"first_name": strings.ToUpper(local[:1]) + local[1:], "last_name": "Test", "email": local + "@" + o.domain}
	for k, v := range fields {
		body[k] = v
	}
	status, _, out := o.admin.do("POST", "/api/v1/users", body)
	wantStatus(o.e.t, status, out, http.StatusCreated)
	return out
}

// user invites a user and makes them active without a password (see
// activate), returning the user's id.
func (o *org) user(local string, fields obj) string {
	o.e.t.Helper()
	id := str(o.invite(local, fields), "id")
	o.activate(id)
	return id
}

// activate makes an invited user active straight in the store, as accepting
// the invitation would, but without hashing a password: the invitation path
// itself is tested through the API. The decision engine reloads the org.
func (o *org) activate(userID string) {
	o.e.t.Helper()
	ctx := context.Background()
	err := o.e.db.Update(ctx, func(tx gatehouse.Tx) error {
		u, err := tx.FindUser(o.id, userID)
		if err != nil {
			return err
		}
		u.Status, u.EmailVerified = gatehouse.StatusActive, true
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		if u.Invitation != nil {
			if err := tx.AcceptInvitation(o.id, u.Invitation.ID, time.Now()); err != nil {
				return err
			}
		}
		_, err = tx.BumpRevision(o.id)
		return err
	})
	if err != nil {
		o.e.t.Fatal(err)
	}
	if err := o.e.svc.Engine().Refresh(ctx, o.id); err != nil {
		o.e.t.Fatal(err)
	}
}

// seed adds n active users straight in the store, in one transaction, for
// lists and benchmarks; each is shaped by fill.
func (o *org) seed(n int, fill func(i int, u *gatehouse.User)) []string {
	o.e.t.Helper()
	ctx := context.Background()
	ids := make([]string, n)
	err := o.e.db.Update(ctx, func(tx gatehouse.Tx) error {
		for i := range n {
			u := &gatehouse.User{ID: gatehouse.NewID(gatehouse.PrefixUser), OrgID: o.id, FirstName: fmt.Sprintf("Seed%04d", i),
				LastName: "Person", Email: fmt.Sprintf("seed%04d@%s", i, o.domain), Status: gatehouse.StatusActive, EmailVerified: true}
			if fill != nil {
				fill(i, u)
			}
			if err := tx.CreateUser(u); err != nil {
				return err
			}
			ids[i] = u.ID
		}
		_, err := tx.BumpRevision(o.id)
		return err
	})
	if err != nil {
		o.e.t.Fatal(err)
	}
	if err := o.e.svc.Engine().Refresh(ctx, o.id); err != nil {
		o.e.t.Fatal(err)
	}
	return ids
}

// as returns a client acting as the user through a new API key of theirs.
func (o *org) as(userID string) *client {
	o.e.t.Helper()
	k, err := o.e.svc.CreateAPIKey(context.Background(), gatehouse.Actor{OrgID: o.id, UserID: userID}, "test")
	if err != nil {
		o.e.t.Fatal(err)
	}
	return o.e.bearer(k.Secret)
}

// session returns a browser signed in as the user with a session made
// straight in the store, as signing in would, without checking a password
// (signing in itself is tested through the API).
func (o *org) session(userID string) *client {
	o.e.t.Helper()
	token := gatehouse.NewToken("ghs_")
	err := o.e.db.Update(context.Background(), func(tx gatehouse.Tx) error {
		return tx.CreateSession(&gatehouse.Session{OrgID: o.id, UserID: userID, TokenHash: gatehouse.HashToken(token),
			Client: "127.0.0.1", ExpiresAt: time.Now().Add(time.Hour)})
	})
	if err != nil {
		o.e.t.Fatal(err)
	}
	c := o.e.client()
	u, _ := url.Parse(o.e.srv.URL)
	c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "gatehouse_session", Value: token, Path: "/"}})
	return c
}

// signIn signs a browser in through the API.
func (c *client) signIn(email, password string) http.Header {
	c.t.Helper()
	status, h, body := c.do("POST", "/api/v1/sessions", obj{"email": email, "password": password})
	wantStatus(c.t, status, body, http.StatusCreated)
	return h
}

// create POSTs as the admin and returns the new object's id.
func (o *org) create(path string, body obj) string {
	o.e.t.Helper()
	status, _, out := o.admin.do("POST", path, body)
	wantStatus(o.e.t, status, out, http.StatusCreated)
	return str(out, "id")
}

func (o *org) facility(name string) string { return o.create("/api/v1/facilities", obj{"name": name}) }

func (o *org) group(name string, perms ...string) string {
	body := obj{"name": name}
	if perms != nil { // null is refused: a field not sent is left out
		body["permissions"] = perms
	}
	return o.create("/api/v1/groups", body)
}

// inviteToken reads the newest invitation mail to email from the mail
// folder and returns the token of its link, {base-url}/invite?token=....
func (e *env) inviteToken(email string) string {
	e.t.Helper()
	return e.mailedToken(email, "/invite")
}

// mailedToken returns the token of the newest mailed link to the web UI
// page path, {base-url}{path}?token=..., sent to email.
func (e *env) mailedToken(email, path string) string {
	e.t.Helper()
	if token, ok := testsupport.LinkToken(e.t, e.mails(email), baseURL+path); ok {
		return token
	}
	e.t.Fatalf("no mail with a %s%s?token= link to %s in %s", baseURL, path, email, e.mailDir)
	return ""
}

// mails delivers the outbox and returns the decoded bodies (every text
// part joined) of the .eml files to email, newest first.
func (e *env) mails(email string) []string {
	e.t.Helper()
	// Password-reset requests are handled after the answer, as serve's
	// worker would.
	if _, err := e.svc.HandleResetRequests(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.outbox.Drain(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	return testsupport.Mails(e.t, e.mailDir, email)
}

// client sends requests to the test server: with an API key, with a cookie
// jar (a browser), or with neither.
type client struct {
	t      testing.TB
	base   string
	hc     *http.Client
	key    string
	header http.Header // sent with every request
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: e.t, base: e.srv.URL, hc: &http.Client{Jar: jar}, header: http.Header{}}
}

// bearer is a client that sends Authorization: Bearer key.
func (e *env) bearer(key string) *client {
	c := e.client()
	c.key = key
	return c
}

// raw is a request body sent as is, not encoded as JSON.
type raw string

// form is a body sent as a form would be (curl -d), without a JSON label.
type form string

// csvFile is a body sent as a CSV file (text/csv).
type csvFile string

// obj is a JSON object.
type obj = map[string]any

// do sends one request and decodes the JSON response. A body of type raw is
// sent as is; any other non-nil body is encoded as JSON. A 5xx response
// fails the test: the API never means to give one.
func (c *client) do(method, path string, body any) (int, http.Header, obj) {
	c.t.Helper()
	status, header, data := c.doRaw(method, path, body)
	var out obj
	if len(data) > 0 {
		if err := json.Unmarshal(data, &out); err != nil {
			c.t.Fatalf("%s %s: %d, body is not a JSON object: %v: %q", method, path, status, err, data)
		}
	}
	return status, header, out
}

func (c *client) doRaw(method, path string, body any) (int, http.Header, []byte) {
	c.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case raw:
		r = strings.NewReader(string(b))
	case form:
		r = strings.NewReader(string(b))
	case csvFile:
		r = strings.NewReader(string(b))
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	switch body.(type) {
	case nil:
	case form:
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case csvFile:
		req.Header.Set("Content-Type", "text/csv")
	default:
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode >= 500 {
		c.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	return resp.StatusCode, resp.Header, data
}

// get is do for a GET that must succeed.
func (c *client) get(path string) obj {
	c.t.Helper()
	status, _, out := c.do("GET", path, nil)
	wantStatus(c.t, status, out, http.StatusOK)
	return out
}

// ok is do for a write that must succeed with status; it returns the body
// and the revision of the write.
func (c *client) ok(status int, method, path string, body any) (obj, int64) {
	c.t.Helper()
	got, h, out := c.do(method, path, body)
	wantStatus(c.t, got, out, status)
	return out, revision(c.t, h)
}

func wantStatus(t testing.TB, got int, body obj, want int) {
	t.Helper()
	if got != want {
		t.Fatalf("status %d, want %d: %v", got, want, body)
	}
}

// wantError checks the status and that the body is exactly the API's error
// shape, {"error": {"code", "message", ["field"], ["reason"], ["errors"]}},
// with code, and errors (every field at fault) present exactly when field
// is, its first entry being field and message; it returns the error object.
func wantError(t testing.TB, status int, body obj, wantStatus int, code string) obj {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d, want %d: %v", status, wantStatus, body)
	}
	if len(body) != 1 || body["error"] == nil {
		t.Fatalf("body is not {\"error\": {...}}: %v", body)
	}
	e, ok := body["error"].(obj)
	if !ok {
		t.Fatalf("error is not an object: %v", body)
	}
	for k, v := range e {
		if k == "errors" {
			wantFieldErrors(t, e, body)
			continue
		}
		if !slices.Contains([]string{"code", "message", "field", "reason"}, k) {
			t.Fatalf("error has unexpected key %q: %v", k, body)
		}
		if s, ok := v.(string); !ok || s == "" {
			t.Fatalf("error.%s is not a non-empty string: %v", k, body)
		}
	}
	if e["code"] != code || e["message"] == nil {
		t.Fatalf("error code %v, want %q (and a message): %v", e["code"], code, body)
	}
	if (e["field"] == nil) != (e["errors"] == nil) {
		t.Fatalf("error has field without errors, or errors without field: %v", body)
	}
	return e
}

// wantFieldErrors checks an error's errors: a list of {code, field,
// message}, all non-empty strings, the first being the error's own; an
// import's also have their row, and the error's message sums them up.
func wantFieldErrors(t testing.TB, e, body obj) {
	t.Helper()
	list, ok := e["errors"].([]any)
	if !ok || len(list) == 0 {
		t.Fatalf("error.errors is not a non-empty list: %v", body)
	}
	for i, item := range list {
		f, ok := item.(obj)
		_, rows := f["row"].(float64) // an import's: message summarises them
		if !ok || len(f) != 3 && !(rows && len(f) == 4) {
			t.Fatalf("error.errors[%d] is not {code, field, message[, row]}: %v", i, body)
		}
		for _, k := range []string{"code", "field", "message"} {
			if s, ok := f[k].(string); !ok || s == "" {
				t.Fatalf("error.errors[%d].%s is not a non-empty string: %v", i, k, body)
			}
		}
		if i == 0 && (f["field"] != e["field"] || f["message"] != e["message"] && !rows) {
			t.Fatalf("error.errors[0] is not the error's field and message: %v", body)
		}
	}
}

// wantField is wantError for a 400 "invalid" that names field.
func wantField(t testing.TB, status int, body obj, field string) {
	t.Helper()
	e := wantError(t, status, body, http.StatusBadRequest, "invalid")
	if e["field"] != field {
		t.Fatalf("error field %v, want %q: %v", e["field"], field, body)
	}
}

// wantReason is wantError for a 403 with the decision's reason.
func wantReason(t testing.TB, status int, body obj, reason string) {
	t.Helper()
	if e := wantError(t, status, body, http.StatusForbidden, "forbidden"); e["reason"] != reason {
		t.Fatalf("reason %v, want %q: %v", e["reason"], reason, body)
	}
}

// revision reads the Gatehouse-Revision header of a write.
func revision(t testing.TB, h http.Header) int64 {
	t.Helper()
	v := h.Get("Gatehouse-Revision")
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		t.Fatalf("Gatehouse-Revision %q is not a positive revision", v)
	}
	return n
}

func str(m obj, key string) string {
	s, _ := m[key].(string)
	return s
}

// items returns the items of a list body, checking the list shape.
func items(t testing.TB, body obj) []obj {
	t.Helper()
	_, total := body["total"].(float64) // the user list counts its users
	if body["items"] == nil || len(body) != 2 && !(total && len(body) == 3) {
		t.Fatalf("body is not {\"items\", \"next_cursor\"} (and \"total\"): %v", body)
	}
	if _, ok := body["next_cursor"].(string); !ok {
		t.Fatalf("next_cursor is not a string: %v", body)
	}
	list, ok := body["items"].([]any)
	if !ok {
		t.Fatalf("items is not a list: %v", body)
	}
	out := make([]obj, len(list))
	for i, v := range list {
		out[i] = v.(obj)
	}
	return out
}

// ids returns the "id" of every item.
func ids(list []obj) []string {
	out := make([]string, len(list))
	for i, m := range list {
		out[i] = str(m, "id")
	}
	return out
}

// strs turns a JSON list of strings into a []string.
func strs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fmt.Sprint(s)
	}
	return out
}

// Route coverage: every request to every test server is recorded against
// the OpenAPI document's routes, and TestMain checks that the run reached
// every route with a success and with an error.

var coverage = struct {
	sync.Mutex
	routes []route
	ok     map[string]bool
	failed map[string]bool
}{ok: map[string]bool{}, failed: map[string]bool{}}

type route struct {
	method, path string
	segments     []string
	public       bool
}

func (r route) String() string { return r.method + " " + r.path }

func covered(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		coverage.Lock()
		defer coverage.Unlock()
		segs := strings.Split(r.URL.Path, "/")
		for _, rt := range coverage.routes {
			if rt.method == r.Method && matches(rt.segments, segs) {
				if rec.status < 400 {
					coverage.ok[rt.String()] = true
				} else {
					coverage.failed[rt.String()] = true
				}
			}
		}
	})
}

func matches(pattern, segs []string) bool {
	if len(pattern) != len(segs) {
		return false
	}
	for i, p := range pattern {
		if !strings.HasPrefix(p, "{") && p != segs[i] {
			return false
		}
	}
	return true
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// apiRoutes reads the routes from the server's OpenAPI document.
func apiRoutes(t testing.TB, c *client) []route {
	t.Helper()
	doc := c.get("/api/v1/openapi.json")
	var out []route
	for path, item := range doc["paths"].(obj) {
		for method, op := range item.(obj) {
			sec, has := op.(obj)["security"]
			out = append(out, route{method: strings.ToUpper(method), path: path,
				segments: strings.Split(path, "/"), public: has && len(sec.([]any)) == 0})
		}
	}
	slices.SortFunc(out, func(a, b route) int { return strings.Compare(a.String(), b.String()) })
	return out
}

func TestMain(m *testing.M) {
	code := m.Run()
	coverage.Lock()
	defer coverage.Unlock()
	full := true
	for _, name := range []string{"test.run", "test.skip"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			full = false
		}
	}
	if code == 0 && full && !testing.Short() && coverage.routes != nil {
		for _, r := range coverage.routes {
			if !coverage.ok[r.String()] {
				fmt.Printf("route coverage: no test reached %s with a success\n", r)
				code = 1
			}
			if !coverage.failed[r.String()] {
				fmt.Printf("route coverage: no test reached %s with an error\n", r)
				code = 1
			}
		}
	}
	os.Exit(code)
}
