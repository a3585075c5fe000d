package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecuritySetsThePolicyAndResetsFactors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "gh.db")
	out, stderr, err := runCLI(t, nil, "init", "--org", "Acme", "--admin-email", "admin@acme.test", "--db", db)
	if err != nil {
		t.Fatalf("init: %v\n%s", err, stderr)
	}
	var org map[string]string
	if err := json.Unmarshal([]byte(out), &org); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"security", "mfa-policy", "--org", org["org_id"], "--db", db}, "off"},
		{[]string{"security", "mfa-policy", "--org", org["org_id"], "--set", "admins", "--db", db}, "admins"},
		{[]string{"security", "mfa-policy", "--org", org["org_id"], "--db", db}, "admins"},
		{[]string{"security", "reset-mfa", "--org", org["org_id"], "--user", org["user_id"], "--db", db}, "reset the second factors"},
	} {
		out, stderr, err := runCLI(t, nil, tc.args...)
		if err != nil || !strings.Contains(out, tc.want) {
			t.Fatalf("%v: %q %v\n%s", tc.args, out, err, stderr)
		}
	}
	if _, _, err := runCLI(t, nil, "security", "mfa-policy", "--org", org["org_id"], "--set", "sometimes", "--db", db); err == nil {
		t.Fatal("an unknown policy was set")
	}
}
