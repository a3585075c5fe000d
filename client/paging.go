package client

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// A Page is one page of a list. NextCursor is empty on the last page;
// otherwise pass it as the Cursor of the next query.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
	// Total is how many items the query selects, whatever the page, for
	// the lists that count them when asked (UserQuery.Count); 0 otherwise.
	Total int `json:"total"`
}

// Paging is the paging of every list query.
type Paging struct {
	Limit  int    // items per page, 1 to 500; 0 means the server's default (50)
	Cursor string // NextCursor of the previous page; empty for the first
}

func (p Paging) values() url.Values {
	v := url.Values{}
	if p.Limit > 0 {
		v.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Cursor != "" {
		v.Set("cursor", p.Cursor)
	}
	return v
}

// all iterates over every item of every page from cursor on, fetching pages
// as the loop needs them. An error is yielded once, and ends the iteration.
func all[T any](ctx context.Context, cursor string, list func(ctx context.Context, cursor string) (Page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			p, err := list(ctx, cursor)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, item := range p.Items {
				if !yield(item, nil) {
					return
				}
			}
			if p.NextCursor == "" || p.NextCursor == cursor {
				return
			}
			cursor = p.NextCursor
		}
	}
}

// listPage is do for one page of a list.
func listPage[T any](ctx context.Context, c *Client, path string, query url.Values) (Page[T], error) {
	p, err := get[Page[T]](ctx, c, path, query)
	if err != nil {
		return Page[T]{}, err
	}
	return *p, nil
}
