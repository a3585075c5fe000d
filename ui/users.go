package ui

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/service"
)

// pageSize is the length of a page of users where the viewer does not choose it.
const pageSize = 50

// pageSizes are the lengths of the Users tab's pages a viewer may choose.
var pageSizes = []int{25, 50, 100}

// maxPickable is how many facilities a form lists as checkboxes; beyond it,
// facilities are added by id.
const maxPickable = 500

// userList is the data of the Users tab. Everything it shows is in its URL
// (filters, sort, page, page size): nothing is remembered in cookies.
type userList struct {
	Users      []*gatehouse.User
	GroupNames map[string]string
	Groups     []*gatehouse.Group
	Facilities []*gatehouse.Facility // for the filter, when few enough to list
	Catalog    *gatehouse.Catalog    // for the licence column and filter
	Filter     map[string]string     // q, status, group_id, facility_id, licence, sort, order, per
	Seats      []service.LicenceSeats
	Paging     listPaging
	Columns    map[string]sortColumn // by key
	Bulk       []bulkChoice          // the bulk actions the viewer may take
	Actions    map[string][]string
	Selected   map[string]bool // ticked boxes: the whole page with ?select=all
	Back       string          // this page's URL, where a bulk action returns
	SelectAll  string          // this page with every box ticked
}

// listPaging is the pager of the Users tab: numbered pages of Per rows.
type listPaging struct {
	Page, Per, Total, Pages int
	First, Last             int // the rows shown, counted from 1
	Prev, Next              string
	Sizes                   []int
}

// sortColumn is a column header that sorts the list.
type sortColumn struct {
	Key, Label, Hint, Title string
	Link                    string
	Sort                    string // ascending, descending or "" (aria-sort)
}

func (u *UI) listUsers(w http.ResponseWriter, r *http.Request) {
	v, q := viewerFrom(r.Context()), r.URL.Query()
	ctx := r.Context()
	data := userList{Filter: map[string]string{}, GroupNames: map[string]string{}, Selected: map[string]bool{}, Actions: map[string][]string{}}
	for _, k := range []string{"q", "status", "group_id", "facility_id", "licence", "sort", "order", "per"} {
		data.Filter[k] = strings.TrimSpace(q.Get(k))
	}
	per, _ := strconv.Atoi(data.Filter["per"])
	if !slices.Contains(pageSizes, per) {
		per, data.Filter["per"] = pageSize, ""
	}
	pageNo, _ := strconv.Atoi(q.Get("page"))
	pageNo = max(pageNo, 1)
	sort := data.Filter["sort"]
	if sort == "created" {
		sort = gatehouse.SortID
	}
	catalog, err := u.svc.Catalog(ctx, v.actor)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	data.Catalog = catalog
	// "expired" is its own state in the list: invited, the invitation expired.
	status, invitation := gatehouse.UserStatus(data.Filter["status"]), ""
	if status == "expired" {
		status, invitation = gatehouse.StatusInvited, gatehouse.InvitationExpired
	}
	filter := gatehouse.UserFilter{Status: status, Invitation: invitation,
		GroupID: data.Filter["group_id"], FacilityID: data.Filter["facility_id"], Licence: data.Filter["licence"], Query: data.Filter["q"],
		Sort: sort, Desc: data.Filter["order"] == "desc", Offset: (pageNo - 1) * per, Limit: per}
	users, total, err := u.svc.ListUsersCounted(ctx, v.actor, filter)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	data.Users = users
	data.Paging = pagingOf(data.Filter, pageNo, per, total, len(users))
	data.Columns = sortColumns(data.Filter)
	data.Back = "/users" + listQuery(data.Filter, "page", pageParam(pageNo))
	data.SelectAll = "/users" + listQuery(data.Filter, "page", pageParam(pageNo), "select", "all")
	for _, user := range users {
		data.Selected[user.ID] = q.Get("select") == "all"
		data.Actions[user.ID] = rowActions(v, user)
	}
	data.Bulk = bulkChoices(v)
	if catalog.HasLicences() {
		if data.Seats, err = u.svc.Licences(ctx, v.actor); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	if v.can[gatehouse.OpViewGroups] {
		if data.Groups, err = u.svc.ListGroups(ctx, v.actor, gatehouse.GroupFilter{Limit: 1000}); err != nil {
			u.fail(w, r, err)
			return
		}
		for _, g := range data.Groups {
			data.GroupNames[g.ID] = g.Name
		}
	}
	if v.can[gatehouse.OpViewFacilities] {
		if data.Facilities, err = u.svc.ListFacilities(ctx, v.actor, gatehouse.FacilityFilter{Limit: maxPickable + 1}); err != nil {
			u.fail(w, r, err)
			return
		}
		if len(data.Facilities) > maxPickable {
			data.Facilities = nil // too many to list: the filter takes an id
		}
	}
	p := newPage(r, "Users", "users")
	p.Data = data
	u.show(w, r, http.StatusOK, "users", p)
}

// listQuery is the Users tab's query for the filters, with the extra pairs
// (page, select) after them.
func listQuery(f map[string]string, extra ...string) string {
	pairs := []string{"q", f["q"], "status", f["status"], "group_id", f["group_id"], "facility_id", f["facility_id"],
		"licence", f["licence"], "sort", f["sort"], "order", f["order"], "per", f["per"]}
	return query(append(pairs, extra...)...)
}

// pageParam is a page number as the URL carries it: none for the first.
func pageParam(n int) string {
	if n <= 1 {
		return ""
	}
	return strconv.Itoa(n)
}

func pagingOf(f map[string]string, pageNo, per, total, shown int) listPaging {
	p := listPaging{Page: pageNo, Per: per, Total: total, Pages: max((total+per-1)/per, 1), Sizes: pageSizes}
	if shown > 0 {
		p.First = (pageNo-1)*per + 1
		p.Last = p.First + shown - 1
	}
	if pageNo > 1 {
		p.Prev = "/users" + listQuery(f, "page", pageParam(min(pageNo-1, p.Pages)))
	}
	if pageNo*per < total {
		p.Next = "/users" + listQuery(f, "page", pageParam(pageNo+1))
	}
	return p
}

// sortColumns are the headers that sort the list: a click sorts by the
// column, ascending; a click on the column sorted by reverses it.
func sortColumns(f map[string]string) map[string]sortColumn {
	current := f["sort"]
	if current == "" {
		current = "created"
	}
	cols := []sortColumn{
		{Key: "name", Label: "Name", Hint: "last, first", Title: "Sorts by last name, then first name"},
		{Key: "email", Label: "Email", Title: "Sorts by email address"},
		{Key: "last_sign_in", Label: "Last sign-in", Title: "Sorts by the last sign-in, those who never signed in first"},
		{Key: "created", Label: "Created", Title: "Sorts by when the user was added"},
	}
	out := map[string]sortColumn{}
	for _, c := range cols {
		order := ""
		if c.Key == current {
			c.Sort = "ascending"
			if f["order"] == "desc" {
				c.Sort = "descending"
			} else {
				order = "desc"
			}
		}
		next := maps.Clone(f)
		next["sort"], next["order"] = c.Key, order
		if c.Key == "created" {
			next["sort"] = ""
		}
		c.Link = "/users" + listQuery(next)
		out[c.Key] = c
	}
	return out
}

// rowActions are the links of a row: the user's own actions that have a
// confirmation page.
func rowActions(v *viewer, user *gatehouse.User) []string {
	var out []string
	for _, a := range userActions(v, user) {
		if a != "resend-verification" {
			out = append(out, a)
		}
	}
	return out
}

// userForm is the data of the invite and edit forms. Everything the viewer
// may not grant is shown, but not offered: no escalation is visible.
type userForm struct {
	User          *gatehouse.User
	Catalog       *gatehouse.Catalog
	Grants        authz.Grants
	Groups        []*gatehouse.Group
	Facilities    []*gatehouse.Facility // nil when too many to list
	FacilityNames map[string]string
	Editable      bool // the viewer may change this user (false for a full-access user edited by a limited admin)
	Actions       []string
	Factors       []string // the kinds of second factor the user has ("totp", "webauthn"), on the edit page
	Licence       string   // the licence chosen: the user's, or a new user's default ("" without licences)
}

func (u *UI) formData(r *http.Request, user *gatehouse.User) (*userForm, error) {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	grants, catalog, err := u.svc.Grants(ctx, v.actor)
	if err != nil {
		return nil, err
	}
	f := &userForm{User: user, Catalog: catalog, Grants: grants, FacilityNames: map[string]string{}, Licence: user.Licence}
	if catalog.HasLicences() && catalog.Licence(f.Licence) == nil {
		f.Licence = catalog.NewUserLicence()
	}
	if v.can[gatehouse.OpViewGroups] {
		if f.Groups, err = u.svc.ListGroups(ctx, v.actor, gatehouse.GroupFilter{Limit: 1000}); err != nil {
			return nil, err
		}
	}
	if v.can[gatehouse.OpViewFacilities] {
		if f.Facilities, err = u.svc.ListFacilities(ctx, v.actor, gatehouse.FacilityFilter{Limit: maxPickable + 1}); err != nil {
			return nil, err
		}
		for _, fac := range f.Facilities {
			f.FacilityNames[fac.ID] = fac.Name
		}
		if len(f.Facilities) > maxPickable {
			f.Facilities = nil
		}
	}
	f.Editable = !user.FullAccess || grants.FullAccess
	return f, nil
}

func (u *UI) newUserPage(w http.ResponseWriter, r *http.Request) {
	f, err := u.formData(r, &gatehouse.User{})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	f.Editable = true
	p := newPage(r, "Invite user", "users")
	p.Data = f
	u.show(w, r, http.StatusOK, "user-form", p)
}

func (u *UI) inviteUser(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	if err := r.ParseForm(); err != nil {
		u.fail(w, r, gatehouse.Invalid("form", "the form could not be read"))
		return
	}
	in := service.UserInput{
		FirstName: r.PostFormValue("first_name"), LastName: r.PostFormValue("last_name"),
		Email: strings.TrimSpace(r.PostFormValue("email")), Phone: r.PostFormValue("phone"),
		FullAccess: r.PostFormValue("full_access") == "on", Licence: r.PostFormValue("licence"),
		GroupIDs: r.PostForm["group_ids"], Permissions: r.PostForm["permissions"], FacilityIDs: facilityIDs(r),
	}
	invited, err := u.svc.InviteUser(r.Context(), v.actor, in)
	if err != nil {
		draft := &gatehouse.User{FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone,
			FullAccess: in.FullAccess, Licence: in.Licence, GroupIDs: in.GroupIDs, Permissions: in.Permissions, FacilityIDs: in.FacilityIDs}
		u.redisplayUserForm(w, r, "Invite user", draft, err)
		return
	}
	redirectDone(w, r, "/users/"+invited.User.ID, doneInvited)
}

// redisplayUserForm shows the form again with what was sent: with the
// error that refused it, or (err nil) back from a review.
func (u *UI) redisplayUserForm(w http.ResponseWriter, r *http.Request, title string, draft *gatehouse.User, err error) {
	p := newPage(r, title, "users")
	status := http.StatusOK
	if err != nil {
		if !formError(p, err) {
			u.fail(w, r, err)
			return
		}
		status = errorStatus(err)
	}
	f, ferr := u.formData(r, draft)
	if ferr != nil {
		u.fail(w, r, ferr)
		return
	}
	if draft.ID == "" {
		f.Editable = true
	} else {
		f.Actions = userActions(viewerFrom(r.Context()), draft)
	}
	p.Data = f
	u.show(w, r, status, "user-form", p)
}

func (u *UI) editUserPage(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	user, err := u.svc.GetUser(r.Context(), v.actor, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	f, err := u.formData(r, user)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	f.Actions = userActions(v, user)
	factors, _, err := u.svc.UserFactors(r.Context(), v.actor, user.ID)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	for _, factor := range factors {
		if !slices.Contains(f.Factors, factor.Kind) {
			f.Factors = append(f.Factors, factor.Kind)
		}
	}
	if len(f.Factors) == 0 {
		f.Actions = slices.DeleteFunc(f.Actions, func(a string) bool { return a == "reset-mfa" })
	}
	p := newPage(r, user.FirstName+" "+user.LastName, "users")
	p.Data = f
	u.show(w, r, http.StatusOK, "user-form", p)
}

// saveUser saves the user form. A change of one's own access is reviewed
// first: the viewer sees what they will lose and confirms.
func (u *UI) saveUser(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		u.fail(w, r, gatehouse.Invalid("form", "the form could not be read"))
		return
	}
	id := r.PathValue("id")
	str := func(k string) *string { s := r.PostFormValue(k); return &s }
	patch := service.UserPatch{FirstName: str("first_name"), LastName: str("last_name"), Email: str("email"), Phone: str("phone")}
	// Access controls are in the form only when the viewer may use them.
	if r.PostFormValue("access_shown") == "yes" {
		groups, perms, facilities := r.PostForm["group_ids"], r.PostForm["permissions"], facilityIDs(r)
		patch.GroupIDs, patch.Permissions, patch.FacilityIDs = &groups, &perms, &facilities
		if r.PostFormValue("full_access_shown") == "yes" {
			full := r.PostFormValue("full_access") == "on"
			patch.FullAccess = &full
		}
		if r.PostFormValue("licence") != "" {
			patch.Licence = str("licence")
		}
	}
	redisplay := func(err error) {
		current, gerr := u.svc.GetUser(ctx, v.actor, id)
		if gerr != nil {
			u.fail(w, r, gerr)
			return
		}
		title := current.FirstName + " " + current.LastName
		current.Apply(patch) // shows what was sent when a save is refused
		u.redisplayUserForm(w, r, title, current, err)
	}
	if r.PostFormValue("step") == stepEdit {
		redisplay(nil)
		return
	}
	var err error
	if id == v.user.ID && patch.GroupIDs != nil {
		rv := &review{Action: "/users/" + id, Fields: userFields(r, patch), SaveLabel: "Save changes", Back: true, Cancel: "/users/" + id,
			Intro: "You are changing your own access. Once saved, you lose what is listed below at once, and pages that need it no longer open for you. Nothing is saved until you confirm."}
		var reviewed bool
		reviewed, err = u.reviewFirst(w, r, ctx, func(ctx context.Context) error {
			_, _, err := u.svc.UpdateUser(ctx, v.actor, id, patch)
			return err
		}, rv, "Change your own access?")
		if reviewed {
			return
		}
	}
	if err == nil {
		_, _, err = u.svc.UpdateUser(ctx, v.actor, id, patch)
	}
	if err != nil {
		redisplay(err)
		return
	}
	u.landAfterSave(w, r, "/users/"+id, doneSaved, func() error { _, err := u.svc.GetUser(ctx, v.actor, id); return err })
}

// userFields are the user form's values as a review carries them.
func userFields(r *http.Request, p service.UserPatch) []formField {
	fields := []formField{{"first_name", *p.FirstName}, {"last_name", *p.LastName}, {"email", *p.Email}, {"phone", *p.Phone}}
	if p.GroupIDs == nil {
		return fields
	}
	fields = append(fields, formField{"access_shown", "yes"})
	if p.FullAccess != nil {
		fields = append(fields, formField{"full_access_shown", "yes"})
		if *p.FullAccess {
			fields = append(fields, formField{"full_access", "on"})
		}
	}
	if p.Licence != nil {
		fields = append(fields, formField{"licence", *p.Licence})
	}
	for _, list := range []struct {
		name string
		ids  []string
	}{{"group_ids", *p.GroupIDs}, {"permissions", *p.Permissions}, {"facility_ids", *p.FacilityIDs}} {
		for _, id := range list.ids {
			fields = append(fields, formField{list.name, id})
		}
	}
	return fields
}

// facilityIDs reads the facility checkboxes and the "add by id" field.
func facilityIDs(r *http.Request) []string {
	ids := append([]string{}, r.PostForm["facility_ids"]...)
	extra := strings.FieldsFunc(r.PostFormValue("facility_ids_extra"), func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' })
	return append(ids, extra...)
}

// The user actions of the seed, each behind a confirmation page.
var userActionLabels = map[string]string{
	"deactivate":          "Deactivate",
	"activate":            "Activate",
	"regenerate-invite":   "Regenerate invite",
	"resend-verification": "Resend verification email",
	"reset-mfa":           "Reset two-step verification",
	"delete":              "Delete",
}

var userActionText = map[string]string{
	"deactivate":          "They can no longer sign in, and their sessions and API keys stop working at once.",
	"activate":            "They can sign in again with their password.",
	"regenerate-invite":   "A new invitation email goes out; the previous link stops working.",
	"resend-verification": "A new verification link goes to their email address.",
	"reset-mfa":           "Their authenticator apps, passkeys and recovery codes are removed: they sign in with their password alone, or set up a new factor at their next sign-in where the organization requires one. Do this only once you are sure who asks.",
	"delete":              "The user, their sessions, API keys, group memberships and facility assignments are removed. This cannot be undone.",
}

// userActions lists what the viewer may do to the user now.
func userActions(v *viewer, user *gatehouse.User) []string {
	if user.FullAccess && !v.user.FullAccess {
		return nil
	}
	var out []string
	switch user.Status {
	case gatehouse.StatusActive:
		if v.can[gatehouse.OpDeactivateUsers] && user.ID != v.user.ID {
			out = append(out, "deactivate")
		}
		if v.can[gatehouse.OpEditUsers] && (!user.EmailVerified || user.PendingEmail != "") {
			out = append(out, "resend-verification")
		}
	case gatehouse.StatusInactive:
		if v.can[gatehouse.OpDeactivateUsers] {
			out = append(out, "activate")
		}
	case gatehouse.StatusInvited:
		if v.can[gatehouse.OpInviteUsers] {
			out = append(out, "regenerate-invite")
		}
		if v.can[gatehouse.OpDeactivateUsers] {
			out = append(out, "deactivate")
		}
	}
	if v.can[gatehouse.OpEditUsers] && user.Status == gatehouse.StatusActive && user.ID != v.user.ID {
		out = append(out, "reset-mfa")
	}
	if v.can[gatehouse.OpDeleteUsers] && user.ID != v.user.ID {
		out = append(out, "delete")
	}
	return out
}

type confirmation struct {
	User   *gatehouse.User
	Action string
	Label  string
	Text   string
}

func (u *UI) confirmUserAction(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	action := r.PathValue("action")
	if _, ok := userActionLabels[action]; !ok {
		u.fail(w, r, gatehouse.Errorf(gatehouse.ENOTFOUND, "no such page"))
		return
	}
	user, err := u.svc.GetUser(r.Context(), v.actor, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	p := newPage(r, userActionLabels[action]+" "+user.FirstName+" "+user.LastName+"?", "users")
	p.Data = confirmation{User: user, Action: action, Label: userActionLabels[action], Text: userActionText[action]}
	u.show(w, r, http.StatusOK, "user-confirm", p)
}

func (u *UI) userAction(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	id, action := r.PathValue("id"), r.PathValue("action")
	var err error
	var code done
	switch action {
	case "deactivate":
		_, _, err = u.svc.DeactivateUser(ctx, v.actor, id)
		code = doneDeactivated
	case "activate":
		_, _, err = u.svc.ActivateUser(ctx, v.actor, id)
		code = doneActivated
	case "regenerate-invite":
		_, err = u.svc.RegenerateInvite(ctx, v.actor, id)
		code = doneInvitationResent
	case "resend-verification":
		_, _, err = u.svc.ResendVerification(ctx, v.actor, id)
		code = doneVerificationResent
	case "reset-mfa":
		_, err = u.svc.ResetFactors(ctx, v.actor, id)
		code = doneFactorsReset
	case "delete":
		if _, err = u.svc.DeleteUser(ctx, v.actor, id); err == nil {
			redirectDone(w, r, "/users", doneUserDeleted)
			return
		}
	default:
		err = gatehouse.Errorf(gatehouse.ENOTFOUND, "no such action")
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	redirectDone(w, r, "/users/"+id, code)
}

// accessPage is a user's effective access and the Explain box.
type accessPage struct {
	User          *gatehouse.User
	Permissions   []authz.EffectivePermission
	Catalog       *gatehouse.Catalog
	GroupNames    map[string]string
	FacilityNames map[string]string
	Facilities    []*gatehouse.Facility
	Ask           map[string]string // permission, facility_id, own
	Answer        *authz.Explanation
	Licence       *licencePanel // nil without licences
}

func (u *UI) userAccess(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	user, err := u.svc.GetUser(ctx, v.actor, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	perms, err := u.svc.EffectivePermissions(ctx, v.actor, user.ID)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	catalog, err := u.svc.Catalog(ctx, v.actor)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	data := accessPage{User: user, Permissions: perms, Catalog: catalog, GroupNames: map[string]string{}, FacilityNames: map[string]string{}, Ask: map[string]string{}}
	if v.can[gatehouse.OpViewGroups] {
		groups, err := u.svc.ListGroups(ctx, v.actor, gatehouse.GroupFilter{Limit: 1000})
		if err != nil {
			u.fail(w, r, err)
			return
		}
		for _, g := range groups {
			data.GroupNames[g.ID] = g.Name
		}
		data.Licence = newLicencePanel(catalog, user, groups)
	} else {
		data.Licence = newLicencePanel(catalog, user, nil)
	}
	if v.can[gatehouse.OpViewFacilities] {
		if data.Facilities, err = u.svc.ListFacilities(ctx, v.actor, gatehouse.FacilityFilter{Limit: maxPickable}); err != nil {
			u.fail(w, r, err)
			return
		}
		for _, f := range data.Facilities {
			data.FacilityNames[f.ID] = f.Name
		}
	}
	if err := u.nameMemberships(ctx, v, user.ID, data.GroupNames, data.FacilityNames); err != nil {
		u.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	if perm := q.Get("permission"); perm != "" {
		data.Ask = map[string]string{"permission": perm, "facility_id": q.Get("facility_id"), "own": q.Get("own")}
		res := authz.Resource{FacilityID: q.Get("facility_id")}
		if q.Get("own") == "created" {
			res.CreatedBy = user.ID
		} else if q.Get("own") == "other" {
			res.CreatedBy = "someone-else"
		}
		x, _, err := u.svc.Explain(ctx, v.actor, user.ID, perm, res, 0)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		data.Answer = &x
	}
	p := newPage(r, "Access of "+user.FirstName+" "+user.LastName, "users")
	p.Data = data
	u.show(w, r, http.StatusOK, "user-access", p)
}
