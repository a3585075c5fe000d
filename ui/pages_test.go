package ui_test

import (
	"context"
	"fmt"
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

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/store/storetest"
	"github.com/gatehouse/gatehouse/ui"
)

const password = "correct horse battery"

// env is the web UI on a real SQLite file with one organization whose
// first admin (full access) has a password.
type env struct {
	t     *testing.T
	ctx   context.Context
	svc   *service.Service
	srv   *httptest.Server
	org   *service.Founded
	admin gatehouse.Actor
	db    *store.DB
}

func newEnv(t *testing.T, template string, opts ...ui.Option) *env {
	t.Helper()
	return newEnvAt(t, "", template, nil, opts...)
}

// newEnvAt is newEnv whose links (and WebAuthn relying party) start with
// baseURL, and whose service configure changes when not nil.
func newEnvAt(t *testing.T, baseURL, template string, configure func(*service.Config), opts ...ui.Option) *env {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg := testsupport.ServiceConfig(baseURL, nil)
	if configure != nil {
		configure(&cfg)
	}
	svc := service.New(db, cfg)
	_, data, err := catalogs.Load(template)
	if err != nil {
		t.Fatal(err)
	}
	org, err := svc.CreateOrganization(ctx, service.NewOrganization{Name: "Acme Stores", Catalog: data,
		AdminEmail: "ada@acme.test", AdminFirstName: "Ada", AdminLastName: "Admin"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetPassword(ctx, gatehouse.SystemActor(org.Org.ID), org.Admin.ID, password); err != nil {
		t.Fatal(err)
	}
	h, err := ui.New(svc, slog.New(slog.NewTextHandler(io.Discard, nil)), opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, ctx: ctx, svc: svc, srv: srv, org: org, admin: gatehouse.Actor{OrgID: org.Org.ID, UserID: org.Admin.ID}, db: db}
}

// invite adds an invited user through the service (no password: fast).
func (e *env) invite(first, last, email string, in service.UserInput) *gatehouse.User {
	e.t.Helper()
	in.FirstName, in.LastName, in.Email = first, last, email
	inv, err := e.svc.InviteUser(e.ctx, e.admin, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return inv.User
}

// activeUser adds a user who accepted the invitation with the password.
func (e *env) activeUser(first, last, email string, in service.UserInput) *gatehouse.User {
	e.t.Helper()
	in.FirstName, in.LastName, in.Email = first, last, email
	inv, err := e.svc.InviteUser(e.ctx, e.admin, in)
	if err != nil {
		e.t.Fatal(err)
	}
	u, _, err := e.svc.AcceptInvitation(e.ctx, inv.Token, password)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) facility(name string) *gatehouse.Facility {
	e.t.Helper()
	f, _, err := e.svc.CreateFacility(e.ctx, e.admin, service.FacilityInput{Name: name})
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

func (e *env) group(name string, perms ...string) *gatehouse.Group {
	e.t.Helper()
	g, _, err := e.svc.CreateGroup(e.ctx, e.admin, service.GroupInput{Name: name, Permissions: perms})
	if err != nil {
		e.t.Fatal(err)
	}
	return g
}

// browser is one signed-in browser: a cookie jar.
type browser struct {
	t *testing.T
	e *env
	c *http.Client
}

// result is a page as the browser ended up on it, after redirects.
type result struct {
	status int
	body   string
	url    *url.URL
	header http.Header
}

func (e *env) signIn(email string) *browser {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{t: e.t, e: e, c: &http.Client{Jar: jar}}
	res := b.post("/sign-in", url.Values{"email": {email}, "password": {password}})
	if res.status != http.StatusOK || res.url.Path != "/users" {
		e.t.Fatalf("sign-in as %s: %d at %s\n%s", email, res.status, res.url, res.body)
	}
	return b
}

func (b *browser) do(req *http.Request) result {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return result{status: resp.StatusCode, body: string(body), url: resp.Request.URL, header: resp.Header}
}

func (b *browser) get(path string) result {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.e.srv.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post submits a form as a browser of this site does.
func (b *browser) post(path string, form url.Values) result {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.srv.URL)
	return b.do(req)
}

// page fetches a page, wants the status, checks its markup and returns it.
func (b *browser) page(path string, status int) result {
	b.t.Helper()
	res := b.get(path)
	if res.status != status {
		b.t.Fatalf("GET %s: status %d, want %d\n%s", path, res.status, status, res.body)
	}
	lint(b.t, path, res)
	return res
}

func has(t *testing.T, what string, res result, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(res.body, p) {
			t.Errorf("%s: %q missing from the page\n%s", what, p, res.body)
		}
	}
}

func hasNot(t *testing.T, what string, res result, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(res.body, p) {
			t.Errorf("%s: %q should not be on the page", what, p)
		}
	}
}

var (
	tagRe     = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	attrRe    = regexp.MustCompile(`\b(id|type|aria-label|aria-labelledby)="([^"]*)"`)
	labelRe   = regexp.MustCompile(`<label[^>]*\bfor="([^"]+)"`)
	idRe      = regexp.MustCompile(`\bid="([^"]+)"`)
	headingRe = regexp.MustCompile(`<h([1-6])\b`)
	thRe      = regexp.MustCompile(`<th\b[^>]*>`)
	anchorRe  = regexp.MustCompile(`<a\b[^>]*>`)
	scriptRe  = regexp.MustCompile(`<script\b[^>]*>`)
)

// lint checks what every page promises: a strict CSP, no inline scripts or
// styles, a label on every input, headings in order, th with scope, real
// hrefs and unique ids.
func lint(t *testing.T, path string, res result) {
	t.Helper()
	if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("%s: Content-Security-Policy %q", path, csp)
	}
	body := res.body
	if strings.Contains(body, " style=") || strings.Contains(body, "<style") {
		t.Errorf("%s: inline style", path)
	}
	for _, tag := range scriptRe.FindAllString(body, -1) {
		if !strings.Contains(tag, " src=") {
			t.Errorf("%s: inline script %s", path, tag)
		}
	}
	if strings.Contains(body, " on") && regexp.MustCompile(`\son[a-z]+=`).MatchString(body) {
		t.Errorf("%s: inline event handler", path)
	}
	labelled := map[string]bool{}
	for _, m := range labelRe.FindAllStringSubmatch(body, -1) {
		labelled[m[1]] = true
	}
	for _, tag := range tagRe.FindAllString(body, -1) {
		attrs := map[string]string{}
		for _, m := range attrRe.FindAllStringSubmatch(tag, -1) {
			attrs[m[1]] = m[2]
		}
		if attrs["type"] == "hidden" || attrs["type"] == "submit" {
			continue
		}
		if !labelled[attrs["id"]] && attrs["aria-label"] == "" && attrs["aria-labelledby"] == "" {
			t.Errorf("%s: no label for %s", path, tag)
		}
	}
	seen := map[string]bool{}
	for _, m := range idRe.FindAllStringSubmatch(body, -1) {
		if seen[m[1]] {
			t.Errorf("%s: duplicate id %q", path, m[1])
		}
		seen[m[1]] = true
	}
	levels := headingRe.FindAllStringSubmatch(body, -1)
	if len(levels) == 0 || levels[0][1] != "1" {
		t.Errorf("%s: the first heading is not an h1", path)
	}
	prev, h1s := 0, 0
	for _, m := range levels {
		level := int(m[1][0] - '0')
		if level == 1 {
			h1s++
		}
		if level > prev+1 {
			t.Errorf("%s: h%d follows h%d", path, level, prev)
		}
		prev = level
	}
	if h1s != 1 {
		t.Errorf("%s: %d h1 headings", path, h1s)
	}
	for _, th := range thRe.FindAllString(body, -1) {
		if !strings.Contains(th, "scope=") {
			t.Errorf("%s: %s without scope", path, th)
		}
	}
	for _, a := range anchorRe.FindAllString(body, -1) {
		if !strings.Contains(a, `href="`) || strings.Contains(a, `href=""`) || strings.Contains(a, `href="#"`) || strings.Contains(a, "javascript:") {
			t.Errorf("%s: link without a real href: %s", path, a)
		}
	}
}

// enabledPermissions lists the permission checkboxes a form offers.
func enabledPermissions(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<input id="perm-([^"]+)" name="permissions" value="[^"]+" type="checkbox"([^>]*)>`).FindAllStringSubmatch(body, -1) {
		if !strings.Contains(m[2], " disabled") {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

func lastSegment(u *url.URL) string { return u.Path[strings.LastIndex(u.Path, "/")+1:] }

func TestEveryPageRenders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	depot := e.facility("Depot")
	tech := e.group("Technician", "work_orders.view", "work_orders.create")
	tess := e.invite("Tess", "Tech", "tess@acme.test", service.UserInput{GroupIDs: []string{tech.ID}, FacilityIDs: []string{depot.ID}})
	b := e.signIn("ada@acme.test")

	for path, want := range map[string][]string{
		"/users":                        {"Invite User", "Tess", "tess@acme.test", "Technician"},
		"/users/new":                    {`id="full_access"`, "Send invitation", "Depot", "Technician"},
		"/users/" + tess.ID:             {"Save changes", "Regenerate invite", "Effective access"},
		"/groups":                       {"Create Group", `href="/groups/` + tech.ID + `"`, "Technician", `<td data-label="Permissions">2</td>`},
		"/groups/new":                   {`<fieldset class="category">`, "work_orders.view_own", "Create group"},
		"/groups/" + tech.ID:            {"Technician", "Tess Tech", "Delete group", `checked`},
		"/facilities":                   {"Add a facility", "Depot", "All facilities"},
		"/facilities/" + depot.ID:       {"Depot", "Who is assigned", "Tess Tech", "Archive"},
		"/audit":                        {"group.created", "facility.created", "user.invited", "Tess Tech"},
		"/reference":                    {"Permissions Reference", "audit_logs.view", "manage_groups"},
		"/account":                      {"Your account", "ada@acme.test", "This session", "Create API key"},
		"/users/" + tess.ID + "/access": {"Explain a decision", "work_orders.view"},
	} {
		res := b.page(path, http.StatusOK)
		has(t, path, res, want...)
	}
	if res := b.get("/groups/grp_nope"); res.status != http.StatusNotFound {
		t.Errorf("unknown group: %d", res.status)
	}
	if res := b.get("/facilities/fac_nope"); res.status != http.StatusNotFound {
		t.Errorf("unknown facility: %d", res.status)
	}

	// Signed out, every page leads to the sign-in page.
	jar, _ := cookiejar.New(nil)
	anon := &browser{t: t, e: e, c: &http.Client{Jar: jar}}
	for _, path := range []string{"/groups", "/facilities", "/audit", "/reference", "/account"} {
		if res := anon.get(path); res.url.Path != "/sign-in" || res.url.Query().Get("next") != path {
			t.Errorf("%s signed out: ended at %s", path, res.url)
		}
	}
}

func TestGroupCreateEditDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	b := e.signIn("ada@acme.test")

	// A field error is shown next to its field, and what was typed is kept.
	res := b.post("/groups/new", url.Values{"name": {"  "}, "description": {"Runs a store"}, "permissions": {"work_orders.view"}})
	if res.status != http.StatusBadRequest {
		t.Fatalf("empty name: %d", res.status)
	}
	lint(t, "/groups/new (error)", res)
	has(t, "empty name", res, `id="name-error"`, `aria-invalid="true"`, "Runs a store",
		`<input id="perm-work_orders.view" name="permissions" value="work_orders.view" type="checkbox" checked>`)

	res = b.post("/groups/new", url.Values{"name": {"Store Manager"}, "description": {"Runs a store"},
		"permissions": {"work_orders.view", "work_orders.create", "facilities.view"}})
	if res.status != http.StatusOK || !strings.HasPrefix(res.url.Path, "/groups/grp_") {
		t.Fatalf("create: %d at %s\n%s", res.status, res.url, res.body)
	}
	id := lastSegment(res.url)
	has(t, "created", res, `<p class="flash" role="status">Group created.</p>`, "Store Manager", "Runs a store")
	if got := enabledPermissions(res.body); len(got) != 40 {
		t.Errorf("full access admin is offered %d permissions, want 40", len(got))
	}
	for _, code := range []string{"work_orders.view", "work_orders.create", "facilities.view"} {
		has(t, "created", res, fmt.Sprintf(`value="%s" type="checkbox" checked>`, code))
	}
	g, err := e.svc.GetGroup(e.ctx, e.admin, id)
	if err != nil || !slices.Equal(g.Permissions, []string{"facilities.view", "work_orders.create", "work_orders.view"}) {
		t.Fatalf("stored group: %+v %v", g, err)
	}

	// A duplicate name is refused beside the name field.
	res = b.post("/groups/new", url.Values{"name": {"store manager"}})
	if res.status != http.StatusConflict { // as the API answers
		t.Fatalf("duplicate: %d", res.status)
	}
	has(t, "duplicate", res, `id="name-error"`, "already taken")

	// Edit: rename, and swap a permission; clearing every box is allowed too.
	res = b.post("/groups/"+id, url.Values{"name": {"Store Managers"}, "description": {""}, "permissions": {"work_orders.view", "assets.view"}})
	if res.status != http.StatusOK || res.url.Path != "/groups/"+id || res.url.Query().Get("done") != "saved" {
		t.Fatalf("edit: %d at %s", res.status, res.url)
	}
	g, _ = e.svc.GetGroup(e.ctx, e.admin, id)
	if g.Name != "Store Managers" || g.Description != "" || !slices.Equal(g.Permissions, []string{"assets.view", "work_orders.view"}) {
		t.Fatalf("edited group: %+v", g)
	}

	// Members, shown on the group and on the delete confirmation.
	depot := e.facility("Depot")
	mia := e.invite("Mia", "Manager", "mia@acme.test", service.UserInput{GroupIDs: []string{id}, FacilityIDs: []string{depot.ID}})
	e.invite("Max", "Manager", "max@acme.test", service.UserInput{GroupIDs: []string{id}}) // no facility: the group gives him nothing
	res = b.page("/groups/"+id, http.StatusOK)
	has(t, "members", res, "Members (2)", `href="/users/`+mia.ID+`"`, "Mia Manager", "Max Manager")
	res = b.page("/groups", http.StatusOK)
	has(t, "list", res, "Store Managers", `aria-label="2 members of Store Managers">2</a>`)

	res = b.page("/groups/"+id+"/delete", http.StatusOK)
	has(t, "confirm", res, "Delete group “Store Managers”?", "This group has 2 members.", "1 person's access changes", "Mia Manager",
		`<span class="lost">Loses</span> at Depot: <code>assets.view</code>, <code>work_orders.view</code>, <code>work_orders.view_own</code>`, `action="/groups/`+id+`/delete"`)
	hasNot(t, "confirm", res, "Max Manager")
	if g, _ := e.svc.GetGroup(e.ctx, e.admin, id); g == nil {
		t.Fatal("the confirmation page deleted the group")
	}
	res = b.post("/groups/"+id+"/delete", nil)
	if res.status != http.StatusOK || res.url.Path != "/groups" {
		t.Fatalf("delete: %d at %s", res.status, res.url)
	}
	has(t, "deleted", res, `<p class="flash" role="status">Group deleted.</p>`)
	hasNot(t, "deleted", res, `href="/groups/`+id+`"`)
	if _, err := e.svc.GetGroup(e.ctx, e.admin, id); gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
		t.Fatalf("group still there: %v", err)
	}
	if u, _ := e.svc.GetUser(e.ctx, e.admin, mia.ID); len(u.GroupIDs) != 0 {
		t.Fatalf("member keeps the deleted group: %v", u.GroupIDs)
	}
}

func TestFacilityCreateRenameArchive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	b := e.signIn("ada@acme.test")

	res := b.post("/facilities", url.Values{"name": {""}, "external_id": {"S-1"}})
	if res.status != http.StatusBadRequest {
		t.Fatalf("empty name: %d", res.status)
	}
	lint(t, "/facilities (error)", res)
	has(t, "empty name", res, `id="name-error"`, `value="S-1"`)

	res = b.post("/facilities", url.Values{"name": {"Store 1"}, "external_id": {"S-1"}})
	if res.status != http.StatusOK || !strings.HasPrefix(res.url.Path, "/facilities/fac_") {
		t.Fatalf("create: %d at %s\n%s", res.status, res.url, res.body)
	}
	id := lastSegment(res.url)
	has(t, "created", res, `<p class="flash" role="status">Facility created.</p>`, "Store 1", "S-1", "Nobody is assigned")
	b.post("/facilities", url.Values{"name": {"Store 2"}, "external_id": {"S-2"}})

	// Rename, and an external id already in use is refused beside its field.
	res = b.post("/facilities/"+id, url.Values{"action": {"save"}, "name": {"Store One"}, "external_id": {"S-2"}})
	if res.status != http.StatusBadRequest {
		t.Fatalf("duplicate external id: %d", res.status)
	}
	has(t, "duplicate external id", res, `id="external_id-error"`, `value="Store One"`)
	res = b.post("/facilities/"+id, url.Values{"action": {"save"}, "name": {"Store One"}, "external_id": {"S-1b"}})
	if res.status != http.StatusOK || res.url.Query().Get("done") != "saved" {
		t.Fatalf("rename: %d at %s", res.status, res.url)
	}
	has(t, "renamed", res, "<h1>Store One", "S-1b")

	// Archive and unarchive.
	res = b.post("/facilities/"+id, url.Values{"action": {"archive"}})
	has(t, "archived", res, "Facility archived.", "Unarchive", `status-inactive">archived`)
	if f, _ := e.svc.GetFacility(e.ctx, e.admin, id); !f.Archived {
		t.Fatal("not archived")
	}
	res = b.page("/facilities?archived=yes", http.StatusOK)
	has(t, "archived filter", res, "Store One")
	hasNot(t, "archived filter", res, "Store 2")
	res = b.post("/facilities/"+id, url.Values{"action": {"unarchive"}})
	has(t, "unarchived", res, "Facility restored.", ">Archive</button>")

	// Who is assigned.
	tess := e.invite("Tess", "Tech", "tess@acme.test", service.UserInput{FacilityIDs: []string{id}})
	res = b.page("/facilities/"+id, http.StatusOK)
	has(t, "assigned", res, `href="/users/`+tess.ID+`"`, "Tess Tech")
	res = b.page("/facilities", http.StatusOK)
	has(t, "list", res, "Store One", "S-1b", "Store 2")

	// The audit log lists the writes, with their changes.
	res = b.page("/audit", http.StatusOK)
	has(t, "audit", res, "facility.created", "facility.updated", "facility.archived", "facility.unarchived",
		"Store 1 → Store One", "S-1 → S-1b", "no → yes", `href="/facilities/`+id+`"`, "Ada Admin")
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	b := e.signIn("ada@acme.test")
	res := b.post("/groups/new", url.Values{"name": {"Technician"}, "permissions": {"work_orders.view"}})
	id := lastSegment(res.url)
	b.post("/groups/"+id, url.Values{"name": {"Technicians"}, "permissions": {"work_orders.view", "work_orders.edit"}})
	b.post("/groups/"+id+"/delete", nil)

	res = b.page("/audit", http.StatusOK)
	has(t, "audit", res, "group.created", "group.updated", "group.deleted", "session.created",
		"Technician → Technicians", "&#43;work_orders.edit", "Technicians ("+id+")", `href="/users/`+e.org.Admin.ID+`" title="`+e.org.Admin.ID+`">Ada Admin</a>`)
	// Newest first.
	if strings.Index(res.body, "<code>group.deleted</code>") > strings.Index(res.body, "<code>group.created</code>") {
		t.Error("the audit log is not newest first")
	}

	res = b.page("/audit?action=group.updated", http.StatusOK)
	has(t, "filter by action", res, "group.updated")
	hasNot(t, "filter by action", res, "<code>group.created</code>", "<code>group.deleted</code>")
	res = b.page("/audit?target_id="+id, http.StatusOK)
	if n := strings.Count(res.body, "<code>group."); n != 3 {
		t.Errorf("filter by target: %d group events, want 3", n)
	}
	res = b.page("/audit?actor_id="+e.org.Admin.ID+"&since=2000-01-01&until=2999-01-01T00:00", http.StatusOK)
	has(t, "filter by actor and time", res, "group.created")
	hasNot(t, "filter by actor and time", res, "<code>organization.created</code>") // the system did that
	res = b.page("/audit?until=2000-01-01", http.StatusOK)
	has(t, "until long ago", res, "No events match.")
	res = b.get("/audit?since=yesterday")
	if res.status != http.StatusBadRequest || !strings.Contains(res.body, `id="since-error"`) {
		t.Errorf("bad date: %d", res.status)
	}

	// Cursor paging: older events behind a link.
	for i := range 55 {
		e.facility(fmt.Sprintf("Store %02d", i))
	}
	res = b.page("/audit?action=facility.created", http.StatusOK)
	if n := strings.Count(res.body, "<code>facility.created</code>"); n != 50 {
		t.Fatalf("first page: %d events", n)
	}
	has(t, "first page", res, "Store 54", "Older events")
	next := regexp.MustCompile(`<a rel="next" href="([^"]+)">Older events`).FindStringSubmatch(res.body)
	if next == nil {
		t.Fatal("no link to older events")
	}
	res = b.page(strings.ReplaceAll(next[1], "&amp;", "&"), http.StatusOK)
	if n := strings.Count(res.body, "<code>facility.created</code>"); n != 5 {
		t.Fatalf("second page: %d events", n)
	}
	has(t, "second page", res, "Store 00", "Newest events")
	hasNot(t, "second page", res, "Store 54", "Older events")
}

func TestReferenceListsEveryCodename(t *testing.T) {
	t.Parallel()
	for _, template := range []string{"facilities", "compliance"} {
		t.Run(template, func(t *testing.T) {
			e := newEnv(t, template)
			b := e.signIn("ada@acme.test")
			res := b.page("/reference", http.StatusOK)
			catalog, _, _ := catalogs.Load(template)
			for _, p := range catalog.Permissions() {
				has(t, p.Codename, res, "<code>"+p.Codename+"</code>")
			}
			for _, op := range gatehouse.AdminOperations {
				has(t, op, res, "<code>"+op+"</code>")
			}
			if template == "compliance" {
				for _, l := range catalog.Licences {
					has(t, l.Name, res, "<code>"+l.Name+"</code>")
				}
				has(t, "ladder", res, "External Auditor", "Minimum licence")
			} else {
				has(t, "no ladder", res, "This catalog has no licences")
			}
		})
	}
}

func TestAccountSessionsAndAPIKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	b := e.signIn("ada@acme.test")

	res := b.post("/account/api-keys", url.Values{"name": {""}})
	if res.status != http.StatusBadRequest {
		t.Fatalf("empty key name: %d", res.status)
	}
	has(t, "empty key name", res, `id="name-error"`)

	res = b.post("/account/api-keys", url.Values{"name": {"Work order service"}})
	if res.status != http.StatusOK || res.url.Path != "/account/api-keys" {
		t.Fatalf("create key: %d at %s (the secret must not travel in a redirect)", res.status, res.url)
	}
	lint(t, "/account/api-keys", res)
	secret := regexp.MustCompile(`id="new-secret" readonly value="(ghk_[^"]+)"`).FindStringSubmatch(res.body)
	if secret == nil {
		t.Fatalf("no secret on the page\n%s", res.body)
	}
	has(t, "new key", res, "it is not shown again", "Work order service")
	if res.header.Get("Cache-Control") != "no-store" {
		t.Errorf("the page with the secret may be cached: %q", res.header.Get("Cache-Control"))
	}
	actor, err := e.svc.AuthenticateAPIKey(e.ctx, secret[1])
	if err != nil || actor.UserID != e.org.Admin.ID {
		t.Fatalf("the shown secret does not work: %v", err)
	}
	res = b.page("/account", http.StatusOK)
	has(t, "account", res, "Work order service", secret[1][:10])
	hasNot(t, "account", res, secret[1])

	keys, _ := e.svc.APIKeys(e.ctx, e.admin)
	var keyID string
	for _, k := range keys {
		if k.Name == "Work order service" {
			keyID = k.ID
		}
	}
	res = b.post("/account/api-keys/"+keyID+"/revoke", nil)
	if res.status != http.StatusOK || res.url.Path != "/account" {
		t.Fatalf("revoke: %d at %s", res.status, res.url)
	}
	has(t, "revoked", res, "The API key was revoked")
	if _, err := e.svc.AuthenticateAPIKey(e.ctx, secret[1]); err == nil {
		t.Fatal("a revoked key still works")
	}

	// Sessions: this one is marked; another one can be signed out.
	other := e.signIn("ada@acme.test")
	res = b.page("/account", http.StatusOK)
	has(t, "sessions", res, "This session")
	forms := regexp.MustCompile(`action="/account/sessions/([^"/]+)/revoke"`).FindAllStringSubmatch(res.body, -1)
	if len(forms) != 1 {
		t.Fatalf("%d sessions offered for sign-out, want 1 (the other browser)", len(forms))
	}
	res = b.post("/account/sessions/"+forms[0][1]+"/revoke", nil)
	has(t, "session revoked", res, "The session was signed out.")
	if res := other.get("/account"); res.url.Path != "/sign-in" {
		t.Fatalf("the signed-out browser still sees %s", res.url)
	}
	if res := b.get("/account"); res.url.Path != "/account" {
		t.Fatalf("this browser was signed out too: %s", res.url)
	}
}

func TestLimitedAdminSeesNoEscalation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	mine, theirs := e.facility("North Store"), e.facility("South Store")
	admins := e.group("User admins", "users.view", "users.create", "users.edit", "facilities.view")
	tech := e.group("Technician", "work_orders.view")
	e.group("Everything", "users.view", "users.delete")
	e.activeUser("Lim", "Ited", "lim@acme.test", service.UserInput{GroupIDs: []string{admins.ID}, FacilityIDs: []string{mine.ID}})
	e.invite("Sam", "South", "sam@acme.test", service.UserInput{FacilityIDs: []string{theirs.ID}, GroupIDs: []string{tech.ID}})
	b := e.signIn("lim@acme.test")
	held := []string{"facilities.view", "users.create", "users.edit", "users.view"}

	res := b.page("/users/new", http.StatusOK)
	hasNot(t, "invite form", res, `id="full_access"`, "South Store")
	has(t, "invite form", res, "North Store", `<input id="group-`+tech.ID+`" type="checkbox" disabled>`)
	if got := enabledPermissions(res.body); !slices.Equal(got, held) {
		t.Errorf("invite form offers %v, want %v", got, held)
	}
	res = b.page("/groups/new", http.StatusOK)
	if got := enabledPermissions(res.body); !slices.Equal(got, held) {
		t.Errorf("group form offers %v, want %v", got, held)
	}
	has(t, "group form", res, `<input id="perm-users.delete" type="checkbox" disabled>`)

	// A group holding what they lack keeps it through a hidden input.
	res = b.page("/groups/"+tech.ID, http.StatusOK)
	has(t, "technician", res, `<input id="perm-work_orders.view" type="checkbox" disabled checked><input type="hidden" name="permissions" value="work_orders.view">`)
	res = b.post("/groups/"+tech.ID, url.Values{"name": {"Technicians"}, "permissions": {"work_orders.view", "users.view"}})
	if res.status != http.StatusOK {
		t.Fatalf("limited admin edits a group within their permissions: %d\n%s", res.status, res.body)
	}
	// The server refuses what the form does not offer.
	res = b.post("/groups/"+tech.ID, url.Values{"name": {"Technicians"}, "permissions": {"work_orders.view", "users.delete"}})
	if res.status != http.StatusForbidden || !strings.Contains(res.body, "users.delete") {
		t.Fatalf("escalation through a group: %d", res.status)
	}
	res = b.post("/users/new", url.Values{"first_name": {"Eve"}, "last_name": {"Il"}, "email": {"eve@acme.test"}, "full_access": {"on"}})
	if res.status != http.StatusForbidden {
		t.Fatalf("limited admin invites with full access: %d", res.status)
	}

	// Only their facilities; no audit log.
	res = b.page("/facilities", http.StatusOK)
	has(t, "facilities", res, "North Store", "Your facilities")
	hasNot(t, "facilities", res, "South Store", "Add a facility")
	if res := b.get("/facilities/" + theirs.ID); res.status != http.StatusNotFound {
		t.Errorf("another facility: %d", res.status)
	}
	res = b.page("/users", http.StatusOK)
	has(t, "users", res, "Lim Ited")
	hasNot(t, "users", res, "Sam South", `href="/audit"`)
	if res := b.get("/audit"); res.status != http.StatusForbidden {
		t.Errorf("audit log for a limited admin: %d", res.status)
	}
	res = b.page("/account", http.StatusOK)
	has(t, "account", res, "User admins", "North Store")
}

func TestUserPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	depot := e.facility("Depot")
	tech := e.group("Technician", "work_orders.view")
	var techs []*gatehouse.User
	for i := range 55 {
		in := service.UserInput{}
		if i%5 == 0 {
			in.GroupIDs, in.FacilityIDs = []string{tech.ID}, []string{depot.ID}
		}
		u := e.invite(fmt.Sprintf("User%02d", i), fmt.Sprintf("Last%02d", 54-i), fmt.Sprintf("user%02d@acme.test", i), in)
		if i%5 == 0 {
			techs = append(techs, u)
		}
	}
	b := e.signIn("ada@acme.test")

	// Paging: 50, then the rest behind "Next page".
	res := b.page("/users?status=invited", http.StatusOK)
	if n := strings.Count(res.body, `<span class="status status-invited">`); n != 50 {
		t.Fatalf("first page: %d users", n)
	}
	next := regexp.MustCompile(`<a rel="next" href="([^"]+)">Next page`).FindStringSubmatch(res.body)
	if next == nil {
		t.Fatal("no next page")
	}
	res = b.page(strings.ReplaceAll(next[1], "&amp;", "&"), http.StatusOK)
	if n := strings.Count(res.body, `<span class="status status-invited">`); n != 5 {
		t.Fatalf("second page: %d users", n)
	}

	// Sorting by name (last name first), descending.
	res = b.page("/users?sort=name&order=desc&q=user0", http.StatusOK)
	i0, i9 := strings.Index(res.body, "User00 Last54"), strings.Index(res.body, "User09 Last45")
	if i0 < 0 || i9 < 0 || i0 > i9 {
		t.Errorf("sort by name descending: User00 Last54 at %d, User09 Last45 at %d", i0, i9)
	}
	// Filters: group, facility, search.
	for _, q := range []string{"group_id=" + tech.ID, "facility_id=" + depot.ID} {
		res = b.page("/users?"+q, http.StatusOK)
		if n := strings.Count(res.body, `<span class="status status-`); n != len(techs) {
			t.Errorf("%s: %d users, want %d", q, n, len(techs))
		}
	}
	res = b.page("/users?q=user07", http.StatusOK)
	has(t, "search", res, "user07@acme.test")
	hasNot(t, "search", res, "user08@acme.test")

	// Invite with a field error shown next to the field.
	res = b.post("/users/new", url.Values{"first_name": {"Nia"}, "last_name": {"New"}, "email": {"not-an-email"}, "group_ids": {tech.ID}})
	if res.status != http.StatusBadRequest {
		t.Fatalf("bad email: %d", res.status)
	}
	lint(t, "/users/new (error)", res)
	has(t, "bad email", res, `aria-invalid="true" aria-describedby="email-error"`, `<p class="field-error" id="email-error">`, `value="Nia"`)
	res = b.post("/users/new", url.Values{"first_name": {"Nia"}, "last_name": {"New"}, "email": {"nia@acme.test"}, "group_ids": {tech.ID}, "facility_ids": {depot.ID}})
	if res.status != http.StatusOK || !strings.HasPrefix(res.url.Path, "/users/usr_") {
		t.Fatalf("invite: %d at %s", res.status, res.url)
	}
	has(t, "invited", res, `<p class="flash" role="status">Invitation sent.</p>`, "nia@acme.test")
	nia := lastSegment(res.url)

	// Edit.
	res = b.post("/users/"+nia, url.Values{"first_name": {"Nia"}, "last_name": {"Newer"}, "email": {"nia@acme.test"}, "phone": {"+44 20 7946 0000"},
		"access_shown": {"yes"}, "full_access_shown": {"yes"}, "group_ids": {tech.ID}, "facility_ids": {depot.ID}})
	if res.status != http.StatusOK || res.url.Query().Get("done") != "saved" {
		t.Fatalf("edit: %d at %s", res.status, res.url)
	}
	if u, _ := e.svc.GetUser(e.ctx, e.admin, nia); u.LastName != "Newer" || u.Phone != "+442079460000" {
		t.Fatalf("edited user: %+v", u)
	}

	// Deactivate: a confirmation first, then the deed.
	res = b.page("/users/"+nia+"/deactivate", http.StatusOK)
	has(t, "confirm", res, "Deactivate Nia Newer?", `action="/users/`+nia+`/deactivate"`)
	if u, _ := e.svc.GetUser(e.ctx, e.admin, nia); u.Status != gatehouse.StatusInvited {
		t.Fatal("the confirmation page acted")
	}
	res = b.post("/users/"+nia+"/deactivate", nil)
	has(t, "deactivated", res, "Deactivated.")
	if u, _ := e.svc.GetUser(e.ctx, e.admin, nia); u.Status != gatehouse.StatusInactive {
		t.Fatalf("status %s", u.Status)
	}

	// Access page with Explain.
	active := techs[0]
	res = b.page("/users/"+active.ID+"/access?permission=work_orders.view&facility_id="+depot.ID, http.StatusOK)
	has(t, "explain", res, `id="decision"`, "Denied", "user_invited")
	res = b.page("/users/"+e.org.Admin.ID+"/access?permission=work_orders.view&facility_id="+depot.ID, http.StatusOK)
	has(t, "explain admin", res, "Allowed", "full_access")
}
