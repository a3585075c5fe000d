package ui_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// A bulk action from the Users tab: the ticked users and the action give a
// review (nothing changed yet), whose Confirm applies it to all of them and
// returns to the list page it came from.
func TestBulkActionReviewThenConfirm(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	depot := e.facility("Depot")
	tech := e.group("Technician", "work_orders.view")
	var ids []string
	for i := range 20 {
		ids = append(ids, e.activeUser(fmt.Sprintf("Bulk%02d", i), "Person", fmt.Sprintf("bulk%02d@acme.test", i), service.UserInput{FacilityIDs: []string{depot.ID}}).ID)
	}
	b := e.signIn("ada@acme.test")
	res := b.page("/users?per=25&select=all", http.StatusOK)
	has(t, "list", res, `name="user_id" value="`+ids[0]+`" aria-label="Select Bulk00 Person" checked`, "Review…", `<option value="add_group">Add to group</option>`)

	form := url.Values{"action": {"add_group"}, "group_id": {tech.ID}, "user_id": ids, "back": {"/users?per=25"}}
	res = b.post("/users/bulk", form)
	if res.status != http.StatusOK {
		t.Fatalf("review: %d\n%s", res.status, res.body)
	}
	lint(t, "/users/bulk (review)", res)
	has(t, "review", res, "Add to group “Technician”: review 20 users", "Bulk00 Person", "20 people's access changes", "Gains")
	if u, _ := e.svc.GetUser(e.ctx, e.admin, ids[0]); len(u.GroupIDs) != 0 {
		t.Fatal("the review changed a user")
	}
	confirm := hiddenFields(t, res.body, "/users/bulk", "Add to group “Technician”: 20 users")
	res = b.post("/users/bulk", confirm)
	if res.status != http.StatusOK || res.url.Query().Get("per") != "25" || res.url.Query().Get("done") != "bulk_applied" {
		t.Fatalf("confirm: %d at %s", res.status, res.url)
	}
	has(t, "done", res, "Done: every selected user was changed.")
	for _, id := range ids {
		if u, _ := e.svc.GetUser(e.ctx, e.admin, id); len(u.GroupIDs) != 1 {
			t.Fatalf("%s not in the group", id)
		}
	}

	// Deactivating the twenty, and the admin herself among them: the
	// review says it cannot be done (the last full-access user), and
	// offers no Confirm.
	res = b.post("/users/bulk", url.Values{"action": {"deactivate"}, "user_id": append(ids[:3:3], e.org.Admin.ID)})
	if res.status != http.StatusConflict {
		t.Fatalf("refused review: %d", res.status)
	}
	has(t, "refused", res, "This cannot be saved", "active full-access user")
	hasNot(t, "refused", res, `name="step" value="confirm"`)

	// A confirmation of another impact than the one reviewed shows the review again.
	res = b.post("/users/bulk", url.Values{"action": {"deactivate"}, "user_id": ids, "step": {"confirm"}, "impact": {"stale"}})
	has(t, "stale", res, "What saving does has changed since you looked")
	if u, _ := e.svc.GetUser(e.ctx, e.admin, ids[0]); u.Status != gatehouse.StatusActive {
		t.Fatal("a stale confirmation deactivated")
	}
	res = b.post("/users/bulk", url.Values{"action": {"deactivate"}, "user_id": nil})
	if res.status != http.StatusBadRequest {
		t.Fatalf("nothing ticked: %d", res.status)
	}
}

// The Users tab's columns sort by a click on their header, and its pages
// count the users, go back and forth, and keep the filters in the URL.
func TestUserListSortAndPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	for i := range 30 {
		e.invite(fmt.Sprintf("First%02d", i), fmt.Sprintf("Last%02d", 29-i), fmt.Sprintf("p%02d@acme.test", i), service.UserInput{})
	}
	b := e.signIn("ada@acme.test")
	res := b.page("/users?per=25&status=invited", http.StatusOK)
	has(t, "first page", res, "Showing 1–25 of 30 users", "Page 1 of 2", `title="Sorts by last name, then first name"`, "Email verified", "Last sign-in", "Created")
	hasNot(t, "first page", res, `rel="prev"`)
	link := func(body, rel string) string {
		m := regexp.MustCompile(`<a rel="` + rel + `" href="([^"]+)">`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no %s link", rel)
		}
		return html.UnescapeString(m[1])
	}
	next := link(res.body, "next")
	if !strings.Contains(next, "status=invited") || !strings.Contains(next, "per=25") || !strings.Contains(next, "page=2") {
		t.Fatalf("next page keeps the filters: %s", next)
	}
	res = b.page(next, http.StatusOK)
	has(t, "second page", res, "Showing 26–30 of 30 users", "Page 2 of 2")
	res = b.page(link(res.body, "prev"), http.StatusOK)
	has(t, "back", res, "Showing 1–25 of 30 users")

	// Name sorts by last name: First29 Last00 first; a second click reverses.
	sortLink := regexp.MustCompile(`<a href="([^"]+)" title="Sorts by last name, then first name">`).FindStringSubmatch(res.body)
	res = b.page(html.UnescapeString(sortLink[1]), http.StatusOK)
	if i, j := strings.Index(res.body, "First29 Last00"), strings.Index(res.body, "First28 Last01"); i < 0 || j < 0 || i > j {
		t.Fatalf("sort by name: %d %d", i, j)
	}
	has(t, "sorted", res, `aria-sort="ascending"`)
	sortLink = regexp.MustCompile(`<a href="([^"]+)" title="Sorts by last name, then first name">`).FindStringSubmatch(res.body)
	if !strings.Contains(sortLink[1], "order=desc") || !strings.Contains(sortLink[1], "status=invited") {
		t.Fatalf("second click: %s", sortLink[1])
	}
	res = b.page(html.UnescapeString(sortLink[1]), http.StatusOK)
	has(t, "descending", res, `aria-sort="descending"`)
	if res.header.Get("Set-Cookie") != "" {
		t.Errorf("the list set a cookie: %s", res.header.Get("Set-Cookie"))
	}
	// Ada signed in: her row says when.
	res = b.page("/users?q=ada", http.StatusOK)
	hasNot(t, "ada", res, ">Never<")
}

// The seats panel of a catalog with licences: seats used and free per
// tier, set by a full-access admin; an invitation past them is refused on
// the form, naming the tier and its seats.
func TestSeatsOnTheUsersTab(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "compliance")
	b := e.signIn("ada@acme.test")
	res := b.page("/users", http.StatusOK)
	has(t, "panel", res, "Licence seats", `action="/licences/action/seats"`)
	res = b.post("/licences/action/seats", url.Values{"seats": {"1"}})
	has(t, "saved", res, "Licence seats saved.")
	e.invite("Ann", "One", "ann@acme.test", service.UserInput{Licence: "action"})
	res = b.page("/users", http.StatusOK)
	has(t, "full", res, `<span class="status status-expired">Full</span>`)
	res = b.post("/users/new", url.Values{"first_name": {"Bob"}, "last_name": {"Two"}, "email": {"bob@acme.test"}, "licence": {"action"}})
	if res.status != http.StatusConflict {
		t.Fatalf("past the seats: %d", res.status)
	}
	has(t, "refused", res, "the Action licence has 1 seat, and this would need 2")
	res = b.post("/licences/action/seats", url.Values{"seats": {"0"}})
	if res.status != http.StatusConflict {
		t.Fatalf("seats below those in use: %d", res.status)
	}
}
