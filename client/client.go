// Package client is the Go client of Gatehouse's REST API (/api/v1): typed
// methods for every route, cursor iteration, the API's error type, and a
// Check with a small local decision cache that honours revisions.
//
//	gh := client.New("https://gatehouse.internal", os.Getenv("GATEHOUSE_KEY"))
//	ok, err := gh.Check(ctx, userID, "work_orders.edit", client.Resource{FacilityID: facilityID})
//	f, err := gh.Filter(ctx, userID, "work_orders.view") // for SQL WHERE clauses
//
// # Revisions
//
// Every write that changes the organization answers with its new revision
// (the Gatehouse-Revision header); those methods return it as a [Revision]
// beside their result: (T, Revision, error), or (Revision, error) for
// deletions. Signing in and out, ending sessions and resetting passwords
// change no access and return none. The client also remembers the highest revision it
// has seen, from every write response, every decision and filter answer and
// [Client.Me]; [Client.Revision] reports it and [Client.ObserveRevision]
// raises it with a revision learnt elsewhere (say, from another service that
// just wrote). A Client talks to one organization.
//
// # The decision cache
//
// [Client.Check] and [Client.CheckDetail] keep the answers they get in a
// bounded cache (10,000 entries by default, least recently used evicted;
// see [WithCacheSize] and [WithoutCache]), keyed by user, permission and
// resource. A cached answer is used only while both hold:
//
//   - it was answered at a revision at least as high as the highest revision
//     the client has seen: any write through this client, and any newer
//     answer from the server, retires every older entry at once;
//   - it is younger than the TTL (one second by default, see
//     [WithCacheTTL]): a change made elsewhere (the web UI, another
//     service) that this client has not seen a revision of is seen after at
//     most the TTL.
//
// A check the cache cannot answer is sent with min_revision set to the
// highest revision seen, so that the server (any instance behind a load
// balancer) answers from state at least that fresh: a check after a write
// through this client always sees the write. [Client.CheckBatch] and
// [Client.Filter] always ask the server, with the same min_revision.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Revision is an organization's revision: it grows with every write.
type Revision int64

// SessionCookie is the name of the cookie that carries a session token.
const SessionCookie = "gatehouse_session"

// RevisionHeader carries the organization's revision after a write.
const RevisionHeader = "Gatehouse-Revision"

// Defaults of the decision cache.
const (
	DefaultCacheSize = 10000
	DefaultCacheTTL  = time.Second
)

// Client calls one Gatehouse server as one API key or one session. It is
// safe for concurrent use.
type Client struct {
	base   string
	apiKey string
	hc     *http.Client
	agent  string

	mu      sync.Mutex
	session string // session token, sent as the cookie when there is no API key

	revision  atomic.Int64 // highest revision seen
	cacheSize int
	cacheTTL  time.Duration
	cache     *decisionCache // nil without a cache
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sends requests with hc instead of a client with a
// 30-second timeout.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// WithCacheSize bounds the decision cache to n entries; n <= 0 disables it.
func WithCacheSize(n int) Option { return func(c *Client) { c.cacheSize = n } }

// WithoutCache disables the decision cache: every check asks the server.
func WithoutCache() Option { return WithCacheSize(0) }

// WithCacheTTL sets how long a cached decision may be used at most; d <= 0
// disables the cache.
func WithCacheTTL(d time.Duration) Option { return func(c *Client) { c.cacheTTL = d } }

// WithSession authenticates with a session token (from [Client.SignIn] or
// the gatehouse_session cookie) when the client has no API key.
func WithSession(token string) Option { return func(c *Client) { c.session = token } }

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option { return func(c *Client) { c.agent = ua } }

// New returns a client of the server at baseURL (e.g.
// "https://gatehouse.internal", without /api/v1) acting with apiKey. An
// empty apiKey makes an anonymous client, for the public routes and for
// signing in.
func New(baseURL, apiKey string, opts ...Option) *Client {
	c := &Client{
		base:      strings.TrimRight(baseURL, "/"),
		apiKey:    apiKey,
		hc:        &http.Client{Timeout: 30 * time.Second},
		agent:     "gatehouse-go-client",
		cacheSize: DefaultCacheSize,
		cacheTTL:  DefaultCacheTTL,
	}
	for _, o := range opts {
		o(c)
	}
	if c.cacheSize > 0 && c.cacheTTL > 0 {
		c.cache = newDecisionCache(c.cacheSize, c.cacheTTL)
	}
	return c
}

// Revision returns the highest revision of the organization the client has
// seen.
func (c *Client) Revision() Revision { return Revision(c.revision.Load()) }

// ObserveRevision tells the client of a revision learnt elsewhere: cached
// decisions answered before it are no longer used, and the next checks ask
// for state at least that fresh.
func (c *Client) ObserveRevision(r Revision) {
	for {
		cur := c.revision.Load()
		if int64(r) <= cur || c.revision.CompareAndSwap(cur, int64(r)) {
			return
		}
	}
}

// Session returns the session token the client authenticates with, if any.
func (c *Client) Session() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session
}

// setSession changes the session; when the session is the client's
// credential the principal (and perhaps the organization) changes, so the
// known revision and the cache start again.
func (c *Client) setSession(token string) {
	c.mu.Lock()
	c.session = token
	c.mu.Unlock()
	if c.apiKey == "" {
		c.revision.Store(0)
		if c.cache != nil {
			c.cache.clear()
		}
	}
}

// request is one call of the API.
type request struct {
	method string
	path   string
	query  url.Values
	body   any       // encoded as JSON when non-nil
	file   io.Reader // sent as text/csv when non-nil, in place of body
	into   io.Writer // takes a 2xx body as it is, when non-nil, in place of out
}

// response is what a call returns besides its decoded body.
type response struct {
	header   http.Header
	revision Revision // of the Gatehouse-Revision header; 0 without one
}

// do sends one request and decodes a 2xx JSON body into out (when out is
// non-nil); anything else becomes an *Error. Every revision header raises
// the revision the client knows.
func (c *Client) do(ctx context.Context, r request, out any) (response, error) {
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		data, err := json.Marshal(r.body)
		if err != nil {
			return response{}, fmt.Errorf("gatehouse: encoding %s %s: %w", r.method, r.path, err)
		}
		body = bytes.NewReader(data)
	}
	if r.file != nil {
		body = r.file
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return response{}, fmt.Errorf("gatehouse: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.agent)
	switch {
	case r.file != nil:
		req.Header.Set("Content-Type", "text/csv")
	case body != nil:
		req.Header.Set("Content-Type", "application/json")
	}
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	} else if s := c.Session(); s != "" {
		req.AddCookie(&http.Cookie{Name: SessionCookie, Value: s})
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("gatehouse: %s %s: %w", r.method, r.path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return response{header: resp.Header}, errorFrom(resp)
	}
	res := response{header: resp.Header}
	if v := resp.Header.Get(RevisionHeader); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			res.revision = Revision(n)
			c.ObserveRevision(res.revision)
		}
	}
	if r.into != nil {
		if _, err := io.Copy(r.into, resp.Body); err != nil {
			return res, fmt.Errorf("gatehouse: reading %s %s: %w", r.method, r.path, err)
		}
	}
	if out != nil && resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return res, fmt.Errorf("gatehouse: decoding %s %s: %w", r.method, r.path, err)
		}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	return res, nil
}

// get is do for a GET of one JSON value.
func get[T any](ctx context.Context, c *Client, path string, query url.Values) (*T, error) {
	var out T
	if _, err := c.do(ctx, request{method: http.MethodGet, path: path, query: query}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// write is do for a write that answers with one JSON value and a revision.
func write[T any](ctx context.Context, c *Client, method, path string, body any) (*T, Revision, error) {
	var out T
	resp, err := c.do(ctx, request{method: method, path: path, body: body}, &out)
	if err != nil {
		return nil, 0, err
	}
	return &out, resp.revision, nil
}

// remove is do for a DELETE that answers 204 with a revision.
func (c *Client) remove(ctx context.Context, path string) (Revision, error) {
	resp, err := c.do(ctx, request{method: http.MethodDelete, path: path}, nil)
	return resp.revision, err
}

// pathOf builds a path from literal segments and escaped ids:
// pathOf("/api/v1/users/%s/activate", id).
func pathOf(format string, ids ...string) string {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = url.PathEscape(id)
	}
	return fmt.Sprintf(format, args...)
}

// Ptr returns a pointer to v, for the fields of patches:
// client.UserPatch{FirstName: client.Ptr("Tess")}.
func Ptr[T any](v T) *T { return &v }
