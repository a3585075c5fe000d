package api

import (
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse/service"
)

type bulkUsersInput struct {
	DryRun
	Body struct {
		Action     string   `json:"action" enum:"deactivate,activate,delete,resend_invitation,add_group,remove_group,assign_facility,unassign_facility"`
		UserIDs    []string `json:"user_ids" minItems:"1" maxItems:"500" doc:"The users to act on, all or none"`
		GroupID    string   `json:"group_id,omitempty" required:"false" doc:"For add_group and remove_group"`
		FacilityID string   `json:"facility_id,omitempty" required:"false" doc:"For assign_facility and unassign_facility"`
	}
}

// bulkOutcomeJSON is what a bulk action did to one user.
type bulkOutcomeJSON struct {
	UserID  string    `json:"user_id"`
	Changed bool      `json:"changed" doc:"false for a user the action found as it would leave them (already inactive, already in the group, …): nothing written, no audit event"`
	User    *userJSON `json:"user,omitempty" required:"false" doc:"The user after the action; absent for delete"`
}

// bulkJSON is a bulk action's answer.
type bulkJSON struct {
	Items   []bulkOutcomeJSON `json:"items" doc:"One per user, in the order asked (repeated ids once)"`
	Changed int               `json:"changed" doc:"How many users the action changed"`
}

func (h *handlers) bulkUsers(ctx context.Context, in *bulkUsersInput) (*writeOutput, error) {
	actor, err := actorFrom(ctx)
	if err != nil {
		return nil, err
	}
	b := in.Body
	return previewable(ctx, h.svc, in.DryRun, http.StatusOK, func(ctx context.Context) (bulkJSON, int64, error) {
		outcomes, rev, err := h.svc.BulkUsers(ctx, actor, service.BulkInput{Action: b.Action, UserIDs: b.UserIDs, GroupID: b.GroupID, FacilityID: b.FacilityID})
		if err != nil {
			return bulkJSON{}, 0, err
		}
		out := bulkJSON{Items: make([]bulkOutcomeJSON, len(outcomes))}
		for i, o := range outcomes {
			out.Items[i] = bulkOutcomeJSON{UserID: o.UserID, Changed: o.Changed}
			if o.User != nil {
				u := toUser(o.User)
				out.Items[i].User = &u
			}
			if o.Changed {
				out.Changed++
			}
		}
		return out, rev, nil
	})
}
