package usercsv

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// Read reads a file of users: a header row naming the columns, in any
// order, then one row per user. It returns the rows and every error it
// found, each naming its line and column: a header at fault (unknown,
// repeated or missing columns) stops there, a row at fault is reported and
// reading goes on. More than maxRows rows, or a file that is not CSV, is
// one error. Every cell is trimmed and Restore undoes an export's quote.
func Read(r io.Reader, maxRows int) ([]Row, []gatehouse.FieldError) {
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); string(bom) == "\uFEFF" {
		br.Discard(3) // the byte-order mark some spreadsheets write
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // counted here, to say which row
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, []gatehouse.FieldError{rowError(1, WholeFile, "The file is empty: it needs a header row naming the columns (%s)", strings.Join(Columns, ", "))}
	}
	if err != nil {
		return nil, []gatehouse.FieldError{parseError(err)}
	}
	index, errs := readHeader(header)
	if len(errs) > 0 {
		return nil, errs
	}
	var rows []Row
	for {
		record, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, append(errs, parseError(err))
		}
		line, _ := cr.FieldPos(0)
		if len(rows) == maxRows {
			return nil, []gatehouse.FieldError{rowError(line, WholeFile, "The file has more than %d users: import it in parts", maxRows)}
		}
		if len(record) != len(index) {
			if len(record) == 1 && strings.TrimSpace(record[0]) == "" {
				continue // a line of blanks a spreadsheet left
			}
			errs = append(errs, rowError(line, WholeRow, "The row has %d cells; the header has %d", len(record), len(index)))
			continue
		}
		row, rowErrs := readRow(line, record, index)
		errs = append(errs, rowErrs...)
		rows = append(rows, row)
	}
	if len(rows) == 0 && len(errs) == 0 {
		errs = append(errs, rowError(2, WholeFile, "The file has no users: add one row per user below the header"))
	}
	return rows, errs
}

// readHeader maps each cell of the header to its column.
func readHeader(header []string) ([]string, []gatehouse.FieldError) {
	var errs []gatehouse.FieldError
	index := make([]string, len(header))
	for i, cell := range header {
		col := headerKey(cell)
		switch {
		case !slices.Contains(Columns, col):
			errs = append(errs, rowError(1, cell, "Unknown column %q: the columns are %s", cell, strings.Join(Columns, ", ")))
		case slices.Contains(index[:i], col):
			errs = append(errs, rowError(1, col, "Column %s appears twice", col))
		}
		index[i] = col
	}
	for _, col := range Required {
		if !slices.Contains(index, col) {
			errs = append(errs, rowError(1, col, "Column %s is missing: the file needs %s", col, strings.Join(Required, ", ")))
		}
	}
	return index, errs
}

func readRow(line int, record, index []string) (Row, []gatehouse.FieldError) {
	row := Row{Line: line}
	var errs []gatehouse.FieldError
	for i, col := range index {
		cell := Restore(strings.TrimSpace(record[i]))
		switch col {
		case FirstName:
			row.FirstName = cell
		case LastName:
			row.LastName = cell
		case Email:
			row.Email = cell
		case Phone:
			row.Phone = cell
		case Groups:
			row.Groups = splitList(cell)
		case Facilities:
			row.Facilities = splitList(cell)
		case Licence:
			row.Licence = cell
		case FullAccess:
			v, ok := parseBool(cell)
			if !ok {
				errs = append(errs, rowError(line, FullAccess, "Full access is %q: write yes or no (or true, false, 1, 0; empty is no)", cell))
			}
			row.FullAccess = v
		}
	}
	return row, errs
}

func parseBool(cell string) (v, ok bool) {
	switch strings.ToLower(cell) {
	case "", "no", "false", "0", "n":
		return false, true
	case "yes", "true", "1", "y":
		return true, true
	}
	return false, false
}

func rowError(line int, column, format string, args ...any) gatehouse.FieldError {
	return gatehouse.FieldError{Code: gatehouse.EINVALID, Row: line, Field: column, Message: fmt.Sprintf(format, args...)}
}

// parseError says where a file stops being CSV.
func parseError(err error) gatehouse.FieldError {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return rowError(pe.StartLine, WholeFile, "The file is not valid CSV from line %d: %v", pe.Line, pe.Err)
	}
	return rowError(0, WholeFile, "The file could not be read: %v", err)
}
