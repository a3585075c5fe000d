package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
	ghserver "github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/service"
)

// chromiumPath is where Debian's chromium package, which .ci/run installs,
// puts the browser.
const chromiumPath = "/usr/bin/chromium"

const (
	adminEmail    = "admin@acme.test"
	adminPassword = "admin-password-for-e2e"
	userEmail     = "tess@acme.test"
	// complianceAdmin is the admin of the compliance organization.
	complianceAdmin = "carla@comply.test"
	userPassword    = "tess-picks-a-long-one"

	// stepTimeout bounds each browser action: a missing element fails the
	// test in seconds rather than at go test's global timeout.
	stepTimeout = 20 * time.Second
)

// The two viewport sizes of the screenshots.
var (
	laptop = [2]int64{1366, 900}
	tablet = [2]int64{820, 1180}
)

// TestAdminUIInBrowser walks the seed's whole Users & Permissions story in
// a real headless Chromium: sign in, invite a user, accept the invitation
// from the mail, create a group, assign it and a facility, read the
// effective access and Explain, deactivate, and see sign-in refused. Every
// page is watched for console errors and Content-Security-Policy
// violations, and the main pages are photographed.
func TestAdminUIInBrowser(t *testing.T) {
	execPath := findChromium(t)
	began := time.Now()
	srv := startServer(t)
	shots := screenshotDir(t)
	allocCtx := newAllocator(t, execPath)
	admin := openTab(t, allocCtx, "admin", srv.url)
	// The invited user's own browser: a second browser context, with its
	// own cookies, in the same Chromium.
	tess := openTab(t, admin.ctx, "tess", srv.url, chromedp.WithNewBrowserContext())
	t.Logf("server seeded and browser started in %v", time.Since(began).Round(time.Millisecond))

	step := func(name string, fn func(t *testing.T)) {
		t.Helper()
		start := time.Now()
		ok := t.Run(name, fn)
		t.Logf("%-44s %6v", name, time.Since(start).Round(time.Millisecond))
		if !ok {
			t.FailNow()
		}
	}
	var (
		tessID    string // her user id, from the URL of her page
		inviteL   string // the acceptance link from her invitation mail
		groupPath string // the Technician group's page
	)

	step("the console listener sees CSP violations", func(t *testing.T) {
		admin.open(t, "/sign-in", http.StatusOK)
		// An inline script is what the policy forbids: the listener must
		// report it, or the checks below would prove nothing.
		eval[chromedp.Void](t, admin, `(() => {
			const s = document.createElement("script");
			s.textContent = "window.inlineRan = true";
			document.head.append(s);
		})()`)
		deadline := time.Now().Add(5 * time.Second)
		for !admin.sawProblem("Content Security Policy") {
			if time.Now().After(deadline) {
				t.Fatalf("an inline script ran or was refused silently: the console listener saw %q", admin.takeProblems())
			}
			time.Sleep(50 * time.Millisecond)
		}
		if eval[bool](t, admin, `window.inlineRan === true`) {
			t.Error("the inline script ran despite the Content-Security-Policy")
		}
		admin.takeProblems() // provoked on purpose
	})

	step("sign in with the keyboard", func(t *testing.T) {
		admin.open(t, "/sign-in", http.StatusOK)
		admin.expectH1(t, "Sign in")
		shots.take(t, admin, "sign-in") // blurs the field: open the page afresh
		admin.open(t, "/sign-in", http.StatusOK)
		// The browser applies autofocus at its next rendering, maybe after
		// the load event.
		waitFor(t, admin, `document.activeElement.id === "email"`, "autofocus puts the caret in the email field")
		admin.run(t, "type the email, Tab, the password", chromedp.KeyEvent(adminEmail), chromedp.KeyEvent(kbTab), chromedp.KeyEvent(adminPassword))
		admin.follow(t, "press Enter", http.StatusOK, chromedp.KeyEvent(kbEnter))
		admin.expectPath(t, "/users")
		admin.expectH1(t, "Users")
		if who := text(t, admin, chromedp.CSS(".who a")); who != "Ada Admin" {
			t.Errorf("the header names %q, want the signed-in admin", who)
		}
	})

	step("keyboard: Tab reaches the skip link first", func(t *testing.T) {
		if tag := eval[string](t, admin, `document.activeElement.tagName`); tag != "BODY" {
			t.Fatalf("a fresh page has focus on %s", tag)
		}
		admin.run(t, "Tab", chromedp.KeyEvent(kbTab))
		var skip struct {
			Class, Text, Outline string
			Left, Width          float64
		}
		eval2(t, admin, &skip, `(() => {
			const a = document.activeElement, r = a.getBoundingClientRect();
			return {Class: a.className, Text: a.textContent.trim(), Outline: getComputedStyle(a).outlineStyle, Left: r.left, Width: r.width};
		})()`)
		if skip.Class != "skip" || skip.Text != "Skip to content" {
			t.Fatalf("the first Tab stop is %+v, want the skip link", skip)
		}
		if skip.Left < 0 || skip.Width == 0 {
			t.Errorf("the focused skip link is off screen: %+v", skip)
		}
		if skip.Outline == "none" {
			t.Errorf("the focused skip link shows no focus outline")
		}
		admin.run(t, "Enter", chromedp.KeyEvent(kbEnter))
		waitFor(t, admin, `document.activeElement.id === "main"`, "Enter on the skip link moves focus to <main>")
		admin.run(t, "Tab", chromedp.KeyEvent(kbTab))
		if got := eval[string](t, admin, `document.getElementById("main").contains(document.activeElement) ? document.activeElement.textContent.trim() : "outside main: " + document.activeElement.outerHTML`); got != "Invite User" {
			t.Fatalf("after the skip link, Tab reaches %q, want the Invite User link", got)
		}
		admin.follow(t, "Enter on Invite User", http.StatusOK, chromedp.KeyEvent(kbEnter))
		admin.expectPath(t, "/users/new")
	})

	step("invite a user through the Invite User form", func(t *testing.T) {
		admin.expectH1(t, "Invite user")
		// Field-level validation first: the message goes beside the field.
		fieldError := func(field string) string {
			return eval[string](t, admin, fmt.Sprintf(`(() => {
				const input = document.getElementById(%q), err = document.getElementById(%q);
				return input.getAttribute("aria-invalid") === "true" && err ? err.textContent.trim() : "";
			})()`, field, field+"-error"))
		}
		// Sent empty, the form shows every error at once, in words, beside
		// each field and in a summary at the top that links to them.
		admin.follow(t, "send the empty form", http.StatusBadRequest, chromedp.Click(button("Send invitation")))
		for field, want := range map[string]string{"first_name": "First name is required", "last_name": "Last name is required", "email": "Email is required"} {
			if msg := fieldError(field); msg != want {
				t.Errorf("beside %s: %q, want %q", field, msg, want)
			}
		}
		summary := eval[[]string](t, admin, `[...document.querySelectorAll(".error-summary li a")].map((a) => a.getAttribute("href") + " " + a.textContent.trim())`)
		if want := []string{"#first_name First name is required", "#last_name Last name is required", "#email Email is required"}; !slices.Equal(summary, want) {
			t.Errorf("error summary %q, want %q", summary, want)
		}
		admin.run(t, "follow the summary's email link", chromedp.Click(chromedp.Search(`//div[contains(@class,"error-summary")]//a[@href="#email"]`)))
		waitFor(t, admin, `location.hash === "#email"`, "the summary's link goes to the email field")
		// Ticking full access greys out what it overrides, and says so.
		overridden := func() string {
			return eval[string](t, admin, `(() => {
				const o = document.getElementById("overridable"), note = document.getElementById("full-access-overrides");
				const groups = document.getElementById("facilities");
				return o.classList.contains("overridden") + " " + (!note.hidden && note.offsetParent !== null) + " " +
					(groups.getAttribute("aria-describedby") || "").includes(note.id) + " " + getComputedStyle(o).backgroundColor;
			})()`)
		}
		if got := overridden(); !strings.HasPrefix(got, "false false false") {
			t.Errorf("before full access: %s", got)
		}
		admin.run(t, "tick Full access", chromedp.Click(chromedp.ID("full_access")))
		if got := overridden(); !strings.HasPrefix(got, "true true true") || strings.HasSuffix(got, "rgba(0, 0, 0, 0)") {
			t.Errorf("with full access, the rest is not greyed out and said so: %s", got)
		}
		shots.take(t, admin, "invite-user-full-access")
		admin.run(t, "untick Full access", chromedp.Click(chromedp.ID("full_access")))
		if got := overridden(); !strings.HasPrefix(got, "false false false") {
			t.Errorf("full access unticked: %s", got)
		}

		admin.run(t, "type a bad email", chromedp.SendKeys(chromedp.ID("email"), "not-an-email"))
		admin.follow(t, "send without a name", http.StatusBadRequest, chromedp.Click(button("Send invitation")))
		if msg := fieldError("first_name"); msg == "" {
			t.Error("no validation message beside the empty first name")
		} else {
			t.Logf("first_name: %s (email flagged too: %q)", msg, fieldError("email"))
		}
		if got := eval[string](t, admin, `document.getElementById("email").value`); got != "not-an-email" {
			t.Errorf("the refused form lost what was typed: email %q", got)
		}
		admin.fill(t, "first_name", "Tess")
		admin.fill(t, "last_name", "Tech")
		admin.follow(t, "send with a bad email", http.StatusBadRequest, chromedp.Click(button("Send invitation")))
		if msg := fieldError("email"); msg == "" {
			t.Error("no validation message beside the bad email")
		} else {
			t.Logf("email: %s", msg)
		}

		// A fresh form for the invitation itself.
		admin.open(t, "/users/new", http.StatusOK)
		admin.fill(t, "first_name", "Tess")
		admin.fill(t, "last_name", "Tech")
		admin.fill(t, "email", userEmail)
		admin.fill(t, "phone", "+44 20 7946 0199")
		admin.run(t, "tick North Plant", chromedp.Click(label("North Plant")))
		if !checkedByLabel(t, admin, "North Plant") {
			t.Fatal("clicking the North Plant label did not tick its checkbox")
		}
		shots.take(t, admin, "invite-user")
		admin.follow(t, "Send invitation", http.StatusOK, chromedp.Click(button("Send invitation")))
		admin.expectFlash(t, "Invitation sent.")
		admin.expectH1(t, "Tess Tech")
		tessID = strings.TrimPrefix(admin.path(t), "/users/")
		if !strings.HasPrefix(tessID, "usr_") {
			t.Fatalf("after the invitation the browser is at %s, want the user's page", admin.path(t))
		}
		if st := text(t, admin, chromedp.CSS("dl.facts .status")); st != "invited" {
			t.Errorf("status %q, want invited", st)
		}
	})

	step("read the invitation mail", func(t *testing.T) {
		inviteL = srv.invitationLink(t, userEmail)
		t.Logf("link: %s", inviteL)
	})

	step("accept the invitation in the invitee's browser", func(t *testing.T) {
		tess.follow(t, "open the link", http.StatusOK, chromedp.Navigate(inviteL))
		tess.expectH1(t, "Accept your invitation")
		tess.fill(t, "password", userPassword)
		tess.fill(t, "confirm", userPassword)
		shots.take(t, tess, "accept-invitation")
		tess.follow(t, "Accept", http.StatusOK, chromedp.Click(button("Accept and set my password")))
		tess.expectPath(t, "/sign-in")
		tess.expectFlash(t, "Welcome. Your password is set: sign in with it.")

		tess.fill(t, "email", userEmail)
		tess.fill(t, "password", userPassword)
		res := tess.follow(t, "Sign in", 0, chromedp.Click(button("Sign in")))
		if tess.path(t) == "/sign-in" {
			t.Fatalf("Tess could not sign in with her new password: %d %s", res.Status, tess.alert(t))
		}
		if who := text(t, tess, chromedp.CSS(".who a")); who != "Tess Tech" {
			t.Errorf("the header names %q, want Tess Tech", who)
		}
		t.Logf("Tess, who holds no permission yet, lands on %s: %d %q %q", tess.path(t), res.Status, tess.h1(t), tess.alert(t))

		// The link is single use: opened again, it says so at once.
		tess.follow(t, "open the used link", http.StatusBadRequest, chromedp.Navigate(inviteL))
		if msg := tess.alert(t); !strings.Contains(msg, "already been used") {
			t.Errorf("a used invitation link says %q", msg)
		} else {
			t.Logf("used link: %s", msg)
		}
	})

	step("the users list shows her active", func(t *testing.T) {
		admin.follow(t, "open Users", http.StatusOK, chromedp.Click(navLink("Users")))
		row := rowText(t, admin, "Tess Tech")
		for _, want := range []string{userEmail, "+442079460199" /* stored in E.164 */, "active", "No"} {
			if !strings.Contains(row, want) {
				t.Errorf("Tess's row %q lacks %q", row, want)
			}
		}
	})

	step("create a group with select-all per category", func(t *testing.T) {
		admin.follow(t, "open Groups", http.StatusOK, chromedp.Click(navLink("Groups")))
		admin.expectH1(t, "Groups")
		admin.follow(t, "Create Group", http.StatusOK, chromedp.Click(link("Create Group")))
		admin.expectPath(t, "/groups/new")
		admin.fill(t, "name", "Technician")
		admin.fill(t, "description", "Works the orders of their facilities")
		admin.run(t, "select all Work Orders", chromedp.Click(chromedp.CSS(`input[aria-label="Select all Work Orders permissions"]`)))
		if got := checkedPermissions(t, admin); strings.Join(got, " ") != "work_orders.view work_orders.create work_orders.edit work_orders.delete work_orders.archive work_orders.send work_orders.view_own" {
			t.Fatalf("select-all ticked %q", got)
		}
		admin.run(t, "untick work_orders.delete", chromedp.Click(chromedp.CSS(`label[for="perm-work_orders.delete"]`)))
		if !eval[bool](t, admin, `document.querySelector('input[aria-label="Select all Work Orders permissions"]').indeterminate`) {
			t.Error("select-all is not indeterminate once one permission of the category is unticked")
		}
		admin.run(t, "tick assets.view", chromedp.Click(chromedp.CSS(`label[for="perm-assets.view"]`)))
		want := "assets.view work_orders.view work_orders.create work_orders.edit work_orders.archive work_orders.send work_orders.view_own"
		if got := checkedPermissions(t, admin); strings.Join(got, " ") != want {
			t.Fatalf("ticked %q, want %q", got, want)
		}
		eval[chromedp.Void](t, admin, `window.scrollTo(0, 0)`)
		shots.take(t, admin, "group-form")
		admin.scrollTo(t, "Work Orders")
		shots.take(t, admin, "group-form-permissions")
		admin.follow(t, "Create group", http.StatusOK, chromedp.Click(button("Create group")))
		if h := admin.h1(t); h != "Technician" && h != "Groups" {
			t.Fatalf("after Create group the page is %s %q", admin.path(t), h)
		}
		admin.follow(t, "open Groups", http.StatusOK, chromedp.Click(navLink("Groups")))
		row := rowText(t, admin, "Technician")
		if !strings.Contains(row, "Works the orders of their facilities") || !strings.HasSuffix(strings.TrimSpace(row), "7") {
			t.Errorf("the Technician row reads %q, want its description and 7 permissions", row)
		}
		shots.take(t, admin, "groups")
	})

	step("add a facility on the Facilities page", func(t *testing.T) {
		admin.follow(t, "open Facilities", http.StatusOK, chromedp.Click(navLink("Facilities")))
		admin.expectH1(t, "Facilities")
		admin.fill(t, "name", "East Depot")
		admin.fill(t, "external_id", "DEPOT-7")
		admin.follow(t, "Add facility", http.StatusOK, chromedp.Click(button("Add facility")))
		admin.follow(t, "open Facilities", http.StatusOK, chromedp.Click(navLink("Facilities")))
		for _, name := range []string{"North Plant", "South Store", "East Depot"} {
			rowText(t, admin, name)
		}
		shots.take(t, admin, "facilities")
	})

	step("edit the user: assign the group and a facility", func(t *testing.T) {
		admin.follow(t, "open Users", http.StatusOK, chromedp.Click(navLink("Users")))
		admin.follow(t, "open Tess", http.StatusOK, chromedp.Click(link("Tess Tech")))
		admin.expectPath(t, "/users/"+tessID)
		admin.run(t, "tick Technician", chromedp.Click(label("Technician")))
		admin.run(t, "tick South Store", chromedp.Click(label("South Store")))
		admin.follow(t, "Save changes", http.StatusOK, chromedp.Click(button("Save changes")))
		admin.expectFlash(t, "Saved.")
		for _, l := range []string{"Technician", "North Plant", "South Store"} {
			if !checkedByLabel(t, admin, l) {
				t.Errorf("%s is not ticked after saving", l)
			}
		}
		for _, l := range []string{"Store Manager", "East Depot"} {
			if checkedByLabel(t, admin, l) {
				t.Errorf("%s is ticked after saving", l)
			}
		}
		shots.take(t, admin, "user-edit")

		admin.follow(t, "open Users", http.StatusOK, chromedp.Click(navLink("Users")))
		if row := rowText(t, admin, "Tess Tech"); !strings.Contains(row, "| Technician |") {
			t.Errorf("Tess's row %q does not show her group", row)
		}
		shots.take(t, admin, "users")
		admin.viewport(t, tablet)
		shots.take(t, admin, "users-tablet")
		admin.viewport(t, laptop)
	})

	step("effective access and Explain", func(t *testing.T) {
		admin.follow(t, "open Tess", http.StatusOK, chromedp.Click(link("Tess Tech")))
		admin.follow(t, "Effective access & Explain", http.StatusOK, chromedp.Click(link("Effective access & Explain")))
		admin.expectPath(t, "/users/"+tessID+"/access")
		row := rowText(t, admin, "work_orders.edit")
		for _, want := range []string{"group Technician", "North Plant", "South Store"} {
			if !strings.Contains(row, want) {
				t.Errorf("the work_orders.edit row %q lacks %q", row, want)
			}
		}
		if strings.Contains(row, "East Depot") {
			t.Errorf("the work_orders.edit row %q names a facility Tess is not assigned", row)
		}

		admin.choose(t, "permission", "work_orders.edit")
		admin.choose(t, "facility_id", "North Plant")
		admin.follow(t, "Explain", http.StatusOK, chromedp.Click(button("Explain")))
		answer := text(t, admin, chromedp.ID("decision"))
		t.Logf("work_orders.edit in North Plant: %q", answer)
		if !strings.HasPrefix(answer, "Allowed") || !strings.Contains(answer, "Granted by: group Technician") {
			t.Errorf("Explain answered %q, want Allowed, granted by group Technician", answer)
		}
		shots.take(t, admin, "user-access")

		admin.choose(t, "facility_id", "East Depot")
		admin.follow(t, "Explain", http.StatusOK, chromedp.Click(button("Explain")))
		answer = text(t, admin, chromedp.ID("decision"))
		t.Logf("work_orders.edit in East Depot: %q", answer)
		if !strings.HasPrefix(answer, "Denied") || !strings.Contains(answer, "facility_not_assigned") {
			t.Errorf("Explain answered %q, want Denied with facility_not_assigned", answer)
		}
	})

	step("edit a group: review who gains what, then confirm", func(t *testing.T) {
		admin.follow(t, "open Groups", http.StatusOK, chromedp.Click(navLink("Groups")))
		admin.follow(t, "open Technician", http.StatusOK, chromedp.Click(link("Technician")))
		groupPath = admin.path(t)
		admin.run(t, "tick work_orders.delete", chromedp.Click(chromedp.CSS(`label[for="perm-work_orders.delete"]`)))
		admin.follow(t, "Save changes", http.StatusOK, chromedp.Click(button("Save changes")))
		admin.expectPath(t, groupPath)
		admin.expectH1(t, "Save group “Technician”?")
		impact := text(t, admin, chromedp.CSS("ul.impact"))
		t.Logf("review: %q", impact)
		for _, want := range []string{"Tess Tech", "Gains at North Plant, South Store: work_orders.delete"} {
			if !strings.Contains(strings.Join(strings.Fields(impact), " "), want) {
				t.Errorf("the review %q lacks %q", impact, want)
			}
		}
		if admin.alert(t) != "" {
			t.Errorf("the review shows a refusal: %q", admin.alert(t))
		}
		admin.viewport(t, tablet)
		if over := eval[int](t, admin, `document.documentElement.scrollWidth - innerWidth`); over > 0 {
			t.Errorf("the review is %dpx wider than an 820px tablet", over)
		}
		admin.viewport(t, laptop)
		admin.follow(t, "confirm", http.StatusOK, chromedp.Click(button("Save changes")))
		admin.expectPath(t, groupPath)
		admin.expectFlash(t, "Saved.")
		if got := checkedPermissions(t, admin); !slices.Contains(got, "work_orders.delete") {
			t.Errorf("after the confirmed save the group holds %q, without work_orders.delete", got)
		}
		admin.open(t, "/users/"+tessID+"/access", http.StatusOK) // where the next step starts
	})

	step("duplicate a group, then add a member from its page, reviewed first", func(t *testing.T) {
		admin.open(t, groupPath, http.StatusOK)
		admin.follow(t, "Duplicate", http.StatusOK, chromedp.Click(link("Duplicate")))
		admin.expectH1(t, "Duplicate “Technician”")
		if name := eval[string](t, admin, `document.getElementById("name").value`); name != "Copy of Technician" {
			t.Errorf("the copy is named %q", name)
		}
		want := checkedPermissions(t, admin)
		admin.follow(t, "Create group", http.StatusOK, chromedp.Click(button("Create group")))
		admin.expectFlash(t, "Group created.")
		admin.expectH1(t, "Copy of Technician")
		if got := checkedPermissions(t, admin); !slices.Equal(got, want) || len(got) == 0 {
			t.Errorf("the copy holds %q, want %q", got, want)
		}
		admin.fill(t, "member", "mia@acme.test")
		admin.follow(t, "Add to group", http.StatusOK, chromedp.Click(button("Add to group")))
		admin.expectH1(t, "Add Mia Manager to “Copy of Technician”?")
		if impact := strings.Join(strings.Fields(text(t, admin, chromedp.CSS("ul.impact"))), " "); !strings.Contains(impact, "Gains at North Plant: work_orders.delete, work_orders.archive, work_orders.send") {
			t.Errorf("the review reads %q", impact)
		}
		admin.follow(t, "confirm", http.StatusOK, chromedp.Click(button("Add to group")))
		admin.expectFlash(t, "Added to the group.")
		if members := text(t, admin, chromedp.CSS("ul.members")); !strings.Contains(members, "Mia Manager") {
			t.Errorf("the members read %q", members)
		}
		eval[chromedp.Void](t, admin, `document.getElementById("members-h").scrollIntoView({block: "start"})`)
		shots.take(t, admin, "group-members")
		admin.open(t, "/users/"+tessID+"/access", http.StatusOK) // where the next step starts
	})

	step("deactivate the user through the confirmation page", func(t *testing.T) {
		admin.follow(t, "back to Tess", http.StatusOK, chromedp.Click(link("← Tess Tech")))
		admin.follow(t, "Deactivate", http.StatusOK, chromedp.Click(link("Deactivate")))
		admin.expectPath(t, "/users/"+tessID+"/deactivate")
		admin.expectH1(t, "Deactivate Tess Tech?")
		admin.follow(t, "confirm", http.StatusOK, chromedp.Click(button("Deactivate")))
		admin.expectFlash(t, "Deactivated.")
		if st := text(t, admin, chromedp.CSS("dl.facts .status")); st != "inactive" {
			t.Errorf("status %q, want inactive", st)
		}
		// Her open session stops working at once.
		tess.follow(t, "reload", http.StatusOK, chromedp.Navigate(srv.url+"/users"))
		tess.expectPath(t, "/sign-in")
	})

	step("the audit log and the Permissions Reference", func(t *testing.T) {
		admin.follow(t, "open Audit log", http.StatusOK, chromedp.Click(navLink("Audit log")))
		admin.expectH1(t, "Audit log")
		body := admin.bodyText(t)
		for _, action := range []string{"user.invited", "user.invitation_accepted", "group.created", "facility.created", "user.updated", "user.deactivated"} {
			if !strings.Contains(body, action) {
				t.Errorf("the audit log does not show %s", action)
			}
		}
		shots.take(t, admin, "audit-log")
		// A target by name, resolved on the server.
		admin.fill(t, "target", "tess")
		admin.follow(t, "Apply", http.StatusOK, chromedp.Click(button("Apply")))
		if got := text(t, admin, chromedp.CSS("p.filtered")); got != "Showing events to Tess Tech." {
			t.Errorf("the filter says %q", got)
		}
		// Times in the browser's zone, UTC on hover.
		admin.run(t, "browse from Paris", timeZone("Europe/Paris"))
		admin.open(t, "/audit", http.StatusOK)
		var when struct{ Text, Title, Zone string }
		eval2(t, admin, &when, `(() => { const t = document.querySelector("td time");
			return {Text: t.textContent, Title: t.title, Zone: document.querySelector("input[name=tz]").value}; })()`)
		if strings.Contains(when.Text, "UTC") || !strings.HasSuffix(when.Title, " UTC") || when.Zone != "Europe/Paris" {
			t.Errorf("in Paris the first time reads %+v", when)
		}
		admin.run(t, "back to the machine's zone", timeZone(""))
		admin.open(t, "/audit", http.StatusOK)
		admin.follow(t, "open Permissions Reference", http.StatusOK, chromedp.Click(navLink("Permissions Reference")))
		admin.expectH1(t, "Permissions Reference")
		body = admin.bodyText(t)
		for _, code := range []string{"work_orders.view_own", "audit_logs.view", "service_reports.send"} {
			if !strings.Contains(body, code) {
				t.Errorf("the Permissions Reference lacks %s", code)
			}
		}
		shots.take(t, admin, "permissions-reference")
	})

	step("resend an expired invitation from the Invitations view", func(t *testing.T) {
		// Eli was invited eight days ago on the server's clock: past the
		// 7-day TTL, so his invitation has expired.
		srv.clock.Set(-8 * 24 * time.Hour)
		eli, err := srv.svc.InviteUser(context.Background(), gatehouse.SystemActor(srv.orgID),
			service.UserInput{FirstName: "Eli", LastName: "Expired", Email: "eli@acme.test", FacilityIDs: []string{srv.facilities["North Plant"]}})
		srv.clock.Set(0)
		if err != nil {
			t.Fatal(err)
		}
		row := `//tr[td/a[normalize-space()="Eli Expired"]]`
		admin.follow(t, "open Invitations", http.StatusOK, chromedp.Click(navLink("Invitations")))
		admin.expectH1(t, "Invitations")
		if st := text(t, admin, chromedp.Search(row+`//span[contains(@class,"status")]`)); st != "Expired" {
			t.Fatalf("Eli's invitation shows %q, want Expired", st)
		}
		if exp := text(t, admin, chromedp.Search(row+`/td[6]`)); !strings.Contains(exp, "ago") || !strings.Contains(exp, "UTC") {
			t.Errorf("expiry %q: want relative and absolute", exp)
		}
		admin.follow(t, "Resend Eli's", http.StatusOK, chromedp.Click(chromedp.Search(row+`//button[normalize-space()="Resend"]`)))
		admin.expectPath(t, "/invitations")
		admin.expectFlash(t, "A new invitation is on its way.")
		if st := text(t, admin, chromedp.Search(row+`//span[contains(@class,"status")]`)); st != "Pending" {
			t.Errorf("after resending Eli's invitation shows %q, want Pending", st)
		}
		if u, err := srv.svc.GetUser(context.Background(), gatehouse.SystemActor(srv.orgID), eli.User.ID); err != nil || u.Invitation.State(time.Now()) != "pending" {
			t.Errorf("Eli's invitation after resending: %+v, %v", u, err)
		}
	})

	step("import users from a CSV file: one bad row refuses it, then the fixed file", func(t *testing.T) {
		admin.follow(t, "open Users", http.StatusOK, chromedp.Click(navLink("Users")))
		admin.follow(t, "open Import CSV", http.StatusOK, chromedp.Click(link("Import CSV")))
		admin.expectH1(t, "Import users")
		paste := func(csv string) {
			eval[chromedp.Void](t, admin, `(() => { document.getElementById("csv").value = `+jsString(csv)+`; })()`)
		}
		bad := "first_name,last_name,email,facilities\nIda,Import,ida@acme.test,North Plant\nJon,Import,not-an-email,North Plant\n"
		paste(bad)
		admin.follow(t, "check the bad file", http.StatusOK, chromedp.Click(button("Check file")))
		if a := admin.alert(t); !strings.Contains(a, "1 error in the file: nothing was imported") {
			t.Fatalf("report alert %q", a)
		}
		if row := text(t, admin, chromedp.Search(`//table//tr[td[1][normalize-space()="3"]]`)); !strings.Contains(row, "email") || !strings.Contains(row, "not an email address") {
			t.Fatalf("report row %q", row)
		}
		users, err := srv.svc.ListUsers(context.Background(), gatehouse.SystemActor(srv.orgID), gatehouse.UserFilter{Query: "Import"})
		if err != nil || len(users) != 0 {
			t.Fatalf("after a check of a bad file: %d users, %v", len(users), err)
		}
		shots.take(t, admin, "import-report")
		// The report itself (a page only a POST shows): no axe-core
		// violation, and no wider than a phone.
		for _, size := range [][2]int64{laptop, phone} {
			admin.viewport(t, size)
			for _, v := range axeViolations(t, admin) {
				t.Errorf("the import report at %dpx: %s", size[0], v)
			}
			if over := eval[int](t, admin, `document.documentElement.scrollWidth - innerWidth`); over > 0 {
				t.Errorf("the import report is %dpx wider than a %dpx screen", over, size[0])
			}
		}
		admin.viewport(t, laptop)
		paste(strings.Replace(bad, "not-an-email", "jon@acme.test", 1))
		admin.follow(t, "check the fixed file", http.StatusOK, chromedp.Click(button("Check file")))
		if h := text(t, admin, chromedp.Search(`//h2[@id="ready-h"]`)); h != "All 2 rows are valid" {
			t.Fatalf("ready: %q", h)
		}
		admin.follow(t, "import", http.StatusOK, chromedp.Click(button("Import 2 users")))
		admin.expectPath(t, "/users")
		admin.expectFlash(t, "Users imported: their invitations are on their way.")
		users, err = srv.svc.ListUsers(context.Background(), gatehouse.SystemActor(srv.orgID), gatehouse.UserFilter{Query: "Import"})
		if err != nil || len(users) != 2 || users[0].Status != gatehouse.StatusInvited || len(users[0].FacilityIDs) != 1 {
			t.Fatalf("after the import: %+v, %v", users, err)
		}
		if srv.invitationLink(t, "jon@acme.test") == "" {
			t.Fatal("no invitation to jon@acme.test")
		}
	})

	step("sign out; the deactivated user is refused", func(t *testing.T) {
		admin.follow(t, "Sign out", http.StatusOK, chromedp.Click(button("Sign out")))
		admin.expectPath(t, "/sign-in")
		admin.expectFlash(t, "You are signed out.")
		// A link cannot put its own words in the banner: ?done= takes codes.
		admin.follow(t, "open a spoofing link", http.StatusOK, chromedp.Navigate(srv.url+"/sign-in?done=Your+account+is+locked.+Call+us."))
		admin.expectFlash(t, "")
		admin.follow(t, "open Users", http.StatusOK, chromedp.Navigate(srv.url+"/users"))
		admin.expectPath(t, "/sign-in") // the session is gone

		admin.fill(t, "email", userEmail)
		admin.fill(t, "password", userPassword)
		admin.follow(t, "Sign in", http.StatusUnauthorized, chromedp.Click(button("Sign in")))
		admin.expectPath(t, "/sign-in")
		if msg := admin.alert(t); msg != "the email or password is wrong" {
			t.Errorf("the refusal reads %q", msg)
		}
		if eval[string](t, admin, `document.getElementById("password").value`) != "" {
			t.Error("the refused password is shown again in the form")
		}
	})

	step("pages fit a tablet without sideways scrolling", func(t *testing.T) {
		admin.fill(t, "email", adminEmail)
		admin.fill(t, "password", adminPassword)
		admin.follow(t, "Sign in", http.StatusOK, chromedp.Click(button("Sign in")))
		admin.viewport(t, tablet)
		defer admin.viewport(t, laptop)
		for _, p := range []string{"/users", "/users/new", "/users/" + tessID, "/users/" + tessID + "/access?permission=work_orders.edit",
			"/groups", "/groups/new", "/facilities", "/audit", "/reference"} {
			admin.open(t, p, http.StatusOK)
			if over := eval[int](t, admin, `document.documentElement.scrollWidth - innerWidth`); over > 0 {
				t.Errorf("%s is %dpx wider than an 820px tablet", p, over)
			}
		}
	})

	step("axe-core: no violation on any page, at 1366px and 390px; nothing wider than a phone", func(t *testing.T) {
		checkPages(t, admin, []pageCheck{
			{"/users", 200}, {"/users?status=invited", 200}, {"/users/new", 200}, {"/users/import", 200}, {"/users/" + tessID, 200},
			{"/users/" + tessID + "/access?permission=work_orders.edit&facility_id=" + srv.facilities["North Plant"], 200},
			{"/users/" + tessID + "/activate", 200}, {"/users/" + tessID + "/delete", 200},
			{"/invitations", 200},
			{"/groups", 200}, {"/groups?q=tech", 200}, {"/groups/new", 200}, {groupPath, 200}, {groupPath + "/delete", 200},
			{"/facilities", 200}, {"/facilities/" + srv.facilities["North Plant"], 200},
			{"/audit", 200}, {"/audit?actor=Ada", 200}, {"/reference", 200}, {"/account", 200},
		})
		// Phone-width photographs: lists as stacked cards.
		admin.viewport(t, phone)
		for _, p := range []struct{ path, name string }{{"/audit", "audit-log-phone"}, {"/account", "account-phone"}} {
			admin.open(t, p.path, http.StatusOK)
			eval[chromedp.Void](t, admin, `document.querySelector(".table-wrap").scrollIntoView({block: "start"})`)
			shots.take(t, admin, p.name)
		}
		admin.viewport(t, laptop)
		// Signed out: the pages that emailed links open, with a dead token.
		checkPages(t, tess, []pageCheck{
			{"/sign-in", 200}, {"/forgot-password", 200}, {"/reset-password?token=dead", 400},
			{"/invite?token=dead", 400}, {"/verify-email?token=dead", 200},
		})
	})

	// A compliance organization's admin, in a browser of her own.
	carla := openTab(t, admin.ctx, "carla", srv.url, chromedp.WithNewBrowserContext())
	step("licences: a grant above the licence is disabled, live with the licence select", func(t *testing.T) {
		carla.open(t, "/sign-in", http.StatusOK)
		carla.fill(t, "email", complianceAdmin)
		carla.fill(t, "password", adminPassword)
		carla.follow(t, "Sign in", http.StatusOK, chromedp.Click(button("Sign in")))
		carla.open(t, "/users?licence=read_report", http.StatusOK)
		if row := rowText(t, carla, "Rita Reader"); !strings.Contains(row, "Read & Report") {
			t.Errorf("the users list's row reads %q, want her licence", row)
		}
		carla.open(t, "/users/"+srv.readerID, http.StatusOK)
		const box = `document.getElementById("perm-create.add_assets")`
		const why = `document.querySelector('[id="why-perm-create.add_assets"] > :not([hidden])')`
		if !eval[bool](t, carla, box+`.disabled`) {
			t.Fatal("Add assets (Action and up) is enabled for a Read & Report user")
		}
		if got := eval[string](t, carla, `(`+why+` || {}).textContent || ""`); got != "needs Action or higher" {
			t.Errorf("the reason shown reads %q", got)
		}
		carla.choose(t, "licence", "Action")
		waitFor(t, carla, `!`+box+`.disabled && `+why+` === null`, "choosing Action enables Add assets and hides the reason")
		carla.run(t, "tick Add assets", chromedp.Click(chromedp.Search(`//label[@for="perm-create.add_assets"]`)))
		carla.choose(t, "licence", "Read & Report")
		waitFor(t, carla, box+`.disabled && !`+box+`.checked`, "back to Read & Report: disabled and cleared")
		carla.choose(t, "licence", "Action")
		waitFor(t, carla, `!`+box+`.disabled`, "Action again")
		carla.run(t, "tick Add assets", chromedp.Click(chromedp.Search(`//label[@for="perm-create.add_assets"]`)))
		shots.take(t, carla, "user-form-licence")
		carla.follow(t, "Save changes", http.StatusOK, chromedp.Click(button("Save changes")))
		carla.expectFlash(t, "Saved.")
		carla.open(t, "/users/"+srv.readerID+"/access", http.StatusOK)
		if got := text(t, carla, chromedp.Search(`//section[@class="licence-panel"]//dd[1]`)); !strings.HasPrefix(got, "Action") {
			t.Errorf("the access page's Licence panel names the tier %q, want Action", got)
		}
	})

	step("licence seats: the panel counts them, and an invitation past them is refused", func(t *testing.T) {
		carla.open(t, "/users", http.StatusOK)
		// Rita holds Action now (the step above): Action's one seat is hers.
		carla.fill(t, "seats-action", "1")
		carla.follow(t, "save Action's seats", http.StatusOK, chromedp.Click(chromedp.CSS(`button[aria-label="Save the seats of Action"]`)))
		carla.expectFlash(t, "Licence seats saved.")
		shots.take(t, carla, "users-seats")
		if row := rowText(t, carla, "Action"); !strings.HasPrefix(row, "Action | 1 | 1 | 0 Full") {
			t.Errorf("the seats panel's Action row reads %q", row)
		}
		carla.open(t, "/users/new", http.StatusOK)
		carla.fill(t, "first_name", "Sam")
		carla.fill(t, "last_name", "Seat")
		carla.fill(t, "email", "sam@comply.test")
		carla.choose(t, "licence", "Action")
		carla.follow(t, "Send invitation", http.StatusConflict, chromedp.Click(button("Send invitation")))
		if body := carla.bodyText(t); !strings.Contains(body, "the Action licence has 1 seat, and this would need 2") {
			t.Errorf("the refusal does not name the tier and its seats: %q", body)
		}
	})

	step("users list: sort by a column header, pages back and forth", func(t *testing.T) {
		carla.open(t, "/users?q=crew&per=25", http.StatusOK)
		count := func() string { return text(t, carla, chromedp.CSS(".list-count")) }
		if got := count(); got != fmt.Sprintf("Showing 1–25 of %d users", bulkCrew) {
			t.Fatalf("the list counts %q", got)
		}
		carla.follow(t, "sort by Name", http.StatusOK, chromedp.Click(chromedp.CSS(`a[title="Sorts by last name, then first name"]`)))
		first := func() string { return text(t, carla, chromedp.CSS("tbody tr td.name-cell a")) }
		if got := first(); got != fmt.Sprintf("Crew%02d Member00", bulkCrew-1) {
			t.Errorf("sorted by last name, the first row is %q", got)
		}
		carla.follow(t, "Name again: descending", http.StatusOK, chromedp.Click(chromedp.CSS(`a[title="Sorts by last name, then first name"]`)))
		if got := first(); got != "Crew00 Member"+fmt.Sprintf("%02d", bulkCrew-1) {
			t.Errorf("sorted descending, the first row is %q", got)
		}
		carla.follow(t, "Next page", http.StatusOK, chromedp.Click(link("Next page")))
		if got := count(); got != fmt.Sprintf("Showing 26–%d of %d users", bulkCrew, bulkCrew) {
			t.Errorf("page 2 counts %q", got)
		}
		if q := eval[string](t, carla, `location.search`); !strings.Contains(q, "q=crew") || !strings.Contains(q, "sort=name") || !strings.Contains(q, "order=desc") {
			t.Errorf("page 2 lost the filters or the sort: %s", q)
		}
		carla.follow(t, "Previous page", http.StatusOK, chromedp.Click(link("Previous page")))
		if got := count(); got != fmt.Sprintf("Showing 1–25 of %d users", bulkCrew) {
			t.Errorf("back on page 1: %q", got)
		}
		if got := eval[string](t, carla, `document.cookie`); got != "" {
			t.Errorf("the list remembered something in a cookie: %q", got)
		}
	})

	step("bulk: deactivate 20 users after a preview", func(t *testing.T) {
		carla.open(t, "/users?q=crew&per=25", http.StatusOK)
		ticked := eval[int](t, carla, `(() => {
			const boxes = [...document.querySelectorAll("input[name=user_id]")].slice(0, 20);
			for (const b of boxes) b.click();
			return document.querySelectorAll("input[name=user_id]:checked").length;
		})()`)
		if ticked != 20 {
			t.Fatalf("%d users ticked", ticked)
		}
		if !eval[bool](t, carla, `document.querySelector('input[aria-label="Select every user on this page"]').indeterminate`) {
			t.Error("the header box does not show a part of the page ticked")
		}
		carla.choose(t, "bulk-action", "Deactivate")
		if eval[bool](t, carla, `["bulk-group", "bulk-facility"].some(id => { const e = document.getElementById(id); return e && !e.parentElement.hidden; })`) {
			t.Error("a group or facility choice shows for Deactivate")
		}
		carla.follow(t, "Review…", http.StatusOK, chromedp.Click(button("Review…")))
		carla.expectH1(t, "Deactivate: review 20 users")
		if got := text(t, carla, chromedp.CSS("#impact-h")); got != "20 people's access changes" {
			t.Errorf("the preview reads %q", got)
		}
		if n := eval[int](t, carla, `document.querySelectorAll("ul.bulk-targets li").length`); n != 20 {
			t.Errorf("the review lists %d users", n)
		}
		shots.take(t, carla, "bulk-preview")
		if n := len(eval[[]string](t, carla, `[...document.querySelectorAll("tbody .status-inactive")].map(e => e.textContent)`)); n != 0 {
			t.Fatalf("the review page shows %d inactive users", n)
		}
		carla.follow(t, "confirm", http.StatusOK, chromedp.Click(button("Deactivate: 20 users")))
		carla.expectFlash(t, "Done: every selected user was changed.")
		if q := eval[string](t, carla, `location.search`); !strings.Contains(q, "q=crew") {
			t.Errorf("after the bulk action the list lost its filter: %s", q)
		}
		carla.open(t, "/users?q=crew&status=inactive", http.StatusOK)
		if got := text(t, carla, chromedp.CSS(".list-count")); got != "Showing 1–20 of 20 users" {
			t.Errorf("inactive crew: %q", got)
		}
	})

	step("axe-core and phone width on the compliance organization's pages", func(t *testing.T) {
		checkPages(t, carla, []pageCheck{
			{"/users", 200}, {"/users?licence=action", 200}, {"/users/new", 200}, {"/users/" + srv.readerID, 200},
			{"/users/" + srv.readerID + "/access", 200}, {"/groups", 200}, {"/groups/new", 200}, {"/reference", 200},
		})
	})

	step("an application signs a user in through Gatehouse (OpenID Connect)", func(t *testing.T) {
		signInThroughProvider(t, srv, admin.ctx)
	})

	step("no console errors or CSP violations", func(t *testing.T) {
		for _, tb := range []*tab{admin, tess, carla} {
			for _, p := range tb.takeProblems() {
				// Chromium asks for /favicon.ico now and then; the layout
				// names no icon, so it is a 404. Known, and harmless.
				if strings.Contains(p, "status of 404") && strings.HasSuffix(p, "/favicon.ico") {
					t.Logf("known: %s: %s", tb.name, p)
					continue
				}
				t.Errorf("%s: %s", tb.name, p)
			}
		}
		srv.checkLog(t)
	})
	t.Logf("browser test took %v", time.Since(began).Round(time.Millisecond))
}

// findChromium returns the browser, or skips when it is missing on a
// developer's machine. On CI a missing browser is a failure: the tests
// would otherwise pass without running.
func findChromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
			t.Fatalf("CI=%s but %s is missing: .ci/run installs it with apt-get install chromium", ci, chromiumPath)
		}
		t.Skipf("%s is missing (apt-get install chromium); browser tests skipped", chromiumPath)
	}
	return chromiumPath
}

// server is Gatehouse as serve assembles it, on a real SQLite file, with an
// organization from the facilities template, its admin, and a few users,
// groups and facilities so that the pages look lived in.
type server struct {
	url        string
	mailDir    string
	facilities map[string]string // name → id
	log        *serverLog
	readerID   string // a Read & Report user of the compliance organization
	svc        *service.Service
	orgID      string // the facilities organization
	clock      *testsupport.ShiftedClock
}

func startServer(t *testing.T) *server {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	s := &server{mailDir: filepath.Join(dir, "mail"), facilities: map[string]string{}, log: &serverLog{t: t}, clock: &testsupport.ShiftedClock{}}
	logger := slog.New(slog.NewTextHandler(s.log, &slog.HandlerOptions{Level: slog.LevelWarn}))

	// The server of serve, as serve assembles it, on a port of its own.
	serving, stop := context.WithCancel(ctx)
	started, stopped := make(chan ghserver.Running, 1), make(chan error, 1)
	go func() {
		stopped <- ghserver.Run(serving, ghserver.Config{
			Addr: "127.0.0.1:0", DB: filepath.Join(dir, "gatehouse.db"), MailDir: s.mailDir,
			MailFrom: "Gatehouse <gatehouse@acme.test>", Logger: logger, Passwords: testsupport.Passwords(),
			Clock: s.clock.Now,
		}, func(r ghserver.Running) error { started <- r; return nil })
	}()
	var running ghserver.Running
	select {
	case running = <-started:
	case err := <-stopped:
		stop()
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() {
		stop()
		if err := <-stopped; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	svc := running.Service
	s.url = running.URL

	_, catalog, err := catalogs.Load("facilities")
	if err != nil {
		t.Fatal(err)
	}
	org, err := svc.CreateOrganization(ctx, service.NewOrganization{Name: "Acme Facilities", Catalog: catalog,
		AdminEmail: adminEmail, AdminFirstName: "Ada", AdminLastName: "Admin"})
	if err != nil {
		t.Fatal(err)
	}
	sys := gatehouse.SystemActor(org.Org.ID)
	s.svc, s.orgID = svc, org.Org.ID
	if err := svc.SetPassword(ctx, sys, org.Admin.ID, adminPassword); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"North Plant", "South Store"} {
		f, _, err := svc.CreateFacility(ctx, sys, service.FacilityInput{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		s.facilities[name] = f.ID
	}
	groups := map[string]string{}
	for _, g := range []service.GroupInput{
		{Name: "Administrator", Description: "Runs the organization's users and facilities",
			Permissions: []string{"users.view", "users.create", "users.edit", "users.delete", "facilities.view", "facilities.create", "facilities.edit", "audit_logs.view"}},
		{Name: "Store Manager", Description: "Runs the work of their stores",
			Permissions: []string{"users.view", "facilities.view", "assets.view", "work_orders.view", "work_orders.create", "work_orders.edit", "reports.view"}},
	} {
		created, _, err := svc.CreateGroup(ctx, sys, g)
		if err != nil {
			t.Fatal(err)
		}
		groups[g.Name] = created.ID
	}
	for _, u := range []struct {
		in     service.UserInput
		accept bool
	}{
		{service.UserInput{FirstName: "Mia", LastName: "Manager", Email: "mia@acme.test", Phone: "+44 20 7946 0102",
			GroupIDs: []string{groups["Store Manager"]}, FacilityIDs: []string{s.facilities["North Plant"]}}, true},
		{service.UserInput{FirstName: "Omar", LastName: "Office", Email: "omar@acme.test", Phone: "+44 20 7946 0103",
			GroupIDs: []string{groups["Administrator"]}}, true},
		{service.UserInput{FirstName: "Ivy", LastName: "Invited", Email: "ivy@acme.test",
			GroupIDs: []string{groups["Store Manager"]}, FacilityIDs: []string{s.facilities["South Store"]}}, false},
	} {
		inv, err := svc.InviteUser(ctx, sys, u.in)
		if err != nil {
			t.Fatal(err)
		}
		if u.accept {
			if _, _, err := svc.AcceptInvitation(ctx, inv.Token, "a password for "+u.in.FirstName); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.readerID = startCompliance(t, svc)
	return s
}

// startCompliance adds a second organization, from the compliance catalog
// (licences): its admin (compliance.admin@…, the admin's password) and Rita,
// an invited user with the Read & Report licence, whose id it returns.
func startCompliance(t *testing.T, svc *service.Service) string {
	t.Helper()
	ctx := context.Background()
	_, catalog, err := catalogs.Load("compliance")
	if err != nil {
		t.Fatal(err)
	}
	org, err := svc.CreateOrganization(ctx, service.NewOrganization{Name: "Comply Ltd", Catalog: catalog,
		AdminEmail: complianceAdmin, AdminFirstName: "Carla", AdminLastName: "Compliance"})
	if err != nil {
		t.Fatal(err)
	}
	sys := gatehouse.SystemActor(org.Org.ID)
	if err := svc.SetPassword(ctx, sys, org.Admin.ID, adminPassword); err != nil {
		t.Fatal(err)
	}
	inv, err := svc.InviteUser(ctx, sys, service.UserInput{FirstName: "Rita", LastName: "Reader", Email: "rita@comply.test", Licence: "read_report"})
	if err != nil {
		t.Fatal(err)
	}
	// A crew for the users list's pages, sorting and bulk actions: last
	// names run opposite to first names, so that sorting by name shows.
	crew, _, err := svc.CreateGroup(ctx, sys, service.GroupInput{Name: "Crew", Permissions: []string{"infosec.download_files"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range bulkCrew {
		inv, err := svc.InviteUser(ctx, sys, service.UserInput{FirstName: fmt.Sprintf("Crew%02d", i), LastName: fmt.Sprintf("Member%02d", bulkCrew-1-i),
			Email: fmt.Sprintf("crew%02d@comply.test", i), GroupIDs: []string{crew.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.AcceptInvitation(ctx, inv.Token, "a password for the crew"); err != nil {
			t.Fatal(err)
		}
	}
	return inv.User.ID
}

// bulkCrew is how many crew members the compliance organization has.
const bulkCrew = 30

// serverLog passes the server's warnings and errors to the test log, and
// remembers errors: a page that fails on the server fails the test.
type serverLog struct {
	t      *testing.T
	mu     sync.Mutex
	errors []string
}

func (l *serverLog) Write(p []byte) (int, error) {
	line := strings.TrimSpace(string(p))
	l.mu.Lock()
	defer l.mu.Unlock()
	if strings.Contains(line, "level=ERROR") {
		l.errors = append(l.errors, line)
	}
	l.t.Log("server: " + line)
	return len(p), nil
}

func (s *server) checkLog(t *testing.T) {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	for _, e := range s.log.errors {
		t.Errorf("server error: %s", e)
	}
}

var inviteLink = regexp.MustCompile(`https?://[^\s"<>]+/invite\?token=[^\s"<>]+`)

// invitationLink waits for the outbox to deliver the invitation to email
// into the mail folder, and returns its acceptance link.
func (s *server) invitationLink(t *testing.T, email string) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(s.mailDir, "*.eml"))
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := mail.ReadMessage(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			to, err := mail.ParseAddress(msg.Header.Get("To"))
			if err != nil || !strings.EqualFold(to.Address, email) {
				continue
			}
			body := testsupport.MIMEText(t, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
			if link := inviteLink.FindString(body); link != "" {
				t.Logf("%s, subject %q", filepath.Base(name), msg.Header.Get("Subject"))
				if !strings.HasPrefix(link, s.url+"/invite?") {
					t.Errorf("the link %s does not start with the server's base URL %s", link, s.url)
				}
				return strings.ReplaceAll(link, "&amp;", "&")
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no invitation to %s in %s after 15 s (%d files)", email, s.mailDir, len(files))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// newAllocator starts nothing yet: the first tab starts Chromium, with a
// fresh profile and nothing that reaches the network on its own.
func newAllocator(t *testing.T, execPath string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(int(laptop[0]), int(laptop[1])),
	)
	ctx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel) // closes the browser and waits for it, before the profile is removed
	return ctx
}

// tab is one browser tab, with what its console reported.
type tab struct {
	name string
	base string
	ctx  context.Context

	mu       sync.Mutex
	url      string          // the page the tab shows, for the reports
	problems []problem       // console errors, warnings, exceptions, CSP violations
	answered map[string]bool // "status URL" of the pages follow loaded and checked
}

// problem is one thing the console reported.
type problem struct {
	page, text string
	loadFailed string // "status URL" when the browser logged a response's error status
}

var failedLoad = regexp.MustCompile(`^Failed to load resource: the server responded with a status of (\d+)`)

// openTab opens a tab: the first starts the browser; WithNewBrowserContext
// gives a tab its own cookies, as a second person's browser.
func openTab(t *testing.T, parent context.Context, name, base string, opts ...chromedp.ContextOption) *tab {
	t.Helper()
	tb := &tab{name: name, base: base, answered: map[string]bool{}}
	ctx, cancel := chromedp.NewContext(parent, append(opts, chromedp.WithListener(tb.listen))...)
	t.Cleanup(cancel)
	tb.ctx = ctx
	// The first run starts the browser (or opens the tab) for the life of
	// ctx: it must not be one with a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: starting %s: %v", name, chromiumPath, err)
	}
	tb.viewport(t, laptop)
	return tb
}

// listen runs in the tab's event loop (see chromedp.Listen): it only records.
func (tb *tab) listen(ev any) {
	var text, loadFailed string
	switch ev := ev.(type) {
	case *page.EventFrameNavigated:
		if ev.Frame.ParentID == "" {
			tb.mu.Lock()
			tb.url = ev.Frame.URL
			tb.mu.Unlock()
		}
		return
	case *runtime.EventConsoleAPICalled:
		switch ev.Type {
		case runtime.ConsoleAPICalledTypeError, runtime.ConsoleAPICalledTypeWarning, runtime.ConsoleAPICalledTypeAssert:
			var args []string
			for _, a := range ev.Args {
				if a.Value != nil {
					args = append(args, string(a.Value))
				} else {
					args = append(args, a.Description)
				}
			}
			text = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text = "uncaught exception: " + d.Text
		if d.Exception != nil {
			text += " " + d.Exception.Description
		}
	case *log.EventEntryAdded:
		e := ev.Entry
		if e.Level == log.EntryLevelError || e.Level == log.EntryLevelWarning || e.Source == log.EntrySourceSecurity {
			text = fmt.Sprintf("%s %s: %s %s", e.Source, e.Level, e.Text, e.URL)
			if m := failedLoad.FindStringSubmatch(e.Text); m != nil && e.Source == log.EntrySourceNetwork {
				loadFailed = m[1] + " " + e.URL
			}
		}
	}
	if text != "" {
		tb.mu.Lock()
		tb.problems = append(tb.problems, problem{page: tb.url, text: text, loadFailed: loadFailed})
		tb.mu.Unlock()
	}
}

func (tb *tab) sawProblem(substr string) bool {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, p := range tb.problems {
		if strings.Contains(p.text, substr) {
			return true
		}
	}
	return false
}

// takeProblems returns what the console reported since the last call,
// leaving out the error statuses of pages that follow loaded and checked
// (a refused sign-in answers 401 on purpose, and Chromium logs it).
func (tb *tab) takeProblems() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var out []string
	for _, p := range tb.problems {
		if p.loadFailed == "" || !tb.answered[p.loadFailed] {
			out = append(out, "on "+p.page+": "+p.text)
		}
	}
	tb.problems = nil
	return out
}

// run runs actions that do not navigate.
func (tb *tab) run(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %s: %v", tb.name, what, err)
	}
}

// follow runs actions that load a page (a click on a link or a submit
// button, a key press, a navigation) and waits for it; want, when not 0, is
// the HTTP status the page must answer with.
func (tb *tab) follow(t *testing.T, what string, want int64, actions ...chromedp.Action[chromedp.Void]) *network.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		t.Fatalf("%s: %s: %v", tb.name, what, err)
	}
	if res == nil {
		t.Fatalf("%s: %s: no page loaded", tb.name, what)
	}
	if want != 0 && res.Status != want {
		t.Fatalf("%s: %s: %s answered %d, want %d: %q", tb.name, what, res.URL, res.Status, want, tb.bodyText(t))
	}
	tb.mu.Lock()
	tb.answered[fmt.Sprintf("%d %s", res.Status, res.URL)] = true
	tb.mu.Unlock()
	return res
}

// open loads a path of the server.
func (tb *tab) open(t *testing.T, path string, want int64) {
	t.Helper()
	tb.follow(t, "open "+path, want, chromedp.Navigate(tb.base+path))
}

// fill replaces the value of the input with this id by typing.
func (tb *tab) fill(t *testing.T, id, value string) {
	t.Helper()
	// Emptied by script: chromedp.Clear fails on an empty textarea.
	if !eval[bool](t, tb, fmt.Sprintf(`(() => { const e = document.getElementById(%s); if (e) e.value = ""; return !!e; })()`, jsString(id))) {
		t.Fatalf("%s: no field %s on %s", tb.name, id, tb.path(t))
	}
	tb.run(t, "fill "+id, chromedp.SendKeys(chromedp.ID(id), value))
}

// choose picks the option of a select by its value or its visible text.
func (tb *tab) choose(t *testing.T, id, option string) {
	t.Helper()
	ok := eval[bool](t, tb, fmt.Sprintf(`(() => {
		const s = document.getElementById(%s), want = %s;
		const o = [...s.options].find(o => o.value === want || o.text.trim() === want);
		if (!o) return false;
		s.value = o.value;
		s.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})()`, jsString(id), jsString(option)))
	if !ok {
		t.Fatalf("%s: the select %s has no option %q", tb.name, id, option)
	}
}

func (tb *tab) viewport(t *testing.T, size [2]int64) {
	t.Helper()
	tb.run(t, fmt.Sprintf("viewport %dx%d", size[0], size[1]), chromedp.EmulateViewport(size[0], size[1]))
}

// scrollTo scrolls a fieldset of the permission picker into view.
func (tb *tab) scrollTo(t *testing.T, legend string) {
	t.Helper()
	eval[chromedp.Void](t, tb, fmt.Sprintf(`(() => {
		const l = [...document.querySelectorAll("legend")].find(l => l.firstChild && l.firstChild.textContent.trim() === %s);
		if (l) l.scrollIntoView({block: "center"});
	})()`, jsString(legend)))
}

func (tb *tab) path(t *testing.T) string {
	t.Helper()
	loc, err := url.Parse(eval[string](t, tb, `location.href`))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Path
}

func (tb *tab) h1(t *testing.T) string {
	t.Helper()
	return eval[string](t, tb, `(document.querySelector("h1") || {textContent: ""}).textContent.trim()`)
}

func (tb *tab) bodyText(t *testing.T) string {
	t.Helper()
	return eval[string](t, tb, `document.body ? document.body.innerText : ""`)
}

// alert is the text of the page's error box (role=alert), "" when none.
func (tb *tab) alert(t *testing.T) string {
	t.Helper()
	return eval[string](t, tb, `(document.querySelector("[role=alert]") || {textContent: ""}).textContent.trim()`)
}

func (tb *tab) expectPath(t *testing.T, want string) {
	t.Helper()
	if got := tb.path(t); got != want {
		t.Fatalf("%s: at %s (%q), want %s", tb.name, got, tb.h1(t), want)
	}
}

func (tb *tab) expectH1(t *testing.T, want string) {
	t.Helper()
	if got := tb.h1(t); got != want {
		t.Fatalf("%s: the page %s is titled %q, want %q; it reads %q", tb.name, tb.path(t), got, want, tb.bodyText(t))
	}
}

func (tb *tab) expectFlash(t *testing.T, want string) {
	t.Helper()
	got := eval[string](t, tb, `(document.querySelector(".flash[role=status]") || {textContent: ""}).textContent.trim()`)
	if got != want {
		t.Fatalf("%s: the page %s says %q, want %q (alert: %q)", tb.name, tb.path(t), got, want, tb.alert(t))
	}
}

// eval runs JavaScript in the page and decodes its result.
func eval[T any](t *testing.T, tb *tab, js string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: evaluate %s: %v", tb.name, js, err)
	}
	return v
}

// eval2 decodes the JSON of a JavaScript result into v.
func eval2(t *testing.T, tb *tab, v any, js string) {
	t.Helper()
	if err := json.Unmarshal(eval[[]byte](t, tb, js), v); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls a JavaScript condition for up to two seconds.
func waitFor(t *testing.T, tb *tab, cond, what string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !eval[bool](t, tb, cond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s: %s stayed false", tb.name, what, cond)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func text[S chromedp.Selectable](t *testing.T, tb *tab, sel S) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("%s: text of %v on %s: %v", tb.name, sel, tb.path(t), err)
	}
	return strings.Join(strings.Fields(s), " ")
}

// rowText is the text of the table row that names something, cells joined
// by " | ".
func rowText(t *testing.T, tb *tab, name string) string {
	t.Helper()
	row := eval[string](t, tb, fmt.Sprintf(`(() => {
		const r = [...document.querySelectorAll("tbody tr")].find(r => r.cells[0] && r.cells[0].textContent.trim() === %s);
		return r ? [...r.cells].map(c => c.innerText.trim()).join(" | ") : "";
	})()`, jsString(name)))
	if row == "" {
		t.Fatalf("%s: no row for %q on %s: %q", tb.name, name, tb.path(t), tb.bodyText(t))
	}
	return row
}

// checkedByLabel reports whether the checkbox that a label names is ticked.
func checkedByLabel(t *testing.T, tb *tab, labelText string) bool {
	t.Helper()
	state := eval[string](t, tb, fmt.Sprintf(`(() => {
		const l = [...document.querySelectorAll("label")].find(l => l.textContent.trim() === %s);
		const box = l && document.getElementById(l.htmlFor);
		return box ? String(box.checked) : "missing";
	})()`, jsString(labelText)))
	if state == "missing" {
		t.Fatalf("%s: no checkbox labelled %q on %s", tb.name, labelText, tb.path(t))
	}
	return state == "true"
}

// checkedPermissions lists the ticked permission checkboxes in page order.
func checkedPermissions(t *testing.T, tb *tab) []string {
	t.Helper()
	return eval[[]string](t, tb, `[...document.querySelectorAll("input[name=permissions]:checked")].map(b => b.value)`)
}

// Selectors by what a user reads: XPath through DOM.performSearch.
func link(text string) chromedp.Search {
	return chromedp.Search("//a[normalize-space()=" + xpathString(text) + "]")
}
func button(text string) chromedp.Search {
	return chromedp.Search("//button[normalize-space()=" + xpathString(text) + "]")
}
func label(text string) chromedp.Search {
	return chromedp.Search("//label[normalize-space()=" + xpathString(text) + "]")
}
func navLink(text string) chromedp.Search {
	return chromedp.Search(`//nav[@aria-label="Main"]//a[normalize-space()=` + xpathString(text) + "]")
}

func xpathString(s string) string {
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	return `"` + s + `"`
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// timeZone makes the tab's browser live in an IANA time zone ("" for the
// machine's).
func timeZone(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: name})
		return err
	})
}

// Keys for chromedp.KeyEvent.
const (
	kbTab   = "\t"
	kbEnter = "\r"
)

// screenshots writes PNGs of the viewport: into docs/screenshots when
// GATEHOUSE_SCREENSHOTS=1, else into a temporary folder, so that test runs
// do not change the working tree.
type screenshots struct{ dir string }

func screenshotDir(t *testing.T) screenshots {
	if os.Getenv("GATEHOUSE_SCREENSHOTS") == "1" {
		dir, err := filepath.Abs(filepath.Join("..", "..", "docs", "screenshots"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshots go to %s", dir)
		return screenshots{dir}
	}
	return screenshots{t.TempDir()}
}

func (s screenshots) take(t *testing.T, tb *tab, name string) {
	t.Helper()
	// No hover or focus ring left over from the last click.
	tb.run(t, "move the mouse away", chromedp.MouseEvent(chromedp.MouseMoved, 0, 0))
	eval[chromedp.Void](t, tb, `document.activeElement && document.activeElement.blur()`)
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	w, h := eval[int](t, tb, `innerWidth`), eval[int](t, tb, `innerHeight`)
	if cfg.Width != w || cfg.Height != h {
		t.Errorf("screenshot %s is %dx%d, the viewport %dx%d", name, cfg.Width, cfg.Height, w, h)
	}
	if err := os.WriteFile(filepath.Join(s.dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}
