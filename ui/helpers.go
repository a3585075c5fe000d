package ui

import (
	"encoding/base64"
	"net/http"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// Helpers shared by the groups, facilities, audit and account pages.

// afterCursor reads a page's "cursor" query parameter: the id of the last
// row of the previous page, encoded as the Users tab encodes it.
func afterCursor(r *http.Request) string {
	after, _ := base64.RawURLEncoding.DecodeString(r.URL.Query().Get("cursor"))
	return string(after)
}

// nextCursor encodes the id of a page's last row.
func nextCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

// require fails the request unless the viewer may perform the admin
// operation; the service checks again on every call.
func (u *UI) require(w http.ResponseWriter, r *http.Request, op, what string) bool {
	if viewerFrom(r.Context()).can[op] {
		return true
	}
	u.fail(w, r, gatehouse.Forbidden(authz.ReasonPermissionMissing.String(), "You may not %s.", what))
	return false
}

// formValues reads a posted form; a form that cannot be read fails.
func (u *UI) formValues(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		u.fail(w, r, gatehouse.Invalid("form", "the form could not be read"))
		return false
	}
	return true
}

// firstUsers returns the first page of the users the viewer may see that
// match the filter (a group's members, a facility's assignees), and whether
// there are more: the page then links to the Users tab, filtered.
func (u *UI) firstUsers(r *http.Request, f gatehouse.UserFilter) ([]*gatehouse.User, bool, error) {
	f.Limit = pageSize + 1
	users, err := u.svc.ListUsers(r.Context(), viewerFrom(r.Context()).actor, f)
	if err != nil {
		return nil, false, err
	}
	if len(users) > pageSize {
		return users[:pageSize], true, nil
	}
	return users, false, nil
}
