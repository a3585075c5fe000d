package api

import (
	"context"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

type checkInput struct {
	Body checkJSON
}

type checkOutput struct {
	Body decisionJSON
}

func (h *handlers) check(ctx context.Context, in *checkInput) (*checkOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	snap, err := h.svc.DecisionSnapshot(ctx, actor, in.Body.MinRevision, in.Body.UserID)
	if err != nil {
		return nil, err
	}
	return &checkOutput{decide(snap, in.Body)}, nil
}

// decide answers one check from a snapshot, with its explanation.
func decide(snap *authz.Snapshot, c checkJSON) decisionJSON {
	return toDecision(snap.Explain(c.UserID, c.Permission, c.Resource), snap.Revision)
}

// maxBatch bounds a check-batch request.
const maxBatch = 1000

type checkBatchInput struct {
	Body struct {
		Checks []checkJSON `json:"checks" minItems:"1" maxItems:"1000"`
	}
}

type checkBatchOutput struct {
	Body struct {
		Results []decisionJSON `json:"results" doc:"One result per check, in the same order"`
	}
}

func (h *handlers) checkBatch(ctx context.Context, in *checkBatchInput) (*checkBatchOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if len(in.Body.Checks) > maxBatch {
		return nil, gatehouse.Invalid("checks", "at most %d checks per batch", maxBatch)
	}
	if len(in.Body.Checks) == 0 { // "checks": null passes the schema's minItems
		return nil, gatehouse.Invalid("checks", "send at least one check")
	}
	var minRevision int64
	users := make([]string, len(in.Body.Checks))
	for i, c := range in.Body.Checks {
		minRevision = max(minRevision, c.MinRevision)
		users[i] = c.UserID
	}
	snap, err := h.svc.DecisionSnapshot(ctx, actor, minRevision, users...)
	if err != nil {
		return nil, err
	}
	out := &checkBatchOutput{}
	out.Body.Results = make([]decisionJSON, len(in.Body.Checks))
	for i, c := range in.Body.Checks {
		out.Body.Results[i] = decide(snap, c)
	}
	return out, nil
}

type filterInput struct {
	Body struct {
		UserID      string `json:"user_id" minLength:"1"`
		Permission  string `json:"permission" minLength:"1" example:"work_orders.view"`
		MinRevision int64  `json:"min_revision,omitempty" required:"false" minimum:"0"`
	}
}

type filterOutput struct {
	Body struct {
		Allowed       bool     `json:"allowed" doc:"False when the user may see no rows at all"`
		Reason        string   `json:"reason"`
		AllFacilities bool     `json:"all_facilities" doc:"Rows of every facility"`
		FacilityIDs   []string `json:"facility_ids" doc:"Otherwise, rows of these facilities only (empty: none)"`
		OwnOnly       bool     `json:"own_only" doc:"Only rows the user created or is assigned to"`
		Revision      int64    `json:"revision"`
	}
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
	out.Body.AllFacilities, out.Body.FacilityIDs, out.Body.OwnOnly, out.Body.Revision = f.AllFacilities, f.FacilityIDs, f.OwnOnly, rev
	return out, nil
}
