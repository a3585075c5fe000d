// Package usercsv is the CSV file of users that Gatehouse imports and
// exports: its columns, how a file is read into rows and how rows are
// written, safe to open in a spreadsheet (docs/import-export.md).
package usercsv

import (
	"strings"
)

// The columns of the file, by their header names. A file may hold them in
// any order; first_name, last_name and email are required.
const (
	FirstName  = "first_name"
	LastName   = "last_name"
	Email      = "email"
	Phone      = "phone"
	Groups     = "groups"     // group names, ";"-separated
	Facilities = "facilities" // facility external ids or names, ";"-separated
	Licence    = "licence"    // the licence tier's name or label; empty for the catalog's default
	FullAccess = "full_access"
)

// What an error names in place of a column when it is about the file as a
// whole (empty, not CSV, too long) or a row as a whole (too few cells).
const (
	WholeFile = "file"
	WholeRow  = "row"
)

// Columns are every column, in the order an export writes them.
var Columns = []string{FirstName, LastName, Email, Phone, Groups, Facilities, Licence, FullAccess}

// Required are the columns a file must have.
var Required = []string{FirstName, LastName, Email}

// Separator separates the values of a list inside one cell.
const Separator = ";"

// A Row is one user of a file, as written in it: names, not ids.
type Row struct {
	Line       int // the file's line where the row starts; the header is line 1
	FirstName  string
	LastName   string
	Email      string
	Phone      string
	Groups     []string
	Facilities []string
	Licence    string
	FullAccess bool
}

// headerKey is how a header cell is compared with the column names:
// trimmed, lower-case, spaces and dashes as underscores, so that "First
// name" and "first-name" both name first_name.
func headerKey(cell string) string {
	return strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(cell)))
}

// splitList reads a list cell: values separated by ";", trimmed, empty
// ones dropped.
func splitList(cell string) []string {
	var out []string
	for v := range strings.SplitSeq(cell, Separator) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
