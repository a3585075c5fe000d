package api_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
)

func TestListLimitsAndCursors(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	o.seed(60, nil)

	first := o.admin.get("/api/v1/users")
	page1 := items(t, first)
	if len(page1) != 50 || str(first, "next_cursor") == "" {
		t.Fatalf("default page: %d items, cursor %q", len(page1), first["next_cursor"])
	}
	second := o.admin.get("/api/v1/users?cursor=" + url.QueryEscape(str(first, "next_cursor")))
	page2 := items(t, second)
	if len(page2) != 11 || str(second, "next_cursor") != "" {
		t.Fatalf("last page: %d items, cursor %q", len(page2), second["next_cursor"])
	}
	all := append(ids(page1), ids(page2)...)
	if !slices.IsSorted(all) || len(slices.Compact(slices.Clone(all))) != 61 {
		t.Fatalf("two pages hold %d users, sorted %v", len(all), slices.IsSorted(all))
	}
	if got := items(t, o.admin.get("/api/v1/users?limit=500")); len(got) != 61 {
		t.Fatalf("limit=500: %d", len(got))
	}
	// An exactly full page has no next page.
	if got := o.admin.get("/api/v1/users?limit=61"); str(got, "next_cursor") != "" {
		t.Fatalf("limit=61 of 61: cursor %q", got["next_cursor"])
	}
	status, _, body := o.admin.do("GET", "/api/v1/users?limit=501", nil)
	wantField(t, status, body, "limit")
	status, _, body = o.admin.do("GET", "/api/v1/users?cursor=not*base64", nil)
	wantField(t, status, body, "cursor")
}

// TestCursorPagingWhileUsersAreAdded: walking the list page by page while
// users are invited between pages returns every user exactly once.
func TestCursorPagingWhileUsersAreAdded(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	before := o.seed(30, nil)
	seen := map[string]int{}
	cursor, pages := "", 0
	for {
		path := "/api/v1/users?limit=7"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		body := o.admin.get(path)
		for _, id := range ids(items(t, body)) {
			seen[id]++
		}
		pages++
		if cursor = str(body, "next_cursor"); cursor == "" {
			break
		}
		if pages < 4 {
			o.invite(fmt.Sprintf("late%d", pages), nil)
		}
		if pages > 20 {
			t.Fatal("paging does not end")
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("user %s seen %d times", id, n)
		}
	}
	now := ids(items(t, o.admin.get("/api/v1/users?limit=500")))
	if len(now) != 34 || len(seen) != len(now) {
		t.Fatalf("saw %d users while paging; %d exist", len(seen), len(now))
	}
	for _, id := range append(before, o.adminID) {
		if seen[id] != 1 {
			t.Fatalf("user %s was missed", id)
		}
	}
}

func TestUserListFilters(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	north, south := o.facility("North"), o.facility("South")
	tech := o.group("Technician", "work_orders.view")
	ann := o.user("ann", obj{"last_name": "Archer", "group_ids": []string{tech}, "facility_ids": []string{north}})
	ben := o.user("ben", obj{"last_name": "Baker", "email": "ben.baker@other.test", "facility_ids": []string{south}})
	cat := str(o.invite("cat", obj{"last_name": "Carter", "group_ids": []string{tech}, "facility_ids": []string{north, south}}), "id")
	dan := o.user("dan", obj{"last_name": "Archer"})
	o.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+dan+"/deactivate", nil)

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"status=active", []string{o.adminID, ann, ben}},
		{"status=invited", []string{cat}},
		{"status=inactive", []string{dan}},
		{"group_id=" + tech, []string{ann, cat}},
		{"facility_id=" + north, []string{ann, cat}},
		{"facility_id=" + south, []string{ben, cat}},
		{"q=archer", []string{ann, dan}},
		{"q=ARCH", []string{ann, dan}},
		{"q=Ben", []string{ben}},
		{"q=other.test", []string{ben}},
		{"q=acme.test", []string{o.adminID, ann, cat, dan}},
		{"q=nobody", nil},
		{"q=archer&status=active", []string{ann}},
		{"group_id=" + tech + "&facility_id=" + south, []string{cat}},
		{"group_id=grp_nope", nil},
		{"facility_id=" + north + "&status=invited&limit=1", []string{cat}},
	} {
		body := o.admin.get("/api/v1/users?" + tc.query)
		got := ids(items(t, body))
		if !slices.Equal(sorted(got...), sorted(tc.want...)) {
			t.Errorf("?%s: %v, want %v", tc.query, got, tc.want)
		}
		if str(body, "next_cursor") != "" {
			t.Errorf("?%s: a next page", tc.query)
		}
	}
	// Filters page like the whole list.
	body := o.admin.get("/api/v1/users?q=archer&limit=1")
	first := ids(items(t, body))
	body = o.admin.get("/api/v1/users?q=archer&limit=1&cursor=" + url.QueryEscape(str(body, "next_cursor")))
	if second := ids(items(t, body)); len(first) != 1 || len(second) != 1 || first[0] == second[0] || str(body, "next_cursor") != "" {
		t.Fatalf("filtered pages: %v then %v (%v)", first, second, body)
	}
}

func TestGroupAndFacilityPaging(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	var groups, facilities []string
	for i := range 5 {
		groups = append(groups, o.group(fmt.Sprintf("Group %d", i)))
		facilities = append(facilities, o.facility(fmt.Sprintf("Facility %d", i)))
	}
	for path, want := range map[string][]string{"/api/v1/groups": groups, "/api/v1/facilities": facilities} {
		var got []string
		cursor := ""
		for range 10 {
			p := path + "?limit=2"
			if cursor != "" {
				p += "&cursor=" + url.QueryEscape(cursor)
			}
			body := o.admin.get(p)
			page := items(t, body)
			if len(page) > 2 {
				t.Fatalf("%s: page of %d", path, len(page))
			}
			got = append(got, ids(page)...)
			if cursor = str(body, "next_cursor"); cursor == "" {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s paged: %v, want %v", path, got, want)
		}
	}
}

// TestListsAreNeverNull: empty lists are [], not null.
func TestListsAreNeverNull(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	for _, path := range []string{"/api/v1/groups", "/api/v1/facilities", "/api/v1/users?q=nobody", "/api/v1/api-keys", "/api/v1/sessions"} {
		body := o.admin.get(path)
		if _, ok := body["items"].([]any); !ok {
			t.Fatalf("%s: items %v", path, body["items"])
		}
	}
}

// TestBadCursorIsInvalidOnEveryList: a cursor this API did not give out is
// 400 invalid naming the cursor on every list, even when it happens to be
// valid base64 (finding 10 of issue 12: ?cursor=garbage gave 200 and an
// empty list), and a cursor of one list is refused by another.
func TestBadCursorIsInvalidOnEveryList(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	for i := range 3 {
		o.group(fmt.Sprintf("Group %d", i))
		o.facility(fmt.Sprintf("Facility %d", i))
		o.invite(fmt.Sprintf("user%d", i), nil)
	}
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	lists := []string{"/api/v1/users", "/api/v1/groups", "/api/v1/facilities", "/api/v1/audit-events"}
	cursors := map[string]string{} // a real cursor of each list
	for _, path := range lists {
		body := o.admin.get(path + "?limit=1")
		if cursors[path] = str(body, "next_cursor"); cursors[path] == "" {
			t.Fatalf("%s: no next page", path)
		}
		// A cursor the list gave out still pages.
		next := o.admin.get(path + "?limit=1&cursor=" + url.QueryEscape(cursors[path]))
		if len(items(t, next)) != 1 {
			t.Fatalf("%s: the second page is %v", path, next)
		}
	}
	for _, path := range lists {
		bad := []string{
			"garbage",    // valid base64 of nothing this API gives out
			"not*base64", // not base64 at all
			b64("usr_"),  // a prefix without an id
			b64("usr_0000000000000000000000000!"),
			b64("x' OR 1=1 --"),
			"%00",
		}
		for other, cursor := range cursors {
			if other != path {
				bad = append(bad, cursor) // another list's cursor
			}
		}
		for _, cursor := range bad {
			status, _, body := o.admin.do("GET", path+"?cursor="+url.QueryEscape(cursor), nil)
			t.Run(path+"?cursor="+cursor, func(t *testing.T) { wantField(t, status, body, "cursor") })
		}
	}
	// The lists that take no cursor (one page: a person's own keys and
	// sessions) refuse one rather than ignore it.
	for _, path := range []string{"/api/v1/api-keys", "/api/v1/sessions"} {
		status, _, body := o.admin.do("GET", path+"?cursor="+b64(gatehouse.NewID(gatehouse.PrefixAPIKey)), nil)
		t.Run(path, func(t *testing.T) { wantField(t, status, body, "cursor") })
	}
}

// TestUserListLicenceFilter: ?licence= keeps the users of one tier in a
// catalog with licences; an unknown tier is a 400 naming the field, and a
// catalog without licences refuses any.
func TestUserListLicenceFilter(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Comply", "compliance")
	ann := o.user("ann", obj{"licence": "read_report"})
	ben := str(o.invite("ben", obj{"licence": "read_report"}), "id")
	o.user("cat", obj{"licence": "action"})
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"licence=read_report", []string{ann, ben}},
		{"licence=read_report&status=active", []string{ann}},
		{"licence=approval", []string{o.adminID}},
		{"licence=external_auditor", nil},
	} {
		got := ids(items(t, o.admin.get("/api/v1/users?"+tc.query)))
		if !slices.Equal(sorted(got...), sorted(tc.want...)) {
			t.Errorf("?%s: %v, want %v", tc.query, got, tc.want)
		}
	}
	status, _, out := o.admin.do("GET", "/api/v1/users?licence=platinum", nil)
	wantStatus(t, status, out, http.StatusBadRequest)
	if !strings.Contains(fmt.Sprint(out), "licence") {
		t.Errorf("unknown licence: %v does not name the field", out)
	}
	f := e.newOrg("Fac", "facilities")
	status, _, out = f.admin.do("GET", "/api/v1/users?licence=action", nil)
	wantStatus(t, status, out, http.StatusBadRequest)
}

// The user list counts the users its filters select only when asked
// (count=true), on whichever page: counting passes over all of them.
func TestUserListTotalOnlyWhenAsked(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	for _, local := range []string{"ann", "bob", "cy"} {
		o.user(local, obj{})
	}
	first := o.admin.get("/api/v1/users?limit=2")
	if _, counted := first["total"]; counted {
		t.Fatalf("a total without count=true: %v", first)
	}
	counted := o.admin.get("/api/v1/users?limit=2&count=true")
	if counted["total"] != float64(4) { // the admin and three users
		t.Fatalf("total = %v, want 4", counted["total"])
	}
	next := o.admin.get("/api/v1/users?limit=2&count=true&status=active&cursor=" + str(counted, "next_cursor"))
	if next["total"] != float64(4) || len(items(t, next)) != 2 {
		t.Fatalf("second page: %v", next)
	}
}
