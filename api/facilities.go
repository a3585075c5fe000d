package api

import (
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

type facilityOutput struct {
	Revision
	Body facilityJSON
}

type facilityReadOutput struct {
	Body facilityJSON
}

type listFacilitiesInput struct {
	Archived string `query:"archived" enum:"true,false" doc:"Only archived, or only current, facilities"`
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
	if in.Archived != "" {
		archived := in.Archived == "true"
		f.Archived = &archived
	}
	list, err := h.svc.ListFacilities(ctx, actor, f)
	if err != nil {
		return nil, err
	}
	return page(list, in.Limit, func(f *gatehouse.Facility) string { return f.ID }, toFacility), nil
}

type createFacilityInput struct {
	Body struct {
		Name       string `json:"name" minLength:"1" maxLength:"200" example:"North Depot"`
		ExternalID string `json:"external_id,omitempty" required:"false" maxLength:"200" doc:"The host platform's id for the facility"`
	}
}

func (h *handlers) createFacility(ctx context.Context, in *createFacilityInput) (*facilityOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	f, rev, err := h.svc.CreateFacility(ctx, actor, service.FacilityInput{Name: in.Body.Name, ExternalID: in.Body.ExternalID})
	if err != nil {
		return nil, err
	}
	return &facilityOutput{Revision{rev}, toFacility(f)}, nil
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
		Name       *string `json:"name,omitempty" required:"false" minLength:"1" maxLength:"200"`
		ExternalID *string `json:"external_id,omitempty" required:"false" maxLength:"200"`
		Archived   *bool   `json:"archived,omitempty" required:"false"`
	}
}

func (h *handlers) updateFacility(ctx context.Context, in *updateFacilityInput) (*writeOutput, error) {
	return h.patchFacility(ctx, in.ID, in.DryRun, service.FacilityPatch{Name: in.Body.Name, ExternalID: in.Body.ExternalID, Archived: in.Body.Archived})
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
