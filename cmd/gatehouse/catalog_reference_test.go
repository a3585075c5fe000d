package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/catalogs"
)

func TestCatalogReference(t *testing.T) {
	want, err := catalogs.BuiltinReference()
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runCLI(t, nil, "catalog", "reference")
	if err != nil || out != want {
		t.Fatalf("catalog reference: %v\n%s\nstdout is %d bytes, want the %d of the reference", err, stderr, len(out), len(want))
	}

	file := filepath.Join(t.TempDir(), "ref.md")
	out, stderr, err = runCLI(t, nil, "catalog", "reference", "--out", file)
	if err != nil || out != "" {
		t.Fatalf("catalog reference --out: %v, stdout %q\n%s", err, out, stderr)
	}
	if got, err := os.ReadFile(file); err != nil || string(got) != want {
		t.Fatalf("--out wrote %d bytes (%v), want the reference", len(got), err)
	}

	if _, stderr, err := runCLI(t, nil, "catalog", "reference", "--help"); err != nil || !strings.Contains(stderr, "Usage: gatehouse catalog reference") {
		t.Errorf("catalog reference --help: %v\n%s", err, stderr)
	}
	if _, _, err := runCLI(t, nil, "catalog", "reference", "extra"); err == nil {
		t.Error("catalog reference with an extra argument should fail")
	}
	// show and validate still take exactly one argument.
	if _, _, err := runCLI(t, nil, "catalog", "show"); err == nil {
		t.Error("catalog show without a template should fail")
	}
	if out, _, err := runCLI(t, nil, "catalog", "show", "facilities"); err != nil || !strings.Contains(out, `"template": "facilities"`) {
		t.Errorf("catalog show facilities: %v", err)
	}
}
