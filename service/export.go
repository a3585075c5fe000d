package service

import (
	"context"
	"io"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/usercsv"
)

// exportPage is how many users an export reads at a time.
const exportPage = 1000

// ExportUsers writes, as a CSV file of users (package usercsv), every user
// the filter selects among those the actor may see, in the filter's order:
// the same users as ListUsers pages through, read in one transaction, so
// that the file is one moment's state. Groups are written by name,
// facilities by external id or, without one, by name: ImportUsers reads
// the file back. f's After and Limit are ignored. Nothing is written to w
// when the request is refused.
func (s *Service) ExportUsers(ctx context.Context, actor gatehouse.Actor, f gatehouse.UserFilter, w io.Writer) error {
	return s.view(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot) error {
		f, err := s.userFilter(snap, actor, f)
		if err != nil {
			return err
		}
		names, err := loadNames(tx, actor.OrgID)
		if err != nil {
			return err
		}
		cw, err := usercsv.NewWriter(w)
		if err != nil {
			return err
		}
		f.After, f.Limit = "", exportPage
		for {
			users, err := tx.FindUsers(f)
			if err != nil {
				return err
			}
			for _, u := range users {
				if err := cw.Write(names.row(u)); err != nil {
					return err
				}
			}
			if len(users) < exportPage {
				return cw.Flush()
			}
			f.After = users[len(users)-1].ID
		}
	})
}
