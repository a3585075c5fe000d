package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/service"
)

// checkbox returns the permission checkbox's tag in a form.
func checkbox(t *testing.T, res result, code string) string {
	t.Helper()
	tag := regexp.MustCompile(`<input id="perm-` + regexp.QuoteMeta(code) + `"[^>]*>`).FindString(res.body)
	if tag == "" {
		t.Fatalf("no checkbox for %s", code)
	}
	return tag
}

// TestLicencesInPlainSight: in a compliance organization the user list has
// a licence column and filter; the user form shows each permission's
// minimum licence, disables direct permissions above the user's licence
// with the reason (every tier's reason in the page for the script), says
// which of a group's permissions the licence keeps out; the server's
// refusal of a permission above the licence is shown next to the picker;
// the access page has a Licence panel with what the licence stops.
func TestLicencesInPlainSight(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "compliance")
	approvers := e.group("Approvers", "approve_own_close.approve_assets", "visibility.see_all_meetings")
	rita := e.invite("Rita", "Reader", "rita@acme.test", service.UserInput{Licence: "read_report",
		GroupIDs: []string{approvers.ID}, Permissions: []string{"visibility.see_unapproved_items"}})
	b := e.signIn("ada@acme.test")

	// The list: a column and a filter.
	res := b.page("/users", http.StatusOK)
	has(t, "user list", res, `<th scope="col">Licence</th>`, `<select id="licence" name="licence">`,
		`<option value="read_report">Read &amp; Report</option>`, `<td data-label="Licence">Read &amp; Report</td>`, `<td data-label="Licence">Approval</td>`)
	res = b.page("/users?licence=read_report", http.StatusOK)
	has(t, "filter read_report", res, "rita@acme.test", `<option value="read_report" selected>`)
	hasNot(t, "filter read_report", res, "ada@acme.test")
	res = b.page("/users?licence=approval", http.StatusOK)
	has(t, "filter approval", res, "ada@acme.test")
	hasNot(t, "filter approval", res, "rita@acme.test")

	// The form: minimum licences, above-licence permissions disabled with why.
	res = b.page("/users/"+rita.ID, http.StatusOK)
	has(t, "form", res, `<option value="read_report" data-rank="2" selected>`, `<span class="min-licence">Action+</span>`,
		`<span class="min-licence">External Auditor+</span>`)
	above := checkbox(t, res, "create.add_assets")
	if !strings.Contains(above, " disabled") || !strings.Contains(above, `aria-describedby="why-perm-create.add_assets"`) || !strings.Contains(above, `name="permissions"`) {
		t.Errorf("a permission above the licence: %s", above)
	}
	has(t, "reason shown for the chosen licence, kept for the others", res,
		`<span data-rank="2">needs Action or higher</span>`, `<span data-rank="1" hidden>needs Action or higher</span>`)
	if within := checkbox(t, res, "visibility.see_unapproved_items"); strings.Contains(within, "disabled") || !strings.Contains(within, "checked") {
		t.Errorf("a held permission within the licence: %s", within)
	}
	// A tier's own limit is the reason when the minimum allows it.
	has(t, "limit text", res, `<span data-rank="1" hidden>External Auditor: Cannot create/edit</span>`)
	// The group says what the licence keeps out.
	has(t, "group note", res, `aria-describedby="why-group-`+approvers.ID+`"`,
		`<span data-rank="2">The Read &amp; Report licence will not let the user hold 1 of its 2 permissions: approve_own_close.approve_assets</span>`)

	// Without the script: ticking it anyway is refused, next to the picker.
	form := url.Values{"first_name": {"Rita"}, "last_name": {"Reader"}, "email": {"rita@acme.test"}, "access_shown": {"yes"},
		"full_access_shown": {"yes"}, "licence": {"read_report"}, "group_ids": {approvers.ID},
		"permissions": {"visibility.see_unapproved_items", "create.add_assets"}}
	res = b.post("/users/"+rita.ID, form)
	if res.status != http.StatusBadRequest {
		t.Fatalf("above the licence: %d\n%s", res.status, res.body)
	}
	lint(t, "/users/{id} (refused)", res)
	has(t, "refusal", res, `<p class="field-error" id="permissions-error">`, "Read &amp; Report cannot hold create.add_assets (needs Action or higher)")
	// With a licence that may hold it, it is saved.
	form.Set("licence", "action")
	res = b.post("/users/"+rita.ID, form)
	if res.status != http.StatusOK || res.url.Query().Get("done") != "saved" {
		t.Fatalf("licence raised with the permission: %d at %s\n%s", res.status, res.url, res.body)
	}
	res = b.page("/users/"+rita.ID, http.StatusOK)
	if tag := checkbox(t, res, "create.add_assets"); strings.Contains(tag, "disabled") || !strings.Contains(tag, "checked") {
		t.Errorf("held within the new licence: %s", tag)
	}

	// The access page's Licence panel.
	res = b.page("/users/"+rita.ID+"/access", http.StatusOK)
	has(t, "licence panel", res, `<h2 id="licence-h">Licence</h2>`, "<dd>Action", `<td data-label="Category">Approve/Own/Close</td><td data-label="May hold">0 of `,
		`<code>approve_own_close.approve_assets</code></td><td data-label="From">group Approvers</td><td data-label="Why">needs Approval or higher</td>`)
	hasNot(t, "licence panel", res, "<code>visibility.see_all_meetings</code></td><td>group Approvers</td>")

	// A new user's form follows the default licence.
	res = b.page("/users/new", http.StatusOK)
	has(t, "new user", res, `<option value="external_auditor" data-rank="1" selected>`)
	if tag := checkbox(t, res, "visibility.see_unapproved_items"); !strings.Contains(tag, " disabled") {
		t.Errorf("a new External Auditor is offered a Read & Report permission: %s", tag)
	}

	// The group form shows minimum licences, and nothing of any user's licence.
	res = b.page("/groups/"+approvers.ID, http.StatusOK)
	has(t, "group form", res, `<span class="min-licence">Approval+</span>`)
	hasNot(t, "group form", res, "licence-why")

	// An unknown tier in the filter is refused in words.
	res = b.get("/users?licence=platinum")
	if res.status != http.StatusBadRequest || !strings.Contains(res.body, "unknown licence") {
		t.Errorf("unknown licence filter: %d", res.status)
	}
}

// TestNoLicencesNoLicenceUI: a catalog without licences shows none of it.
func TestNoLicencesNoLicenceUI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	u := e.invite("Tess", "Tech", "tess@acme.test", service.UserInput{})
	b := e.signIn("ada@acme.test")
	for _, path := range []string{"/users", "/users/" + u.ID, "/users/" + u.ID + "/access", "/groups/new"} {
		res := b.page(path, http.StatusOK)
		hasNot(t, path, res, "min-licence", "licence-why", `<th scope="col">Licence</th>`, `id="licence-h"`, `id="licence"`)
	}
}
