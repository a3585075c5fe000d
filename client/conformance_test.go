package client_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/api"
	"github.com/gatehouse/gatehouse/client"
)

// The OpenAPI document, read into huma's schemas so that huma's own
// validator checks every request the client sends and every response the
// server gives against it.

const schemaPrefix = "#/components/schemas/"

// spec is the document's operations with their schemas.
type spec struct {
	registry huma.Registry
	ops      []*operation
}

type operation struct {
	id, method, path string
	segments         []string
	request          *huma.Schema // the JSON request body; nil without one
	csvRequest       bool         // the request body is a CSV file
	responses        map[string]response
}

type response struct {
	body    *huma.Schema // the JSON body; nil without one
	csv     bool         // the body is a CSV file
	headers []string
}

var loadSpec = sync.OnceValues(func() (*spec, error) {
	data, err := api.Document()
	if err != nil {
		return nil, err
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage
		Components struct{ Schemas map[string]any }
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	s := &spec{registry: huma.NewMapRegistry(schemaPrefix, huma.DefaultSchemaNamer)}
	for name, raw := range doc.Components.Schemas {
		schema, err := schemaOf(raw)
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		s.registry.Map()[name] = schema
	}
	for path, methods := range doc.Paths {
		for method, raw := range methods {
			var o struct {
				OperationID string
				RequestBody struct {
					Content map[string]struct{ Schema any }
				}
				Responses map[string]struct {
					Headers map[string]any
					Content map[string]struct{ Schema any }
				}
			}
			if err := json.Unmarshal(raw, &o); err != nil {
				return nil, fmt.Errorf("%s %s: %w", method, path, err)
			}
			op := &operation{id: o.OperationID, method: strings.ToUpper(method), path: path,
				segments: strings.Split(path, "/"), responses: map[string]response{}}
			_, op.csvRequest = o.RequestBody.Content["text/csv"]
			if c, ok := o.RequestBody.Content["application/json"]; ok {
				if op.request, err = schemaOf(c.Schema); err != nil {
					return nil, fmt.Errorf("%s request: %w", o.OperationID, err)
				}
			}
			for status, r := range o.Responses {
				var resp response
				for h := range r.Headers {
					resp.headers = append(resp.headers, h)
				}
				if c, ok := r.Content["application/json"]; ok {
					if resp.body, err = schemaOf(c.Schema); err != nil {
						return nil, fmt.Errorf("%s %s: %w", o.OperationID, status, err)
					}
				} else if _, ok := r.Content["text/csv"]; ok && len(r.Content) == 1 {
					resp.csv = true
				} else if len(r.Content) > 0 {
					return nil, fmt.Errorf("%s %s: a body that is not JSON", o.OperationID, status)
				}
				op.responses[status] = resp
			}
			s.ops = append(s.ops, op)
		}
	}
	sort.Slice(s.ops, func(i, j int) bool { return s.ops[i].id < s.ops[j].id })
	return s, nil
})

func document(t testing.TB) *spec {
	t.Helper()
	s, err := loadSpec()
	if err != nil {
		t.Fatalf("reading the OpenAPI document: %v", err)
	}
	return s
}

// schemaOf turns one JSON Schema object of the document into a huma.Schema.
// A keyword it does not know is an error, so that no constraint of the
// document is silently left unchecked.
func schemaOf(raw any) (*huma.Schema, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("schema is %T, not an object", raw)
	}
	s := &huma.Schema{}
	var err error
	num := func(v any) *float64 { f := v.(float64); return &f }
	count := func(v any) *int { n := int(v.(float64)); return &n }
	sub := func(v any) *huma.Schema {
		if err != nil {
			return nil
		}
		var out *huma.Schema
		out, err = schemaOf(v)
		return out
	}
	subs := func(v any) []*huma.Schema {
		var out []*huma.Schema
		for _, x := range v.([]any) {
			out = append(out, sub(x))
		}
		return out
	}
	for k, v := range m {
		switch k {
		case "$ref":
			s.Ref = v.(string)
		case "type":
			switch t := v.(type) {
			case string:
				s.Type = t
			case []any:
				for _, x := range t {
					switch {
					case x == "null":
						s.Nullable = true
					case s.Type == "":
						s.Type = x.(string)
					default:
						return nil, fmt.Errorf("type %v: several types", t)
					}
				}
			}
		case "format":
			s.Format = v.(string)
		case "enum":
			s.Enum = v.([]any)
		case "items":
			s.Items = sub(v)
		case "properties":
			s.Properties = map[string]*huma.Schema{}
			for name, p := range v.(map[string]any) {
				s.Properties[name] = sub(p)
			}
		case "required":
			for _, r := range v.([]any) {
				s.Required = append(s.Required, r.(string))
			}
		case "additionalProperties":
			if b, ok := v.(bool); ok {
				s.AdditionalProperties = b
			} else {
				s.AdditionalProperties = sub(v)
			}
		case "minimum":
			s.Minimum = num(v)
		case "maximum":
			s.Maximum = num(v)
		case "exclusiveMinimum":
			s.ExclusiveMinimum = num(v)
		case "exclusiveMaximum":
			s.ExclusiveMaximum = num(v)
		case "multipleOf":
			s.MultipleOf = num(v)
		case "minLength":
			s.MinLength = count(v)
		case "maxLength":
			s.MaxLength = count(v)
		case "minItems":
			s.MinItems = count(v)
		case "maxItems":
			s.MaxItems = count(v)
		case "minProperties":
			s.MinProperties = count(v)
		case "maxProperties":
			s.MaxProperties = count(v)
		case "pattern":
			s.Pattern = v.(string)
		case "uniqueItems":
			s.UniqueItems = v.(bool)
		case "readOnly":
			s.ReadOnly = v.(bool)
		case "writeOnly":
			s.WriteOnly = v.(bool)
		case "oneOf":
			s.OneOf = subs(v)
		case "anyOf":
			s.AnyOf = subs(v)
		case "allOf":
			s.AllOf = subs(v)
		case "not":
			s.Not = sub(v)
		case "description", "title", "examples", "default", "deprecated", "contentEncoding", "contentMediaType":
			// annotations
		default:
			if strings.HasPrefix(k, "x-") {
				continue // extensions, for generators: annotations too
			}
			return nil, fmt.Errorf("unsupported keyword %q", k)
		}
	}
	if err != nil {
		return nil, err
	}
	s.PrecomputeMessages()
	if a, ok := s.AdditionalProperties.(*huma.Schema); ok {
		a.PrecomputeMessages()
	}
	return s, nil
}

// find returns the operation of a request path: literal segments win over
// parameters (DELETE /api/v1/sessions/current over /sessions/{id}).
func (s *spec) find(method, path string) *operation {
	segs := strings.Split(path, "/")
	var best *operation
	bestLiterals := -1
	for _, op := range s.ops {
		if op.method != method || len(op.segments) != len(segs) {
			continue
		}
		literals, ok := 0, true
		for i, p := range op.segments {
			switch {
			case strings.HasPrefix(p, "{"):
			case p == segs[i]:
				literals++
			default:
				ok = false
			}
		}
		if ok && literals > bestLiterals {
			best, bestLiterals = op, literals
		}
	}
	return best
}

// validate checks a JSON value against a schema.
func (s *spec) validate(schema *huma.Schema, mode huma.ValidateMode, data []byte) []string {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return []string{fmt.Sprintf("body is not JSON: %v", err)}
	}
	res := &huma.ValidateResult{}
	huma.Validate(s.registry, schema, huma.NewPathBuffer([]byte{}, 0), mode, v, res)
	var out []string
	for _, e := range res.Errors {
		out = append(out, e.Error())
	}
	return out
}

// conform lists how one exchange departs from the document: an operation
// the document lacks, a request body or a response body that its schema
// refuses, a status the operation does not document, a documented header
// that is missing. It also records the operation's coverage.
func (s *spec) conform(method, path string, reqBody []byte, resp *http.Response, respBody []byte) (opID string, problems []string) {
	op := s.find(method, path)
	if op == nil {
		return "", []string{"no such operation in the OpenAPI document"}
	}
	return op.id, s.conformTo(op, reqBody, resp, respBody)
}

func (s *spec) conformTo(op *operation, reqBody []byte, resp *http.Response, respBody []byte) []string {
	method := op.method
	coverage.record(op.id, resp.StatusCode)
	var problems []string
	switch {
	case op.request == nil && len(reqBody) > 0 && !op.csvRequest:
		problems = append(problems, "the request has a body the operation does not document")
	case op.request != nil && len(reqBody) > 0:
		for _, p := range s.validate(op.request, huma.ModeWriteToServer, reqBody) {
			problems = append(problems, "request body: "+p)
		}
	}
	status := strconv.Itoa(resp.StatusCode)
	doc, ok := op.responses[status]
	if !ok {
		doc, ok = op.responses["default"]
	}
	if !ok {
		return append(problems, "status "+status+" is not documented")
	}
	switch ct := resp.Header.Get("Content-Type"); {
	case doc.csv:
		if !strings.HasPrefix(ct, "text/csv") {
			problems = append(problems, fmt.Sprintf("Content-Type %q, want text/csv", ct))
		}
	case doc.body == nil && len(respBody) > 0:
		problems = append(problems, "a body where the document has none")
	case doc.body != nil && !strings.Contains(ct, "json"):
		problems = append(problems, fmt.Sprintf("Content-Type %q, want JSON", ct))
	case doc.body != nil:
		for _, p := range s.validate(doc.body, huma.ModeReadFromServer, respBody) {
			problems = append(problems, "response body: "+p)
		}
	}
	for _, h := range doc.headers {
		v := resp.Header.Get(h)
		if v == "" {
			problems = append(problems, "documented header "+h+" is missing")
			continue
		}
		if h == client.RevisionHeader {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 || (n == 0 && method != http.MethodGet) {
				problems = append(problems, fmt.Sprintf("%s: %q is not a revision", h, v))
			}
		}
	}
	return problems
}

// knownMismatches are departures of the server from its own OpenAPI
// document that these tests found and that are api/'s to fix. A matching
// problem is logged rather than failed; a full run fails when one no longer
// occurs, so that the list cannot go stale.
var knownMismatches = []*knownMismatch{}

type knownMismatch struct {
	op      string         // operation id, or * for any
	problem *regexp.Regexp // matches conform's problem
	schema  string         // a schema whose properties the client's type does not match
	why     string

	mu   sync.Mutex
	seen bool
}

// known returns the known mismatch a problem is, or nil.
func known(opID, problem string) *knownMismatch {
	for _, k := range knownMismatches {
		if (k.op == "*" || k.op == opID) && k.problem.MatchString(problem) {
			k.mu.Lock()
			k.seen = true
			k.mu.Unlock()
			return k
		}
	}
	return nil
}

// coverage is which operations the tests reached, with which statuses.
var coverage = &coverageSet{ok: map[string]bool{}}

type coverageSet struct {
	sync.Mutex
	ok map[string]bool // operation id → reached with a success
}

func (c *coverageSet) record(id string, status int) {
	c.Lock()
	defer c.Unlock()
	if status < 300 {
		c.ok[id] = true
	}
}

// TestMain checks, after a full run, that the client reached every
// documented operation with a success: there is a method for every route.
func TestMain(m *testing.M) {
	huma.ValidateStrictCasing = true // field names must match exactly
	code := m.Run()
	full := !testing.Short()
	for _, name := range []string{"test.run", "test.skip"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			full = false
		}
	}
	if code == 0 && full {
		s, err := loadSpec()
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		coverage.Lock()
		for _, op := range s.ops {
			if !coverage.ok[op.id] {
				fmt.Printf("coverage: no test reached %s %s (%s) with a success through the client\n", op.method, op.path, op.id)
				code = 1
			}
		}
		coverage.Unlock()
		for _, k := range knownMismatches {
			if !k.seen {
				fmt.Printf("known mismatch no longer seen; remove it from knownMismatches: %s\n", k.why)
				code = 1
			}
		}
	}
	os.Exit(code)
}

// TestTypesMatchDocument compares the JSON fields of the client's types
// with the properties of the documented schemas, both ways, so that the
// client can neither miss a field the API has nor invent one.
func TestTypesMatchDocument(t *testing.T) {
	s := document(t)
	for _, tc := range []struct {
		typ    any
		schema string
	}{
		{client.User{}, "UserJSON"},
		{client.Invitation{}, "InvitationJSON"},
		{client.NewUser{}, "UserBody"},
		{client.UserPatch{}, "UpdateUserInputBody"},
		{client.Group{}, "GroupJSON"},
		{client.NewGroup{}, "CreateGroupInputBody"},
		{client.GroupPatch{}, "UpdateGroupInputBody"},
		{client.Facility{}, "FacilityJSON"},
		{client.NewFacility{}, "CreateFacilityInputBody"},
		{client.FacilityPatch{}, "UpdateFacilityInputBody"},
		{client.APIKey{}, "ApiKeyJSON"},
		{client.Application{}, "OidcClientJSON"},
		{client.NewApplication{}, "CreateOIDCClientInputBody"},
		{client.ApplicationPatch{}, "UpdateOIDCClientInputBody"},
		{client.NewApplicationSecret{}, "NewOIDCClientJSON"},
		{client.NewAPIKey{}, "NewAPIKeyJSON"},
		{client.Catalog{}, "CatalogJSON"},
		{client.Category{}, "CatalogCategoryJSON"},
		{client.Permission{}, "PermissionJSON"},
		{client.Licence{}, "LicenceJSON"},
		{client.Source{}, "Source"},
		{client.EffectivePermission{}, "EffectivePermission"},
		{client.Resource{}, "Resource"},
		{client.CheckRequest{}, "Check"},
		{client.Decision{}, "Decision"},
		{client.Filter{}, "FilterJSON"},
		{client.AuditEvent{}, "AuditEventJSON"},
		{client.Change{}, "Change"},
		{client.Session{}, "SessionJSON"},
		{client.Credentials{}, "SignInInputBody"},
		{client.SignedIn{}, "SignInBody"},
		{client.SecondFactor{}, "SecondFactorJSON"},
		{client.Security{}, "SecurityJSON"},
		{client.SSOConnection{}, "SsoConnectionJSON"},
		{client.NewSSOConnection{}, "CreateSSOConnectionInputBody"},
		{client.SSOConnectionPatch{}, "UpdateSSOConnectionInputBody"},
		{client.Me{}, "MeOutputBody"},
		{client.Organization{}, "OrganizationJSON"},
		{client.Page[client.User]{}, "UserListBody"},
		{client.ImportReport{}, "ImportReportJSON"},
		{client.ImportedUser{}, "ImportedUserJSON"},
		{client.FieldError{}, "FieldError"},
	} {
		typ := reflect.TypeOf(tc.typ)
		t.Run(typ.Name(), func(t *testing.T) {
			schema := s.registry.Map()[tc.schema]
			if schema == nil {
				t.Fatalf("no schema %s in the document", tc.schema)
			}
			var documented []string
			for name := range schema.Properties {
				documented = append(documented, name)
			}
			got := jsonFields(typ)
			slices.Sort(documented)
			slices.Sort(got)
			if !slices.Equal(got, documented) {
				for _, k := range knownMismatches {
					if k.schema == tc.schema {
						t.Logf("known mismatch: %s", k.why)
						return
					}
				}
				t.Errorf("client.%s has JSON fields %v; the document's %s has %v", typ.Name(), got, tc.schema, documented)
			}
		})
	}
}

// jsonFields lists the JSON names of a struct's fields, as encoding/json
// sees them (embedded structs flattened).
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported() && !f.Anonymous:
		case f.Anonymous && name == "":
			out = append(out, jsonFields(f.Type)...)
		case name == "":
			out = append(out, f.Name)
		default:
			out = append(out, name)
		}
	}
	return out
}

// TestConformanceCatchesMismatches shows that the check is not vacuous: it
// refuses bodies that break the document in each way that matters.
func TestConformanceCatchesMismatches(t *testing.T) {
	s := document(t)
	user := `{"id":"usr_1","first_name":"Tess","last_name":"Test","email":"tess@acme.test","phone":"","status":"active",
		"full_access":false,"licence":"","group_ids":[],"permissions":[],"facility_ids":[],"email_verified":true,"pending_email":"",
		"invitation":{"state":"accepted","sent_at":"2025-01-01T00:00:00Z","expires_at":"2025-01-08T00:00:00Z","accepted_at":null},
		"created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z"}`
	ok := func(status int, body string) *http.Response {
		h := http.Header{"Content-Type": {"application/json"}, client.RevisionHeader: {"7"}}
		return &http.Response{StatusCode: status, Header: h}
	}
	if _, p := s.conform("PATCH", "/api/v1/users/usr_1", []byte(`{"first_name":"Tess"}`), ok(200, user), []byte(user)); len(p) != 0 {
		t.Fatalf("a conforming exchange: %v", p)
	}
	for name, tc := range map[string]struct {
		method, path, req, resp string
		status                  int
		header                  http.Header
	}{
		"missing field":     {"GET", "/api/v1/users/usr_1", "", strings.Replace(user, `"phone":"",`, "", 1), 200, nil},
		"extra field":       {"GET", "/api/v1/users/usr_1", "", strings.Replace(user, `"phone":"",`, `"phone":"","nickname":"T",`, 1), 200, nil},
		"wrong type":        {"GET", "/api/v1/users/usr_1", "", strings.Replace(user, `"full_access":false`, `"full_access":"no"`, 1), 200, nil},
		"bad enum":          {"GET", "/api/v1/users/usr_1", "", strings.Replace(user, `"active"`, `"asleep"`, 1), 200, nil},
		"null not nullable": {"GET", "/api/v1/users/usr_1", "", strings.Replace(user, `"email":"tess@acme.test"`, `"email":null`, 1), 200, nil},
		"wrong field case":  {"GET", "/api/v1/users/usr_1", "", strings.Replace(user, `"phone"`, `"Phone"`, 1), 200, nil},
		"bad error shape":   {"GET", "/api/v1/users/usr_1", "", `{"error":{"code":"nope","message":"x"}}`, 404, nil},
		"undocumented code": {"GET", "/api/v1/users/usr_1", "", `{"error":{"code":"conflict","message":"x"}}`, 409, nil},
		"bad request body":  {"PATCH", "/api/v1/users/usr_1", `{"first_name":""}`, user, 200, http.Header{client.RevisionHeader: {"7"}}},
		"unknown request":   {"PATCH", "/api/v1/users/usr_1", `{"nickname":"T"}`, user, 200, http.Header{client.RevisionHeader: {"7"}}},
		"missing revision":  {"PATCH", "/api/v1/users/usr_1", `{"first_name":"Tess"}`, user, 200, http.Header{}},
		"no such route":     {"GET", "/api/v1/nope", "", `{}`, 200, nil},
	} {
		h := http.Header{"Content-Type": {"application/json"}}
		for k, v := range tc.header {
			h[k] = v
		}
		resp := &http.Response{StatusCode: tc.status, Header: h}
		if _, p := s.conform(tc.method, tc.path, []byte(tc.req), resp, []byte(tc.resp)); len(p) == 0 {
			t.Errorf("%s: no problem found", name)
		}
	}
}
