package api

import (
	"context"
	"encoding/base64"

	"github.com/gatehouse/gatehouse"
)

// Paging is the paging of every list (exported: huma reads only exported embedded structs): ?limit=&cursor=.
type Paging struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"50" doc:"Items per page"`
	Cursor string `query:"cursor" doc:"next_cursor of the previous page, as it came; any other value is 400 invalid"`
}

// after decodes the opaque cursor into the id the next page starts after.
// A cursor is the id of the previous page's last row, so it must decode to
// an id of the list's entity (prefix, e.g. "usr_"): anything else, even
// valid base64, is refused rather than read as "after nothing".
func (p Paging) after(prefix string) (string, error) {
	if p.Cursor == "" {
		return "", nil
	}
	id, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err != nil || !gatehouse.IsID(prefix, string(id)) {
		return "", gatehouse.Invalid("cursor", "cursor is not one this list gave out; pass next_cursor as it came")
	}
	return string(id), nil
}

// listBody is every list's shape.
type listBody[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor" doc:"Pass as ?cursor= for the next page; empty on the last page"`
}

type listOutput[T any] struct {
	Body listBody[T]
}

// page turns one more row than the limit into a page and its cursor: rows
// are ordered by id, which grows with time, so cursors stay stable while
// rows are added.
func page[D any, T any](rows []D, limit int, id func(D) string, conv func(D) T) *listOutput[T] {
	out := &listOutput[T]{Body: listBody[T]{Items: make([]T, 0, min(len(rows), limit))}}
	for i, r := range rows {
		if i == limit {
			out.Body.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(id(rows[i-1])))
			break
		}
		out.Body.Items = append(out.Body.Items, conv(r))
	}
	return out
}

// Revision is the header of every write (exported: huma reads only
// exported embedded structs).
type Revision struct {
	Revision int64 `header:"Gatehouse-Revision" doc:"The organization's revision after this write"`
}

// remove is the shape of every DELETE: the actor, the service call, the
// organization's new revision.
func (h *handlers) remove(ctx context.Context, id string, del func(context.Context, gatehouse.Actor, string) (int64, error)) (*Revision, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	rev, err := del(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return &Revision{rev}, nil
}

// Created is the header of every answer that creates something: where
// the new thing is (exported: huma reads only exported embedded structs).
type Created struct {
	Location string `header:"Location" doc:"Where the created object is (201 only)"`
}
