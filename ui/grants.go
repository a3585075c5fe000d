package ui

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/service"
)

// Site roles and time-bound grants in the web UI: the "Roles at
// facilities" part of the user page, and on the access page every grant
// with its dates (to extend or end) and what the user can do at each
// facility, and why.

// dateLayout is the value of an <input type="date">; a date stands for
// its first second, UTC.
const dateLayout = "2006-01-02"

// expiresSoon is how far ahead the access page flags an expiry.
const expiresSoon = 7 * 24 * time.Hour

// A grantRow is one grant of the user as the access page lists it.
type grantRow struct {
	ID, Kind, What, Where string
	StartsAt, ExpiresAt   time.Time
	State                 string // "in force", "starts …", "ended"
	Soon                  bool   // in force, and ends within expiresSoon
	Ends                  string // the expiry's date, for the extend form
}

// A facilityAccess is what the user can do at one facility, and why.
type facilityAccess struct {
	ID, Name    string
	Permissions []facilityPermission
}

type facilityPermission struct {
	Codename  string
	OwnOnly   bool
	GrantedBy []authz.Source
}

// grantsView is the access page's part about grants.
type grantsView struct {
	Grants     []grantRow
	ByFacility []facilityAccess
	CanEdit    bool // the viewer may extend and end the grants
	Today      string
}

// newGrantsView builds the grants part of the access page at now.
func newGrantsView(user *gatehouse.User, perms []authz.EffectivePermission, groupNames, facilityNames map[string]string, now time.Time, canEdit bool) grantsView {
	name := func(names map[string]string, id string) string { return cmpOr(names[id], id) }
	gv := grantsView{CanEdit: canEdit, Today: now.UTC().Format(dateLayout)}
	for _, g := range user.Grants() {
		row := grantRow{ID: g.ID, StartsAt: g.StartsAt, ExpiresAt: g.ExpiresAt, State: "in force"}
		switch {
		case g.Type == gatehouse.GrantGroup && g.FacilityID != "":
			row.Kind, row.What, row.Where = "Role at a facility", name(groupNames, g.GroupID), name(facilityNames, g.FacilityID)
		case g.Type == gatehouse.GrantGroup:
			row.Kind, row.What, row.Where = "Group", name(groupNames, g.GroupID), "assigned facilities"
		case g.Type == gatehouse.GrantPermission:
			row.Kind, row.What, row.Where = "Direct permission", g.Permission, "assigned facilities"
		default:
			row.Kind, row.What, row.Where = "Facility", name(facilityNames, g.FacilityID), ""
		}
		switch {
		case !g.ExpiresAt.IsZero() && !now.Before(g.ExpiresAt):
			row.State = "ended"
		case !g.StartsAt.IsZero() && now.Before(g.StartsAt):
			row.State = "starts " + g.StartsAt.UTC().Format("2 Jan 2006 15:04 UTC")
		case !g.ExpiresAt.IsZero():
			row.Soon = g.ExpiresAt.Sub(now) <= expiresSoon
		}
		if !g.ExpiresAt.IsZero() {
			row.Ends = g.ExpiresAt.UTC().Format(dateLayout)
		}
		gv.Grants = append(gv.Grants, row)
	}
	at := map[string]*facilityAccess{}
	for _, p := range perms {
		for _, f := range p.Facilities {
			fa := at[f.FacilityID]
			if fa == nil {
				fa = &facilityAccess{ID: f.FacilityID, Name: name(facilityNames, f.FacilityID)}
				at[f.FacilityID] = fa
			}
			fa.Permissions = append(fa.Permissions, facilityPermission{Codename: p.Codename, OwnOnly: f.OwnOnly, GrantedBy: f.GrantedBy})
		}
	}
	for _, fa := range at {
		gv.ByFacility = append(gv.ByFacility, *fa)
	}
	slices.SortFunc(gv.ByFacility, func(a, b facilityAccess) int { return strings.Compare(a.Name, b.Name) })
	return gv
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// parseDate reads an <input type="date"> value; "" is no date.
func parseDate(field, value string) (time.Time, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(dateLayout, value)
	if err != nil {
		return time.Time{}, gatehouse.Invalid(field, "%s is not a date (YYYY-MM-DD)", value)
	}
	return t, nil
}

// addSiteRoles gives the user the group at each facility picked, from and
// until the dates given, in one write (the "Roles at facilities" form).
func (u *UI) addSiteRoles(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		u.fail(w, r, gatehouse.Invalid("form", "the form could not be read"))
		return
	}
	id := r.PathValue("id")
	start, err := parseDate("starts_on", r.PostFormValue("starts_on"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	end, err := parseDate("ends_on", r.PostFormValue("ends_on"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	group, facilities := r.PostFormValue("site_group_id"), r.PostForm["site_facility_ids"]
	if group == "" || len(facilities) == 0 {
		u.fail(w, r, gatehouse.Invalid("site_roles", "pick a group and at least one facility"))
		return
	}
	user, err := u.svc.GetUser(ctx, v.actor, id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	roles := slices.Clone(user.SiteRoles)
	for _, f := range facilities {
		roles = append(roles, gatehouse.SiteRole{GroupID: group, FacilityID: f, StartsAt: start, ExpiresAt: end})
	}
	if _, _, err := u.svc.UpdateUser(ctx, v.actor, id, service.UserPatch{SiteRoles: &roles}); err != nil {
		u.fail(w, r, err)
		return
	}
	redirectDone(w, r, "/users/"+id+"/access", doneSaved)
}

// changeGrant extends (a new end date) or ends (removes) one grant, from
// the access page.
func (u *UI) changeGrant(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		u.fail(w, r, gatehouse.Invalid("form", "the form could not be read"))
		return
	}
	id, grantID := r.PathValue("id"), r.PostFormValue("grant_id")
	switch r.PostFormValue("op") {
	case "end":
		if _, _, err := u.svc.RemoveGrant(ctx, v.actor, id, grantID); err != nil {
			u.fail(w, r, err)
			return
		}
	case "extend":
		end, err := parseDate("ends_on", r.PostFormValue("ends_on"))
		if err != nil {
			u.fail(w, r, err)
			return
		}
		user, err := u.svc.GetUser(ctx, v.actor, id)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		g, ok := user.Grant(grantID)
		if !ok {
			u.fail(w, r, gatehouse.Errorf(gatehouse.ENOTFOUND, "the user holds no grant %q", grantID))
			return
		}
		g.ExpiresAt = end // no date: no end
		if _, _, _, err := u.svc.AddGrant(ctx, v.actor, id, g); err != nil {
			u.fail(w, r, err)
			return
		}
	default:
		u.fail(w, r, gatehouse.Invalid("op", "extend or end"))
		return
	}
	redirectDone(w, r, "/users/"+id+"/access", doneSaved)
}

// GroupName names a group of the form's list, or gives its id.
func (f *userForm) GroupName(id string) string {
	for _, g := range f.Groups {
		if g.ID == id {
			return g.Name
		}
	}
	return id
}

// FacilityName names a facility of the form's list, or gives its id.
func (f *userForm) FacilityName(id string) string {
	for _, fac := range f.Facilities {
		if fac.ID == id {
			return fac.Name
		}
	}
	return cmpOr(f.FacilityNames[id], id)
}
