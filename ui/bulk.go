package ui

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// Bulk actions from the Users tab: the ticked users and the action go to
// POST /users/bulk, which shows a review of the whole action's effect (its
// dry run, service.Preview) and the refusal it would meet; its Confirm
// posts the same values back with the fingerprint of what was shown, and
// only then is the action applied — all of it, in one transaction, or
// nothing. No script is needed.

// bulkChoice is one bulk action of the Users tab's action bar.
type bulkChoice struct {
	Value, Label string
	op           string // the admin operation it needs
}

var bulkChoiceList = []bulkChoice{
	{service.BulkDeactivate, "Deactivate", gatehouse.OpDeactivateUsers},
	{service.BulkActivate, "Activate", gatehouse.OpDeactivateUsers},
	{service.BulkResendInvitation, "Resend invitation", gatehouse.OpInviteUsers},
	{service.BulkAddGroup, "Add to group", gatehouse.OpEditUsers},
	{service.BulkRemoveGroup, "Remove from group", gatehouse.OpEditUsers},
	{service.BulkAssignFacility, "Assign facility", gatehouse.OpEditUsers},
	{service.BulkUnassignFacility, "Unassign facility", gatehouse.OpEditUsers},
	{service.BulkDelete, "Delete", gatehouse.OpDeleteUsers},
}

// bulkChoices are the bulk actions the viewer may take.
func bulkChoices(v *viewer) []bulkChoice {
	var out []bulkChoice
	for _, c := range bulkChoiceList {
		if v.can[c.op] {
			out = append(out, c)
		}
	}
	return out
}

func bulkLabel(action string) string {
	for _, c := range bulkChoiceList {
		if c.Value == action {
			return c.Label
		}
	}
	return action
}

// bulkReview is the review page of a bulk action: the users it acts on by
// name, then the effect on access and the refusal, as every review shows.
type bulkReview struct {
	Review  *review
	Targets []*gatehouse.User // the first users acted on, by name
	Hidden  int               // users acted on beyond those listed
	Unknown int               // ids the viewer may not see
}

// bulkUsers reviews, then applies, a bulk action.
func (u *UI) bulkUsers(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	if !u.formValues(w, r) {
		return
	}
	in := service.BulkInput{Action: r.PostFormValue("action"), UserIDs: r.PostForm["user_id"],
		GroupID: r.PostFormValue("group_id"), FacilityID: r.PostFormValue("facility_id")}
	if len(in.UserIDs) == 0 {
		u.fail(w, r, gatehouse.Invalid("user_id", "Tick at least one user, then choose what to do."))
		return
	}
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/users") || strings.HasPrefix(back, "//") {
		back = "/users"
	}
	write := func(ctx context.Context) error { _, _, err := u.svc.BulkUsers(ctx, v.actor, in); return err }
	p, err := u.svc.Preview(ctx, write)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if r.PostFormValue("step") == stepConfirm && r.PostFormValue("impact") == fingerprint(p) && p.Error == nil {
		if err := write(ctx); err != nil {
			u.fail(w, r, err)
			return
		}
		redirectDone(w, r, back, doneBulkApplied)
		return
	}
	fields := []formField{{"action", in.Action}, {"group_id", in.GroupID}, {"facility_id", in.FacilityID}, {"back", back}}
	for _, id := range in.UserIDs {
		fields = append(fields, formField{"user_id", id})
	}
	label := bulkLabel(in.Action)
	target, err := u.bulkTarget(ctx, v, in)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	rv := &bulkReview{Review: &review{Action: "/users/bulk", Fields: fields, Cancel: back,
		SaveLabel: fmt.Sprintf("%s%s: %s", label, target, plural(len(in.UserIDs), " user", " users")[1:]),
		Danger:    in.Action == service.BulkDelete || in.Action == service.BulkDeactivate,
		Intro:     "Nothing changes until you confirm. Then every user below is changed, or, if any one of them cannot be, nobody is."}}
	rv.Review.Changed = r.PostFormValue("step") == stepConfirm && r.PostFormValue("impact") != fingerprint(p)
	if err := u.fillReview(ctx, r, rv.Review, p); err != nil {
		u.fail(w, r, err)
		return
	}
	for i, id := range in.UserIDs {
		if i == previewLimit {
			rv.Hidden = len(in.UserIDs) - previewLimit
			break
		}
		if who, err := u.svc.GetUser(ctx, v.actor, id); err == nil {
			rv.Targets = append(rv.Targets, who)
		} else {
			rv.Unknown++
		}
	}
	pg := newPage(r, fmt.Sprintf("%s%s: review %s", label, target, plural(len(in.UserIDs), " user", " users")[1:]), "users")
	pg.Data = rv
	status := http.StatusOK
	if rv.Review.Refusal != "" {
		status = rv.Review.refusalStatus
	}
	u.show(w, r, status, "bulk-review", pg)
}

// bulkTarget names the group or facility of a bulk action (" to Group"),
// as far as the viewer may see it.
func (u *UI) bulkTarget(ctx context.Context, v *viewer, in service.BulkInput) (string, error) {
	switch in.Action {
	case service.BulkAddGroup, service.BulkRemoveGroup:
		if in.GroupID == "" {
			return "", gatehouse.Invalid("group_id", "Choose the group.")
		}
		g, err := u.svc.GetGroup(ctx, v.actor, in.GroupID)
		if err != nil {
			return "", err
		}
		return " “" + g.Name + "”", nil
	case service.BulkAssignFacility, service.BulkUnassignFacility:
		if in.FacilityID == "" {
			return "", gatehouse.Invalid("facility_id", "Choose the facility.")
		}
		f, err := u.svc.GetFacility(ctx, v.actor, in.FacilityID)
		if err != nil {
			return "", err
		}
		return " “" + f.Name + "”", nil
	}
	return "", nil
}
