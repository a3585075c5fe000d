package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/store"
)

// runCLI runs the command line as main does, with the given environment.
func runCLI(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestInitTwiceCreatesTwoOrganizations(t *testing.T) {
	db := filepath.Join(t.TempDir(), "gh.db")
	var seen []map[string]string
	for _, template := range []string{"facilities", "compliance"} {
		out, stderr, err := runCLI(t, nil, "init", "--org", "Acme "+template, "--template", template, "--admin-email", "admin@acme.test", "--db", db)
		if err != nil {
			t.Fatalf("init %s: %v\n%s", template, err, stderr)
		}
		var got map[string]string
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("init output is not JSON: %q", out)
		}
		for _, k := range []string{"org_id", "user_id", "api_key"} {
			if got[k] == "" {
				t.Fatalf("init output lacks %s: %s", k, out)
			}
		}
		seen = append(seen, got)
	}
	if seen[0]["org_id"] == seen[1]["org_id"] {
		t.Fatal("init twice reused the organization")
	}
}

func TestFlagsComeFromTheEnvironment(t *testing.T) {
	db := filepath.Join(t.TempDir(), "env.db")
	env := map[string]string{"GATEHOUSE_ORG": "Env Org", "GATEHOUSE_ADMIN_EMAIL": "ops@env.test", "GATEHOUSE_DB": db, "GATEHOUSE_TEMPLATE": "compliance"}
	if _, stderr, err := runCLI(t, env, "init"); err != nil {
		t.Fatalf("init from environment: %v\n%s", err, stderr)
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("GATEHOUSE_DB not used: %v", err)
	}
	// A flag on the command line wins over the environment.
	env["GATEHOUSE_TEMPLATE"] = "nonsense"
	if _, stderr, err := runCLI(t, env, "init", "--template", "facilities"); err != nil {
		t.Fatalf("flag should win: %v\n%s", err, stderr)
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range commands() {
		_, stderr, err := runCLI(t, nil, c.name, "--help")
		if err != nil || !strings.Contains(stderr, "Usage: gatehouse "+c.name) {
			t.Errorf("%s --help: %v\n%s", c.name, err, stderr)
		}
	}
	if _, stderr, err := runCLI(t, nil, "--help"); err != nil || !strings.Contains(stderr, "init") {
		t.Errorf("gatehouse --help: %v\n%s", err, stderr)
	}
}

func TestInitRefusesBadInput(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bad.db")
	for name, args := range map[string][]string{
		"missing email":    {"init", "--org", "X", "--db", db},
		"unknown template": {"init", "--org", "X", "--admin-email", "a@b.test", "--template", "nope", "--db", db},
		"bad email":        {"init", "--org", "X", "--admin-email", "nope", "--db", db},
	} {
		if _, _, err := runCLI(t, nil, args...); err == nil {
			t.Errorf("%s: init succeeded", name)
		}
	}
}

func TestCatalogValidateNamesTheLineAtFault(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{
  "template": "custom",
  "title": "Custom",
  "categories": [
    {"key": "a", "name": "A", "permissions": [
      {"codename": "a.view", "label": "View"},
      {"codename": "a.view", "label": "View again"}
    ]}
  ],
  "licences": [],
  "admin_operations": {}
}`), 0o600)
	_, _, err := runCLI(t, nil, "catalog", "validate", bad)
	if err == nil || !strings.Contains(err.Error(), "line 7") || !strings.Contains(err.Error(), "duplicate codename") {
		t.Fatalf("validate: %v", err)
	}
	out, _, err := runCLI(t, nil, "catalog", "show", "facilities")
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(out), 0o600)
	if out, _, err := runCLI(t, nil, "catalog", "validate", good); err != nil || !strings.Contains(out, "40 permissions") {
		t.Fatalf("validate builtin: %v %s", err, out)
	}
	db := filepath.Join(dir, "c.db")
	if _, _, err := runCLI(t, nil, "init", "--org", "Custom", "--catalog", good, "--admin-email", "a@b.test", "--db", db); err != nil {
		t.Fatalf("init --catalog: %v", err)
	}
}

// A backup is a database of its own: opening it finds the organization, and
// a second backup to the same file is refused.
func TestBackupCopiesTheDatabase(t *testing.T) {
	dir := t.TempDir()
	db, copy := filepath.Join(dir, "gh.db"), filepath.Join(dir, "copy.db")
	out, stderr, err := runCLI(t, nil, "init", "--org", "Acme", "--template", "facilities", "--admin-email", "admin@acme.test", "--db", db)
	if err != nil {
		t.Fatalf("init: %v\n%s", err, stderr)
	}
	var founded map[string]string
	json.Unmarshal([]byte(out), &founded)
	if _, stderr, err := runCLI(t, nil, "backup", "--db", db, "--out", copy); err != nil {
		t.Fatalf("backup: %v\n%s", err, stderr)
	}
	st, err := store.Open(context.Background(), copy)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.View(context.Background(), func(tx gatehouse.Tx) error {
		_, err := tx.FindUser(founded["org_id"], founded["user_id"])
		return err
	})
	if err != nil {
		t.Fatalf("the admin is not in the backup: %v", err)
	}
	if _, _, err := runCLI(t, nil, "backup", "--db", db, "--out", copy); gatehouse.ErrorCode(err) != gatehouse.ECONFLICT {
		t.Fatalf("backup over an existing file: %v", err)
	}
	if _, _, err := runCLI(t, nil, "backup", "--db", db); gatehouse.ErrorCode(err) != gatehouse.EINVALID {
		t.Fatalf("backup without --out: %v", err)
	}
}
