package ui

import (
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/service"
)

// groupList is the data of the Groups tab.
type groupList struct {
	Groups []*gatehouse.Group
	Next   string // cursor of the next page
	Cursor string // cursor of this page, "" on the first
}

func (u *UI) listGroups(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	data := groupList{Cursor: r.URL.Query().Get("cursor")}
	groups, err := u.svc.ListGroups(r.Context(), v.actor, gatehouse.GroupFilter{After: afterCursor(r), Limit: pageSize + 1})
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
	}
	return f, nil
}

func (u *UI) newGroupPage(w http.ResponseWriter, r *http.Request) {
	if !u.require(w, r, gatehouse.OpManageGroups, "create groups") {
		return
	}
	f, err := u.groupFormData(r, &gatehouse.Group{})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	p := newPage(r, "Create group", "groups")
	p.Data = f
	u.show(w, r, http.StatusOK, "group-form", p)
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

func (u *UI) redisplayGroupForm(w http.ResponseWriter, r *http.Request, title string, draft *gatehouse.Group, err error) {
	p := newPage(r, title, "groups")
	if !formError(p, err) {
		u.fail(w, r, err)
		return
	}
	f, ferr := u.groupFormData(r, draft)
	if ferr != nil {
		u.fail(w, r, ferr)
		return
	}
	p.Data = f
	u.show(w, r, http.StatusBadRequest, "group-form", p)
}

func (u *UI) editGroupPage(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	g, err := u.svc.GetGroup(r.Context(), v.actor, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	f, err := u.groupFormData(r, g)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	p := newPage(r, g.Name, "groups")
	p.Data = f
	u.show(w, r, http.StatusOK, "group-form", p)
}

func (u *UI) saveGroup(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	if !u.formValues(w, r) {
		return
	}
	name, description := strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("description"))
	perms := r.PostForm["permissions"]
	if perms == nil {
		perms = []string{} // every box cleared: the group grants nothing
	}
	g, _, err := u.svc.UpdateGroup(ctx, v.actor, r.PathValue("id"), service.GroupPatch{Name: &name, Description: &description, Permissions: &perms})
	if err != nil {
		current, gerr := u.svc.GetGroup(ctx, v.actor, r.PathValue("id"))
		if gerr != nil {
			u.fail(w, r, gerr)
			return
		}
		title := current.Name
		current.Name, current.Description, current.Permissions = name, description, perms
		u.redisplayGroupForm(w, r, title, current, err)
		return
	}
	redirectDone(w, r, "/groups/"+g.ID, doneSaved)
}

// groupDeletion is the data of the delete confirmation: the members who
// lose what the group grants.
type groupDeletion struct {
	Group       *gatehouse.Group
	ShowMembers bool
	Members     []*gatehouse.User
	MoreMembers bool
}

func (u *UI) confirmDeleteGroup(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	if !u.require(w, r, gatehouse.OpManageGroups, "delete groups") {
		return
	}
	g, err := u.svc.GetGroup(r.Context(), v.actor, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	data := groupDeletion{Group: g}
	if v.can[gatehouse.OpViewUsers] {
		data.ShowMembers = true
		if data.Members, data.MoreMembers, err = u.firstUsers(r, gatehouse.UserFilter{GroupID: g.ID}); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	p := newPage(r, "Delete group “"+g.Name+"”?", "groups")
	p.Data = data
	u.show(w, r, http.StatusOK, "group-delete", p)
}

func (u *UI) deleteGroup(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	g, err := u.svc.GetGroup(ctx, v.actor, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if _, err := u.svc.DeleteGroup(ctx, v.actor, g.ID); err != nil {
		u.fail(w, r, err)
		return
	}
	redirectDone(w, r, "/groups", doneGroupDeleted)
}
