package ui_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// upload posts a file to the Import page as a browser's file input does.
func (b *browser) upload(path, name, file string, fields url.Values) result {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	part, _ := w.CreateFormFile("file", name)
	part.Write([]byte(file))
	w.Close()
	req, err := http.NewRequest(http.MethodPost, b.e.srv.URL+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", b.e.srv.URL)
	return b.do(req)
}

func (e *env) userCount() int {
	e.t.Helper()
	users, err := e.svc.ListUsers(e.ctx, e.admin, gatehouse.UserFilter{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(users)
}

// The Import page: a file with a bad row shows every error by row and
// writes nothing; a good one is checked, then imported on confirmation.
func TestImportPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	e.group("Technician", "work_orders.view")
	e.facility("Depot")
	b := e.signIn("ada@acme.test")
	has(t, "users", b.page("/users", http.StatusOK), `href="/users/import"`, `href="/users/export"`)
	has(t, "import", b.page("/users/import", http.StatusOK), `type="file"`, "Check file", "first_name")
	before := e.userCount()

	bad := "first_name,last_name,email,groups\nAnn,Archer,ann@acme.test,Technician\nBob,Baker,bob@acme.test,Plumbers\n"
	res := b.upload("/users/import", "users.csv", bad, url.Values{"step": {"check"}})
	if res.status != http.StatusOK {
		t.Fatalf("check: %d\n%s", res.status, res.body)
	}
	lint(t, "import report", res)
	has(t, "report", res, "1 error in the file: nothing was imported", "<td>3</td>", "<code>groups</code>", "Group &#34;Plumbers&#34; not found")
	hasNot(t, "report", res, "Import 2 users")
	if got := e.userCount(); got != before {
		t.Fatalf("%d users after a check, want %d", got, before)
	}
	// An import of the bad file itself (a confirmation forged, or the
	// organization changed since the check) writes nothing either.
	res = b.post("/users/import", url.Values{"step": {"import"}, "csv": {bad}})
	if res.status != http.StatusBadRequest || e.userCount() != before {
		t.Fatalf("import of a bad file: %d, %d users", res.status, e.userCount())
	}
	has(t, "refused import", res, "nothing was imported")

	good := strings.Replace(bad, "Plumbers", "technician", 1) + "Cat,Carter,cat@acme.test,\n"
	res = b.post("/users/import", url.Values{"step": {"check"}, "csv": {good}})
	lint(t, "import ready", res)
	has(t, "ready", res, "All 3 rows are valid", "Import 3 users", `name="step" value="import"`)
	if got := e.userCount(); got != before {
		t.Fatalf("%d users after a check, want %d", got, before)
	}
	res = b.post("/users/import", url.Values{"step": {"import"}, "csv": {good}})
	if res.status != http.StatusOK || res.url.Path != "/users" {
		t.Fatalf("import: %d at %s\n%s", res.status, res.url, res.body)
	}
	has(t, "after import", res, "Users imported", "cat@acme.test")
	if got := e.userCount(); got != before+3 {
		t.Fatalf("%d users, want %d", got, before+3)
	}
	// Nothing chosen.
	res = b.post("/users/import", url.Values{"step": {"check"}})
	if res.status != http.StatusBadRequest {
		t.Fatalf("empty: %d", res.status)
	}
	has(t, "empty", res, "Choose a CSV file")
}

// The list's Export CSV link carries its filters, and the export holds
// the users they select.
func TestExportFromTheUsersList(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	tech := e.group("Technician", "work_orders.view")
	e.invite("Tess", "Tech", "tess@acme.test", service.UserInput{GroupIDs: []string{tech.ID}})
	e.invite("Otto", "Other", "otto@acme.test", service.UserInput{})
	b := e.signIn("ada@acme.test")
	list := b.page("/users?status=invited&group_id="+tech.ID+"&sort=name", http.StatusOK)
	link := `href="/users/export?group_id=` + tech.ID + `&amp;sort=name&amp;status=invited"`
	has(t, "list", list, link)
	res := b.get("/users/export?group_id=" + tech.ID + "&sort=name&status=invited")
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %v", res.status, res.header)
	}
	want := "first_name,last_name,email,phone,groups,facilities,licence,full_access\nTess,Tech,tess@acme.test,,Technician,,,no\n"
	if res.body != want {
		t.Fatalf("export:\n%s\nwant\n%s", res.body, want)
	}
}
