package api

import (
	"bytes"
	"context"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// maxImportBody bounds an import's CSV file: service.MaxImportRows rows of
// long names, emails and lists fit well within it.
const maxImportBody = 16 << 20

type importUsersInput struct {
	DryRun bool `query:"dry_run" doc:"Check every row as the import would, and change nothing: answer 200 with the report, its errors listed"`
	// RawBody is the CSV file (docs/import-export.md).
	RawBody []byte `contentType:"text/csv"`
}

// importReportJSON is an import's answer: what it read, found and created.
type importReportJSON struct {
	DryRun bool               `json:"dry_run" doc:"True when nothing was changed"`
	Rows   int                `json:"rows" doc:"The file's users: its rows below the header"`
	Errors []FieldError       `json:"errors" doc:"Every error of every row, in row order: its row (the header is row 1), its column (field) and what is wrong; empty when the file may be imported"`
	Users  []importedUserJSON `json:"users" doc:"The users created, in row order; empty for a dry run"`
}

type importedUserJSON struct {
	Row   int    `json:"row" doc:"The file's row of the user"`
	ID    string `json:"id" example:"usr_01jd6c3v9k8m2n4p6q8r0s2t4v"`
	Email string `json:"email" format:"email" example:"tess@acme.test"`
}

type importReportOutput struct {
	Revision
	Body importReportJSON
}

func (h *handlers) importUsers(ctx context.Context, in *importUsersInput) (*importReportOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	report, err := h.svc.ImportUsers(ctx, actor, bytes.NewReader(in.RawBody), in.DryRun)
	if err != nil {
		return nil, err // a file at fault: every row's errors in the error's errors
	}
	return &importReportOutput{Revision{report.Revision}, toImportReport(report, in.DryRun)}, nil
}

func toImportReport(r *service.ImportReport, dryRun bool) importReportJSON {
	out := importReportJSON{DryRun: dryRun, Rows: r.Rows, Errors: toFieldErrors(r.Errors), Users: make([]importedUserJSON, len(r.Users))}
	for i, u := range r.Users {
		out.Users[i] = importedUserJSON{Row: u.Row, ID: u.User.ID, Email: u.User.Email}
	}
	return out
}

func toFieldErrors(errs []gatehouse.FieldError) []FieldError {
	out := make([]FieldError, len(errs))
	for i, f := range errs {
		out[i] = FieldError{Code: f.Code, Field: f.Field, Row: f.Row, Message: f.Message}
	}
	return out
}
