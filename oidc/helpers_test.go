package oidc_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/store/storetest"
)

// A relying party's redirect URI: nothing listens there; the test stops
// the browser when it is sent there and reads the code.
const (
	redirectURI = "http://127.0.0.1:9/callback"
	logoutURI   = "http://127.0.0.1:9/signed-out"
	password    = "correct horse battery staple"
)

// gh is a real Gatehouse server (as serve runs it) on an SQLite file, with
// two organizations: A with its admin ada and a user bob, B with its
// admin carl.
type gh struct {
	url   string
	db    string // the database, for key rotation
	svc   *service.Service
	clock *testsupport.ShiftedClock
	orgA  string
	orgB  string
	ada   *gatehouse.User
	bob   *gatehouse.User
	carl  *gatehouse.User
}

func startGatehouse(t testing.TB) *gh {
	t.Helper()
	g := &gh{db: storetest.DSN(t), clock: &testsupport.ShiftedClock{}} // GATEHOUSE_TEST_DB=postgres: on PostgreSQL
	running := serve(t, g.db, "", g.clock)
	g.url, g.svc = running.URL, running.Service
	g.seed(t)
	return g
}

// serve runs a server on the database until the test ends; baseURL ""
// is its own address.
func serve(t testing.TB, db, baseURL string, clock *testsupport.ShiftedClock) server.Running {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	started, stopped := make(chan server.Running, 1), make(chan error, 1)
	go func() {
		stopped <- server.Run(ctx, server.Config{Addr: "127.0.0.1:0", DB: db, BaseURL: baseURL, MailDir: filepath.Join(t.TempDir(), "mail"),
			Logger: slog.New(slog.DiscardHandler), Passwords: testsupport.Passwords(), Clock: clock.Now},
			func(r server.Running) error { started <- r; return nil })
	}()
	var running server.Running
	select {
	case running = <-started:
	case err := <-stopped:
		stop()
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() {
		stop()
		if err := <-stopped; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return running
}

// seed makes the two organizations and their users.
func (g *gh) seed(t testing.TB) {
	t.Helper()
	g.orgA, g.ada = g.organization(t, "Acme Facilities", "ada@acme.test")
	g.bob = g.user(t, g.orgA, "bob@acme.test")
	g.orgB, g.carl = g.organization(t, "Beta Works", "carl@beta.test")
}

// organization founds an organization whose admin has the password.
func (g *gh) organization(t testing.TB, name, admin string) (string, *gatehouse.User) {
	t.Helper()
	_, catalog, err := catalogs.Load("facilities")
	if err != nil {
		t.Fatal(err)
	}
	org, err := g.svc.CreateOrganization(context.Background(), service.NewOrganization{Name: name, Catalog: catalog,
		AdminEmail: admin, AdminFirstName: "Ada", AdminLastName: "Lovelace"})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.svc.SetPassword(context.Background(), gatehouse.SystemActor(org.Org.ID), org.Admin.ID, password); err != nil {
		t.Fatal(err)
	}
	return org.Org.ID, org.Admin
}

// user invites a user to the organization and accepts for them.
func (g *gh) user(t testing.TB, orgID, email string) *gatehouse.User {
	t.Helper()
	ctx := context.Background()
	inv, err := g.svc.InviteUser(ctx, gatehouse.SystemActor(orgID), service.UserInput{FirstName: "Bob", LastName: "Builder", Email: email})
	if err != nil {
		t.Fatal(err)
	}
	u, _, err := g.svc.AcceptInvitation(ctx, inv.Token, password)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// app registers an application of the organization and returns it with
// its secret ("" for a public one).
func (g *gh) app(t testing.TB, orgID string, in service.OIDCClientInput) (*gatehouse.OIDCClient, string) {
	t.Helper()
	if in.Name == "" {
		in.Name = "Platform"
	}
	if in.RedirectURIs == nil && in.GrantTypes == nil {
		in.RedirectURIs = []string{redirectURI}
	}
	c, secret, err := g.svc.CreateOIDCClient(context.Background(), gatehouse.SystemActor(orgID), in)
	if err != nil {
		t.Fatal(err)
	}
	return c, secret
}

// openStore opens the server's database, as `gatehouse keys rotate` does.
func (g *gh) openStore(t testing.TB) *store.DB {
	t.Helper()
	st, err := store.Open(context.Background(), g.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// browser is a user agent with cookies that stops at the relying party.
type browser struct {
	t      testing.TB
	client *http.Client
}

func newBrowser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, client: &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), "http://127.0.0.1:9/") {
			return http.ErrUseLastResponse
		}
		return nil
	}}}
}

// page is where a request ended: the relying party's URL it was sent to,
// or a Gatehouse page.
type page struct {
	status   int
	location *url.URL // set when sent to the relying party
	body     string
}

// do sends a request and follows redirects and, as a browser does, a
// page's meta refresh.
func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	p := b.once(req)
	for range 5 {
		m := metaRefresh.FindStringSubmatch(p.body)
		if p.status != http.StatusOK || m == nil {
			break
		}
		target, err := req.URL.Parse(html.UnescapeString(m[1]))
		if err != nil {
			b.t.Fatal(err)
		}
		next, _ := http.NewRequest("GET", target.String(), nil)
		p = b.once(next)
	}
	return p
}

var metaRefresh = regexp.MustCompile(`<meta http-equiv="refresh" content="0; url=([^"]+)">`)

func (b *browser) once(req *http.Request) page {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	p := page{status: resp.StatusCode, body: string(body)}
	if resp.StatusCode/100 == 3 {
		p.location, _ = url.Parse(resp.Header.Get("Location"))
	}
	return p
}

func (b *browser) get(u string) page {
	req, _ := http.NewRequest("GET", u, nil)
	return b.do(req)
}

var authRequestField = regexp.MustCompile(`name="auth_request" value="([^"]+)"`)

// signIn fills the sign-in page p, which an authorize request led to.
func (b *browser) signIn(base string, p page, email, pass string) page {
	b.t.Helper()
	m := authRequestField.FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("not the sign-in page of an application (status %d): %.400s", p.status, p.body)
	}
	form := url.Values{"email": {email}, "password": {pass}, "auth_request": {m[1]}}
	req, _ := http.NewRequest("POST", base+"/sign-in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}
