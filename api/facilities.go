package api

import (
	"context"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

type facilityOutput struct {
	Revision
	Created
	Body facilityJSON
}

type facilityReadOutput struct {
	Body facilityJSON
}

type listFacilitiesInput struct {
	Archived optionalBool `query:"archived" doc:"true: only archived facilities; false: only current ones; absent: both"`
	Paging
}

func (h *handlers) listFacilities(ctx context.Context, in *listFacilitiesInput) (*listOutput[facilityJSON], error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	after, err := in.after(gatehouse.PrefixFacility)
	if err != nil {
		return nil, err
	}
	f := gatehouse.FacilityFilter{After: after, Limit: in.Limit + 1}
	if in.Archived.set {
		f.Archived = &in.Archived.Value
	}
	list, err := h.svc.ListFacilities(ctx, actor, f)
	if err != nil {
		return nil, err
	}
	return page(list, in.Limit, func(f *gatehouse.Facility) string { return f.ID }, toFacility), nil
}

type createFacilityInput struct {
	Body struct {
		Name       requiredText `json:"name" example:"North Depot"`
		ExternalID optionalText `json:"external_id,omitempty" required:"false" doc:"The host platform's id for the facility"`
	}
}

func (h *handlers) createFacility(ctx context.Context, in *createFacilityInput) (*facilityOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	f, rev, err := h.svc.CreateFacility(ctx, actor, service.FacilityInput{Name: string(in.Body.Name), ExternalID: string(in.Body.ExternalID)})
	if err != nil {
		return nil, err
	}
	return &facilityOutput{Revision{rev}, Created{"/api/v1/facilities/" + f.ID}, toFacility(f)}, nil
}

func (h *handlers) getFacility(ctx context.Context, in *idInput) (*facilityReadOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	f, err := h.svc.GetFacility(ctx, actor, in.ID)
	if err != nil {
		return nil, err
	}
	return &facilityReadOutput{Body: toFacility(f)}, nil
}

type updateFacilityInput struct {
	ID string `path:"id"`
	DryRun
	Body struct {
		Name       *requiredText `json:"name,omitempty" required:"false"`
		ExternalID *optionalText `json:"external_id,omitempty" required:"false"`
		Archived   *bool         `json:"archived,omitempty" required:"false"`
	}
}

func (h *handlers) updateFacility(ctx context.Context, in *updateFacilityInput) (*writeOutput, error) {
	return h.patchFacility(ctx, in.ID, in.DryRun, service.FacilityPatch{Name: (*string)(in.Body.Name), ExternalID: (*string)(in.Body.ExternalID), Archived: in.Body.Archived})
}

func (h *handlers) archiveFacility(ctx context.Context, in *idWriteInput) (*writeOutput, error) {
	archived := true
	return h.patchFacility(ctx, in.ID, in.DryRun, service.FacilityPatch{Archived: &archived})
}

func (h *handlers) unarchiveFacility(ctx context.Context, in *idWriteInput) (*writeOutput, error) {
	archived := false
	return h.patchFacility(ctx, in.ID, in.DryRun, service.FacilityPatch{Archived: &archived})
}

func (h *handlers) patchFacility(ctx context.Context, id string, dry DryRun, p service.FacilityPatch) (*writeOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	return previewable(ctx, h.svc, dry, http.StatusOK, func(ctx context.Context) (facilityJSON, int64, error) {
		f, rev, err := h.svc.UpdateFacility(ctx, actor, id, p)
		if err != nil {
			return facilityJSON{}, 0, err
		}
		return toFacility(f), rev, nil
	})
}

func (h *handlers) deleteFacility(ctx context.Context, in *idWriteInput) (*writeOutput, error) {
	return h.removeOrPreview(ctx, in, h.svc.DeleteFacility)
}

// optionalBool is a boolean query parameter that may be absent.
type optionalBool struct {
	Value bool // exported: huma sets it
	set   bool
}

// Receiver and OnParamSet let huma parse the parameter as a boolean and
// say whether it was sent.
func (o *optionalBool) Receiver() reflect.Value      { return reflect.ValueOf(&o.Value).Elem() }
func (o *optionalBool) OnParamSet(isSet bool, _ any) { o.set = isSet }

func (optionalBool) Schema(huma.Registry) *huma.Schema { return &huma.Schema{Type: huma.TypeBoolean} }
