package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/service"
)

// groupList is the data of the Groups tab.
type groupList struct {
	Query  string // the search: part of a name or description
	Groups []*gatehouse.Group
	Next   string // cursor of the next page
	Cursor string // cursor of this page, "" on the first
}

func (u *UI) listGroups(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	data := groupList{Cursor: r.URL.Query().Get("cursor"), Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	groups, err := u.svc.ListGroups(r.Context(), v.actor, gatehouse.GroupFilter{Query: data.Query, After: afterCursor(r), Limit: pageSize + 1})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if len(groups) > pageSize {
		groups = groups[:pageSize]
		data.Next = nextCursor(groups[len(groups)-1].ID)
	}
	data.Groups = groups
	p := newPage(r, "Groups", "groups")
	p.Data = data
	u.show(w, r, http.StatusOK, "groups", p)
}

// groupForm is the data of the create and edit forms. Permissions the viewer
// does not hold are shown but not offered: no escalation is visible.
type groupForm struct {
	Group       *gatehouse.Group
	Catalog     *gatehouse.Catalog
	Grants      authz.Grants
	Editable    bool              // the viewer may manage groups
	ShowMembers bool              // the viewer may see users
	Members     []*gatehouse.User // the first page of the members the viewer may see
	MoreMembers bool
	// Source is the group a new one duplicates, nil otherwise.
	Source *gatehouse.Group
	// The box that adds a member, for a viewer who may edit users: what
	// was typed, the people it may mean when it names several, and the
	// suggestions the box starts with.
	EditMembers      bool
	Member           string
	MemberCandidates []pick
	MemberSuggest    []pick
}

func (u *UI) groupFormData(r *http.Request, g *gatehouse.Group) (*groupForm, error) {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	grants, catalog, err := u.svc.Grants(ctx, v.actor)
	if err != nil {
		return nil, err
	}
	f := &groupForm{Group: g, Catalog: catalog, Grants: grants, Editable: v.can[gatehouse.OpManageGroups]}
	if g.ID != "" && v.can[gatehouse.OpViewUsers] {
		f.ShowMembers = true
		if f.Members, f.MoreMembers, err = u.firstUsers(r, gatehouse.UserFilter{GroupID: g.ID}); err != nil {
			return nil, err
		}
		if f.EditMembers = v.can[gatehouse.OpEditUsers]; f.EditMembers {
			if f.MemberSuggest, err = u.suggestionsOf(ctx, v, "member"); err != nil {
				return nil, err
			}
		}
	}
	return f, nil
}

// newGroupPage is the create form; with ?from=<group id>, filled in as a
// copy of that group ("Copy of …", its description and permissions), which
// Create group then creates through the one create path: no escalation
// applies to the copy as to any new group.
func (u *UI) newGroupPage(w http.ResponseWriter, r *http.Request) {
	if !u.require(w, r, gatehouse.OpManageGroups, "create groups") {
		return
	}
	draft, title := &gatehouse.Group{}, "Create group"
	var source *gatehouse.Group
	if from := r.URL.Query().Get("from"); from != "" {
		var err error
		if source, err = u.svc.GetGroup(r.Context(), viewerFrom(r.Context()).actor, from); err != nil {
			u.fail(w, r, err)
			return
		}
		name, err := u.copyName(r, source.Name)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		draft = &gatehouse.Group{Name: name, Description: source.Description, Permissions: source.Permissions}
		title = "Duplicate “" + source.Name + "”"
	}
	f, err := u.groupFormData(r, draft)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	f.Source = source
	p := newPage(r, title, "groups")
	p.Data = f
	u.show(w, r, http.StatusOK, "group-form", p)
}

// copyName is the name a copy of a group starts with: "Copy of X", or
// "Copy of X (2)" and on when that is taken.
func (u *UI) copyName(r *http.Request, name string) (string, error) {
	base := "Copy of " + name
	taken, err := u.svc.ListGroups(r.Context(), viewerFrom(r.Context()).actor, gatehouse.GroupFilter{Query: base, Limit: 1000})
	if err != nil {
		return "", err
	}
	names := map[string]bool{}
	for _, g := range taken {
		names[strings.ToLower(g.Name)] = true
	}
	candidate := base
	for i := 2; names[strings.ToLower(candidate)]; i++ {
		candidate = base + " (" + strconv.Itoa(i) + ")"
	}
	return candidate, nil
}

func (u *UI) createGroup(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	if !u.formValues(w, r) {
		return
	}
	in := service.GroupInput{Name: strings.TrimSpace(r.PostFormValue("name")), Description: strings.TrimSpace(r.PostFormValue("description")),
		Permissions: r.PostForm["permissions"]}
	g, _, err := u.svc.CreateGroup(r.Context(), v.actor, in)
	if err != nil {
		u.redisplayGroupForm(w, r, "Create group", &gatehouse.Group{Name: in.Name, Description: in.Description, Permissions: in.Permissions}, err)
		return
	}
	redirectDone(w, r, "/groups/"+g.ID, doneGroupCreated)
}

// redisplayGroupForm shows the form again with what was sent: with the
// error that refused it, or (err nil) back from a review.
func (u *UI) redisplayGroupForm(w http.ResponseWriter, r *http.Request, title string, draft *gatehouse.Group, err error) {
	p := newPage(r, title, "groups")
	status := http.StatusOK
	if err != nil {
		if !formError(p, err) {
			u.fail(w, r, err)
			return
		}
		status = errorStatus(err)
	}
	f, ferr := u.groupFormData(r, draft)
	if ferr != nil {
		u.fail(w, r, ferr)
		return
	}
	p.Data = f
	u.show(w, r, status, "group-form", p)
}

func (u *UI) editGroupPage(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	g, err := u.svc.GetGroup(r.Context(), v.actor, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.showGroup(w, r, g, nil, "", nil)
}

// showGroup shows a group's page: with err, the refusal of a change of its
// members, beside the box that adds one (member: what was typed there;
// candidates: whom it may mean).
func (u *UI) showGroup(w http.ResponseWriter, r *http.Request, g *gatehouse.Group, err error, member string, candidates []pick) {
	p := newPage(r, g.Name, "groups")
	status := http.StatusOK
	if err != nil {
		if !formError(p, err) {
			u.fail(w, r, err)
			return
		}
		status = errorStatus(err)
	}
	f, ferr := u.groupFormData(r, g)
	if ferr != nil {
		u.fail(w, r, ferr)
		return
	}
	f.Member, f.MemberCandidates = member, candidates
	p.Data = f
	u.show(w, r, status, "group-form", p)
}

// saveGroup saves an edited group once its members' new access has been
// reviewed: an edit that changes somebody's access shows the review first.
func (u *UI) saveGroup(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	if !u.formValues(w, r) {
		return
	}
	id := r.PathValue("id")
	name, description := strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("description"))
	perms := r.PostForm["permissions"]
	if perms == nil {
		perms = []string{} // every box cleared: the group grants nothing
	}
	patch := service.GroupPatch{Name: &name, Description: &description, Permissions: &perms}
	redisplay := func(err error) {
		current, gerr := u.svc.GetGroup(ctx, v.actor, id)
		if gerr != nil {
			u.fail(w, r, gerr)
			return
		}
		title := current.Name
		current.Name, current.Description, current.Permissions = name, description, perms
		u.redisplayGroupForm(w, r, title, current, err)
	}
	if r.PostFormValue("step") == stepEdit {
		redisplay(nil)
		return
	}
	fields := []formField{{"name", name}, {"description", description}}
	for _, p := range perms {
		fields = append(fields, formField{"permissions", p})
	}
	rv := &review{Action: "/groups/" + id, Fields: fields, SaveLabel: "Save changes", Back: true, Cancel: "/groups/" + id,
		Intro: "Saving this group changes the access of its members at once, as listed below. Nothing is saved until you confirm."}
	reviewed, err := u.reviewFirst(w, r, ctx, func(ctx context.Context) error {
		_, _, err := u.svc.UpdateGroup(ctx, v.actor, id, patch)
		return err
	}, rv, "Save group “"+name+"”?")
	if reviewed {
		return
	}
	if err == nil {
		_, _, err = u.svc.UpdateGroup(ctx, v.actor, id, patch)
	}
	if err != nil {
		redisplay(err)
		return
	}
	u.landAfterSave(w, r, "/groups/"+id, doneSaved, func() error { _, err := u.svc.GetGroup(ctx, v.actor, id); return err })
}

// confirmDeleteGroup asks before deleting a group, with what its members
// lose, from the deletion's dry run.
func (u *UI) confirmDeleteGroup(w http.ResponseWriter, r *http.Request) {
	if !u.require(w, r, gatehouse.OpManageGroups, "delete groups") {
		return
	}
	u.reviewDeletion(w, r, false)
}

// reviewDeletion shows the delete confirmation; changed says that what
// deleting does changed since the confirmation the viewer answered.
func (u *UI) reviewDeletion(w http.ResponseWriter, r *http.Request, changed bool) {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	g, err := u.svc.GetGroup(ctx, v.actor, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	p, err := u.svc.Preview(ctx, func(ctx context.Context) error { _, err := u.svc.DeleteGroup(ctx, v.actor, g.ID); return err })
	if err != nil {
		u.fail(w, r, err)
		return
	}
	rv := &review{Action: "/groups/" + g.ID + "/delete", SaveLabel: "Delete group", Danger: true, Cancel: "/groups/" + g.ID, Changed: changed}
	switch g.MemberCount {
	case 0:
		rv.Intro = "Nobody is in this group."
	case 1:
		rv.Intro = "This group has 1 member."
	default:
		rv.Intro = "This group has " + strconv.Itoa(g.MemberCount) + " members."
	}
	if len(p.Users) == 0 {
		rv.Intro += " Deleting it changes nobody's access."
	} else {
		rv.Intro += " Deleting it takes away, at once, what it alone gave them:"
	}
	if err := u.fillReview(ctx, r, rv, p); err != nil {
		u.fail(w, r, err)
		return
	}
	u.showReview(w, r, "Delete group “"+g.Name+"”?", "group-delete", rv)
}

// deleteGroup deletes a group. A confirmation whose impact is no longer
// the one shown is asked again.
func (u *UI) deleteGroup(w http.ResponseWriter, r *http.Request) {
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
	del := func(ctx context.Context) error { _, err := u.svc.DeleteGroup(ctx, v.actor, g.ID); return err }
	if shown := r.PostFormValue("impact"); shown != "" {
		p, err := u.svc.Preview(ctx, del)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		if fingerprint(p) != shown {
			u.reviewDeletion(w, r, true)
			return
		}
	}
	if err := del(ctx); err != nil {
		u.fail(w, r, err)
		return
	}
	u.landAfterSave(w, r, "/groups", doneGroupDeleted, func() error {
		_, err := u.svc.ListGroups(ctx, v.actor, gatehouse.GroupFilter{Limit: 1})
		return err
	})
}
