package api_test

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// exportCSV GETs the users as CSV with the query and returns its records.
func (c *client) exportCSV(query string) [][]string {
	c.t.Helper()
	status, h, data := c.doRaw("GET", "/api/v1/users/export"+query, nil)
	if status != http.StatusOK {
		c.t.Fatalf("export%s: %d %s", query, status, data)
	}
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
		c.t.Fatalf("export: Content-Type %q, Content-Disposition %q", ct, h.Get("Content-Disposition"))
	}
	records, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil {
		c.t.Fatalf("export: %v: %s", err, data)
	}
	return records
}

// emailsOf is the email column of an export's records.
func emailsOf(t *testing.T, records [][]string) []string {
	t.Helper()
	if got, want := strings.Join(records[0], ","), "first_name,last_name,email,phone,groups,facilities,licence,full_access"; got != want {
		t.Fatalf("header %q, want %q", got, want)
	}
	var out []string
	for _, r := range records[1:] {
		out = append(out, r[2])
	}
	return out
}

// The export holds the users the list's filters select, in its order;
// a limited admin exports only the users of their facilities.
func TestExportUsers_HonoursTheListFilters(t *testing.T) {
	o := newImportOrg(t)
	status, body := o.importCSV("first_name,last_name,email,groups,facilities\n" +
		"Zoe,Adams,zoe@acme.test,Technicians,N-1\n" +
		"Amy,Young,amy@acme.test,Auditors,South\n" +
		"Max,Moss,max@acme.test,,N-1;South\n")
	wantStatus(t, status, body, http.StatusOK)
	admin := "admin@acme.test"
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{admin, "zoe@acme.test", "amy@acme.test", "max@acme.test"}},
		{"?status=invited", []string{"zoe@acme.test", "amy@acme.test", "max@acme.test"}},
		{"?status=active", []string{admin}},
		{"?group_id=" + o.techs, []string{"zoe@acme.test"}},
		{"?facility_id=" + o.south, []string{"amy@acme.test", "max@acme.test"}},
		{"?q=mo", []string{"max@acme.test"}},
		{"?sort=name", []string{"zoe@acme.test", admin, "max@acme.test", "amy@acme.test"}}, // Adams, Admin, Moss, Young
		{"?sort=email&order=desc", []string{"zoe@acme.test", "max@acme.test", "amy@acme.test", admin}},
		{"?invitation=pending", []string{"zoe@acme.test", "amy@acme.test", "max@acme.test"}},
	} {
		if got := emailsOf(t, o.admin.exportCSV(tc.query)); !slices.Equal(got, tc.want) {
			t.Errorf("export%s: %v, want %v", tc.query, got, tc.want)
		}
	}
	status, _, errBody := o.admin.do("GET", "/api/v1/users/export?sort=age", nil)
	wantError(t, status, errBody, http.StatusBadRequest, "invalid")

	// Groups by name, facilities by external id or name.
	records := o.admin.exportCSV("?q=max")
	if got := strings.Join(records[1], ","); got != "Max,Moss,max@acme.test,,,N-1;South,,no" {
		t.Fatalf("row %q", got)
	}
	// A limited admin at North sees only North's users.
	lead := o.user("lead", obj{"permissions": []string{"users.view"}, "facility_ids": []string{o.north}})
	got := emailsOf(t, o.as(lead).exportCSV(""))
	if want := []string{"zoe@acme.test", "max@acme.test", "lead@acme.test"}; !slices.Equal(got, want) {
		t.Fatalf("limited export %v, want %v", got, want)
	}
	// Without users.view, nothing.
	nobody := o.user("nobody", obj{"facility_ids": []string{o.north}})
	status, _, errBody = o.as(nobody).do("GET", "/api/v1/users/export", nil)
	wantError(t, status, errBody, http.StatusForbidden, "forbidden")
}

// A cell a spreadsheet would run as a formula is exported behind a single
// quote (OWASP), and the import takes the quote off again.
func TestExportUsers_DefusesFormulas(t *testing.T) {
	o := newImportOrg(t)
	o.group(`=HYPERLINK("http://evil.test")`)
	o.create("/api/v1/facilities", obj{"name": "@SUM(1+1)", "external_id": "-2+3"})
	status, body := o.importCSV(csvOf(
		[]string{"first_name", "last_name", "email", "phone", "groups", "facilities"},
		[]string{"'=1+2", "'+cmd|' /C calc'!A0", "eve@acme.test", "'+44 20 7946 0000", `'=HYPERLINK("http://evil.test")`, "'-2+3"},
		[]string{"'@me", "O'Neil", "ann@acme.test", "", "", ""},
	))
	wantStatus(t, status, body, http.StatusOK)
	eve := items(t, o.admin.get("/api/v1/users?q=eve"))[0]
	if str(eve, "first_name") != "=1+2" || str(eve, "last_name") != "+cmd|' /C calc'!A0" || len(strs(eve["group_ids"])) != 1 {
		t.Fatalf("imported %v", eve)
	}
	records := o.admin.exportCSV("?sort=email")
	want := [][]string{
		{"'@me", "O'Neil", "ann@acme.test", "", "", "", "", "no"},
		{"'=1+2", "'+cmd|' /C calc'!A0", "eve@acme.test", "'+442079460000", `'=HYPERLINK("http://evil.test")`, "'-2+3", "", "no"},
	}
	if !slices.EqualFunc(records[2:], want, slices.Equal) { // records[1] is the admin
		t.Fatalf("export\n%q\nwant\n%q", records[2:], want)
	}
	for _, r := range records[1:] {
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Fatalf("cell %q starts a formula", cell)
			}
		}
	}
}

// csvOf writes records as a CSV file.
func csvOf(records ...[]string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.WriteAll(records)
	return b.String()
}

// What one organization exports, another with the same names imports: the
// same users, with the same groups, facilities, licence and full access.
func TestExportUsers_RoundTrip(t *testing.T) {
	a := newImportOrg(t)
	file := "first_name,last_name,email,phone,groups,facilities,full_access\n" +
		"Ann,Archer,ann@acme.test,+44 20 7946 0000,Technicians;Auditors,N-1;South,no\n" +
		"Bob,Baker,bob@acme.test,,,Depot,no\n" +
		"Cat,Carter,cat@acme.test,,Auditors,,yes\n"
	file = strings.Replace(file, "Depot", a.depot1ExternalID(), 1)
	status, body := a.importCSV(file)
	wantStatus(t, status, body, http.StatusOK)
	exported := a.admin.exportCSV("?status=invited")

	b := a.e.newOrg("Bolt", "facilities")
	b.group("Technicians", "work_orders.view")
	b.group("Auditors", "audit_logs.view")
	b.create("/api/v1/facilities", obj{"name": "North", "external_id": "N-1"})
	b.facility("South")
	b.create("/api/v1/facilities", obj{"name": "Depot", "external_id": "D-1"})
	status, body = b.importCSV(csvOf(exported...))
	wantStatus(t, status, body, http.StatusOK)
	if got := b.admin.exportCSV("?status=invited"); !slices.EqualFunc(got, exported, slices.Equal) {
		t.Fatalf("round trip:\n%v\nwant\n%v", got, exported)
	}
}

// depot1ExternalID gives the first Depot an external id, so that it can
// be named although another facility has its name.
func (x *importOrg) depot1ExternalID() string {
	x.admin.ok(http.StatusOK, "PATCH", "/api/v1/facilities/"+x.depot1, obj{"external_id": "D-1"})
	return "D-1"
}
