package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestSSOAddsListsAndDeletesConnections(t *testing.T) {
	db := filepath.Join(t.TempDir(), "gh.db")
	out, stderr, err := runCLI(t, nil, "init", "--org", "Acme", "--admin-email", "admin@acme.test", "--db", db)
	if err != nil {
		t.Fatalf("init: %v\n%s", err, stderr)
	}
	var org map[string]string
	if err := json.Unmarshal([]byte(out), &org); err != nil {
		t.Fatal(err)
	}
	id, stderr, err := runCLI(t, map[string]string{"GATEHOUSE_CLIENT_SECRET": "s3cret"}, "sso", "add", "--org", org["org_id"], "--name", "Okta",
		"--issuer", "https://acme.okta.com", "--client-id", "app", "--domains", "acme.example,acme.org", "--password-off", "--db", db)
	id = strings.TrimSpace(id)
	if err != nil || !strings.HasPrefix(id, "sso_") {
		t.Fatalf("add: %q %v\n%s", id, err, stderr)
	}
	out, _, err = runCLI(t, nil, "sso", "list", "--org", org["org_id"], "--db", db)
	if err != nil || !strings.Contains(out, id) || !strings.Contains(out, `"password_sign_in_disabled":true`) || strings.Contains(out, "s3cret") {
		t.Fatalf("list: %q %v", out, err)
	}
	if out, _, err = runCLI(t, nil, "sso", "delete", "--org", org["org_id"], "--id", id, "--db", db); err != nil || !strings.Contains(out, "deleted") {
		t.Fatalf("delete: %q %v", out, err)
	}
	if out, _, err = runCLI(t, nil, "sso", "list", "--org", org["org_id"], "--db", db); err != nil || out != "" {
		t.Fatalf("list after delete: %q %v", out, err)
	}
}
