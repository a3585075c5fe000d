package e2e

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
	ghserver "github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/service"
)

// TestTwoStepVerificationInBrowser enrols an authenticator app from the
// account page (the code computed here, as the app would), signs out and
// back in with the password and a code; then registers a passkey with
// Chromium's virtual authenticator and signs in with it.
func TestTwoStepVerificationInBrowser(t *testing.T) {
	execPath := findChromium(t)
	base, svc, orgID := startMFAServer(t)
	tb := openTab(t, newAllocator(t, execPath), "ada", base)

	signInWithPassword := func(t *testing.T) {
		tb.open(t, "/sign-in", http.StatusOK)
		tb.fill(t, "email", adminEmail)
		tb.fill(t, "password", adminPassword)
		tb.follow(t, "Sign in", http.StatusOK, chromedp.Click(button("Sign in")))
	}
	signOut := func(t *testing.T) {
		tb.follow(t, "Sign out", http.StatusOK, chromedp.Click(button("Sign out")))
		tb.expectPath(t, "/sign-in")
	}
	var secret string

	t.Run("enrol an authenticator app from the account page", func(t *testing.T) {
		signInWithPassword(t)
		tb.expectPath(t, "/users")
		tb.open(t, "/account", http.StatusOK)
		tb.fill(t, "totp-pw", adminPassword) // adding a factor asks for the password again
		tb.follow(t, "Set up an authenticator app", http.StatusOK, chromedp.Click(button("Set up an authenticator app")))
		tb.expectH1(t, "Set up an authenticator app")
		noAxeViolations(t, tb)
		if !eval[bool](t, tb, `document.querySelector("figure.qr img").naturalWidth > 0`) {
			t.Fatal("the QR code did not load")
		}
		secret = text(t, tb, chromedp.ID("totp-secret"))
		code, err := totp.GenerateCode(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		tb.fill(t, "code", code)
		tb.follow(t, "Verify and add", http.StatusOK, chromedp.Click(button("Verify and add")))
		if n := eval[int](t, tb, `document.querySelectorAll("#recovery-codes li").length`); n != service.RecoveryCodeCount {
			t.Fatalf("%d recovery codes shown: %q", n, tb.bodyText(t))
		}
		signOut(t)
	})

	t.Run("sign in with the password and a code", func(t *testing.T) {
		signInWithPassword(t)
		tb.expectH1(t, "Two-step verification")
		noAxeViolations(t, tb)
		code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second)) // the next step: never spent
		tb.fill(t, "code", code)
		tb.follow(t, "Verify", http.StatusOK, chromedp.Click(button("Verify")))
		tb.expectPath(t, "/users")
	})

	t.Run("register a passkey with the virtual authenticator", func(t *testing.T) {
		tb.run(t, "add a virtual authenticator", chromedp.Func(func(ctx context.Context, target *chromedp.Target) error {
			if _, err := cdp.Call(ctx, target, webauthn.Enable, webauthn.EnableParams{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, target, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
				Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
					HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true}})
			return err
		}))
		tb.open(t, "/account", http.StatusOK)
		waitFor(t, tb, `!document.querySelector("form[data-passkey-register]").hidden`, "app.js shows the passkey button")
		tb.fill(t, "passkey-pw", adminPassword)
		tb.follow(t, "Add a passkey", http.StatusOK, chromedp.Click(button("Add a passkey")))
		tb.expectFlash(t, "Passkey “Passkey” added: you can use it at sign-in.")
		// The account page with both factors, and the security settings,
		// at the laptop's and the phone's width.
		checkPages(t, tb, []pageCheck{{"/account", http.StatusOK}, {"/settings/security", http.StatusOK}})
		signOut(t)
	})

	t.Run("sign in with the password and the passkey", func(t *testing.T) {
		signInWithPassword(t)
		tb.expectH1(t, "Two-step verification")
		tb.follow(t, "Use a passkey", http.StatusOK, chromedp.Click(button("Use a passkey")))
		tb.expectPath(t, "/users")
		sessions, err := svc.Sessions(context.Background(), gatehouse.Actor{OrgID: orgID, UserID: adminID(t, svc, orgID)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(sessions, func(s *gatehouse.Session) bool { return slices.Equal(s.AMR, []string{"pwd", "hwk", "mfa"}) }) {
			t.Fatalf("no session signed in with a passkey: %v", sessions)
		}
	})

	for _, p := range tb.takeProblems() {
		if strings.Contains(p, "Content Security Policy") || strings.Contains(p, "uncaught") {
			t.Error(p)
		}
	}
}

// noAxeViolations fails on any axe-core violation of the open page (one
// that answers a form, which checkPages cannot open by its path), at the
// laptop's and the phone's width.
func noAxeViolations(t *testing.T, tb *tab) {
	t.Helper()
	defer tb.viewport(t, laptop)
	for _, size := range [][2]int64{laptop, phone} {
		tb.viewport(t, size)
		for _, v := range axeViolations(t, tb) {
			t.Errorf("%s at %dpx: %s", tb.path(t), size[0], v)
		}
		if over := eval[int](t, tb, `document.documentElement.scrollWidth - innerWidth`); size == phone && over > 0 {
			t.Errorf("%s is %dpx wider than a %dpx phone: %s", tb.path(t), over, size[0], widest(t, tb))
		}
	}
}

// startMFAServer serves Gatehouse as serve does, with its base URL on
// localhost: a WebAuthn relying party's id must be a domain, not an IP
// address. It returns the base URL, the service and the organization.
func startMFAServer(t *testing.T) (string, *service.Service, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	base := "http://localhost:" + strconv.Itoa(port)
	dir := t.TempDir()
	ctx, stop := context.WithCancel(context.Background())
	started, stopped := make(chan ghserver.Running, 1), make(chan error, 1)
	go func() {
		stopped <- ghserver.Run(ctx, ghserver.Config{
			Addr: "127.0.0.1:" + strconv.Itoa(port), BaseURL: base, DB: filepath.Join(dir, "gatehouse.db"), MailDir: filepath.Join(dir, "mail"),
			MailFrom: "Gatehouse <gatehouse@acme.test>", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Passwords: testsupport.Passwords(),
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
	_, catalog, err := catalogs.Load("facilities")
	if err != nil {
		t.Fatal(err)
	}
	org, err := running.Service.CreateOrganization(context.Background(), service.NewOrganization{Name: "Acme Facilities", Catalog: catalog,
		AdminEmail: adminEmail, AdminFirstName: "Ada", AdminLastName: "Admin"})
	if err != nil {
		t.Fatal(err)
	}
	if err := running.Service.SetPassword(context.Background(), gatehouse.SystemActor(org.Org.ID), org.Admin.ID, adminPassword); err != nil {
		t.Fatal(err)
	}
	return base, running.Service, org.Org.ID
}

// adminID is the id of the organization's admin.
func adminID(t *testing.T, svc *service.Service, orgID string) string {
	t.Helper()
	users, err := svc.ListUsers(context.Background(), gatehouse.SystemActor(orgID), gatehouse.UserFilter{Query: adminEmail})
	if err != nil || len(users) != 1 {
		t.Fatalf("admin: %v %v", users, err)
	}
	return users[0].ID
}
