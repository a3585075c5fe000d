package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/service"
)

// TestSSOInBrowser signs a user in with single sign-on in a real Chromium:
// Gatehouse's sign-in form with the email alone, the page that moves on
// to the organization's identity provider (an independent OpenID provider
// on its own port), its login form, and back to Gatehouse signed in, with
// no console error or Content-Security-Policy violation on the way.
func TestSSOInBrowser(t *testing.T) {
	execPath := findChromium(t)
	srv := startServer(t)
	idp := testsupport.StartIdP(t, srv.url+"/sso/callback", testsupport.IdPAccount("kim", "kim@acme-corp.example", true))
	_, _, err := srv.svc.CreateSSOConnection(context.Background(), gatehouse.SystemActor(srv.orgID), service.SSOConnectionInput{
		Name: "Acme directory", Issuer: idp.URL, ClientID: testsupport.IdPClientID, ClientSecret: testsupport.IdPClientSecret,
		Domains: []string{"acme-corp.example"}, CreateUsers: true, PasswordSignInDisabled: true})
	if err != nil {
		t.Fatal(err)
	}
	kim := openTab(t, newAllocator(t, execPath), "kim", srv.url)
	kim.open(t, "/sign-in", http.StatusOK)
	kim.fill(t, "email", "kim@acme-corp.example")
	kim.follow(t, "Sign in", http.StatusOK, chromedp.Click(button("Sign in")))
	waitFor(t, kim, `location.pathname === "/login/username" && document.readyState === "complete"`, "the provider's login page")
	kim.fill(t, "username", "kim@acme-corp.example")
	kim.fill(t, "password", testsupport.IdPPassword)
	kim.run(t, "Login at the provider", chromedp.Click(button("Login")))
	waitFor(t, kim, `location.origin === "`+srv.url+`" && location.pathname === "/account" && document.readyState === "complete"`,
		"back on Gatehouse, signed in")
	if body := kim.bodyText(t); !strings.Contains(body, "kim@acme-corp.example") {
		t.Fatalf("the account page does not show Kim: %q", body)
	}
	for _, p := range kim.takeProblems() {
		if strings.Contains(p, "status of 404") && strings.HasSuffix(p, "/favicon.ico") {
			continue // Chromium asks both sites for an icon
		}
		t.Errorf("%s: %s", kim.name, p)
	}
	srv.checkLog(t)
}
