package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/api/internal/checkjson"
	"github.com/gatehouse/gatehouse/authz"
)

// The two checks platforms send on every request are huma operations like
// every other, with the body read raw: the hand-written decoder
// (checkjson) reads a body of the plain form whose values keep the
// schema's rules; any other body is validated against the same schema as
// huma validates every body, so errors name the field alike. The answer is
// written by the hand-written encoder. huma would decode every body twice
// (into a map to validate it, then into the struct), which costs more than
// the decision.

// rawJSONInput is the input of a route that reads its JSON body itself; the
// document states the body's schema (see registerRaw).
type rawJSONInput struct {
	RawBody []byte
}

// rawJSONOutput is an answer encoded by hand.
type rawJSONOutput struct {
	Body []byte
}

// rawBodies validates raw bodies against the schemas of their types, as
// huma validates every other body.
type rawBodies struct {
	registry huma.Registry
}

// decode reads body into v: the schema of v's type first (unknown fields,
// required fields, limits), then encoding/json.
func (rb rawBodies) decode(ctx context.Context, body []byte, v any) error {
	var doc any
	if err := jsonFormat.Unmarshal(body, &doc); err != nil {
		return humaError(nil, http.StatusBadRequest, "the body is not valid JSON", &huma.ErrorDetail{Location: "body", Message: err.Error()})
	}
	schema := rb.registry.Schema(reflect.TypeOf(v).Elem(), true, "")
	if schema.Ref != "" {
		schema = rb.registry.SchemaFromRef(schema.Ref)
	}
	res := &huma.ValidateResult{}
	pb := huma.NewPathBuffer(make([]byte, 0, 64), 0)
	pb.Push("body")
	huma.Validate(rb.registry, schema, pb, huma.ModeWriteToServer, doc, res)
	if len(res.Errors) > 0 {
		return humaError(nil, http.StatusUnprocessableEntity, "validation failed", res.Errors...)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return humaError(nil, http.StatusBadRequest, "the body could not be read", &huma.ErrorDetail{Location: "body", Message: err.Error()})
	}
	return nil
}

// registerRaw registers a route that reads its body with rawJSONInput and
// answers with rawJSONOutput or streamedOutput, documenting In as the
// request body and Out as the answer.
func registerRaw[In, Out, Output any](api huma.API, op huma.Operation, handler func(context.Context, *rawJSONInput) (*Output, error)) {
	op.SkipValidateBody = true
	op.Middlewares = append(op.Middlewares, func(ctx huma.Context, next func(huma.Context)) {
		ctx.SetHeader("Content-Type", "application/json")
		next(ctx)
	})
	register(api, op, handler)
	registry := api.OpenAPI().Components.Schemas
	documented := api.OpenAPI().Paths[op.Path].Post
	documented.RequestBody.Content = map[string]*huma.MediaType{
		"application/json": {Schema: registry.Schema(reflect.TypeFor[In](), true, op.OperationID+"Request")},
	}
	documented.Responses["200"].Content = map[string]*huma.MediaType{
		"application/json": {Schema: registry.Schema(reflect.TypeFor[Out](), true, op.OperationID+"Response")},
	}
}

func (h *handlers) check(ctx context.Context, in *rawJSONInput) (*rawJSONOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	c, ok := checkjson.Parse(in.RawBody)
	if !ok || !c.Valid() {
		c = checkjson.Check{}
		if err := h.raw.decode(ctx, in.RawBody, &c); err != nil {
			return nil, err
		}
	}
	if err := h.checkMoment(c.At); err != nil {
		return nil, err
	}
	snap, err := h.svc.DecisionSnapshot(ctx, actor, c.MinRevision, c.UserID)
	if err != nil {
		return nil, err
	}
	d, _ := decide(snap, c, nil)
	return &rawJSONOutput{append(checkjson.AppendDecision(make([]byte, 0, 256), d), '\n')}, nil
}

// decide answers one check from a snapshot, with its explanation, whose
// sources are appended to buf (returned).
func decide(snap *authz.Snapshot, c checkjson.Check, buf []authz.Source) (checkjson.Decision, []authz.Source) {
	x, buf := snap.ExplainAtAppend(buf, c.UserID, c.Permission, c.Resource, c.At)
	return toDecision(x, snap.Revision), buf
}

// streamedOutput is an answer written once huma has sent the headers, so
// that its buffer can be reused afterwards.
type streamedOutput struct {
	Body func(huma.Context)
}

func (h *handlers) checkBatch(ctx context.Context, in *rawJSONInput) (*streamedOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	bs := batchScratches.Get().(*batchScratch)
	checks, ok := checkjson.AppendBatch(bs.checks, in.RawBody)
	bs.checks = checks
	ok = ok && len(checks) > 0 && len(checks) <= checkjson.MaxBatch
	for i := 0; ok && i < len(checks); i++ {
		ok = checks[i].Valid()
	}
	if !ok {
		var b checkjson.Batch
		if err := h.raw.decode(ctx, in.RawBody, &b); err != nil {
			bs.release()
			return nil, err
		}
		checks = b.Checks
	}
	if len(checks) == 0 { // the schema's minItems, should "checks" be null
		bs.release()
		return nil, gatehouse.Invalid("checks", "send 1 to %d checks", checkjson.MaxBatch)
	}
	var minRevision int64
	for _, c := range checks {
		minRevision = max(minRevision, c.MinRevision)
		if err := h.checkMoment(c.At); err != nil {
			bs.release()
			return nil, err
		}
	}
	// Asking about anyone but oneself needs the right to view users: one
	// such user is enough for DecisionSnapshot to judge.
	asked := checks[0].UserID
	for _, c := range checks {
		if c.UserID != actor.UserID {
			asked = c.UserID
			break
		}
	}
	snap, err := h.svc.DecisionSnapshot(ctx, actor, minRevision, asked)
	if err != nil {
		bs.release()
		return nil, err
	}
	bs.answer(snap, checks)
	return &streamedOutput{func(hc huma.Context) {
		hc.SetHeader("Content-Length", bs.contentLength()) // clients size their buffer; no chunks
		hc.SetStatus(http.StatusOK)
		hc.BodyWriter().Write(bs.out)
		bs.release()
	}}, nil
}

type filterInput struct {
	Body struct {
		UserID      string `json:"user_id" minLength:"1"`
		Permission  string `json:"permission" minLength:"1" example:"work_orders.view"`
		MinRevision int64  `json:"min_revision,omitempty" required:"false" minimum:"0" maximum:"9007199254740991" doc:"Answer only from state at least this fresh"`
	}
}

type filterOutput struct {
	Body filterJSON
}

// filterJSON is which rows of a list a user may see.
type filterJSON struct {
	Allowed       bool     `json:"allowed" doc:"False when the user may see no rows at all"`
	Reason        string   `json:"reason"`
	AllFacilities bool     `json:"all_facilities" doc:"Rows of every facility"`
	FacilityIDs   []string `json:"facility_ids" doc:"Otherwise, rows of these facilities only (empty: none)"`
	OwnOnly       bool     `json:"own_only" doc:"Only rows the user created or is assigned to"`
	// OwnOnlyFacilityIDs: see authz.Filter.
	OwnOnlyFacilityIDs []string `json:"own_only_facility_ids" doc:"Besides facility_ids (every row), rows of these facilities that the user created or is assigned to: a site role may give X.view at one facility and X.view_own at another"`
	Revision           int64    `json:"revision"`
}

func (h *handlers) filter(ctx context.Context, in *filterInput) (*filterOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	f, rev, err := h.svc.Filter(ctx, actor, in.Body.UserID, in.Body.Permission, in.Body.MinRevision)
	if err != nil {
		return nil, err
	}
	out := &filterOutput{}
	out.Body.Allowed, out.Body.Reason = f.Allowed, f.Reason.String()
	out.Body.AllFacilities, out.Body.FacilityIDs, out.Body.OwnOnly, out.Body.Revision = f.AllFacilities, nonNil(f.FacilityIDs), f.OwnOnly, rev
	out.Body.OwnOnlyFacilityIDs = nonNil(f.OwnOnlyFacilityIDs)
	return out, nil
}
