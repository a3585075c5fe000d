package client_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/client"
)

// A CSV import through the client: a dry run's report, a refused file's
// errors by row, a good file, and its export read back.
func TestImportAndExportUsers(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "facilities")
	e.invite("cat", client.NewUser{}) // past revision 0, which only reads may answer
	bad := "first_name,last_name,email\nAnn,Archer,ann@x.test\nBob,Baker,nope\n"
	report, _, err := e.admin.ImportUsers(ctx, strings.NewReader(bad), true)
	if err != nil || !report.DryRun || report.Rows != 2 || len(report.Errors) != 1 || report.Errors[0].Row != 3 || report.Errors[0].Field != "email" {
		t.Fatalf("dry run: %+v, %v", report, err)
	}
	_, _, err = e.admin.ImportUsers(ctx, strings.NewReader(bad), false)
	var ce *client.Error
	if !errors.As(err, &ce) || !client.IsInvalid(err) || len(ce.Fields) != 1 || ce.Fields[0].Row != 3 {
		t.Fatalf("bad file: %v", err)
	}
	good := strings.Replace(bad, "nope", "bob@x.test", 1)
	report, rev, err := e.admin.ImportUsers(ctx, strings.NewReader(good), false)
	if err != nil || rev <= 0 || len(report.Users) != 2 || report.Users[1].Row != 3 || report.Users[1].Email != "bob@x.test" {
		t.Fatalf("import: %+v, %d, %v", report, rev, err)
	}
	var out bytes.Buffer
	if err := e.admin.ExportUsers(ctx, client.UserQuery{Status: "invited", Q: "@x.test", Sort: "email", Order: "desc"}, &out); err != nil {
		t.Fatal(err)
	}
	want := "first_name,last_name,email,phone,groups,facilities,licence,full_access\nBob,Baker,bob@x.test,,,,,no\nAnn,Archer,ann@x.test,,,,,no\n"
	if out.String() != want {
		t.Fatalf("export:\n%s\nwant\n%s", out.String(), want)
	}
	if err := e.admin.ExportUsers(ctx, client.UserQuery{Sort: "age"}, &out); !client.IsInvalid(err) {
		t.Fatalf("bad sort: %v", err)
	}
}
