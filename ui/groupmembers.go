package ui

import (
	"context"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// Adding and removing members from a group's page: each is an edit of the
// user's groups (service.AddGroupMember, RemoveGroupMember), reviewed first
// like every group edit: the review lists what the person gains or loses.

func (u *UI) addGroupMember(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	if !u.formValues(w, r) {
		return
	}
	g, err := u.svc.GetGroup(ctx, v.actor, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	text, userID := strings.TrimSpace(r.PostFormValue("member")), r.PostFormValue("user_id")
	var candidates []pick
	switch {
	case userID != "":
	case text == "":
		err = gatehouse.Invalid("member", "Type the name or email of the person to add")
	default:
		userID, candidates, err = u.resolvePick(ctx, v, "member", text)
	}
	if err != nil {
		u.showGroup(w, r, g, err, text, candidates)
		return
	}
	who, err := u.svc.GetUser(ctx, v.actor, userID)
	if err != nil {
		u.showGroup(w, r, g, gatehouse.Invalid("member", "Nobody you may see has the id %s", userID), text, nil)
		return
	}
	add := func(ctx context.Context) error {
		_, _, err := u.svc.AddGroupMember(ctx, v.actor, g.ID, who.ID)
		return err
	}
	name := who.FirstName + " " + who.LastName
	rv := &review{Action: "/groups/" + g.ID + "/members", Fields: []formField{{"user_id", who.ID}}, SaveLabel: "Add to group",
		Cancel: "/groups/" + g.ID, Intro: "Adding " + name + " to “" + g.Name + "” gives them its permissions at once, as listed below. Nothing is saved until you confirm."}
	u.saveMembership(w, r, g, add, rv, "Add "+name+" to “"+g.Name+"”?", doneMemberAdded, text)
}

func (u *UI) removeGroupMember(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	if !u.formValues(w, r) {
		return
	}
	g, err := u.svc.GetGroup(ctx, v.actor, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	who, err := u.svc.GetUser(ctx, v.actor, r.PathValue("user"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	remove := func(ctx context.Context) error {
		_, _, err := u.svc.RemoveGroupMember(ctx, v.actor, g.ID, who.ID)
		return err
	}
	name := who.FirstName + " " + who.LastName
	rv := &review{Action: "/groups/" + g.ID + "/members/" + who.ID + "/remove", SaveLabel: "Remove from group", Danger: true,
		Cancel: "/groups/" + g.ID, Intro: "Removing " + name + " from “" + g.Name + "” takes away, at once, what the group alone gave them. Nothing is saved until you confirm."}
	u.saveMembership(w, r, g, remove, rv, "Remove "+name+" from “"+g.Name+"”?", doneMemberRemoved, "")
}

// saveMembership reviews a change of membership first when it changes the
// person's access, then saves it; a refusal shows on the group's page.
func (u *UI) saveMembership(w http.ResponseWriter, r *http.Request, g *gatehouse.Group, write func(context.Context) error, rv *review, title string, code done, text string) {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	reviewed, err := u.reviewFirst(w, r, ctx, write, rv, title)
	if reviewed {
		return
	}
	if err == nil {
		err = write(ctx)
	}
	if err != nil {
		u.showGroup(w, r, g, err, text, nil)
		return
	}
	u.landAfterSave(w, r, "/groups/"+g.ID, code, func() error { _, err := u.svc.GetGroup(ctx, v.actor, g.ID); return err })
}
