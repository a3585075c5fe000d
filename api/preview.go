package api

import (
	"context"
	"errors"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/service"
)

// DryRun is the ?dry_run= parameter of every write that can change access
// (exported: huma reads only exported embedded structs).
type DryRun struct {
	DryRun bool `query:"dry_run" doc:"Change nothing: answer 200 with a preview of the write's impact on effective access — who gains and loses which permission, where — and the refusal it would meet, if any"`
}

// idWriteInput is the input of a previewable write on one object by id.
type idWriteInput struct {
	ID string `path:"id" doc:"The id, as returned by the API"`
	DryRun
}

// removeOrPreview is the shape of every previewable DELETE.
func (h *handlers) removeOrPreview(ctx context.Context, in *idWriteInput, del func(context.Context, gatehouse.Actor, string) (int64, error)) (*writeOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	return previewable(ctx, h.svc, in.DryRun, http.StatusNoContent, func(ctx context.Context) (struct{}, int64, error) {
		rev, err := del(ctx, actor, in.ID)
		return struct{}{}, rev, err
	})
}

// previewJSON is a dry run's answer.
type previewJSON struct {
	DryRun bool               `json:"dry_run" doc:"Always true: nothing was changed"`
	Users  []authz.UserImpact `json:"users" doc:"Every user whose effective access the write changes, with the permissions gained and lost and where (an invited user: what they will hold on accepting)"`
	Error  *ErrorDetail       `json:"error,omitempty" required:"false" doc:"The refusal the write would meet (no escalation, the last full-access user); absent when it would go through"`
}

// writeOutput is the answer of a previewable write: the written object (or
// nothing, for a delete) with the new revision, or with ?dry_run=true the
// preview, with the revision it was computed on. routes documents both.
type writeOutput struct {
	Revision
	Created
	Status int
	Body   any
}

// previewable runs a write, or with ?dry_run=true its preview through
// service.Preview: the same call, rolled back before it commits. status is
// the write's own success status; a delete returns no object.
func previewable[T any](ctx context.Context, svc *service.Service, dry DryRun, status int, write func(context.Context) (T, int64, error)) (*writeOutput, error) {
	if !dry.DryRun {
		v, rev, err := write(ctx)
		if err != nil {
			return nil, err
		}
		out := &writeOutput{Revision: Revision{rev}, Status: status, Body: v}
		if l, ok := any(v).(located); ok && status == http.StatusCreated {
			out.Location = l.location()
		}
		if status == http.StatusNoContent {
			out.Body = []byte(nil)
		}
		return out, nil
	}
	p, err := svc.Preview(ctx, func(ctx context.Context) error {
		_, _, err := write(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	body := previewJSON{DryRun: true, Users: nonNilImpacts(p.Users)}
	var e *gatehouse.Error
	if errors.As(p.Error, &e) {
		body.Error = &bodyOf(e).Err
	} else if p.Error != nil {
		return nil, p.Error
	}
	return &writeOutput{Revision: Revision{p.Revision}, Status: http.StatusOK, Body: body}, nil
}

// documentPreview describes a previewable operation's answers in the
// OpenAPI document: its own success with T (none for 204), and 200 with the
// preview — one of the two where the write's own success is 200 too.
func documentPreview[T any](api huma.API, method, path string) {
	doc := api.OpenAPI()
	op := doc.Paths[path].Get
	switch method {
	case http.MethodPost:
		op = doc.Paths[path].Post
	case http.MethodPatch:
		op = doc.Paths[path].Patch
	case http.MethodDelete:
		op = doc.Paths[path].Delete
	}
	schemas := doc.Components.Schemas
	preview := schemas.Schema(reflect.TypeFor[previewJSON](), true, "Preview")
	jsonOf := func(s *huma.Schema) map[string]*huma.MediaType {
		return map[string]*huma.MediaType{"application/json": {Schema: s}}
	}
	status := "200"
	for code := range op.Responses {
		if code == "201" || code == "204" {
			status = code
		}
	}
	own := op.Responses[status]
	switch status {
	case "204":
		own.Content = nil
	case "200":
		object := schemas.Schema(reflect.TypeFor[T](), true, "")
		own.Content = jsonOf(&huma.Schema{OneOf: []*huma.Schema{object, preview}})
		own.Description = "The written object, or with dry_run=true the preview"
		return
	default:
		own.Content = jsonOf(schemas.Schema(reflect.TypeFor[T](), true, ""))
	}
	op.Responses["200"] = &huma.Response{Description: "With dry_run=true: the preview; nothing was changed",
		Headers: own.Headers, Content: jsonOf(preview)}
}

// located is an object that says where it is, for the Location of a 201.
type located interface{ location() string }
