package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// setSeats sets a licence tier's seats from the Users tab's seats panel:
// a number, or nothing for unlimited. A refusal (seats below those in
// use, a viewer without full access) is shown on its own page with the
// service's words.
func (u *UI) setSeats(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	if !u.formValues(w, r) {
		return
	}
	var seats *int
	if s := strings.TrimSpace(r.PostFormValue("seats")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			u.fail(w, r, gatehouse.Invalid("seats", "Seats must be a whole number (0 or more), or empty for unlimited."))
			return
		}
		seats = &n
	}
	if _, _, err := u.svc.SetLicenceSeats(r.Context(), v.actor, r.PathValue("name"), seats); err != nil {
		u.fail(w, r, err)
		return
	}
	redirectDone(w, r, "/users", doneSeatsSet)
}
