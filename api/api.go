// Package api is Gatehouse's REST/JSON API under /api/v1: one route table,
// small handlers that decode, call the service and encode, and one mapping
// of domain errors to HTTP statuses. The OpenAPI document is generated from
// the handlers' Go types.
package api

import (
	"context"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/requestinfo"
	"github.com/gatehouse/gatehouse/service"
)

// Version is the API's version in the OpenAPI document.
const Version = "1.0.0"

// maxBody bounds request bodies; larger ones get 413.
const maxBody = 1 << 20

// handlers holds what every handler needs.
type handlers struct {
	svc      *service.Service
	logger   *slog.Logger
	raw      rawBodies           // reads the bodies of the checks
	requests *requestinfo.Reader // where requests come from
	// accessTokens checks bearer tokens that are not API keys: the
	// OpenID provider's access tokens (AccessTokens); nil refuses them.
	accessTokens func(ctx context.Context, token string) (gatehouse.Actor, error)
}

// An Option changes how the API reads requests.
type Option func(*handlers)

// RequestInfo reads where requests come from with rd, which says which
// reverse proxies' X-Forwarded-For and X-Forwarded-Proto to believe; the
// web UI shares it. Without it, no forwarded header is believed.
func RequestInfo(rd *requestinfo.Reader) Option { return func(h *handlers) { h.requests = rd } }

// AccessTokens accepts, besides API keys, the bearer tokens check accepts:
// the OpenID provider's access tokens of applications that act as a user
// (oidc.Provider.AuthenticateAccessToken, docs/oidc.md).
func AccessTokens(check func(ctx context.Context, token string) (gatehouse.Actor, error)) Option {
	return func(h *handlers) { h.accessTokens = check }
}

// New returns the API as an http.Handler, with authentication, cross-site
// request protection for cookie-authenticated writes and request logging.
func New(svc *service.Service, logger *slog.Logger, opts ...Option) http.Handler {
	mux := http.NewServeMux()
	api := newHuma(mux, logger)
	h := &handlers{svc: svc, logger: logger}
	for _, opt := range opts {
		opt(h)
	}
	h.raw = rawBodies{api.OpenAPI().Components.Schemas}
	h.routes(api)
	// Anything else is a path with another method (405, with Allow) or
	// not found, in the API's error shape rather than the mux's plain text.
	allowed := allowedMethods(api.OpenAPI())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if allow := allowed(r); allow != "" {
			w.Header().Set("Allow", allow)
			writeError(w, r, gatehouse.Errorf(gatehouse.EMETHOD, "%s %s: this path takes %s", r.Method, r.URL.Path, allow))
			return
		}
		writeError(w, r, gatehouse.Errorf(gatehouse.ENOTFOUND, "no route %s %s; see /api/v1/openapi.json", r.Method, r.URL.Path))
	})
	return privateAnswers(h.authenticate(protectCookies(jsonBodies(mux))))
}

// privateAnswers marks every answer, errors and the fast check path
// included, as not to be stored (each is for one caller at one moment, and
// one carries a new API key's secret) and not to be sniffed (JSON is never
// to be read as a page).
func privateAnswers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// jsonBodies refuses a body that is not JSON with 415 (but the CSV file of
// an import): the API speaks nothing else, and reading a form or plain text as JSON would let a
// browser's simple cross-site request reach the routes (which
// protectCookies also refuses). A body without a Content-Type is read as
// JSON, so `curl --json` and `curl -H 'Content-Type: application/json'`
// work, and so does a client that names no type.
func jsonBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
			if ct := r.Header.Get("Content-Type"); ct != "" && !isJSON(ct) && !(csvBodies[r.URL.Path] && isCSV(ct)) {
				writeError(w, r, gatehouse.Errorf(gatehouse.EMEDIATYPE, "the body is %s; send JSON with Content-Type: application/json", ct))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// csvBodies are the paths that take a CSV file (text/csv) rather than
// JSON. A browser sends text/csv across origins only after a preflight
// that the API does not answer, and protectCookies refuses it anyway.
var csvBodies = map[string]bool{"/api/v1/users/import": true}

func isCSV(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "text/csv"
}

// isJSON says whether a Content-Type names JSON: application/json or a
// +json type, with any parameters.
func isJSON(contentType string) bool {
	if contentType == "application/json" { // what clients send: no parsing
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")))
}

// allowedMethods returns what answers which methods a request's path
// takes, as an Allow header ("" when the path is not the API's), from the
// routes of the document.
func allowedMethods(oapi *huma.OpenAPI) func(*http.Request) string {
	paths := http.NewServeMux()
	allow := map[string]string{}
	for path, item := range oapi.Paths {
		var methods []string
		for m, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
			if op != nil {
				methods = append(methods, m)
			}
		}
		if slices.Contains(methods, "GET") {
			methods = append(methods, "HEAD")
		}
		slices.Sort(methods)
		allow[path] = strings.Join(methods, ", ")
		paths.Handle(path, http.NotFoundHandler())
	}
	return func(r *http.Request) string {
		_, pattern := paths.Handler(r)
		return allow[pattern]
	}
}

// newHuma configures huma: the brief's error shape, unknown fields and query
// parameters rejected, the OpenAPI document at /api/v1/openapi.json.
func newHuma(mux *http.ServeMux, logger *slog.Logger) huma.API {
	config := huma.DefaultConfig("Gatehouse API", Version)
	config.Info.Description = "Users & permissions for multi-site operations platforms. " +
		"Authenticate with `Authorization: Bearer <api key>` or the web UI's session cookie. " +
		"Errors are `{\"error\": {\"code\", \"message\"}}`; lists are `{\"items\", \"next_cursor\"}`; " +
		"every write returns the organization's new revision in the `Gatehouse-Revision` header."
	// Where the document comes from; security reports go privately
	// (docs/security.md).
	config.Info.Contact = &huma.Contact{Name: "Gatehouse", URL: "https://github.com/gatehouse/gatehouse"}
	config.CreateHooks = nil // no $schema links in bodies
	config.Formats = map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
	config.OpenAPIPath = "/api/v1/openapi"
	config.DocsPath = ""
	config.SchemasPath = ""
	config.RejectUnknownQueryParameters = true
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"apiKey":  {Type: "http", Scheme: "bearer", Description: "An API key, created with POST /api/v1/api-keys or by gatehouse init"},
		"session": {Type: "apiKey", In: "cookie", Name: gatehouse.SessionCookie, Description: "The web UI's session, from POST /api/v1/sessions"},
	}
	config.Security = []map[string][]string{{"apiKey": {}}, {"session": {}}}
	return humago.New(mux, config)
}

// protectCookies refuses cross-origin writes from browsers (checked with
// Sec-Fetch-Site and Origin), so a session cookie cannot be ridden by another
// site. Clients with API keys send neither header and pass.
func protectCookies(next http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, gatehouse.Forbidden(string(gatehouse.ReasonCrossOrigin), "cross-origin requests may not change anything; use an API key from other origins"))
	}))
	return p.Handler(next)
}

// register adds an operation with the defaults every route shares.
func register[I, O any](api huma.API, op huma.Operation, handler func(context.Context, *I) (*O, error)) {
	if op.MaxBodyBytes == 0 {
		op.MaxBodyBytes = maxBody
	}
	if op.Errors == nil {
		op.Errors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}
	}
	if op.Security == nil { // not public: refuse missing credentials before reading the input
		op.Middlewares = append(op.Middlewares, func(ctx huma.Context, next func(huma.Context)) {
			if p := principalFrom(ctx.Context()); p.err != nil {
				// huma.WriteErr sends no headers of the error's: Retry-After here.
				var e *gatehouse.Error
				if !errors.As(p.err, &e) {
					e = &gatehouse.Error{}
				}
				for k, v := range bodyOf(e).GetHeaders() {
					for _, v := range v {
						ctx.AppendHeader(k, v)
					}
				}
				huma.WriteErr(api, ctx, http.StatusInternalServerError, "", p.err) // the status of p.err, through errorOf
				return
			}
			next(ctx)
		})
	}
	huma.Register(api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := handler(ctx, in)
		if err != nil {
			return nil, errorOf(ctx, err) // status and headers (Retry-After) in one place
		}
		return out, nil
	})
}
