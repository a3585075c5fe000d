package usercsv_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/usercsv"
)

// Defuse quotes what a spreadsheet would run; Restore gives back exactly
// the value, whatever it is.
func TestDefuseRestoreRoundTrip(t *testing.T) {
	for _, tc := range []struct{ value, cell string }{
		{"Ann", "Ann"},
		{"", ""},
		{"=1+2", "'=1+2"},
		{"+442079460000", "'+442079460000"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"'=x", "''=x"},   // a quote the value had stays
		{"''+x", "'''+x"}, // however many
		{"O'Neil", "O'Neil"},
		{"'quoted'", "'quoted'"},
		{"a=b", "a=b"},
	} {
		if got := usercsv.Defuse(tc.value); got != tc.cell {
			t.Errorf("Defuse(%q) = %q, want %q", tc.value, got, tc.cell)
		}
		if got := usercsv.Restore(tc.cell); got != tc.value {
			t.Errorf("Restore(%q) = %q, want %q", tc.cell, got, tc.value)
		}
	}
}

// Read takes the columns in any order, names each error's line and
// column, and reads a row written by Writer back as it was.
func TestReadWrite(t *testing.T) {
	var b strings.Builder
	w, err := usercsv.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	want := usercsv.Row{Line: 2, FirstName: "=Ann", LastName: "O'Neil, Jr", Email: "ann@x.test", Phone: "+441",
		Groups: []string{"A", "B"}, Facilities: []string{"-1"}, Licence: "gold", FullAccess: true}
	if err := w.Write(want); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	rows, errs := usercsv.Read(strings.NewReader("\uFEFF"+b.String()), 10)
	if len(errs) > 0 || len(rows) != 1 || fmt.Sprint(rows[0]) != fmt.Sprint(want) {
		t.Fatalf("read back %+v %v, want %+v", rows, errs, want)
	}

	for _, tc := range []struct {
		name, file string
		want       []string // line column
	}{
		{"any order, spaced names", "Email, Last Name ,first-name\na@x.test,B,A\n", nil},
		{"full access in words", "first_name,last_name,email,full_access\nA,B,a@x.test,maybe\nC,D,c@x.test,YES\n", []string{"2 full_access"}},
		{"a quoted cell over two lines keeps the next row's line", "first_name,last_name,email\n\"A\nA\",B,a@x.test\nC,D\n", []string{"4 row"}},
		{"too many rows", "first_name,last_name,email\n" + strings.Repeat("A,B,a@x.test\n", 11), []string{"12 file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := usercsv.Read(strings.NewReader(tc.file), 10)
			var got []string
			for _, e := range errs {
				got = append(got, fmt.Sprintf("%d %s", e.Row, e.Field))
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("errors %v (%v), want %v", got, errs, tc.want)
			}
		})
	}
}
