package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/service"
)

// Sign out everywhere, from one's account page and from an admin's user
// page: every browser of the user is signed out; a limited admin cannot do
// it to someone whose access they do not cover.
func TestSignOutEverywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "facilities")
	north := e.facility("North Store")
	admins := e.group("User admins", "users.view", "users.edit", "facilities.view")
	viewers := e.group("Viewers", "users.view")
	bo := e.activeUser("Bo", "Bolt", "bo@acme.test", service.UserInput{GroupIDs: []string{viewers.ID}, FacilityIDs: []string{north.ID}})
	e.activeUser("Lim", "Ited", "lim@acme.test", service.UserInput{GroupIDs: []string{admins.ID}, FacilityIDs: []string{north.ID}})

	signedOut := func(name string, b *browser) {
		t.Helper()
		if res := b.get("/account"); res.url.Path != "/sign-in" {
			t.Fatalf("%s: still signed in (at %s)", name, res.url)
		}
	}

	// Oneself: both of Bo's browsers.
	laptop, phone := e.signIn("bo@acme.test"), e.signIn("bo@acme.test")
	has(t, "account page", laptop.page("/account", http.StatusOK), `action="/account/sign-out-everywhere"`)
	if res := laptop.post("/account/sign-out-everywhere", url.Values{}); res.url.Path != "/sign-in" {
		t.Fatalf("own sign out everywhere: %d at %s", res.status, res.url)
	}
	signedOut("laptop", laptop)
	signedOut("phone", phone)

	// An admin, from the user page, after a confirmation.
	phone = e.signIn("bo@acme.test")
	admin := e.signIn("ada@acme.test")
	has(t, "user page", admin.page("/users/"+bo.ID, http.StatusOK), `href="/users/`+bo.ID+`/sign-out-everywhere"`)
	has(t, "confirmation", admin.page("/users/"+bo.ID+"/sign-out-everywhere", http.StatusOK), "Their API keys keep working")
	res := admin.post("/users/"+bo.ID+"/sign-out-everywhere", url.Values{})
	if res.status != http.StatusOK || !strings.Contains(res.body, "Every session of theirs has ended") {
		t.Fatalf("admin sign out everywhere: %d\n%s", res.status, res.body)
	}
	signedOut("phone after the admin", phone)
	if res := admin.get("/account"); res.url.Path != "/account" {
		t.Fatal("the admin was signed out too")
	}

	// A limited admin does not reach a full-access user.
	adminAgain := e.signIn("ada@acme.test")
	lim := e.signIn("lim@acme.test")
	if res := lim.post("/users/"+e.admin.UserID+"/sign-out-everywhere", url.Values{}); res.status != http.StatusNotFound {
		t.Fatalf("limited admin on a full-access user: %d", res.status)
	}
	if res := adminAgain.get("/account"); res.url.Path != "/account" {
		t.Fatal("the limited admin signed the full-access admin out")
	}
}
