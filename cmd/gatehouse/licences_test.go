package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// gatehouse licences seats lists the tiers with their seats and sets one.
func TestLicencesSeats(t *testing.T) {
	db := filepath.Join(t.TempDir(), "gh.db")
	out, stderr, err := runCLI(t, nil, "init", "--org", "Comply", "--template", "compliance", "--admin-email", "admin@comply.test", "--db", db)
	if err != nil {
		t.Fatalf("init: %v\n%s", err, stderr)
	}
	var org map[string]string
	if err := json.Unmarshal([]byte(out), &org); err != nil {
		t.Fatal(err)
	}
	out, stderr, err = runCLI(t, nil, "licences", "seats", "--org", org["org_id"], "--licence", "action", "--seats", "3", "--db", db)
	if err != nil {
		t.Fatalf("set: %v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "LICENCE") {
		t.Fatalf("listing:\n%s", out)
	}
	var action, admin []string
	for _, l := range lines {
		f := strings.Fields(l)
		switch f[0] {
		case "action":
			action = f
		case "administrator":
			admin = f
		}
	}
	// The first admin holds the highest licence (approval); action: 3 seats, none used.
	if strings.Join(action[len(action)-3:], " ") != "3 0 3" || admin[len(admin)-1] != "unlimited" {
		t.Fatalf("listing:\n%s", out)
	}
	if _, _, err := runCLI(t, nil, "licences", "seats", "--org", org["org_id"], "--licence", "action", "--seats", "many", "--db", db); err == nil {
		t.Fatal("--seats many accepted")
	}
	if _, _, err := runCLI(t, nil, "licences", "seats", "--org", org["org_id"], "--licence", "gold", "--seats", "1", "--db", db); err == nil {
		t.Fatal("an unknown tier accepted")
	}
	out, _, err = runCLI(t, nil, "licences", "seats", "--org", org["org_id"], "--licence", "action", "--seats", "unlimited", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "action" && strings.Join(f[len(f)-3:], " ") != "unlimited 0 unlimited" {
			t.Fatalf("unlimited:\n%s", out)
		}
	}
}
