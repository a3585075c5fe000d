package usercsv

import "strings"

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula (OWASP, "CSV Injection").
const formulaStarts = "=+-@\t\r"

// startsFormula reports whether a spreadsheet would read s, once any
// quotes that lead it are taken off, as a formula.
func startsFormula(s string) bool {
	s = strings.TrimLeft(s, "'")
	return s != "" && strings.ContainsRune(formulaStarts, rune(s[0]))
}

// Defuse makes a cell safe to open in a spreadsheet: a value that would
// start a formula gets a leading single quote, which spreadsheets show as
// text. A value already led by quotes and then a formula character gets
// one more, so that Restore gives back exactly the value.
func Defuse(s string) string {
	if startsFormula(s) {
		return "'" + s
	}
	return s
}

// Restore undoes Defuse: it takes off the one quote that Defuse added.
// A quote that leads anything else is part of the value.
func Restore(s string) string {
	if strings.HasPrefix(s, "'") && startsFormula(s[1:]) {
		return s[1:]
	}
	return s
}
