package ui_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/service"
)

// selfEdit is Ada's own user form as she submits it: her details, and the
// access controls a full-access viewer is shown.
func selfEdit(fullAccess bool) url.Values {
	form := url.Values{"first_name": {"Ada"}, "last_name": {"Admin"}, "email": {"ada@acme.test"}, "phone": {""},
		"access_shown": {"yes"}, "full_access_shown": {"yes"}}
	if fullAccess {
		form.Set("full_access", "on")
	}
	return form
}

// hiddenFields reads the hidden inputs of the form that posts to action
// with the button labelled button: what the browser would send back.
func hiddenFields(t *testing.T, body, action, button string) url.Values {
	t.Helper()
	for _, f := range regexp.MustCompile(`(?s)<form method="post" action="([^"]+)"[^>]*>(.*?)</form>`).FindAllStringSubmatch(body, -1) {
		if f[1] != action || !strings.Contains(f[2], ">"+button+"</button>") {
			continue
		}
		out := url.Values{}
		for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(f[2], -1) {
			out.Add(m[1], html.UnescapeString(m[2]))
		}
		return out
	}
	t.Fatalf("no form to %s with a %q button\n%s", action, button, body)
	return nil
}

// Finding 11: a full-access admin who unticks their own Full access got
// "Saved." and then an error page. The UI now says what they will lose and
// asks first; once confirmed, they land on a page they can still see.
func TestOwnFullAccessUntickedAsksFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	e.activeUser("Bo", "Boss", "bo@acme.test", service.UserInput{FullAccess: true}) // the organization keeps a full-access user
	b := e.signIn("ada@acme.test")
	self := "/users/" + e.org.Admin.ID

	res := b.post(self, selfEdit(false))
	if res.status != http.StatusOK || res.url.Path != self {
		t.Fatalf("untick own full access: %d at %s\n%s", res.status, res.url, res.body)
	}
	lint(t, self+" (review)", res)
	has(t, "review", res, "Change your own access?", "Ada Admin", "(you)", "Loses", "every permission, everywhere (full access)", "Save changes")
	if u, _ := e.svc.GetUser(e.ctx, e.admin, e.org.Admin.ID); !u.FullAccess {
		t.Fatal("the review page saved the change")
	}

	// Back to the form keeps what was sent.
	res = b.post(self, func() url.Values { v := hiddenFields(t, res.body, self, "Back to the form"); return v }())
	if res.status != http.StatusOK {
		t.Fatalf("back to the form: %d", res.status)
	}
	has(t, "back to the form", res, `<input id="full_access" name="full_access" type="checkbox" aria-describedby="full_access-help" aria-controls="overridable">`)

	// Confirmed: saved, and she lands on her account page, which she can
	// still see, with a message — not on an error page.
	res = b.post(self, selfEdit(false))
	res = b.post(self, hiddenFields(t, res.body, self, "Save changes"))
	if res.status != http.StatusOK || res.url.Path != "/account" {
		t.Fatalf("confirmed: %d at %s\n%s", res.status, res.url, res.body)
	}
	has(t, "landed", res, "Your account", "you can no longer open")
	if u, _ := e.svc.GetUser(e.ctx, e.admin, e.org.Admin.ID); u != nil && u.FullAccess {
		t.Fatal("the confirmed change was not saved")
	}
}

// The only full-access user cannot give up full access: the review says
// why, and offers no Save.
func TestOwnFullAccessRefusedForTheLastOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	b := e.signIn("ada@acme.test")
	self := "/users/" + e.org.Admin.ID
	res := b.post(self, selfEdit(false))
	if res.status != http.StatusConflict || res.url.Path != self { // as the API answers
		t.Fatalf("untick the last full access: %d at %s\n%s", res.status, res.url, res.body)
	}
	lint(t, self+" (refused)", res)
	has(t, "refused", res, "Change your own access?", "cannot be saved", "at least one active full-access user", "Back to the form")
	hasNot(t, "refused", res, ">Save changes</button>")

	// A confirmation forged past the review is refused by the write itself.
	form := selfEdit(false)
	form.Set("step", "confirm")
	res = b.post(self, form)
	if u, _ := e.svc.GetUser(e.ctx, e.admin, e.org.Admin.ID); !u.FullAccess {
		t.Fatalf("the last full-access user lost full access: %d", res.status)
	}

	// A change of her own that changes no access goes straight through.
	form = selfEdit(true)
	form.Set("phone", "+44 20 7946 0000")
	res = b.post(self, form)
	if res.status != http.StatusOK || res.url.Path != self || res.url.Query().Get("done") != "saved" {
		t.Fatalf("own phone: %d at %s\n%s", res.status, res.url, res.body)
	}
}

// A group edit that changes members' access is reviewed: who gains what,
// where, by name, the first 50 and a count; confirming saves; an edit that
// changes nobody's access saves at once.
func TestGroupEditReviewedFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	north, south := e.facility("North Plant"), e.facility("South Store")
	tech := e.group("Technician", "work_orders.view")
	tess := e.activeUser("Tess", "Tech", "tess@acme.test", service.UserInput{GroupIDs: []string{tech.ID}, FacilityIDs: []string{north.ID, south.ID}})
	for i := range 52 {
		e.invite(fmt.Sprintf("Member%02d", i), "Many", fmt.Sprintf("member%02d@acme.test", i), service.UserInput{GroupIDs: []string{tech.ID}, FacilityIDs: []string{north.ID}})
	}
	b := e.signIn("ada@acme.test")
	path := "/groups/" + tech.ID
	edit := url.Values{"name": {"Technician"}, "description": {"Fixes things"}, "permissions": {"work_orders.view", "work_orders.edit"}}

	res := b.post(path, edit)
	if res.status != http.StatusOK || res.url.Path != path {
		t.Fatalf("edit: %d at %s\n%s", res.status, res.url, res.body)
	}
	lint(t, path+" (review)", res)
	has(t, "review", res, "Save group “Technician”?", "53 people's access changes", `href="/users/`+tess.ID+`">Tess Tech</a>`,
		`<span class="gained">Gains</span> at North Plant, South Store: <code>work_orders.edit</code>`,
		"And 3 more people, not listed here.", ">Save changes</button>", ">Back to the form</button>")
	if n := strings.Count(res.body, `<p class="impact-who">`); n != 50 {
		t.Errorf("the review lists %d users, want 50", n)
	}
	if g, _ := e.svc.GetGroup(e.ctx, e.admin, tech.ID); len(g.Permissions) != 1 || g.Description != "" {
		t.Fatalf("the review saved the group: %+v", g)
	}
	confirm := hiddenFields(t, res.body, path, "Save changes")
	if confirm.Get("description") != "Fixes things" || len(confirm["permissions"]) != 2 || confirm.Get("step") != "confirm" {
		t.Fatalf("the review carries %v", confirm)
	}

	// A confirmation whose impact changed meanwhile is reviewed again.
	e.invite("Lou", "Late", "lou@acme.test", service.UserInput{GroupIDs: []string{tech.ID}, FacilityIDs: []string{south.ID}})
	res = b.post(path, confirm)
	if res.status != http.StatusOK {
		t.Fatalf("stale confirmation: %d\n%s", res.status, res.body)
	}
	has(t, "stale confirmation", res, "has changed since you looked", "54 people's access changes")
	if g, _ := e.svc.GetGroup(e.ctx, e.admin, tech.ID); len(g.Permissions) != 1 {
		t.Fatal("a stale confirmation saved")
	}
	res = b.post(path, hiddenFields(t, res.body, path, "Save changes"))
	if res.status != http.StatusOK || res.url.Path != path || res.url.Query().Get("done") != "saved" {
		t.Fatalf("confirm: %d at %s\n%s", res.status, res.url, res.body)
	}
	if g, _ := e.svc.GetGroup(e.ctx, e.admin, tech.ID); len(g.Permissions) != 2 || g.Description != "Fixes things" {
		t.Fatalf("confirmed edit not saved: %+v", g)
	}
	// Renaming changes nobody's access: saved at once.
	res = b.post(path, url.Values{"name": {"Technicians"}, "description": {"Fixes things"}, "permissions": {"work_orders.view", "work_orders.edit"}})
	if res.status != http.StatusOK || res.url.Path != path || res.url.Query().Get("done") != "saved" {
		t.Fatalf("rename: %d at %s", res.status, res.url)
	}
}

// The review of a group edit that no escalation refuses says why, names
// no one the viewer may not see, and offers no Save; the real save is
// refused too.
func TestGroupEditRefusalReviewed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	north, south := e.facility("North Plant"), e.facility("South Store")
	admins := e.group("Admins", "users.view", "users.edit", "facilities.view", "work_orders.view", "work_orders.edit")
	tech := e.group("Technician", "work_orders.view")
	e.activeUser("Lim", "Ited", "lim@acme.test", service.UserInput{GroupIDs: []string{admins.ID}, FacilityIDs: []string{north.ID}})
	e.activeUser("Tess", "Tech", "tess@acme.test", service.UserInput{GroupIDs: []string{tech.ID}, FacilityIDs: []string{north.ID}})
	e.invite("Sam", "South", "sam@acme.test", service.UserInput{GroupIDs: []string{tech.ID}, FacilityIDs: []string{south.ID}})
	b := e.signIn("lim@acme.test")
	path := "/groups/" + tech.ID
	edit := url.Values{"name": {"Technician"}, "permissions": {"work_orders.view", "work_orders.edit"}}

	res := b.post(path, edit)
	if res.status != http.StatusForbidden || res.url.Path != path { // as the API answers
		t.Fatalf("refused edit: %d at %s\n%s", res.status, res.url, res.body)
	}
	lint(t, path+" (refused)", res)
	has(t, "refused", res, `role="alert"`, "This cannot be saved:", "work_orders.edit", "only what you hold yourself",
		"2 people's access changes", "Tess Tech", "A user you may not see", ">Back to the form</button>")
	has(t, "refused", res, "This cannot be saved: this would give a user outside your facilities work_orders.edit at a facility not assigned to you, which you do not hold there.")
	hasNot(t, "refused", res, ">Save changes</button>", "Sam South", "South Store", "fac_")

	// Back to the form keeps the edit.
	res = b.post(path, hiddenFields(t, res.body, path, "Back to the form"))
	if res.status != http.StatusOK {
		t.Fatalf("back to the form: %d", res.status)
	}
	has(t, "back", res, `value="work_orders.edit" type="checkbox" checked>`, "Save changes")
	// A confirmation forged past the review is refused by the write.
	edit.Set("step", "confirm")
	b.post(path, edit)
	if g, _ := e.svc.GetGroup(e.ctx, e.admin, tech.ID); len(g.Permissions) != 1 {
		t.Fatalf("the refused edit was saved: %v", g.Permissions)
	}
}

// A limited admin who edits their own group out of what lets them see
// groups is told so in the review, and lands on their account page.
func TestGroupEditOfOwnGroupLandsOnAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	north := e.facility("North Plant")
	admins := e.group("Admins", "users.view", "users.edit", "facilities.view")
	e.activeUser("Lim", "Ited", "lim@acme.test", service.UserInput{GroupIDs: []string{admins.ID}, FacilityIDs: []string{north.ID}})
	b := e.signIn("lim@acme.test")
	path := "/groups/" + admins.ID
	res := b.post(path, url.Values{"name": {"Admins"}, "permissions": {"users.edit", "facilities.view"}})
	if res.status != http.StatusOK {
		t.Fatalf("edit own group: %d\n%s", res.status, res.body)
	}
	has(t, "review", res, "Lim Ited", "(you)", "Your own access is among the changes", `<span class="lost">Loses</span> everywhere: <code>users.view</code>`)
	res = b.post(path, hiddenFields(t, res.body, path, "Save changes"))
	if res.status != http.StatusOK || res.url.Path != "/account" {
		t.Fatalf("confirmed: %d at %s\n%s", res.status, res.url, res.body)
	}
	has(t, "landed", res, "Saved. Your own access changed", "Your account")
}

// Licences filter what groups give: the review says what is held beyond
// the licence.
func TestGroupReviewShowsHeldBeyondLicence(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "compliance")
	g := e.group("Auditors", "infosec.export_lists")
	e.invite("Abe", "Auditor", "abe@acme.test", service.UserInput{Licence: "external_auditor", GroupIDs: []string{g.ID}})
	b := e.signIn("ada@acme.test")
	res := b.post("/groups/"+g.ID, url.Values{"name": {"Auditors"}, "permissions": {"infosec.export_lists", "infosec.download_files", "add_ons.book_assets"}})
	if res.status != http.StatusOK {
		t.Fatalf("edit: %d\n%s", res.status, res.body)
	}
	has(t, "review", res, "Abe Auditor", `<span class="gained">Gains</span> everywhere: <code>infosec.download_files</code>`,
		"Held beyond the licence", "<code>add_ons.book_assets</code>")
}

// Deleting a group is confirmed with what its members lose; the deletion
// goes through on confirmation.
func TestGroupDeleteReviewed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	north := e.facility("North Plant")
	tech := e.group("Technician", "work_orders.view")
	e.activeUser("Tess", "Tech", "tess@acme.test", service.UserInput{GroupIDs: []string{tech.ID}, FacilityIDs: []string{north.ID}})
	b := e.signIn("ada@acme.test")
	path := "/groups/" + tech.ID + "/delete"
	res := b.page(path, http.StatusOK)
	has(t, "confirm", res, "This group has 1 member.", "Tess Tech", `<span class="lost">Loses</span> at North Plant: <code>work_orders.view</code>, <code>work_orders.view_own</code>`, ">Delete group</button>")
	res = b.post(path, hiddenFields(t, res.body, path, "Delete group"))
	if res.status != http.StatusOK || res.url.Path != "/groups" {
		t.Fatalf("delete: %d at %s", res.status, res.url)
	}
	if _, err := e.svc.GetGroup(e.ctx, e.admin, tech.ID); err == nil {
		t.Fatal("not deleted")
	}
}
