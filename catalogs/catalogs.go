// Package catalogs embeds Gatehouse's built-in permission catalogs, the data
// files facilities.json (seed 000) and compliance.json (seed 004).
package catalogs

import (
	"embed"

	"github.com/gatehouse/gatehouse"
	"sort"
	"strings"
)

//go:embed *.json
var files embed.FS

// Builtin returns the raw catalog file of a built-in template.
func Builtin(template string) ([]byte, bool) {
	data, err := files.ReadFile(template + ".json")
	return data, err == nil
}

// Templates lists the built-in template names.
func Templates() []string {
	entries, _ := files.ReadDir(".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	sort.Strings(names)
	return names
}

// Load parses a built-in template.
func Load(template string) (*gatehouse.Catalog, []byte, error) {
	data, ok := Builtin(template)
	if !ok {
		return nil, nil, gatehouse.Invalid("template", "unknown template %q; built-in templates: %s", template, strings.Join(Templates(), ", "))
	}
	c, err := gatehouse.ParseCatalog(data)
	return c, data, err
}
