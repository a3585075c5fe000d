package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/mailer"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
)

// TestInitGivesTheAdminASetPasswordLink: the first admin has no password;
// init prints a link to the web UI's page for choosing one and queues the
// same link in a mail to them (serve sends it). The link works once.
func TestInitGivesTheAdminASetPasswordLink(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "gh.db")
	out, stderr, err := runCLI(t, map[string]string{"GATEHOUSE_BASE_URL": "https://gatehouse.acme.test"},
		"init", "--org", "Acme", "--admin-email", "admin@acme.test", "--db", db)
	if err != nil {
		t.Fatalf("init: %v\n%s", err, stderr)
	}
	var founded map[string]string
	if err := json.Unmarshal([]byte(out), &founded); err != nil {
		t.Fatalf("init output is not JSON: %q", out)
	}
	link, err := url.Parse(founded["set_password_url"])
	if err != nil || !strings.HasPrefix(founded["set_password_url"], "https://gatehouse.acme.test/") || link.Query().Get("token") == "" {
		t.Fatalf("set_password_url %q (%v), want a link with a token under the base URL", founded["set_password_url"], err)
	}

	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mailDir := filepath.Join(dir, "mail")
	if _, err := mailer.NewOutbox(st, mailer.Dir{Path: mailDir, From: "gatehouse@acme.test"}, slog.New(slog.DiscardHandler)).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	mails := testsupport.Mails(t, mailDir, "admin@acme.test")
	if len(mails) != 1 || !strings.Contains(mails[0], founded["set_password_url"]) {
		t.Fatalf("mails to the admin: %q, want one with %s", mails, founded["set_password_url"])
	}

	svc := service.New(st, testsupport.ServiceConfig("https://gatehouse.acme.test", nil))
	token := link.Query().Get("token")
	if err := svc.ResetPassword(ctx, token, "the first admin's password"); err != nil {
		t.Fatalf("setting the password with the link: %v", err)
	}
	if _, _, err := svc.SignIn(ctx, "", "admin@acme.test", "the first admin's password", "192.0.2.1:1", "test"); err != nil {
		t.Fatalf("sign in with the password set: %v", err)
	}
	if err := svc.ResetPassword(ctx, token, "another password again"); gatehouse.ErrorCode(err) != gatehouse.EINVALID {
		t.Fatalf("the link used a second time: %v, want invalid", err)
	}
}
