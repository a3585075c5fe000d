package ui

import (
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// facilityList is the data of the Facilities page. A limited admin sees only
// the facilities assigned to them: the service filters.
type facilityList struct {
	Facilities []*gatehouse.Facility
	Archived   string            // filter: "" (all), "no" or "yes"
	Next       string            // cursor of the next page
	Cursor     string            // cursor of this page, "" on the first
	New        map[string]string // the create form: name, external_id
}

func (u *UI) listFacilities(w http.ResponseWriter, r *http.Request) {
	u.showFacilities(w, r, http.StatusOK, newPage(r, "Facilities", "facilities"), map[string]string{})
}

func (u *UI) showFacilities(w http.ResponseWriter, r *http.Request, status int, p *page, draft map[string]string) {
	v, q := viewerFrom(r.Context()), r.URL.Query()
	data := facilityList{Archived: q.Get("archived"), Cursor: q.Get("cursor"), New: draft}
	f := gatehouse.FacilityFilter{After: afterCursor(r), Limit: pageSize + 1}
	switch data.Archived {
	case "yes", "no":
		archived := data.Archived == "yes"
		f.Archived = &archived
	default:
		data.Archived = ""
	}
	list, err := u.svc.ListFacilities(r.Context(), v.actor, f)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if len(list) > pageSize {
		list = list[:pageSize]
		data.Next = nextCursor(list[len(list)-1].ID)
	}
	data.Facilities = list
	p.Data = data
	u.show(w, r, status, "facilities", p)
}

func (u *UI) createFacility(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	if !u.formValues(w, r) {
		return
	}
	in := service.FacilityInput{Name: strings.TrimSpace(r.PostFormValue("name")), ExternalID: strings.TrimSpace(r.PostFormValue("external_id"))}
	f, _, err := u.svc.CreateFacility(r.Context(), v.actor, in)
	if err != nil {
		p := newPage(r, "Facilities", "facilities")
		if !formError(p, err) {
			u.fail(w, r, err)
			return
		}
		u.showFacilities(w, r, http.StatusBadRequest, p, map[string]string{"name": in.Name, "external_id": in.ExternalID})
		return
	}
	redirectDone(w, r, "/facilities/"+f.ID, doneFacilityCreated)
}

// facilityView is the data of one facility's page: its form, and who is
// assigned to it.
type facilityView struct {
	Facility  *gatehouse.Facility
	Editable  bool // the viewer may manage facilities
	ShowUsers bool // the viewer may see users
	Users     []*gatehouse.User
	MoreUsers bool
}

func (u *UI) facilityPage(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	f, err := u.svc.GetFacility(r.Context(), v.actor, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.showFacility(w, r, http.StatusOK, newPage(r, f.Name, "facilities"), f)
}

func (u *UI) showFacility(w http.ResponseWriter, r *http.Request, status int, p *page, f *gatehouse.Facility) {
	v := viewerFrom(r.Context())
	data := facilityView{Facility: f, Editable: v.can[gatehouse.OpManageFacilities]}
	if v.can[gatehouse.OpViewUsers] {
		data.ShowUsers = true
		var err error
		if data.Users, data.MoreUsers, err = u.firstUsers(r, gatehouse.UserFilter{FacilityID: f.ID}); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	p.Data = data
	u.show(w, r, status, "facility", p)
}

func (u *UI) saveFacility(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	if !u.formValues(w, r) {
		return
	}
	id := r.PathValue("id")
	var patch service.FacilityPatch
	code := doneSaved
	switch r.PostFormValue("action") {
	case "archive":
		archived := true
		patch.Archived, code = &archived, doneFacilityArchived
	case "unarchive":
		archived := false
		patch.Archived, code = &archived, doneFacilityRestored
	case "save", "":
		name, external := strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("external_id"))
		patch.Name, patch.ExternalID = &name, &external
	default:
		u.fail(w, r, gatehouse.Invalid("action", "unknown action"))
		return
	}
	f, _, err := u.svc.UpdateFacility(ctx, v.actor, id, patch)
	if err != nil {
		current, gerr := u.svc.GetFacility(ctx, v.actor, id)
		if gerr != nil {
			u.fail(w, r, gerr)
			return
		}
		p := newPage(r, current.Name, "facilities")
		if !formError(p, err) {
			u.fail(w, r, err)
			return
		}
		if patch.Name != nil {
			current.Name, current.ExternalID = *patch.Name, *patch.ExternalID
		}
		u.showFacility(w, r, http.StatusBadRequest, p, current)
		return
	}
	redirectDone(w, r, "/facilities/"+f.ID, code)
}
