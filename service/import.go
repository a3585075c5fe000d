package service

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/usercsv"
)

// MaxImportRows is how many users one import takes.
const MaxImportRows = 10_000

// ImportReport is what an import found and did: every row's errors, or the
// users it created (for a dry run, would create).
type ImportReport struct {
	Rows     int                    // the file's users
	Errors   []gatehouse.FieldError // every error, in row order: Row, Field (the column) and Message; none when the file may be imported
	Users    []ImportedUser         // the users created, in row order; for a dry run, none
	Revision int64                  // the organization's revision after the import; for a dry run, the one it was checked on
}

// ImportedUser is a user created by an import, with their row.
type ImportedUser struct {
	Row  int
	User *gatehouse.User
}

// ImportUsers invites every user of a CSV file (package usercsv): all of
// them in one transaction, or, when any row has an error, none. Each row
// is held to what InviteUser holds one invitation to (the actor may invite
// users, valid fields, no escalation) and more: its groups and facilities
// are named, and named once, in the actor's organization; its email is
// new, to the organization and to the file (an import never changes an
// existing user). Every error of every row is reported at once, before
// anything is written. Each user gets their invitation mail and their
// audit event.
//
// With dryRun, the file is checked as the import checks it, and nothing is
// written: the report lists the errors, and the error is nil unless the
// request itself fails (no permission, the database). Without, the report
// comes back with an EINVALID error whose Fields are the report's errors
// when any row is at fault.
func (s *Service) ImportUsers(ctx context.Context, actor gatehouse.Actor, file io.Reader, dryRun bool) (*ImportReport, error) {
	rows, errs := usercsv.Read(file, MaxImportRows)
	report := &ImportReport{Rows: len(rows), Errors: append([]gatehouse.FieldError{}, errs...), Users: []ImportedUser{}}
	if len(errs) > 0 && rows == nil { // the file as a whole is at fault
		if err := s.view(ctx, actor, func(_ gatehouse.Tx, snap *authz.Snapshot) error {
			return authorize(snap, actor, gatehouse.OpInviteUsers, authz.Resource{})
		}); err != nil {
			return nil, err
		}
		return report, importError(report, dryRun)
	}
	check := func(tx gatehouse.Tx, snap *authz.Snapshot) ([]*gatehouse.User, error) {
		if err := authorize(snap, actor, gatehouse.OpInviteUsers, authz.Resource{}); err != nil {
			return nil, err
		}
		report.Errors = append(report.Errors[:0:0], errs...) // the file's, should the write start again
		users, err := s.checkImport(tx, snap, actor, rows, &report.Errors)
		if err != nil {
			return nil, err
		}
		sortByRow(report.Errors)
		return users, importError(report, dryRun)
	}
	if dryRun {
		err := s.view(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot) error {
			report.Revision = snap.Revision
			_, err := check(tx, snap)
			return err
		})
		if err != nil {
			return nil, err
		}
		return report, nil
	}
	rev, err := s.adminWrite(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange, _ *[]string) error {
		users, err := check(tx, snap)
		if err != nil {
			return err
		}
		if err := s.createImported(ctx, tx, actor, users); err != nil {
			return err
		}
		report.Users = report.Users[:0]
		for i, u := range users {
			ch.Users = append(ch.Users, u.Access())
			report.Users = append(report.Users, ImportedUser{Row: rows[i].Line, User: u})
		}
		return nil
	})
	if err != nil {
		if len(report.Errors) > 0 && gatehouse.ErrorCode(err) == gatehouse.EINVALID {
			return report, err
		}
		return nil, err
	}
	report.Revision = rev
	return report, nil
}

// importError is the error of an import whose report lists errors: nil for
// a dry run (the report says it all) or when there are none.
func importError(r *ImportReport, dryRun bool) error {
	if dryRun || len(r.Errors) == 0 {
		return nil
	}
	first := r.Errors[0]
	rows := map[int]bool{}
	for _, e := range r.Errors {
		rows[e.Row] = true
	}
	return &gatehouse.Error{Code: gatehouse.EINVALID, Field: first.Field, Fields: r.Errors,
		Message: fmt.Sprintf("%s in %s: nothing was imported. Row %d: %s",
			plural(len(r.Errors), "error"), plural(len(rows), "row"), first.Row, first.Message)}
}

// checkImport turns the rows into invited users, each with a new id,
// appending every error of every row to errs; the users are in row order.
// Its error is one of the request, not of a row.
func (s *Service) checkImport(tx gatehouse.Tx, snap *authz.Snapshot, actor gatehouse.Actor, rows []usercsv.Row, errs *[]gatehouse.FieldError) ([]*gatehouse.User, error) {
	names, err := loadNames(tx, actor.OrgID)
	if err != nil {
		return nil, err
	}
	emails := make([]string, len(rows))
	for i, r := range rows {
		emails[i] = r.Email
	}
	taken, err := tx.TakenEmails(actor.OrgID, emails)
	if err != nil {
		return nil, err
	}
	isTaken := make(map[string]bool, len(taken))
	for _, e := range taken {
		isTaken[e] = true
	}
	firstRow := make(map[string]int, len(rows)) // normalized email → its first row
	limited := !actor.IsSystem() && !snap.IsFullAccess(actor.UserID)
	users := make([]*gatehouse.User, len(rows))
	var valid []int // the rows without errors
	for i, r := range rows {
		var rowErrs []gatehouse.FieldError
		add := func(code, column, format string, args ...any) {
			rowErrs = append(rowErrs, gatehouse.FieldError{Code: code, Row: r.Line, Field: column, Message: fmt.Sprintf(format, args...)})
		}
		u := newInvitedUser(snap, actor.OrgID, UserInput{FirstName: r.FirstName, LastName: r.LastName, Email: r.Email,
			Phone: r.Phone, FullAccess: r.FullAccess, Licence: names.licence(snap.Catalog(), r.Licence)})
		for _, name := range r.Groups {
			if id, ok := names.group(name); ok {
				u.GroupIDs = append(u.GroupIDs, id)
			} else {
				add(gatehouse.ENOTFOUND, usercsv.Groups, "Group %q not found", name)
			}
		}
		for _, name := range r.Facilities {
			id, err := names.facility(name)
			if err != nil {
				add(gatehouse.ErrorCode(err), usercsv.Facilities, "%s", gatehouse.ErrorMessage(err))
				continue
			}
			u.FacilityIDs = append(u.FacilityIDs, id)
		}
		u.GroupIDs, u.FacilityIDs = set(u.GroupIDs), set(u.FacilityIDs)
		if err := validateUser(snap, u, nil, ""); err != nil {
			for _, f := range asFieldErrors(err) {
				add(f.Code, importColumn(f.Field), "%s", f.Message)
			}
		}
		if key := gatehouse.NormalizeEmail(r.Email); key != "" {
			switch first, seen := firstRow[key]; {
			case seen:
				add(gatehouse.ECONFLICT, usercsv.Email, "Email %s is also on row %d: each user once", r.Email, first)
			case isTaken[key]:
				add(gatehouse.ECONFLICT, usercsv.Email, "A user with email %s already exists: an import only adds new users", r.Email)
			default:
				firstRow[key] = r.Line
			}
		}
		if len(rowErrs) == 0 {
			valid = append(valid, i)
		}
		*errs = append(*errs, rowErrs...)
		users[i] = u
	}
	if limited {
		judgeRows(snap, actor, rows, users, valid, errs)
	}
	if err := seatRows(tx, snap, actor.OrgID, rows, users, valid, errs); err != nil {
		return nil, err
	}
	return users, nil
}

// seatRows refuses the rows that would take a licence tier over its seats,
// in row order: the first rows of a tier take its free seats, the rest are
// each reported on their licence column. (adminWrite counts the seats once
// more in the import's transaction, as it does for every write.)
func seatRows(tx gatehouse.Tx, snap *authz.Snapshot, orgID string, rows []usercsv.Row, users []*gatehouse.User, valid []int, errs *[]gatehouse.FieldError) error {
	if !snap.Catalog().HasLicences() {
		return nil
	}
	tiers, err := licenceSeats(tx, snap.Catalog(), orgID)
	if err != nil {
		return err
	}
	free := map[string]LicenceSeats{}
	for _, t := range tiers {
		if t.Seats != nil {
			free[t.Licence.Name] = t
		}
	}
	taken := map[string]int{}
	for _, i := range valid {
		t, capped := free[users[i].Licence]
		if !capped {
			continue
		}
		if taken[t.Licence.Name]++; taken[t.Licence.Name] > *t.Free() {
			*errs = append(*errs, gatehouse.FieldError{Code: gatehouse.ECONFLICT, Row: rows[i].Line, Field: usercsv.Licence,
				Message: fmt.Sprintf("The %s licence has %s, %d free: this row would need one more; raise its seats or give another licence",
					t.Licence.Label, plural(*t.Seats, "seat"), *t.Free())})
		}
	}
	return nil
}

// judgeRows applies no escalation to each valid row by itself, so that a
// refusal names its row; the import is judged once more as a whole before
// it commits (adminWrite). The rows are new users, who do not reach one
// another: each is judged against one snapshot holding them all, built
// once (a snapshot per row would copy the table of users for each).
func judgeRows(snap *authz.Snapshot, actor gatehouse.Actor, rows []usercsv.Row, users []*gatehouse.User, valid []int, errs *[]gatehouse.FieldError) {
	var all gatehouse.AccessChange
	for _, i := range valid {
		all.Users = append(all.Users, users[i].Access())
	}
	next := snap.Apply(all)
	for k, i := range valid {
		one := gatehouse.AccessChange{Users: all.Users[k : k+1]}
		if err := snap.Judge(actor.UserID, next, authz.Write{Change: one}); err != nil {
			*errs = append(*errs, gatehouse.FieldError{Code: gatehouse.ErrorCode(err), Row: rows[i].Line,
				Field: refusedColumn(err), Message: gatehouse.ErrorMessage(err)})
		}
	}
}

// newInvitedUser is a new invited user of the organization as in asks,
// with a new id, its lists as sets and the catalog's default licence when
// in names none; validateUser checks it.
func newInvitedUser(snap *authz.Snapshot, orgID string, in UserInput) *gatehouse.User {
	if in.Licence == "" {
		in.Licence = snap.Catalog().NewUserLicence()
	}
	return &gatehouse.User{
		ID: gatehouse.NewID(gatehouse.PrefixUser), OrgID: orgID,
		FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone,
		Status: gatehouse.StatusInvited, FullAccess: in.FullAccess, Licence: in.Licence,
		GroupIDs: set(in.GroupIDs), Permissions: set(in.Permissions), FacilityIDs: set(in.FacilityIDs),
	}
}

// createImported stores the users with their invitations, invitation mails
// and audit events, many rows per statement.
func (s *Service) createImported(ctx context.Context, tx gatehouse.Tx, actor gatehouse.Actor, users []*gatehouse.User) error {
	org, err := tx.FindOrganization(actor.OrgID)
	if err != nil {
		return err
	}
	invs := make([]*gatehouse.Invitation, len(users))
	mails := make([]*gatehouse.OutboxMail, len(users))
	events := make([]*gatehouse.AuditEvent, len(users))
	for i, u := range users {
		events[i] = auditEvent(ctx, actor, "user.invited", "user", u.ID, diff(nil, userFields(u)))
		inv, msg, _, err := s.issueInvitation(org.Name, u)
		if err != nil {
			return err
		}
		invs[i], mails[i] = inv, &gatehouse.OutboxMail{OrgID: actor.OrgID, Message: msg}
	}
	if err := tx.CreateUsers(actor.OrgID, users); err != nil {
		return err
	}
	if err := tx.CreateInvitations(actor.OrgID, invs); err != nil {
		return err
	}
	if err := tx.EnqueueMails(mails); err != nil {
		return err
	}
	return tx.RecordAudits(actor.OrgID, events)
}

// asFieldErrors lists the fields at fault of a validation error.
func asFieldErrors(err error) []gatehouse.FieldError {
	if e, ok := err.(*gatehouse.Error); ok && len(e.List()) > 0 {
		return e.List()
	}
	return []gatehouse.FieldError{{Code: gatehouse.ErrorCode(err), Message: gatehouse.ErrorMessage(err)}}
}

// importColumn names the file's column of a user field.
func importColumn(field string) string {
	switch field {
	case "group_ids":
		return usercsv.Groups
	case "facility_ids":
		return usercsv.Facilities
	}
	return field
}

// refusedColumn names the column that a no-escalation refusal of one row
// is about.
func refusedColumn(err error) string {
	e, ok := err.(*gatehouse.Error)
	if !ok {
		return ""
	}
	switch e.Reason {
	case authz.EscalationFullAccess:
		return usercsv.FullAccess
	case authz.EscalationLicence:
		return usercsv.Licence
	case authz.EscalationGroup, authz.EscalationPermission:
		return usercsv.Groups
	case authz.EscalationFacility:
		return usercsv.Facilities
	}
	return importColumn(e.Field)
}

// sortByRow puts the file's errors (usercsv.Read) and the rows' (checkImport)
// in row order, each row's in the order found.
func sortByRow(errs []gatehouse.FieldError) {
	slices.SortStableFunc(errs, func(a, b gatehouse.FieldError) int { return a.Row - b.Row })
}
