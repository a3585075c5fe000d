package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gatehouse users import and export: a bad row refuses the whole file,
// naming its row; a good file is imported; the export reads it back.
func TestUsersImportAndExport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "gh.db")
	out, stderr, err := runCLI(t, nil, "init", "--org", "Acme", "--admin-email", "admin@acme.test", "--db", db)
	if err != nil {
		t.Fatalf("init: %v\n%s", err, stderr)
	}
	var founded map[string]string
	if err := json.Unmarshal([]byte(out), &founded); err != nil {
		t.Fatal(err)
	}
	org := founded["org_id"]
	file := filepath.Join(dir, "users.csv")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("first_name,last_name,email\nAnn,Archer,ann@acme.test\nBob,Baker,bob\n")
	for _, dry := range []string{"--dry-run", "--dry-run=false"} {
		_, stderr, err = runCLI(t, nil, "users", "import", "--org", org, "--file", file, dry, "--db", db)
		if err == nil || !strings.Contains(stderr, "row 3, email: ") {
			t.Fatalf("import %s of a bad file: %v\n%s", dry, err, stderr)
		}
	}
	write("first_name,last_name,email,phone\nAnn,Archer,ann@acme.test,+44 20 7946 0000\nBob,Baker,bob@acme.test,\n")
	out, stderr, err = runCLI(t, nil, "users", "import", "--org", org, "--file", file, "--dry-run", "--db", db)
	if err != nil || !strings.Contains(out, "All 2 rows are valid") {
		t.Fatalf("dry run: %v %q\n%s", err, out, stderr)
	}
	out, stderr, err = runCLI(t, nil, "users", "import", "--org", org, "--file", file, "--db", db)
	if err != nil || !strings.Contains(out, "Imported 2 users") {
		t.Fatalf("import: %v %q\n%s", err, out, stderr)
	}
	out, stderr, err = runCLI(t, nil, "users", "export", "--org", org, "--status", "invited", "--sort", "email", "--order", "desc", "--db", db)
	want := "first_name,last_name,email,phone,groups,facilities,licence,full_access\n" +
		"Bob,Baker,bob@acme.test,,,,,no\nAnn,Archer,ann@acme.test,'+442079460000,,,,no\n"
	if err != nil || out != want {
		t.Fatalf("export: %v\n%s\nwant\n%s\n%s", err, out, want, stderr)
	}
	// Imported again, every email is taken.
	_, stderr, err = runCLI(t, nil, "users", "import", "--org", org, "--file", file, "--db", db)
	if err == nil || strings.Count(stderr, "already exists") != 2 {
		t.Fatalf("import twice: %v\n%s", err, stderr)
	}
}
