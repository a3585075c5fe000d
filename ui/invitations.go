package ui

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gatehouse/gatehouse"
)

// invitationList is the data of the Invitations page: the open invitations
// of invited users, pending and expired.
type invitationList struct {
	Rows   []invitationRow
	State  string // "", pending or expired
	Next   string // cursor of the next page
	Cursor string // cursor of this page, "" on the first
}

type invitationRow struct {
	User      *gatehouse.User
	State     string // pending or expired
	SentAt    time.Time
	ExpiresAt time.Time
	Relative  string // the expiry from now, in words: "in 3 days", "2 hours ago"
}

func (u *UI) listInvitations(w http.ResponseWriter, r *http.Request) {
	v, q := viewerFrom(r.Context()), r.URL.Query()
	data := invitationList{State: q.Get("state"), Cursor: q.Get("cursor")}
	filter := gatehouse.InvitationOpen
	switch data.State {
	case gatehouse.InvitationPending, gatehouse.InvitationExpired:
		filter = data.State
	default:
		data.State = ""
	}
	after, _ := base64.RawURLEncoding.DecodeString(data.Cursor)
	users, err := u.svc.ListUsers(r.Context(), v.actor, gatehouse.UserFilter{Status: gatehouse.StatusInvited, Invitation: filter,
		After: string(after), Limit: pageSize + 1})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if len(users) > pageSize {
		users = users[:pageSize]
		data.Next = base64.RawURLEncoding.EncodeToString([]byte(users[len(users)-1].ID))
	}
	now := time.Now()
	for _, user := range users {
		inv := user.Invitation
		if inv == nil {
			continue
		}
		data.Rows = append(data.Rows, invitationRow{User: user, State: inv.State(now), SentAt: inv.CreatedAt,
			ExpiresAt: inv.ExpiresAt, Relative: relative(inv.ExpiresAt, now)})
	}
	p := newPage(r, "Invitations", "invitations")
	p.Data = data
	u.show(w, r, http.StatusOK, "invitations", p)
}

// resendInvitations sends new invitations to the users ticked, or to the
// one whose row's Resend was pressed: all or nothing, as the API does.
func (u *UI) resendInvitations(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	if err := r.ParseForm(); err != nil {
		u.fail(w, r, gatehouse.Invalid("form", "the form could not be read"))
		return
	}
	ids := r.PostForm["user_id"]
	if one := r.PostFormValue("one"); one != "" {
		ids = []string{one}
	}
	if len(ids) == 0 {
		u.fail(w, r, gatehouse.Invalid("user_id", "Tick at least one invitation to resend."))
		return
	}
	if _, _, err := u.svc.ResendInvitations(r.Context(), v.actor, ids); err != nil {
		u.fail(w, r, err)
		return
	}
	back := "/invitations"
	if s := r.PostFormValue("state"); s == gatehouse.InvitationPending || s == gatehouse.InvitationExpired {
		back += "?state=" + url.QueryEscape(s)
	}
	code := doneInvitationsResent
	if len(ids) == 1 {
		code = doneInvitationResent
	}
	redirectDone(w, r, back, code)
}

// relative says how far t is from now in words, rounded in the largest
// unit that fits.
func relative(t, now time.Time) string {
	d := t.Sub(now)
	past := d < 0
	if past {
		d = -d
	}
	var n int
	var unit string
	switch {
	case d < time.Minute:
		if past {
			return "just now"
		}
		return "in under a minute"
	case d < time.Hour:
		n, unit = int((d+time.Minute/2)/time.Minute), "minute"
	case d < 24*time.Hour:
		n, unit = int((d+time.Hour/2)/time.Hour), "hour"
	default:
		n, unit = int((d+12*time.Hour)/(24*time.Hour)), "day"
	}
	if n != 1 {
		unit += "s"
	}
	if past {
		return fmt.Sprintf("%d %s ago", n, unit)
	}
	return fmt.Sprintf("in %d %s", n, unit)
}
