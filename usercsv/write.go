package usercsv

import (
	"encoding/csv"
	"io"
	"strings"
)

// A Writer writes a file of users: the header, then one row per user,
// every cell defused (Defuse) so that a spreadsheet never runs it.
type Writer struct {
	w *csv.Writer
}

// NewWriter writes the header to w and returns the writer of the rows.
func NewWriter(w io.Writer) (*Writer, error) {
	cw := csv.NewWriter(w)
	return &Writer{w: cw}, cw.Write(Columns)
}

// Write writes one row; its Line is not written.
func (w *Writer) Write(r Row) error {
	full := "no"
	if r.FullAccess {
		full = "yes"
	}
	cells := []string{r.FirstName, r.LastName, r.Email, r.Phone,
		strings.Join(r.Groups, Separator), strings.Join(r.Facilities, Separator), r.Licence, full}
	for i, c := range cells {
		cells[i] = Defuse(c)
	}
	return w.w.Write(cells)
}

// Flush writes what is buffered and reports the first error of any write.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}
