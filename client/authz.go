package client

import (
	"context"
	"net/http"
	"time"
)

// Check reports whether the user may do permission on the resource. It
// answers from the decision cache when it can (see the package doc). An
// unknown user or permission is a denial, not an error; errors are about
// the call itself (credentials, network, bad input).
func (c *Client) Check(ctx context.Context, userID, permission string, r Resource) (bool, error) {
	d, err := c.CheckDetail(ctx, userID, permission, r)
	if err != nil {
		return false, err
	}
	return d.Allowed, nil
}

// CheckDetail is Check with the whole decision: why it was allowed or
// denied, and the revision it was answered at.
func (c *Client) CheckDetail(ctx context.Context, userID, permission string, r Resource) (*Decision, error) {
	key := cacheKey{userID: userID, permission: permission, resource: r}
	known := c.Revision()
	if c.cache != nil {
		if d, ok := c.cache.get(key, known); ok {
			return &d, nil
		}
	}
	var d Decision
	req := CheckRequest{UserID: userID, Permission: permission, Resource: r, MinRevision: known}
	if _, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/authz/check", body: req}, &d); err != nil {
		return nil, err
	}
	c.ObserveRevision(d.Revision)
	if c.cache != nil {
		c.cache.put(key, d)
	}
	return &d, nil
}

// CheckAt answers as of the moment at, from the current grants: which
// time-bound grants will have started or ended by then (at: within the
// last 90 days or in the future). It always asks the server.
func (c *Client) CheckAt(ctx context.Context, userID, permission string, r Resource, at time.Time) (*Decision, error) {
	var d Decision
	req := CheckRequest{UserID: userID, Permission: permission, Resource: r, MinRevision: c.Revision(), At: at}
	if _, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/authz/check", body: req}, &d); err != nil {
		return nil, err
	}
	c.ObserveRevision(d.Revision)
	return &d, nil
}

// CheckBatch asks up to 1,000 questions at once, answered from one
// snapshot, in the same order. It always asks the server, with each
// MinRevision raised to the client's revision.
func (c *Client) CheckBatch(ctx context.Context, checks []CheckRequest) ([]Decision, error) {
	known := c.Revision()
	body := struct {
		Checks []CheckRequest `json:"checks"`
	}{make([]CheckRequest, len(checks))}
	for i, ch := range checks {
		ch.MinRevision = max(ch.MinRevision, known)
		body.Checks[i] = ch
	}
	var out struct {
		Results []Decision `json:"results"`
	}
	if _, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/authz/check-batch", body: body}, &out); err != nil {
		return nil, err
	}
	for _, d := range out.Results {
		c.ObserveRevision(d.Revision)
	}
	return out.Results, nil
}

// Filter says which rows the user may see with permission, to put into a
// list query's WHERE clause (see docs/integration.md). It always asks the
// server, for state at least as fresh as the client's revision.
func (c *Client) Filter(ctx context.Context, userID, permission string) (*Filter, error) {
	body := struct {
		UserID      string   `json:"user_id"`
		Permission  string   `json:"permission"`
		MinRevision Revision `json:"min_revision,omitempty"`
	}{userID, permission, c.Revision()}
	var f Filter
	if _, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/authz/filter", body: body}, &f); err != nil {
		return nil, err
	}
	c.ObserveRevision(f.Revision)
	return &f, nil
}
