package ui_test

import (
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
	has(t, "back to the form", res, `<input id="full_access" name="full_access" type="checkbox" aria-describedby="full_access-help">`)

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
	if res.status != http.StatusBadRequest || res.url.Path != self {
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
	if res.status != http.StatusOK || res.url.Path != self || res.url.Query().Get("done") != "Saved." {
		t.Fatalf("own phone: %d at %s\n%s", res.status, res.url, res.body)
	}
}
