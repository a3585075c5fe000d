package gatehouse_test

import (
	"os"
	"regexp"
	"testing"
)

// The Go version the README asks for is the one go.mod requires, in both
// modules.
func TestReadmeNamesTheGoVersionOfGoMod(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`with Go (\S+) or later`).FindSubmatch(readme)
	if m == nil {
		t.Fatal(`README.md does not say "with Go X or later"`)
	}
	for _, file := range []string{"go.mod", "bench/go.mod"} {
		mod, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		g := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
		if g == nil {
			t.Errorf("%s has no go line", file)
		} else if string(g[1]) != string(m[1]) {
			t.Errorf("README.md asks for Go %s; %s says go %s", m[1], file, g[1])
		}
	}
}
