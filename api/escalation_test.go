package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
)

// These tests replay, through real HTTP, the ways outside testing found a
// limited admin to give more than they hold: each was accepted before no
// escalation was judged on the effect of a write (issue 12, findings 1-4).

// limitedAdmin: L holds users.view, users.create, users.edit and
// work_orders.view at F1 only;
// T holds audit_logs.view and work_orders.delete at F1 and F2.
type limitedAdmin struct {
	o          *org
	f1, f2     string
	l          *client
	lID, tID   string
	wide       string // the group that gives T more than L
	smallID    string // a user within L's reach: users.view at F1
	smallEmail string
}

func newLimitedAdmin(t *testing.T) *limitedAdmin {
	o := newEnv(t).newOrg("Acme", "facilities")
	x := &limitedAdmin{o: o, f1: o.facility("F1"), f2: o.facility("F2")}
	x.lID = o.user("lead", obj{"permissions": []string{"users.view", "users.create", "users.edit", "work_orders.view"}, "facility_ids": []string{x.f1}})
	x.wide = o.group("Auditors", "audit_logs.view", "work_orders.delete")
	x.tID = o.user("target", obj{"group_ids": []string{x.wide}, "facility_ids": []string{x.f1, x.f2}})
	x.smallEmail = "small@" + o.domain
	x.smallID = o.user("small", obj{"permissions": []string{"users.view"}, "facility_ids": []string{x.f1}})
	x.l = o.as(x.lID)
	return x
}

// Finding 1: L changed T's email to their own address, then reset T's
// password through it. Changing the email of a user whose access exceeds
// the actor's is now refused, and so is everything else on their account.
func TestLimitedAdminCannotTakeOverAWiderAccount(t *testing.T) {
	x := newLimitedAdmin(t)
	status, _, body := x.l.do("PATCH", "/api/v1/users/"+x.tID, obj{"email": "attacker@evil.test"})
	wantReason(t, status, body, "account_not_covered")
	if got := str(x.o.admin.get("/api/v1/users/"+x.tID), "email"); got != "target@"+x.o.domain {
		t.Fatalf("email changed to %q", got)
	}
	status, _, body = x.l.do("POST", "/api/v1/users/"+x.tID+"/deactivate", nil)
	wantReason(t, status, body, "account_not_covered")
	status, _, body = x.l.do("PATCH", "/api/v1/users/"+x.tID, obj{"first_name": "Mallory"})
	wantReason(t, status, body, "account_not_covered")
	// A user whose access is within L's is L's to manage.
	x.l.ok(http.StatusOK, "PATCH", "/api/v1/users/"+x.smallID, obj{"first_name": "Smaller"})
}

// Finding 2: a licence raise by L switched on what T2's groups held above
// T2's licence, which L does not hold.
func TestLicenceRaiseThatSwitchesOnDormantGrantsIsEscalation(t *testing.T) {
	o := newEnv(t).newOrg("Comp", "compliance")
	f := o.facility("HQ")
	admins := o.group("User admins", "admin.manage_users")
	lID := o.user("lead", obj{"licence": "action", "group_ids": []string{admins}, "facility_ids": []string{f}})
	above := o.group("Doers", "create.add_assets", "communications.notify_all_users")
	t2 := o.user("t2", obj{"licence": "read_report", "group_ids": []string{above}, "facility_ids": []string{f}})
	l := o.as(lID)

	status, _, body := l.do("PATCH", "/api/v1/users/"+t2, obj{"licence": "action"})
	wantReason(t, status, body, "escalation")
	if got := str(o.admin.get("/api/v1/users/"+t2), "licence"); got != "read_report" {
		t.Fatalf("licence = %q", got)
	}
	// Direct grants no longer sit dormant above the licence at all.
	status, _, body = o.admin.do("PATCH", "/api/v1/users/"+t2, obj{"permissions": []string{"create.add_assets"}})
	wantField(t, status, body, "permissions")
	// Direct grants made dormant before that rule (straight in the store) do
	// not switch on through L either.
	legacy := o.user("legacy", obj{"licence": "read_report", "facility_ids": []string{f}})
	setDirect(t, o, legacy, "create.add_assets", "communications.notify_all_users")
	status, _, body = l.do("PATCH", "/api/v1/users/"+legacy, obj{"licence": "action"})
	wantReason(t, status, body, "escalation")
	// What gains nothing is not refused for dormant grants it leaves alone.
	l.ok(http.StatusOK, "PATCH", "/api/v1/users/"+legacy, obj{"phone": "+1 202 555 0100"})
	// The full-access admin may raise it, and sees what it switches on first.
	preview, _ := o.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+t2+"?dry_run=true", obj{"licence": "action"})
	if gained := gainedCodes(t, preview, t2); len(gained) != 2 {
		t.Fatalf("preview gains %v, want the group's two permissions", gained)
	}
}

// Finding 3: L reactivated T3, who holds what L lacks.
func TestReactivationThatRestoresRightsTheActorLacksIsEscalation(t *testing.T) {
	x := newLimitedAdmin(t)
	x.o.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+x.tID+"/deactivate", nil)
	status, _, body := x.l.do("POST", "/api/v1/users/"+x.tID+"/activate", nil)
	wantError(t, status, body, http.StatusForbidden, "forbidden")
	if got := str(x.o.admin.get("/api/v1/users/"+x.tID), "status"); got != "inactive" {
		t.Fatalf("status = %q", got)
	}
	// Within L's reach, deactivation and reactivation are L's to do.
	x.l.ok(http.StatusOK, "POST", "/api/v1/users/"+x.smallID+"/deactivate", nil)
	x.l.ok(http.StatusOK, "POST", "/api/v1/users/"+x.smallID+"/activate", nil)
}

// Finding 4: L regenerated the invitation of an invited full-access user.
func TestRegenerateInviteOfAFullAccessUserNeedsFullAccess(t *testing.T) {
	x := newLimitedAdmin(t)
	invited := str(x.o.invite("boss", obj{"full_access": true, "facility_ids": []string{x.f1}}), "id")
	status, _, body := x.l.do("POST", "/api/v1/users/"+invited+"/regenerate-invite", nil)
	wantReason(t, status, body, "target_full_access")
	// Nor an invited user who will hold more than L once they accept.
	wider := str(x.o.invite("wider", obj{"group_ids": []string{x.wide}, "facility_ids": []string{x.f1}}), "id")
	status, _, body = x.l.do("POST", "/api/v1/users/"+wider+"/regenerate-invite", nil)
	wantReason(t, status, body, "account_not_covered")
	// An invited user within L's reach gets a new invitation from L.
	mine := str(x.o.invite("mine", obj{"permissions": []string{"users.view"}, "facility_ids": []string{x.f1}}), "id")
	x.l.ok(http.StatusOK, "POST", "/api/v1/users/"+mine+"/regenerate-invite", nil)
}

// A group edit reaches every member: L may not put into a group what its
// members would then hold where L does not.
func TestGroupEditIsJudgedOnItsMembers(t *testing.T) {
	x := newLimitedAdmin(t)
	viewers := x.o.group("Viewers", "users.view")
	// member is at F2, where L holds nothing.
	x.o.user("member", obj{"group_ids": []string{viewers}, "facility_ids": []string{x.f1, x.f2}})
	status, _, body := x.l.do("PATCH", "/api/v1/groups/"+viewers, obj{"permissions": []string{"users.view", "work_orders.view"}})
	wantReason(t, status, body, "escalation")
	// Members only where L holds it: allowed.
	local := x.o.group("Local", "users.view")
	x.o.user("local", obj{"group_ids": []string{local}, "facility_ids": []string{x.f1}})
	x.l.ok(http.StatusOK, "PATCH", "/api/v1/groups/"+local, obj{"permissions": []string{"users.view", "work_orders.view"}})
}

// setDirect gives a user direct permissions straight in the store, as data
// from before direct grants were kept within the licence.
func setDirect(t *testing.T, o *org, userID string, perms ...string) {
	t.Helper()
	ctx := context.Background()
	err := o.e.db.Update(ctx, func(tx gatehouse.Tx) error {
		u, err := tx.FindUser(o.id, userID)
		if err != nil {
			return err
		}
		u.Permissions = perms
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		_, err = tx.BumpRevision(o.id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.e.svc.Engine().Refresh(ctx, o.id); err != nil {
		t.Fatal(err)
	}
}

// gainedCodes returns the permissions a preview says the user gains.
func gainedCodes(t *testing.T, preview obj, userID string) []string {
	t.Helper()
	for _, v := range preview["users"].([]any) {
		u := v.(map[string]any)
		if u["user_id"] != userID {
			continue
		}
		var out []string
		for _, g := range u["gained"].([]any) {
			out = append(out, g.(map[string]any)["permission"].(string))
		}
		return out
	}
	return nil
}

// A limited admin's dry run shows no more than their lists do: a user
// outside their facilities keeps their place but not their id, and a
// facility not assigned to them is counted, not named; the refusal names
// neither.
func TestLimitedAdminsPreviewHidesWhatTheyMayNotSee(t *testing.T) {
	x := newLimitedAdmin(t)
	viewers := x.o.group("Viewers", "users.view")
	member := x.o.user("member", obj{"group_ids": []string{viewers}, "facility_ids": []string{x.f1, x.f2}})
	south := x.o.user("south", obj{"group_ids": []string{viewers}, "facility_ids": []string{x.f2}})
	preview, _ := x.l.ok(http.StatusOK, "PATCH", "/api/v1/groups/"+viewers+"?dry_run=true", obj{"permissions": []string{"users.view", "work_orders.view"}})
	e, _ := preview["error"].(map[string]any)
	if e == nil || e["reason"] != "escalation" {
		t.Fatalf("preview error: %v", preview)
	}
	for _, leak := range []string{x.f2, south} {
		if strings.Contains(e["message"].(string), leak) {
			t.Fatalf("the refusal names %s: %v", leak, e["message"])
		}
	}
	seen := map[string]bool{}
	for _, v := range preview["users"].([]any) {
		u := v.(map[string]any)
		seen[u["user_id"].(string)] = true
		for _, g := range u["gained"].([]any) {
			g := g.(map[string]any)
			if slices.Contains(strs(g["facility_ids"]), x.f2) || g["hidden_facilities"] != float64(1) {
				t.Fatalf("grant %v: F2 must be counted, not named", g)
			}
		}
	}
	if !seen[member] || !seen[""] || len(seen) != 2 {
		t.Fatalf("users in the preview: %v, want %s and one without an id", seen, member)
	}
	// With full access, everything is shown.
	full, _ := x.o.admin.ok(http.StatusOK, "PATCH", "/api/v1/groups/"+viewers+"?dry_run=true", obj{"permissions": []string{"users.view", "work_orders.view"}})
	for _, v := range full["users"].([]any) {
		if v.(map[string]any)["user_id"] == "" {
			t.Fatalf("full access sees a hidden user: %v", full)
		}
	}
}
