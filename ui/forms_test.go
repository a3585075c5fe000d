package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
)

// The invite form refused for several fields shows every error at once,
// in words, beside its field (aria-invalid, aria-describedby), and a
// summary at the top linking to each field.
func TestInviteFormShowsEveryErrorAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "compliance")
	e.group("Readers")
	b := e.signIn("ada@acme.test")
	res := b.post("/users/new", url.Values{"first_name": {""}, "last_name": {" "}, "email": {"not-an-email"}, "phone": {"call me maybe"},
		"licence": {"platinum"}, "group_ids": {"grp_nope"}})
	if res.status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", res.status)
	}
	lint(t, "/users/new (errors)", res)
	has(t, "summary", res, `<h2 id="error-summary-title">6 fields need your attention</h2>`,
		`<li><a href="#first_name">First name is required</a></li>`,
		`<li><a href="#last_name">Last name is required</a></li>`,
		`<li><a href="#email">Email &#34;not-an-email&#34; is not an email address</a></li>`,
		`<li><a href="#phone">Phone must be in international format: a &#43; and the country code first, like &#43;44 20 7946 0000</a></li>`,
		`<li><a href="#licence">unknown licence &#34;platinum&#34;`,
		`<li><a href="#groups">Groups: grp_nope not found</a></li>`)
	has(t, "beside each field", res,
		`aria-invalid="true" aria-describedby="first_name-error"`, `<p class="field-error" id="first_name-error">First name is required</p>`,
		`aria-invalid="true" aria-describedby="last_name-error"`, `<p class="field-error" id="last_name-error">Last name is required</p>`,
		`aria-invalid="true" aria-describedby="email-error"`, `<p class="field-error" id="email-error">`,
		`aria-describedby="phone-help phone-error" aria-invalid="true"`, `<p class="field-error" id="phone-error">Phone must be`,
		`aria-describedby="licence-help licence-error" aria-invalid="true"`, `<p class="field-error" id="licence-error">`,
		`<fieldset class="picker" id="groups" aria-describedby="group_ids-error">`, `<p class="field-error" id="group_ids-error">`,
		`value="call me maybe"`, `value="not-an-email"`)
	hasNot(t, "raw field names", res, "first_name is required", "last_name is required")
	// Each link of the summary has its target.
	for _, id := range []string{"first_name", "last_name", "email", "phone", "licence", "groups"} {
		if !strings.Contains(res.body, ` id="`+id+`"`) {
			t.Errorf("the summary links to #%s, which is not in the page", id)
		}
	}
	if users, _ := e.svc.ListUsers(e.ctx, e.admin, gatehouse.UserFilter{}); len(users) != 1 {
		t.Fatalf("%d users after a refused invitation", len(users))
	}
}

// The user form is in sections, Details and Access (full access, licence,
// groups, facilities, direct permissions); the server renders what full
// access overrides as overridden, and says so, when the user has it.
func TestUserFormSectionsAndFullAccessOverrides(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "compliance")
	e.group("Readers")
	b := e.signIn("ada@acme.test")
	res := b.page("/users/new", http.StatusOK)
	has(t, "sections", res, `<fieldset class="section" id="section-details">`, "<legend>Details</legend>",
		`<fieldset class="section" id="section-access">`, "<legend>Access</legend>",
		`<label for="full_access">Full access</label>`, `aria-controls="overridable"`, `<label for="licence">Licence</label>`,
		"<legend>Groups</legend>", "<legend>Facilities</legend>", "<legend>Direct permissions</legend>")
	order := []string{`id="section-details"`, `id="section-access"`, `id="full_access"`, `id="overridable"`, `id="licence"`, `id="groups"`, `id="facilities"`, `id="direct-permissions"`}
	for i := 1; i < len(order); i++ {
		if strings.Index(res.body, order[i-1]) > strings.Index(res.body, order[i]) {
			t.Errorf("%s comes after %s", order[i-1], order[i])
		}
	}
	has(t, "not overridden", res, `<div id="overridable" class="overridable">`, `id="full-access-overrides" hidden>`)
	hasNot(t, "not overridden", res, "overridable overridden", `full-access-overrides"`+">")
	// The first admin has full access: their form shows it on load.
	res = b.page("/users/"+e.org.Admin.ID, http.StatusOK)
	has(t, "overridden", res, `<div id="overridable" class="overridable overridden">`,
		`<p class="note overrides-note" id="full-access-overrides">Full access overrides everything in this part of the form`,
		`aria-describedby="licence-help full-access-overrides"`,
		`<fieldset class="picker" id="groups" aria-describedby=" full-access-overrides">`,
		`<fieldset class="picker permissions" id="direct-permissions" aria-describedby=" full-access-overrides">`)
}
