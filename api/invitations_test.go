package api_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testsupport"
)

// invitationsOrg: three users invited eight days ago (past the 7-day TTL:
// expired), two invited now (pending), and one active user.
func invitationsOrg(t *testing.T) (o *org, expired, pending []string) {
	clk := &testsupport.ShiftedClock{}
	o = newOnClock(t, clk)
	clk.Set(-8 * 24 * time.Hour) // invited in the past, on the server's clock
	for _, name := range []string{"ann", "bob", "cat"} {
		expired = append(expired, str(o.invite(name, nil), "id"))
	}
	clk.Set(0)
	for _, name := range []string{"dan", "eve"} {
		pending = append(pending, str(o.invite(name, nil), "id"))
	}
	o.user("fay", nil)
	return o, expired, pending
}

func newOnClock(t *testing.T, clk *testsupport.ShiftedClock) *org {
	return newEnvOnClock(t, clk.Now).newOrg("Acme", "facilities")
}

func field(list []obj, key string) []string {
	out := make([]string, len(list))
	for i, m := range list {
		out[i] = str(m, key)
	}
	return out
}

// GET /api/v1/invitations lists open invitations with their state and
// expiry, filtered by state; the users list filters by invitation state.
func TestListInvitations_States(t *testing.T) {
	o, expired, pending := invitationsOrg(t)
	all := items(t, o.admin.get("/api/v1/invitations"))
	if got, want := field(all, "user_id"), append(slices.Clone(expired), pending...); !slices.Equal(got, want) {
		t.Fatalf("invitations %v, want %v (no active user, oldest first)", got, want)
	}
	if got := field(all, "state"); !slices.Equal(got, []string{"expired", "expired", "expired", "pending", "pending"}) {
		t.Fatalf("states %v", got)
	}
	ann := all[0]
	if str(ann, "email") != "ann@acme.test" || str(ann, "first_name") != "Ann" || str(ann, "last_name") != "Test" {
		t.Fatalf("item %v", ann)
	}
	sent, _ := time.Parse(time.RFC3339, str(ann, "sent_at"))
	expires, _ := time.Parse(time.RFC3339, str(ann, "expires_at"))
	if d := expires.Sub(sent) - 7*24*time.Hour; d < 0 || d > time.Second || time.Since(expires) < 23*time.Hour {
		t.Fatalf("sent %v, expires %v", sent, expires)
	}
	if got := field(items(t, o.admin.get("/api/v1/invitations?state=expired")), "user_id"); !slices.Equal(got, expired) {
		t.Fatalf("state=expired: %v", got)
	}
	if got := field(items(t, o.admin.get("/api/v1/invitations?state=pending")), "user_id"); !slices.Equal(got, pending) {
		t.Fatalf("state=pending: %v", got)
	}
	// The users list: expired is its own state of an invited user's invitation.
	users := items(t, o.admin.get("/api/v1/users?status=invited&invitation=expired"))
	if got := ids(users); !slices.Equal(got, expired) {
		t.Fatalf("users?invitation=expired: %v", got)
	}
	if inv, _ := users[0]["invitation"].(obj); str(inv, "state") != "expired" {
		t.Fatalf("user's invitation %v", users[0]["invitation"])
	}
	if got := ids(items(t, o.admin.get("/api/v1/users?invitation=pending"))); !slices.Equal(got, pending) {
		t.Fatalf("users?invitation=pending: %v", got)
	}
	status, _, body := o.admin.do("GET", "/api/v1/invitations?state=accepted", nil)
	wantError(t, status, body, http.StatusBadRequest, "invalid")
	status, _, body = o.admin.do("GET", "/api/v1/users?invitation=stale", nil)
	wantError(t, status, body, http.StatusBadRequest, "invalid")
}

// The invitations list pages like every list, and refuses a cursor it did
// not give out.
func TestListInvitations_Paging(t *testing.T) {
	o, expired, pending := invitationsOrg(t)
	var seen []string
	cursor, pages := "", 0
	for {
		path := "/api/v1/invitations?limit=2"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		body := o.admin.get(path)
		seen = append(seen, field(items(t, body), "user_id")...)
		pages++
		if cursor = str(body, "next_cursor"); cursor == "" {
			break
		}
	}
	if want := append(slices.Clone(expired), pending...); pages != 3 || !slices.Equal(seen, want) {
		t.Fatalf("%d pages: %v, want %v", pages, seen, want)
	}
	for _, bad := range []string{"not*base64", base64.RawURLEncoding.EncodeToString([]byte("grp_01")), "eA"} {
		status, _, body := o.admin.do("GET", "/api/v1/invitations?cursor="+url.QueryEscape(bad), nil)
		wantField(t, status, body, "cursor")
	}
}

// POST /api/v1/invitations/resend sends new invitations: the expired ones
// become pending, each user is mailed a new link and gets an audit event.
func TestResendInvitations_ExpiredBecomePending(t *testing.T) {
	o, expired, _ := invitationsOrg(t)
	oldToken := o.e.inviteToken("ann@acme.test")
	body, rev := o.admin.ok(http.StatusOK, "POST", "/api/v1/invitations/resend", obj{"user_ids": []string{expired[1], expired[0]}})
	got := items(t, obj{"items": body["items"], "next_cursor": ""})
	if !slices.Equal(field(got, "user_id"), []string{expired[1], expired[0]}) || !slices.Equal(field(got, "state"), []string{"pending", "pending"}) {
		t.Fatalf("resend answered %v", body)
	}
	if rev == 0 {
		t.Fatal("no revision")
	}
	if left := field(items(t, o.admin.get("/api/v1/invitations?state=expired")), "user_id"); !slices.Equal(left, expired[2:]) {
		t.Fatalf("still expired: %v", left)
	}
	if token := o.e.inviteToken("ann@acme.test"); token == oldToken {
		t.Fatal("no new invitation mailed")
	}
	events := items(t, o.admin.get("/api/v1/audit-events?action=user.invitation_regenerated"))
	if len(events) != 2 {
		t.Fatalf("%d audit events, want one per user", len(events))
	}
	// An active user has nothing to resend: conflict, and nothing sent.
	status, _, out := o.admin.do("POST", "/api/v1/invitations/resend", obj{"user_ids": []string{expired[2], o.adminID}})
	wantError(t, status, out, http.StatusConflict, "conflict")
	if left := field(items(t, o.admin.get("/api/v1/invitations?state=expired")), "user_id"); !slices.Equal(left, expired[2:]) {
		t.Fatalf("a refused resend changed %v", left)
	}
	status, _, out = o.admin.do("POST", "/api/v1/invitations/resend", obj{"user_ids": []string{}})
	wantError(t, status, out, http.StatusBadRequest, "invalid")
}

// A limited admin resends only within their reach: one user out of reach
// refuses the whole request, and nothing changes.
func TestResendInvitations_LimitedAdminAllOrNothing(t *testing.T) {
	x := newLimitedAdmin(t)
	mine := str(x.o.invite("mine", obj{"permissions": []string{"users.view"}, "facility_ids": []string{x.f1}}), "id")
	boss := str(x.o.invite("boss", obj{"full_access": true, "facility_ids": []string{x.f1}}), "id")
	far := str(x.o.invite("far", obj{"facility_ids": []string{x.f2}}), "id")
	mailed := func(local string) int { return len(x.o.e.mails(local + "@" + x.o.domain)) }
	before := map[string]int{"mine": mailed("mine"), "boss": mailed("boss"), "far": mailed("far")}
	events := len(items(t, x.o.admin.get("/api/v1/audit-events?action=user.invitation_regenerated")))

	status, _, body := x.l.do("POST", "/api/v1/invitations/resend", obj{"user_ids": []string{mine, boss}})
	wantReason(t, status, body, "target_full_access")
	status, _, body = x.l.do("POST", "/api/v1/invitations/resend", obj{"user_ids": []string{mine, far}})
	wantError(t, status, body, http.StatusNotFound, "not_found")
	for local, was := range before {
		if got := mailed(local); got != was {
			t.Fatalf("%s was mailed %d invitations, had %d: a refused resend sent one", local, got, was)
		}
	}
	if got := len(items(t, x.o.admin.get("/api/v1/audit-events?action=user.invitation_regenerated"))); got != events {
		t.Fatalf("refused resends left %d audit events", got-events)
	}
	// Only users in L's reach: sent. L's list shows only those users.
	x.l.ok(http.StatusOK, "POST", "/api/v1/invitations/resend", obj{"user_ids": []string{mine}})
	if got := mailed("mine"); got != before["mine"]+1 {
		t.Fatal("no new invitation")
	}
	if got := field(items(t, x.l.get("/api/v1/invitations")), "user_id"); slices.Contains(got, far) {
		t.Fatalf("L sees the invitation of a user out of reach: %v", got)
	}
}
