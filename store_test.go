package gatehouse_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse"
)

// Every method of OrgScoped names the organization it acts in: its first
// argument is orgID, or a record or filter with an OrgID field (an
// organization, for CreateOrganization). A finder by secret or email, or a
// queue's method, belongs in Lookups or ServerWide, where it says why.
func TestOrgScopedMethodsNameTheirOrganization(t *testing.T) {
	firstParam := firstParamNames(t, "store.go")
	for name, first := range firstParamNames(t, "mfa.go") { // MFAStore lives beside its types
		firstParam[name] = first
	}
	scoped := reflect.TypeFor[gatehouse.OrgScoped]()
	org := reflect.TypeFor[*gatehouse.Organization]()
	for i := range scoped.NumMethod() {
		m := scoped.Method(i)
		if firstParam[m.Name] == "orgID" {
			continue
		}
		if m.Type.NumIn() > 0 {
			arg := m.Type.In(0)
			if arg == org {
				continue
			}
			if arg.Kind() == reflect.Pointer {
				arg = arg.Elem()
			}
			if _, ok := arg.FieldByName("OrgID"); ok && arg.Kind() == reflect.Struct {
				continue
			}
		}
		t.Errorf("OrgScoped.%s takes no organization (first argument %q)", m.Name, firstParam[m.Name])
	}
}

// The three groups of Tx share no method, so each method has one stated reach.
func TestTxGroupsAreDisjoint(t *testing.T) {
	seen := map[string]string{}
	for _, g := range []reflect.Type{
		reflect.TypeFor[gatehouse.OrgScoped](),
		reflect.TypeFor[gatehouse.Lookups](),
		reflect.TypeFor[gatehouse.ServerWide](),
	} {
		for i := range g.NumMethod() {
			name := g.Method(i).Name
			if other, ok := seen[name]; ok {
				t.Errorf("%s is in both %s and %s", name, other, g.Name())
			}
			seen[name] = g.Name()
		}
	}
	if n := reflect.TypeFor[gatehouse.Tx]().NumMethod(); n != len(seen) {
		t.Errorf("Tx has %d methods, its groups %d", n, len(seen))
	}
}

// firstParamNames maps every interface method declared in the file to the
// name of its first parameter.
func firstParamNames(t *testing.T, file string) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		it, ok := n.(*ast.InterfaceType)
		if !ok {
			return true
		}
		for _, m := range it.Methods.List {
			fn, ok := m.Type.(*ast.FuncType)
			if !ok || len(m.Names) == 0 {
				continue // an embedded interface
			}
			first := ""
			if ps := fn.Params.List; len(ps) > 0 && len(ps[0].Names) > 0 {
				first = ps[0].Names[0].Name
			}
			names[m.Names[0].Name] = first
		}
		return true
	})
	return names
}
