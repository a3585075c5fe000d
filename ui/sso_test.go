package ui_test

import (
	"context"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/store/storetest"
	"github.com/gatehouse/gatehouse/ui"
)

// The single sign-on tests run the whole redirect dance through real HTTP:
// Gatehouse's web UI on a real database, and an independent OpenID
// provider (zitadel/oidc's op package with its example storage and login
// page) on its own server, driven by an HTTP client with a cookie jar as a
// browser would.

// ssoEnv is Gatehouse with two organizations (Acme, where the connection
// is, and Globex) and the identity provider Acme's connection names.
type ssoEnv struct {
	*env
	idp        *httptest.Server
	globex     *service.Founded
	connection *gatehouse.SSOConnection
	group      *gatehouse.Group
	owner      gatehouse.Actor // who saves Acme's connection
}

func newSSOEnv(t *testing.T) *ssoEnv { return newSSOEnvWithCatalog(t, "facilities") }

func newSSOEnvWithCatalog(t *testing.T, template string) *ssoEnv {
	t.Helper()
	ctx := context.Background()
	// Gatehouse first: the provider must know its callback, and Gatehouse
	// its own address for the redirect URI.
	var gatehouseHandler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { gatehouseHandler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	db, err := store.Open(ctx, storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := service.New(db, testsupport.ServiceConfig(srv.URL, nil))
	h, err := ui.New(svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	gatehouseHandler = h
	found := func(name, email string) *service.Founded {
		_, data, err := catalogs.Load(template)
		if err != nil {
			t.Fatal(err)
		}
		org, err := svc.CreateOrganization(ctx, service.NewOrganization{Name: name, Catalog: data,
			AdminEmail: email, AdminFirstName: "Ada", AdminLastName: "Admin"})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.SetPassword(ctx, gatehouse.SystemActor(org.Org.ID), org.Admin.ID, password); err != nil {
			t.Fatal(err)
		}
		return org
	}
	acme := found("Acme Stores", "ada@acme.test")
	e := &ssoEnv{env: &env{t: t, ctx: ctx, svc: svc, srv: srv, org: acme, admin: gatehouse.Actor{OrgID: acme.Org.ID, UserID: acme.Admin.ID}, db: db}}
	e.globex = found("Globex", "ada@globex.test")
	e.owner = e.admin

	e.idp = testsupport.StartIdP(t, srv.URL+"/sso/callback",
		testsupport.IdPAccount("kim", "kim@acme.example", true),
		testsupport.IdPAccount("unverified", "una@acme.example", false),
		testsupport.IdPAccount("newcomer", "new@acme.example", true),
		testsupport.IdPAccount("bob", "bob@globex.example", true))

	var staffPermissions []string // none in another catalog: the group is only a default
	if template == "facilities" {
		staffPermissions = []string{"work_orders.view"}
	}
	e.group = e.env.group("Store staff", staffPermissions...)
	e.connection, _, err = svc.CreateSSOConnection(ctx, e.owner, service.SSOConnectionInput{Name: "Acme IdP", Issuer: e.idp.URL,
		ClientID: testsupport.IdPClientID, ClientSecret: testsupport.IdPClientSecret, Domains: []string{"acme.example"},
		CreateUsers: true, DefaultGroupIDs: []string{e.group.ID}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// browserAt is a browser with no session yet; stopAt, when set, stops it
// before following a redirect to that path of Gatehouse.
func (e *ssoEnv) browser(stopAt string) *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if stopAt != "" && req.URL.Path == stopAt {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return &browser{t: e.t, e: e.env, c: c}
}

var continueLink = regexp.MustCompile(`href="([^"]+)">Continue to`)

// signInAtProvider submits Gatehouse's sign-in form with the email, follows
// the page that moves on to the provider, and signs in there as username:
// the result is where the browser ends (or stopped).
func (e *ssoEnv) signInAtProvider(b *browser, form url.Values, username string) result {
	e.t.Helper()
	res := b.post("/sign-in", form)
	m := continueLink.FindStringSubmatch(res.body)
	if res.status != http.StatusOK || m == nil {
		e.t.Fatalf("sign-in of %s: %d at %s, no link to the provider\n%s", form.Get("email"), res.status, res.url, res.body)
	}
	to := html.UnescapeString(m[1])
	if !strings.HasPrefix(to, e.idp.URL) || !strings.Contains(to, "code_challenge_method=S256") || !strings.Contains(to, "nonce=") {
		e.t.Fatalf("the provider link %s is not to the provider with PKCE and a nonce", to)
	}
	req, _ := http.NewRequest(http.MethodGet, to, nil)
	login := b.do(req) // the provider's login page
	id := regexp.MustCompile(`name="id" value="([^"]+)"`).FindStringSubmatch(login.body)
	if id == nil {
		e.t.Fatalf("no login form at the provider: %d\n%s", login.status, login.body)
	}
	req, _ = http.NewRequest(http.MethodPost, e.idp.URL+"/login/username",
		strings.NewReader(url.Values{"id": {id[1]}, "username": {username}, "password": {testsupport.IdPPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (e *ssoEnv) sessionsOf(orgID, userID string) []*gatehouse.Session {
	e.t.Helper()
	var out []*gatehouse.Session
	err := e.db.View(e.ctx, func(tx gatehouse.Tx) (err error) { out, err = tx.FindSessions(orgID, userID); return })
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func TestSSO_SignsInTheUserWithTheVerifiedEmail(t *testing.T) {
	e := newSSOEnv(t)
	kim := e.activeUser("Kim", "Kay", "kim@acme.example", service.UserInput{})
	// The same email in another organization is never signed in by Acme's connection.
	globexKim, err := e.svc.InviteUser(e.ctx, gatehouse.Actor{OrgID: e.globex.Org.ID, UserID: e.globex.Admin.ID},
		service.UserInput{FirstName: "Kim", LastName: "Globex", Email: "kim@acme.example"})
	if err != nil {
		t.Fatal(err)
	}

	b := e.browser("")
	res := e.signInAtProvider(b, url.Values{"email": {"kim@acme.example"}, "next": {"/account"}}, "kim@acme.example")
	if res.status != http.StatusOK || res.url.Path != "/account" || res.url.Host != strings.TrimPrefix(e.srv.URL, "http://") {
		t.Fatalf("after the provider: %d at %s\n%s", res.status, res.url, res.body)
	}
	sessions := e.sessionsOf(e.org.Org.ID, kim.ID)
	if len(sessions) != 1 || !slices.Equal(sessions[0].AMR, []string{"pwd"}) {
		t.Fatalf("Kim's sessions = %+v, want one with the provider's amr [pwd]", sessions)
	}
	if s := e.sessionsOf(e.globex.Org.ID, globexKim.User.ID); len(s) != 0 {
		t.Fatalf("Globex's Kim has sessions %+v", s)
	}
	events, err := e.svc.AuditEvents(e.ctx, e.admin, gatehouse.AuditFilter{OrgID: e.org.Org.ID, Action: "session.created"})
	if err != nil || len(events) == 0 || events[0].Changes["sso_connection"].After != e.connection.ID {
		t.Fatalf("audit of the sign-in = %+v, %v", events, err)
	}
}

func TestSSO_RefusesAnEmailTheProviderDoesNotSayIsVerified(t *testing.T) {
	e := newSSOEnv(t)
	una := e.activeUser("Una", "Verified", "una@acme.example", service.UserInput{})
	res := e.signInAtProvider(e.browser(""), url.Values{"email": {"una@acme.example"}}, "una@acme.example")
	if res.status != http.StatusUnauthorized || !strings.Contains(res.body, "is verified") {
		t.Fatalf("unverified email: %d\n%s", res.status, res.body)
	}
	if s := e.sessionsOf(e.org.Org.ID, una.ID); len(s) != 0 {
		t.Fatalf("sessions %+v", s)
	}
	events, err := e.svc.AuditEvents(e.ctx, e.admin, gatehouse.AuditFilter{OrgID: e.org.Org.ID, Action: "sso.sign_in_refused"})
	if err != nil || len(events) != 1 {
		t.Fatalf("audit of the refusal = %+v, %v", events, err)
	}
}

func TestSSO_CreatesAnUnknownUserWithTheDefaultGroupsOrRefuses(t *testing.T) {
	e := newSSOEnv(t)
	// Creating users switched off: refused.
	off := false
	if _, _, err := e.svc.UpdateSSOConnection(e.ctx, e.owner, e.connection.ID, service.SSOConnectionPatch{CreateUsers: &off}); err != nil {
		t.Fatal(err)
	}
	res := e.signInAtProvider(e.browser(""), url.Values{"email": {"new@acme.example"}}, "new@acme.example")
	if res.status != http.StatusUnauthorized || !strings.Contains(res.body, "has no account") {
		t.Fatalf("unknown user, no creation: %d\n%s", res.status, res.body)
	}
	on := true
	if _, _, err := e.svc.UpdateSSOConnection(e.ctx, e.owner, e.connection.ID, service.SSOConnectionPatch{CreateUsers: &on}); err != nil {
		t.Fatal(err)
	}
	res = e.signInAtProvider(e.browser(""), url.Values{"email": {"new@acme.example"}}, "new@acme.example")
	if res.status != http.StatusOK || res.url.Path != "/account" {
		t.Fatalf("unknown user, created: %d at %s\n%s", res.status, res.url, res.body)
	}
	users, err := e.svc.ListUsers(e.ctx, e.admin, gatehouse.UserFilter{OrgID: e.org.Org.ID, Query: "new@acme.example"})
	if err != nil || len(users) != 1 {
		t.Fatalf("created users = %v, %v", users, err)
	}
	u := users[0]
	if u.Status != gatehouse.StatusActive || !u.EmailVerified || !slices.Equal(u.GroupIDs, []string{e.group.ID}) || u.FirstName != "Kim" {
		t.Fatalf("created user = %+v", u)
	}
}

// A user created at their first single sign-on takes a seat of their
// licence, as an invitation would: with none free, the sign-in is refused
// and nobody is created.
func TestSSO_CreatingAUserTakesASeat(t *testing.T) {
	e := newSSOEnvWithCatalog(t, "compliance")
	licences, err := e.svc.Licences(e.ctx, e.admin)
	if err != nil {
		t.Fatal(err)
	}
	first := licences[0] // the licence a new user gets
	if _, _, err := e.svc.SetLicenceSeats(e.ctx, e.admin, first.Licence.Name, &first.Used); err != nil {
		t.Fatal(err)
	}
	res := e.signInAtProvider(e.browser(""), url.Values{"email": {"new@acme.example"}}, "new@acme.example")
	if res.status != http.StatusUnauthorized || !strings.Contains(res.body, "seats") {
		t.Fatalf("no seat free: %d\n%s", res.status, res.body)
	}
	users, err := e.svc.ListUsers(e.ctx, e.admin, gatehouse.UserFilter{OrgID: e.org.Org.ID, Query: "new@acme.example"})
	if err != nil || len(users) != 0 {
		t.Fatalf("created users = %v, %v", users, err)
	}
	more := first.Used + 1
	if _, _, err := e.svc.SetLicenceSeats(e.ctx, e.admin, first.Licence.Name, &more); err != nil {
		t.Fatal(err)
	}
	res = e.signInAtProvider(e.browser(""), url.Values{"email": {"new@acme.example"}}, "new@acme.example")
	if res.status != http.StatusOK || res.url.Path != "/account" {
		t.Fatalf("a seat free: %d at %s\n%s", res.status, res.url, res.body)
	}
}

func TestSSO_StateIsThisBrowsersAndUsedOnce(t *testing.T) {
	e := newSSOEnv(t)
	e.activeUser("Kim", "Kay", "kim@acme.example", service.UserInput{})
	b := e.browser("/sso/callback")
	res := e.signInAtProvider(b, url.Values{"email": {"kim@acme.example"}}, "kim@acme.example")
	loc, err := url.Parse(res.header.Get("Location"))
	if err != nil || loc.Path != "/sso/callback" || loc.Query().Get("code") == "" {
		t.Fatalf("the provider's redirect = %d %q", res.status, res.header.Get("Location"))
	}
	callback := loc.String()

	// Another state than this browser's: refused, the real one left alone.
	wrong := *loc
	q := wrong.Query()
	q.Set("state", "st_forged")
	wrong.RawQuery = q.Encode()
	keep := b.c.Jar.Cookies(loc)
	res = b.get(wrong.RequestURI())
	if res.status != http.StatusUnauthorized || !strings.Contains(res.body, "did not start in this browser") {
		t.Fatalf("wrong state: %d\n%s", res.status, res.body)
	}
	// In another browser (without the state's cookie): refused.
	if res = e.browser("").get(loc.RequestURI()); res.status != http.StatusUnauthorized {
		t.Fatalf("another browser: %d\n%s", res.status, res.body)
	}
	b.c.Jar.SetCookies(loc, keep)
	if res = b.get(loc.RequestURI()); res.status != http.StatusOK || res.url.Path != "/account" {
		t.Fatalf("the real callback: %d at %s\n%s", res.status, res.url, res.body)
	}
	// Replayed, even with the cookie put back: the state was taken.
	b.c.Jar.SetCookies(loc, keep)
	res = b.get(strings.TrimPrefix(callback, e.srv.URL))
	if res.status != http.StatusUnauthorized || !strings.Contains(res.body, "used already") {
		t.Fatalf("replayed state: %d\n%s", res.status, res.body)
	}
}

func TestSSO_PasswordSignInSwitchedOff(t *testing.T) {
	e := newSSOEnv(t)
	e.activeUser("Kim", "Kay", "kim@acme.example", service.UserInput{})
	if _, _, err := e.svc.SignIn(e.ctx, "", "kim@acme.example", password, "192.0.2.1:1", "test"); err != nil {
		t.Fatalf("password sign-in while allowed: %v", err)
	}
	off := true
	if _, _, err := e.svc.UpdateSSOConnection(e.ctx, e.owner, e.connection.ID, service.SSOConnectionPatch{PasswordSignInDisabled: &off}); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"kim@acme.example", "nobody@acme.example"} {
		_, _, err := e.svc.SignIn(e.ctx, "", email, password, "192.0.2.1:1", "test")
		var ge *gatehouse.Error
		if !errors.As(err, &ge) || ge.Code != gatehouse.EFORBIDDEN || !strings.Contains(ge.Message, "single sign-on") {
			t.Fatalf("password sign-in of %s when switched off: %v", email, err)
		}
	}
	// The form sends Kim to the provider, whatever password she types.
	res := e.browser("").post("/sign-in", url.Values{"email": {"kim@acme.example"}, "password": {password}})
	if !continueLink.MatchString(res.body) {
		t.Fatalf("the password form signed Kim in: %d at %s", res.status, res.url)
	}
	// Another organization's users of other domains keep their password.
	if _, _, err := e.svc.SignIn(e.ctx, "", "ada@acme.test", password, "192.0.2.1:1", "test"); err != nil {
		t.Fatalf("the admin's password sign-in: %v", err)
	}
}

// A connection of Acme never signs in a user of Globex: a Globex user of a
// domain Acme's connection also claims is not sent to Acme's provider, and
// a sign-in forced through it signs in (or creates) an Acme user only.
func TestSSO_ConnectionNeverSignsInAnotherOrganizationsUser(t *testing.T) {
	e := newSSOEnv(t)
	bob, err := e.svc.InviteUser(e.ctx, gatehouse.Actor{OrgID: e.globex.Org.ID, UserID: e.globex.Admin.ID},
		service.UserInput{FirstName: "Bob", LastName: "Globex", Email: "bob@globex.example"})
	if err != nil {
		t.Fatal(err)
	}
	domains := []string{"acme.example", "globex.example"}
	if _, _, err := e.svc.UpdateSSOConnection(e.ctx, e.owner, e.connection.ID, service.SSOConnectionPatch{Domains: &domains}); err != nil {
		t.Fatal(err)
	}
	res := e.browser("").post("/sign-in", url.Values{"email": {"bob@globex.example"}, "password": {"wrong"}})
	if continueLink.MatchString(res.body) || res.status != http.StatusUnauthorized {
		t.Fatalf("Globex's Bob was sent to Acme's provider: %d\n%s", res.status, res.body)
	}
	res = e.signInAtProvider(e.browser(""), url.Values{"email": {"bob@globex.example"}, "organization_id": {e.org.Org.ID}}, "bob@globex.example")
	if res.status != http.StatusOK {
		t.Fatalf("Bob through Acme's provider: %d\n%s", res.status, res.body)
	}
	if s := e.sessionsOf(e.globex.Org.ID, bob.User.ID); len(s) != 0 {
		t.Fatalf("Globex's Bob was signed in: %+v", s)
	}
	acmeBob, err := e.svc.ListUsers(e.ctx, e.admin, gatehouse.UserFilter{OrgID: e.org.Org.ID, Query: "bob@globex.example"})
	if err != nil || len(acmeBob) != 1 || len(e.sessionsOf(e.org.Org.ID, acmeBob[0].ID)) != 1 {
		t.Fatalf("Acme's Bob = %v, %v", acmeBob, err)
	}
}

// The Single sign-on pages: an admin adds, edits and deletes a connection;
// the secret is never on a page.
func TestSSOSettingsPages(t *testing.T) {
	e := newEnv(t, "facilities")
	staff := e.group("Staff", "work_orders.view")
	b := e.signIn("ada@acme.test")
	has(t, "security page", b.page("/settings/security", http.StatusOK), `href="/settings/sso"`)
	has(t, "empty list", b.page("/settings/sso", http.StatusOK), "No connections yet", "/sso/callback")
	b.page("/settings/sso/new", http.StatusOK)

	// Every field at fault at once.
	res := b.post("/settings/sso/new", url.Values{"name": {"Okta"}, "issuer": {"http://okta.example.com"}, "client_id": {"app"}})
	if res.status != http.StatusBadRequest {
		t.Fatalf("bad form: %d", res.status)
	}
	has(t, "bad form", res, "Issuer must be an https URL", "name at least one email domain")

	res = b.post("/settings/sso/new", url.Values{"name": {"Okta"}, "issuer": {"https://acme.okta.com"}, "client_id": {"app"},
		"client_secret": {"top-secret"}, "domains": {"acme.example\nacme.org"}, "create_users": {"on"}, "default_group_ids": {staff.ID}})
	if res.status != http.StatusOK || !strings.HasPrefix(res.url.Path, "/settings/sso/sso_") {
		t.Fatalf("create: %d at %s\n%s", res.status, res.url, res.body)
	}
	lint(t, res.url.Path, res)
	has(t, "created", res, "Saved.", "acme.example\nacme.org", "A secret is stored", `value="`+staff.ID+`" checked`)
	hasNot(t, "created", res, "top-secret")
	path := res.url.Path

	res = b.post(path, url.Values{"name": {"Okta"}, "issuer": {"https://acme.okta.com"}, "client_id": {"app"},
		"domains": {"acme.example"}, "password_sign_in_disabled": {"on"}})
	has(t, "saved", res, "Saved.", "A secret is stored", `id="password_sign_in_disabled" name="password_sign_in_disabled" value="on" checked`)
	has(t, "list", b.page("/settings/sso", http.StatusOK), "Okta", "acme.example", "Off")

	b.page(path+"/delete", http.StatusOK)
	res = b.post(path+"/delete", nil)
	has(t, "deleted", res, "The connection was deleted", "No connections yet")
}

// With password sign-in off, no reset link is mailed, and a link mailed
// before is refused with why.
func TestSSO_PasswordResetSwitchedOff(t *testing.T) {
	e := newSSOEnv(t)
	e.activeUser("Kim", "Kay", "kim@acme.example", service.UserInput{})
	resetLinks := func() []string {
		if err := e.svc.RequestPasswordReset(e.ctx, "kim@acme.example"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.HandleResetRequests(e.ctx); err != nil {
			t.Fatal(err)
		}
		var texts []string
		err := e.db.View(e.ctx, func(tx gatehouse.Tx) error {
			mail, err := tx.PendingMail(time.Now().Add(time.Hour), 100)
			for _, m := range mail {
				if m.Message.To == "kim@acme.example" && strings.Contains(m.Message.Text, "/reset-password?token=") {
					texts = append(texts, m.Message.Text)
				}
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return texts
	}
	before := resetLinks()
	token, ok := testsupport.LinkToken(t, before, e.srv.URL+"/reset-password")
	if !ok {
		t.Fatalf("no reset link while password sign-in is on: %q", before)
	}
	off := true
	if _, _, err := e.svc.UpdateSSOConnection(e.ctx, e.owner, e.connection.ID, service.SSOConnectionPatch{PasswordSignInDisabled: &off}); err != nil {
		t.Fatal(err)
	}
	if after := resetLinks(); len(after) != len(before) {
		t.Fatalf("a reset link was mailed with password sign-in off: %d links, %d before", len(after), len(before))
	}
	err := e.svc.ResetPassword(e.ctx, token, "a brand new passphrase")
	if gatehouse.ErrorCode(err) != gatehouse.EFORBIDDEN || !strings.Contains(gatehouse.ErrorMessage(err), "single sign-on") {
		t.Fatalf("reset with an earlier link: %v", err)
	}
}

// An invited user's first single sign-on accepts the invitation (the
// provider proved the address); a deactivated user is refused.
func TestSSO_InvitedUserBecomesActiveDeactivatedIsRefused(t *testing.T) {
	e := newSSOEnv(t)
	kim := e.invite("Kim", "Kay", "kim@acme.example", service.UserInput{})
	res := e.signInAtProvider(e.browser(""), url.Values{"email": {"kim@acme.example"}}, "kim@acme.example")
	if res.status != http.StatusOK || res.url.Path != "/account" {
		t.Fatalf("invited Kim: %d at %s\n%s", res.status, res.url, res.body)
	}
	u, err := e.svc.GetUser(e.ctx, e.admin, kim.ID)
	if err != nil || u.Status != gatehouse.StatusActive || !u.EmailVerified || u.Invitation == nil || u.Invitation.AcceptedAt == nil {
		t.Fatalf("Kim after her first single sign-on: %+v, %v", u, err)
	}
	if _, _, err := e.svc.DeactivateUser(e.ctx, e.admin, kim.ID); err != nil {
		t.Fatal(err)
	}
	res = e.signInAtProvider(e.browser(""), url.Values{"email": {"kim@acme.example"}}, "kim@acme.example")
	if res.status != http.StatusUnauthorized || !strings.Contains(res.body, "deactivated") {
		t.Fatalf("deactivated Kim: %d\n%s", res.status, res.body)
	}
}
