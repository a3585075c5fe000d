package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/api"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/client"
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

// env is a real Gatehouse server (API over httptest, SQLite file in a temp
// dir, mail written as .eml files) with one organization and its admin.
type env struct {
	t       *testing.T
	db      *store.DB
	svc     *service.Service
	url     string
	mailDir string
	outbox  *mailer.Outbox

	orgID    string
	domain   string
	adminID  string
	adminKey string
	admin    *testClient
}

func newEnv(t *testing.T, template string) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(db, testsupport.ServiceConfig(baseURL, logger))
	srv := httptest.NewServer(api.New(svc, logger))
	t.Cleanup(srv.Close)
	e := &env{t: t, db: db, svc: svc, url: srv.URL, mailDir: filepath.Join(dir, "mail"), domain: "acme.test"}
	e.outbox = mailer.NewOutbox(db, mailer.Dir{Path: e.mailDir, From: "gatehouse@localhost"}, logger)

	_, data, err := catalogs.Load(template)
	if err != nil {
		t.Fatal(err)
	}
	f, err := svc.CreateOrganization(ctx, service.NewOrganization{Name: "Acme", Catalog: data, AdminEmail: "admin@" + e.domain})
	if err != nil {
		t.Fatal(err)
	}
	e.orgID, e.adminID, e.adminKey = f.Org.ID, f.Admin.ID, f.APIKey
	e.admin = e.client(e.adminKey)
	return e
}

// testClient is a client whose every request and response is checked
// against the OpenAPI document and recorded.
type testClient struct {
	*client.Client
	calls *recorder
}

// client returns a client of the test server with key (empty: anonymous).
func (e *env) client(key string, opts ...client.Option) *testClient {
	rec := &recorder{t: e.t, next: http.DefaultTransport}
	opts = append([]client.Option{client.WithHTTPClient(&http.Client{Transport: rec})}, opts...)
	return &testClient{Client: client.New(e.url, key, opts...), calls: rec}
}

// email is the address of a test user.
func (e *env) email(local string) string { return local + "@" + e.domain }

// invite invites a user through the admin's client.
func (e *env) invite(local string, in client.NewUser) *client.User {
	e.t.Helper()
	in.FirstName, in.LastName, in.Email = strings.ToUpper(local[:1])+local[1:], "Test", e.email(local)
	u, _, err := e.admin.InviteUser(context.Background(), in)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// activeUser invites a user and makes them active straight in the store,
// as accepting the invitation would but without hashing a password (the
// invitation path itself is tested through the client).
func (e *env) activeUser(local string, in client.NewUser) string {
	e.t.Helper()
	id := e.invite(local, in).ID
	e.activate(id)
	return id
}

// activate makes an invited user active straight in the store.
func (e *env) activate(id string) {
	e.t.Helper()
	ctx := context.Background()
	err := e.db.Update(ctx, func(tx gatehouse.Tx) error {
		u, err := tx.FindUser(e.orgID, id)
		if err != nil {
			return err
		}
		u.Status, u.EmailVerified = gatehouse.StatusActive, true
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		_, err = tx.BumpRevision(e.orgID)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.svc.Engine().Refresh(ctx, e.orgID); err != nil {
		e.t.Fatal(err)
	}
}

// keyOf makes an API key for a user straight through the service.
func (e *env) keyOf(userID string) string {
	e.t.Helper()
	k, err := e.svc.CreateAPIKey(context.Background(), gatehouse.Actor{OrgID: e.orgID, UserID: userID}, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return k.Secret
}

// mailedToken delivers the outbox and returns the token of the newest
// mailed link {base-url}{page}?token=... to email.
func (e *env) mailedToken(email, page string) string {
	e.t.Helper()
	if _, err := e.svc.HandleResetRequests(context.Background()); err != nil { // as serve's worker would
		e.t.Fatal(err)
	}
	if _, err := e.outbox.Drain(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	if token, ok := testsupport.LinkToken(e.t, testsupport.Mails(e.t, e.mailDir, email), baseURL+page); ok {
		return token
	}
	e.t.Fatalf("no mail with a %s%s?token= link to %s", baseURL, page, email)
	return ""
}

// recorder is the RoundTripper of the test clients: it checks every request
// body and every response (status, body, documented headers) against the
// OpenAPI document, fails the test on any mismatch, and records the calls.
type recorder struct {
	t    *testing.T
	next http.RoundTripper

	mu    sync.Mutex
	calls []call
}

// call is one request the client sent and the status it got.
type call struct {
	method, path string
	body         map[string]any // the decoded JSON request body, if any
	status       int
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		var err error
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))

	opID, problems := document(r.t).conform(req.Method, req.URL.Path, reqBody, resp, respBody)
	for _, problem := range problems {
		if k := known(opID, problem); k != nil {
			r.t.Logf("known OpenAPI mismatch: %s %s → %d: %s", req.Method, req.URL.Path, resp.StatusCode, problem)
			continue
		}
		r.t.Errorf("OpenAPI conformance: %s %s → %d: %s\nrequest: %s\nresponse: %s", req.Method, req.URL.Path, resp.StatusCode, problem, reqBody, respBody)
	}
	c := call{method: req.Method, path: req.URL.Path, status: resp.StatusCode}
	if len(reqBody) > 0 {
		json.Unmarshal(reqBody, &c.body)
	}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	return resp, nil
}

// to returns the calls made to a path, in order.
func (r *recorder) to(path string) []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []call
	for _, c := range r.calls {
		if c.path == path {
			out = append(out, c)
		}
	}
	return out
}

// count is the number of calls made to a path.
func (r *recorder) count(path string) int { return len(r.to(path)) }

// last is the newest call to a path.
func (r *recorder) last(path string) call {
	r.t.Helper()
	calls := r.to(path)
	if len(calls) == 0 {
		r.t.Fatalf("no call to %s", path)
	}
	return calls[len(calls)-1]
}

// must fails the test on an error and returns the value.
func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// must2 is must for the (value, revision, error) of writes; it checks
// that the write returned a revision.
func must2[T any](t *testing.T) func(T, client.Revision, error) T {
	return func(v T, rev client.Revision, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if rev <= 0 {
			t.Fatalf("write returned revision %d", rev)
		}
		return v
	}
}
