package api

import (
	"bytes"
	"context"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse"
)

type exportUsersInput struct {
	Status     string       `query:"status" enum:"invited,active,inactive" doc:"Only users in this status"`
	GroupID    string       `query:"group_id" doc:"Only members of this group"`
	FacilityID string       `query:"facility_id" doc:"Only users assigned to this facility"`
	Licence    string       `query:"licence" doc:"Only users of this licence tier"`
	Invitation string       `query:"invitation" enum:"pending,expired" doc:"Only users whose latest invitation is open and pending, or open and expired"`
	Q          optionalText `query:"q" doc:"Search first name, last name and email"`
	Sort       string       `query:"sort" enum:"created,name,email" doc:"Order: created (default), name (last, first) or email"`
	Order      string       `query:"order" enum:"asc,desc" doc:"asc (default) or desc"`
}

type csvOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

func (h *handlers) exportUsers(ctx context.Context, in *exportUsersInput) (*csvOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	sort := in.Sort
	if sort == "created" {
		sort = gatehouse.SortID
	}
	// Written whole before it is sent, so that a failure halfway is an
	// error answer rather than a cut file.
	var buf bytes.Buffer
	err = h.svc.ExportUsers(ctx, actor, gatehouse.UserFilter{Status: gatehouse.UserStatus(in.Status),
		GroupID: in.GroupID, FacilityID: in.FacilityID, Licence: in.Licence, Invitation: in.Invitation, Query: string(in.Q),
		Sort: sort, Desc: in.Order == "desc"}, &buf)
	if err != nil {
		return nil, err
	}
	return &csvOutput{ContentType: "text/csv; charset=utf-8", ContentDisposition: `attachment; filename="users.csv"`, Body: buf.Bytes()}, nil
}

// documentCSV says in the OpenAPI document that an operation answers 200
// with a CSV file.
func documentCSV(api huma.API, path string) {
	ok := api.OpenAPI().Paths[path].Get.Responses["200"]
	ok.Description = "A CSV file of users (docs/import-export.md)"
	ok.Content = map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: huma.TypeString}}}
	delete(ok.Headers, "Content-Type")
}
