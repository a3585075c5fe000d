package ui

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/usercsv"
)

// maxImportForm bounds the Import page's form: the file, or the text
// pasted, of service.MaxImportRows users, as the API bounds its body.
const maxImportForm = 16 << 20

// importPage is the data of the Import page: the file being imported, and
// once checked, the report.
type importPage struct {
	CSV     string                // the file's text, carried from the check to the import
	Report  *service.ImportReport // nil before a check
	Columns []string
}

func (u *UI) importPage(w http.ResponseWriter, r *http.Request) {
	if !u.require(w, r, gatehouse.OpInviteUsers, "invite users") {
		return
	}
	u.showImport(w, r, http.StatusOK, newPage(r, "Import users", "users"), importPage{})
}

func (u *UI) showImport(w http.ResponseWriter, r *http.Request, status int, p *page, data importPage) {
	data.Columns = usercsv.Columns
	p.Data = data
	u.show(w, r, status, "import", p)
}

// importUsers checks a file (step "check": a dry run that shows the report)
// or imports it (step "import", from the check's page). The file is an
// upload or text pasted; the confirmation carries the text checked, so
// that what is imported is what was checked.
func (u *UI) importUsers(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	r.Body = http.MaxBytesReader(w, r.Body, maxImportForm)
	if err := r.ParseMultipartForm(maxImportForm); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		u.fail(w, r, gatehouse.Errorf(gatehouse.ETOOLARGE, "The file could not be read: import at most %d users, in a file of at most %d MB.", service.MaxImportRows, maxImportForm>>20))
		return
	}
	text, err := importText(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	p := newPage(r, "Import users", "users")
	if strings.TrimSpace(text) == "" {
		p.Errors["file"] = "Choose a CSV file, or paste its text."
		p.Fields = []gatehouse.FieldError{{Field: "file", Message: p.Errors["file"]}}
		u.showImport(w, r, http.StatusBadRequest, p, importPage{})
		return
	}
	dryRun := r.PostFormValue("step") != "import"
	report, err := u.svc.ImportUsers(r.Context(), v.actor, strings.NewReader(text), dryRun)
	switch {
	case report != nil && len(report.Errors) > 0: // a check, or an import refused for its rows
		status := http.StatusOK
		if err != nil {
			status = http.StatusBadRequest
		}
		u.showImport(w, r, status, p, importPage{CSV: text, Report: report})
	case err != nil:
		if !formError(p, err) {
			u.fail(w, r, err)
			return
		}
		u.showImport(w, r, gatehouse.HTTPStatus(gatehouse.ErrorCode(err)), p, importPage{CSV: text})
	case dryRun:
		u.showImport(w, r, http.StatusOK, p, importPage{CSV: text, Report: report})
	default:
		redirectDone(w, r, "/users?status=invited", doneImported)
	}
}

// importText is the file uploaded, or else the text pasted.
func importText(r *http.Request) (string, error) {
	if r.MultipartForm != nil {
		if files := r.MultipartForm.File["file"]; len(files) > 0 && files[0].Size > 0 {
			f, err := files[0].Open()
			if err != nil {
				return "", err
			}
			defer f.Close()
			data, err := io.ReadAll(f)
			return string(data), err
		}
	}
	return r.PostFormValue("csv"), nil
}
