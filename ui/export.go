package ui

import (
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// listFilter reads the users list's filters and order from its query, as
// the Users tab reads them, for the export of what the list shows.
func listFilter(q url.Values) gatehouse.UserFilter {
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	f := gatehouse.UserFilter{Status: gatehouse.UserStatus(get("status")), GroupID: get("group_id"), FacilityID: get("facility_id"),
		Licence: get("licence"), Query: get("q"), Sort: get("sort"), Desc: get("order") == "desc"}
	if f.Sort == "created" {
		f.Sort = gatehouse.SortID
	}
	// "expired" is its own state in the list: invited, the invitation expired.
	if f.Status == "expired" {
		f.Status, f.Invitation = gatehouse.StatusInvited, gatehouse.InvitationExpired
	}
	return f
}

// exportUsers sends the users of the list's filters as a CSV file.
func (u *UI) exportUsers(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	f := listFilter(r.URL.Query())
	var buf strings.Builder
	if err := u.svc.ExportUsers(r.Context(), v.actor, f, &buf); err != nil {
		u.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="users.csv"`)
	io.WriteString(w, buf.String())
}
