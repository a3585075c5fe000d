package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// importOrg: groups Technicians and Auditors, facilities North (external id
// N-1), South (no external id) and two named Depot.
type importOrg struct {
	*org
	techs, auditors      string
	north, south, depot1 string
}

func newImportOrg(t *testing.T) *importOrg {
	o := newEnv(t).newOrg("Acme", "facilities")
	x := &importOrg{org: o, techs: o.group("Technicians", "work_orders.view"), auditors: o.group("Auditors", "audit_logs.view")}
	x.north = o.create("/api/v1/facilities", obj{"name": "North", "external_id": "N-1"})
	x.south = o.facility("South")
	x.depot1 = o.facility("Depot")
	o.facility("Depot")
	return x
}

func (o *org) importCSV(file string) (int, obj) {
	o.e.t.Helper()
	status, _, body := o.admin.do("POST", "/api/v1/users/import", csvFile(file))
	return status, body
}

// userCount is how many users the organization has.
func (o *org) userCount() int {
	o.e.t.Helper()
	return len(items(o.e.t, o.admin.get("/api/v1/users?limit=200")))
}

// rowErrors lists errors as "row column code".
func rowErrors(list any) []string {
	var out []string
	for _, e := range list.([]any) {
		e := e.(obj)
		out = append(out, fmt.Sprintf("%v %s %s", e["row"], str(e, "field"), str(e, "code")))
	}
	return out
}

// A good file invites every user at once: columns in any order, lists
// ";"-separated, groups by name, facilities by external id or name; each
// user gets an invitation mail and a user.invited audit event.
func TestImportUsers_GoodFileInvitesEveryUser(t *testing.T) {
	o := newImportOrg(t)
	before := o.userCount()
	file := "email,Last Name,first_name,groups,facilities,phone,full_access\n" +
		"ann@acme.test,Archer,Ann,Technicians; auditors,N-1;South,+44 20 7946 0000,no\n" +
		"bob@acme.test,Baker,Bob,,south,,\n" +
		"\"cat@acme.test\",\"Carter, Jr\",Cat,,,,yes\n"
	status, h, body := o.admin.do("POST", "/api/v1/users/import", csvFile(file))
	wantStatus(t, status, body, http.StatusOK)
	if body["dry_run"] != false || body["rows"] != float64(3) || len(body["errors"].([]any)) != 0 {
		t.Fatalf("report %v", body)
	}
	if revision(t, h) == 0 {
		t.Fatal("no revision")
	}
	users := body["users"].([]any)
	if len(users) != 3 {
		t.Fatalf("users %v", users)
	}
	for i, u := range users {
		u := u.(obj)
		if u["row"] != float64(i+2) {
			t.Fatalf("user %d: row %v", i, u["row"])
		}
	}
	ann := o.admin.get("/api/v1/users/" + str(users[0].(obj), "id"))
	if str(ann, "status") != "invited" || str(ann, "phone") != "+442079460000" || ann["full_access"] != false ||
		!slices.Equal(strs(ann["group_ids"]), sorted(o.techs, o.auditors)) || !slices.Equal(strs(ann["facility_ids"]), sorted(o.north, o.south)) {
		t.Fatalf("ann %v", ann)
	}
	cat := o.admin.get("/api/v1/users/" + str(users[2].(obj), "id"))
	if str(cat, "last_name") != "Carter, Jr" || cat["full_access"] != true {
		t.Fatalf("cat %v", cat)
	}
	if got := o.userCount(); got != before+3 {
		t.Fatalf("%d users, want %d", got, before+3)
	}
	for _, email := range []string{"ann@acme.test", "bob@acme.test", "cat@acme.test"} {
		if token := o.e.inviteToken(email); token == "" {
			t.Fatalf("no invitation to %s", email)
		}
	}
	events := items(t, o.admin.get("/api/v1/audit-events?action=user.invited"))
	invited := 0
	for _, e := range events {
		for _, u := range users {
			if str(e, "target_id") == str(u.(obj), "id") {
				invited++
			}
		}
	}
	if invited != 3 {
		t.Fatalf("%d audit events for the imported users, want 3", invited)
	}
	// The invitation works as any other.
	status, _, body = o.e.client().do("POST", "/api/v1/invitations/accept", obj{"token": o.e.inviteToken("bob@acme.test"), "password": "a long enough password 1"})
	wantStatus(t, status, body, http.StatusOK)
}

// One bad row: the import writes nothing and answers 400 with the report;
// the dry run answers 200 with the same errors.
func TestImportUsers_OneBadRowWritesNothing(t *testing.T) {
	o := newImportOrg(t)
	before := o.userCount()
	file := "first_name,last_name,email\nAnn,Archer,ann@acme.test\nBob,Baker,not an email\nCat,Carter,cat@acme.test\n"

	status, h, body := o.admin.do("POST", "/api/v1/users/import?dry_run=true", csvFile(file))
	wantStatus(t, status, body, http.StatusOK)
	if body["dry_run"] != true || body["rows"] != float64(3) || len(body["users"].([]any)) != 0 || revision(t, h) == 0 {
		t.Fatalf("dry run %v %v", body, h)
	}
	want := []string{"3 email invalid"}
	if got := rowErrors(body["errors"]); !slices.Equal(got, want) {
		t.Fatalf("dry run errors %v, want %v", got, want)
	}

	status, body = o.importCSV(file)
	e := wantError(t, status, body, http.StatusBadRequest, "invalid")
	if got := rowErrors(e["errors"]); !slices.Equal(got, want) {
		t.Fatalf("errors %v, want %v", got, want)
	}
	if msg := str(e, "message"); !strings.Contains(msg, "nothing was imported") || !strings.Contains(msg, "Row 3") {
		t.Fatalf("message %q", msg)
	}
	if got := o.userCount(); got != before {
		t.Fatalf("%d users after a refused import, want %d", got, before)
	}
	if mails := o.e.mails("ann@acme.test"); len(mails) != 0 {
		t.Fatalf("mail sent: %v", mails)
	}
	// Fixed, it goes through.
	status, body = o.importCSV(strings.Replace(file, "not an email", "bob@acme.test", 1))
	wantStatus(t, status, body, http.StatusOK)
	if got := o.userCount(); got != before+3 {
		t.Fatalf("%d users, want %d", got, before+3)
	}
}

// Every error of every row is reported at once, each with its row, column
// and code: fields, names, emails twice in the file or already taken.
func TestImportUsers_ReportsEveryRowsErrors(t *testing.T) {
	o := newImportOrg(t)
	o.invite("taken", nil)
	file := strings.Join([]string{
		"first_name,last_name,email,groups,facilities,licence,full_access,phone",
		"Ann,Archer,ann@acme.test,Technicians,N-1,,no,",     // 2: fine
		",Baker,bob@acme.test,Nobody,,,maybe,call me",       // 3: first name, group, full access, phone
		"Cat,Carter,ANN@acme.test,,Nowhere;Depot,,,",        // 4: email twice, facility unknown, Depot ambiguous
		"Dan,Dyer,taken@acme.test,,,gold,,",                 // 5: email taken, licence (none in this catalog)
		"Eve,Evans,eve@acme.test,Technicians;Ghosts,,,yes,", // 6: group
	}, "\n")
	status, body := o.importCSV(file)
	e := wantError(t, status, body, http.StatusBadRequest, "invalid")
	want := []string{
		"3 full_access invalid", "3 groups not_found", "3 first_name invalid", "3 phone invalid",
		"4 facilities not_found", "4 facilities invalid", "4 email conflict",
		"5 licence invalid", "5 email conflict",
		"6 groups not_found",
	}
	if got := rowErrors(e["errors"]); !slices.Equal(got, want) {
		t.Fatalf("errors\n%v, want\n%v", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, fe := range e["errors"].([]any) {
		if msg := str(fe.(obj), "message"); msg == "" || strings.Contains(msg, "_ids") {
			t.Fatalf("message %q", msg)
		}
	}
	if !strings.Contains(fmt.Sprint(e["errors"]), "is also on row 2") {
		t.Fatalf("the repeated email does not name its first row: %v", e["errors"])
	}
}

// A file that is wrong as a whole is reported on the row at fault: its
// header, or a row of the wrong length.
func TestImportUsers_FileErrors(t *testing.T) {
	o := newImportOrg(t)
	for _, tc := range []struct {
		name, file string
		want       []string
	}{
		{"unknown and missing columns", "first_name,last_name,e-mail\nA,B,a@acme.test\n", []string{"1 e-mail invalid", "1 email invalid"}},
		{"column twice", "first_name,last_name,email,Email\nA,B,a@acme.test,a@acme.test\n", []string{"1 email invalid"}},
		{"blank file", "\n\n", []string{"1 file invalid"}},
		{"header only", "first_name,last_name,email\n", []string{"2 file invalid"}},
		{"row too short", "first_name,last_name,email\nA,B\nC,D,c@acme.test\n", []string{"2 row invalid"}},
		{"not CSV", "first_name,last_name,email\nA,\"B,c@acme.test\n", []string{"2 file invalid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := o.importCSV(tc.file)
			e := wantError(t, status, body, http.StatusBadRequest, "invalid")
			if got := rowErrors(e["errors"]); !slices.Equal(got, tc.want) {
				t.Fatalf("errors %v, want %v", got, tc.want)
			}
		})
	}
	// A body that is not CSV by its type is refused before it is read.
	status, _, body := o.admin.do("POST", "/api/v1/users/import", form("first_name=A"))
	wantError(t, status, body, http.StatusUnsupportedMediaType, "unsupported_media_type")
}

// A limited admin imports only what they could invite one by one: no
// licence above their own, no full access, only their facilities; each
// refusal names its row and column, and nothing is written.
func TestImportUsers_LimitedAdminNoEscalation(t *testing.T) {
	o := newEnv(t).newOrg("Comp", "compliance")
	hq, other := o.facility("HQ"), o.facility("Other")
	_ = other
	admins := o.group("User admins", "admin.manage_users")
	lead := o.as(o.user("lead", obj{"licence": "action", "group_ids": []string{admins}, "facility_ids": []string{hq}}))
	before := o.userCount()
	file := "first_name,last_name,email,licence,facilities,full_access\n" +
		"Ann,Archer,ann@comp.test,action,HQ,no\n" +
		"Bob,Baker,bob@comp.test,approval,HQ,no\n" +
		"Cat,Carter,cat@comp.test,action,HQ,yes\n" +
		"Dan,Dyer,dan@comp.test,action,Other,no\n" +
		"Eve,Evans,eve@comp.test,action,,no\n"
	status, _, body := lead.do("POST", "/api/v1/users/import", csvFile(file))
	e := wantError(t, status, body, http.StatusBadRequest, "invalid")
	want := []string{"3 licence forbidden", "4 full_access forbidden", "5 facilities forbidden", "6 facilities invalid"}
	if got := rowErrors(e["errors"]); !slices.Equal(got, want) {
		t.Fatalf("errors %v, want %v", got, want)
	}
	if got := o.userCount(); got != before {
		t.Fatalf("%d users, want %d", got, before)
	}
	// The licence's label names it too; within the lead's reach, it goes through.
	status, _, body = lead.do("POST", "/api/v1/users/import", csvFile("first_name,last_name,email,licence,facilities\nAnn,Archer,ann@comp.test,action,HQ\n"))
	wantStatus(t, status, body, http.StatusOK)
	// Someone who may not invite may not import.
	viewer := o.as(o.user("viewer", obj{"facility_ids": []string{hq}}))
	status, _, body = viewer.do("POST", "/api/v1/users/import?dry_run=true", csvFile("first_name,last_name,email\nA,B,a@comp.test\n"))
	wantError(t, status, body, http.StatusForbidden, "forbidden")
}

// Names resolve in the importer's organization only: another
// organization's groups and facilities are not found.
func TestImportUsers_NamesNeverCrossOrganizations(t *testing.T) {
	a := newImportOrg(t)
	b := a.e.newOrg("Bolt", "facilities")
	b.group("Secret Team", "users.view")
	b.create("/api/v1/facilities", obj{"name": "Bolt HQ", "external_id": "B-1"})
	status, body := a.importCSV("first_name,last_name,email,groups,facilities\nAnn,Archer,ann@acme.test,Secret Team,B-1;Bolt HQ\n")
	e := wantError(t, status, body, http.StatusBadRequest, "invalid")
	if got, want := rowErrors(e["errors"]), []string{"2 groups not_found", "2 facilities not_found", "2 facilities not_found"}; !slices.Equal(got, want) {
		t.Fatalf("errors %v, want %v", got, want)
	}
	// Nor does an email of another organization count as taken.
	b.invite("ann", nil)
	status, body = a.importCSV("first_name,last_name,email\nAnn,Archer,ann@bolt.test\n")
	wantStatus(t, status, body, http.StatusOK)
}

// Licence seats: the rows past a tier's free seats are refused, each on its
// licence column, and nothing is written; within the seats, the import
// goes through.
func TestImportUsers_RowsOverTheSeatsAreRefused(t *testing.T) {
	o := newEnv(t).newOrg("Comp", "compliance")
	o.admin.ok(http.StatusOK, "PUT", "/api/v1/licences/action", obj{"seats": 2}) // the admin holds approval
	o.invite("one", obj{"licence": "action"})
	before := o.userCount()
	file := "first_name,last_name,email,licence\n" +
		"Ann,Archer,ann@comp.test,action\n" +
		"Bob,Baker,bob@comp.test,read_report\n" +
		"Cat,Carter,cat@comp.test,Action\n" +
		"Dan,Dyer,dan@comp.test,action\n"
	for _, path := range []string{"/api/v1/users/import?dry_run=true", "/api/v1/users/import"} {
		status, _, body := o.admin.do("POST", path, csvFile(file))
		list := body["errors"]
		if e, ok := body["error"].(obj); ok {
			wantError(t, status, body, http.StatusBadRequest, "invalid")
			list = e["errors"]
		}
		if got, want := rowErrors(list), []string{"4 licence conflict", "5 licence conflict"}; !slices.Equal(got, want) {
			t.Fatalf("%s: errors %v, want %v", path, got, want)
		}
	}
	if got := o.userCount(); got != before {
		t.Fatalf("%d users, want %d", got, before)
	}
	status, body := o.importCSV("first_name,last_name,email,licence\nAnn,Archer,ann@comp.test,action\n")
	wantStatus(t, status, body, http.StatusOK)
}
