package contract

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"testing"
)

// TestGeneratedClientHasNoPointerToSlice: arrays are never null, so a
// generated client has []T, not *[]T, everywhere: a PATCH's lists too,
// which are omitzero (see TestPatchListsThroughTheGeneratedClient).
func TestGeneratedClientHasNoPointerToSlice(t *testing.T) {
	if _, err := os.Stat("client.gen.go"); err != nil {
		t.Fatalf("no generated client: run go generate in contract/ (%v)", err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "client.gen.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	types := 0
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.TypeSpec)
		if !ok {
			return true
		}
		types++
		ast.Inspect(spec.Type, func(n ast.Node) bool {
			if star, ok := n.(*ast.StarExpr); ok {
				if _, slice := star.X.(*ast.ArrayType); slice {
					t.Errorf("%s has a pointer to a slice", spec.Name.Name)
				}
			}
			return true
		})
		return false
	})
	if types < 50 {
		t.Fatalf("only %d types generated", types)
	}
}
