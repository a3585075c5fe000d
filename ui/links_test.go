package ui_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/mailer"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/store/storetest"
	"github.com/gatehouse/gatehouse/ui"
)

// TestEveryMailedLinkOpensAPage: the service mails every kind of link it
// has (an invitation, an email verification and the notice to the previous
// address, a password reset, a first password's set-up), built by
// ui.Links; each link, followed, opens a page of the web UI rather than a
// 404 (the route table has no catch-all). Renaming a page in the route table cannot break mailed links
// silently.
func TestEveryMailedLinkOpensAPage(t *testing.T) {
	const base = "https://gatehouse.test/"
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := service.New(db, testsupport.ServiceConfig(base, nil))
	_, data, err := catalogs.Load("facilities")
	if err != nil {
		t.Fatal(err)
	}
	org, err := svc.CreateOrganization(ctx, service.NewOrganization{Name: "Acme", Catalog: data, AdminEmail: "ada@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	admin := gatehouse.Actor{OrgID: org.Org.ID, UserID: org.Admin.ID}
	sys := gatehouse.SystemActor(org.Org.ID)

	if _, err := svc.SendPasswordSetup(ctx, sys, org.Admin.ID); err != nil { // set-up, to ada
		t.Fatal(err)
	}
	if _, err := svc.InviteUser(ctx, admin, service.UserInput{FirstName: "Ivy", LastName: "Invited", Email: "ivy@acme.test"}); err != nil { // invitation
		t.Fatal(err)
	}
	tom, err := svc.InviteUser(ctx, admin, service.UserInput{FirstName: "Tom", LastName: "Tech", Email: "tom@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.AcceptInvitation(ctx, tom.Token, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if err := svc.RequestPasswordReset(ctx, "tom@acme.test"); err != nil { // reset, to tom
		t.Fatal(err)
	}
	if _, err := svc.HandleResetRequests(ctx); err != nil {
		t.Fatal(err)
	}
	newEmail := "thomas@acme.test"
	if _, _, err := svc.UpdateUser(ctx, admin, tom.User.ID, service.UserPatch{Email: &newEmail}); err != nil { // verification, and the notice to tom
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := mailer.NewOutbox(db, mailer.Dir{Path: dir, From: "gatehouse@acme.test"}, slog.New(slog.DiscardHandler)).Drain(ctx); err != nil {
		t.Fatal(err)
	}

	h, err := ui.New(svc, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(strings.TrimSuffix(base, "/")) + `(/[^\s"<>]*)`)
	followed := map[string]bool{}
	for _, to := range []string{"ada@acme.test", "ivy@acme.test", "tom@acme.test", newEmail} {
		mails := testsupport.Mails(t, dir, to)
		if len(mails) == 0 {
			t.Fatalf("no mail to %s", to)
		}
		for _, text := range mails {
			found := link.FindAllStringSubmatch(text, -1)
			if len(found) == 0 {
				t.Errorf("a mail to %s carries no link to %s:\n%s", to, base, text)
			}
			for _, m := range found {
				path := strings.ReplaceAll(m[1], "&amp;", "&")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				// A used link (tom's invitation) opens its page saying so.
				if rec.Code == http.StatusNotFound || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
					t.Errorf("the mailed link %s opens %d %s, want a page of the web UI", m[0], rec.Code, rec.Header().Get("Content-Type"))
				}
				followed[strings.SplitN(path, "?", 2)[0]] = true
			}
		}
	}
	// Every kind of link the builder makes was mailed and followed.
	links := ui.Links(base)
	for _, l := range []string{links.Invitation("t"), links.EmailVerification("t"), links.PasswordReset("t"), links.SignIn()} {
		page := strings.SplitN(strings.TrimPrefix(l, strings.TrimSuffix(base, "/")), "?", 2)[0]
		if !followed[page] {
			t.Errorf("no mail carried a link to %s (%s); followed %v", page, l, followed)
		}
	}
}
