package service_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/mailer"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store/storetest"
)

const (
	baseURL  = "https://gatehouse.example.com"
	password = "correct horse battery" // what activeUser sets
)

// clock is a fake time shared by the service and the store, so that the
// times the store stamps on rows agree with the service's.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeClock makes the service and its store run on a clock the test moves.
func (f *fixture) fakeClock() *clock {
	c := &clock{now: time.Now().UTC().Truncate(time.Second)}
	f.clock, f.db.Now = c.Now, c.Now
	return c
}

// mailbox delivers the outbox into a folder of .eml files and reads them, as
// the person at the other end would.
type mailbox struct {
	t      *testing.T
	svc    *service.Service
	dir    string
	outbox *mailer.Outbox
	seen   map[string]bool
}

func (f *fixture) mailbox() *mailbox {
	dir := f.t.TempDir()
	o := mailer.NewOutbox(f.db, mailer.Dir{Path: dir, From: "Gatehouse <gatehouse@localhost>"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	o.Now = f.now // whatever clock the service runs on
	return &mailbox{t: f.t, svc: f.svc, dir: dir, outbox: o, seen: map[string]bool{}}
}

// email is one delivered message.
type email struct {
	To, Subject, Text, HTML string
	Path                    string // the page the link opens: /invite, /verify-email, ...
	Token                   string // the token in the link, unescaped; "" for a link without one
}

var linkRE = regexp.MustCompile(regexp.QuoteMeta(baseURL) + `(/[a-z-]+)(?:\?token=([^\s"<>]+))?`)

// receive handles the queued password-reset requests, sends everything due
// and returns the messages that arrived since the last call, sorted by
// recipient and subject.
func (mb *mailbox) receive() []email {
	mb.t.Helper()
	if _, err := mb.svc.HandleResetRequests(context.Background()); err != nil {
		mb.t.Fatal(err)
	}
	if _, err := mb.outbox.Drain(context.Background()); err != nil {
		mb.t.Fatal(err)
	}
	entries, err := os.ReadDir(mb.dir)
	if err != nil {
		mb.t.Fatal(err)
	}
	var out []email
	for _, e := range entries {
		if mb.seen[e.Name()] || !strings.HasSuffix(e.Name(), ".eml") {
			continue
		}
		mb.seen[e.Name()] = true
		data, err := os.ReadFile(filepath.Join(mb.dir, e.Name()))
		if err != nil {
			mb.t.Fatal(err)
		}
		out = append(out, parseEmail(mb.t, data))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].To != out[j].To {
			return out[i].To < out[j].To
		}
		return out[i].Subject < out[j].Subject
	})
	return out
}

// one receives exactly one new message, to the address, with a link to path.
func (mb *mailbox) one(to, path string) email {
	mb.t.Helper()
	got := mb.receive()
	if len(got) != 1 {
		mb.t.Fatalf("received %d messages, want 1 to %s: %+v", len(got), to, got)
	}
	if got[0].To != to || got[0].Path != path {
		mb.t.Fatalf("received a message to %q linking %q, want one to %q linking %q", got[0].To, got[0].Path, to, path)
	}
	return got[0]
}

// none checks that nothing was sent.
func (mb *mailbox) none() {
	mb.t.Helper()
	if got := mb.receive(); len(got) != 0 {
		mb.t.Fatalf("received %d unexpected messages: %+v", len(got), got)
	}
}

func parseEmail(t *testing.T, data []byte) email {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	var e email
	if e.Subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	to, err := mail.ParseAddress(m.Header.Get("To"))
	if err != nil {
		t.Fatal(err)
	}
	e.To = to.Address
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"]) // decodes quoted-printable parts
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not a multipart message: %v\n%s", err, data)
		}
		var body io.Reader = part
		if strings.EqualFold(part.Header.Get("Content-Transfer-Encoding"), "base64") {
			body = base64.NewDecoder(base64.StdEncoding, part)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		switch ct := part.Header.Get("Content-Type"); {
		case strings.HasPrefix(ct, "text/plain"):
			e.Text = string(b)
		case strings.HasPrefix(ct, "text/html"):
			e.HTML = string(b)
		}
	}
	match := linkRE.FindStringSubmatch(e.Text)
	if match == nil {
		t.Fatalf("no link to %s in the text part:\n%s", baseURL, e.Text)
	}
	e.Path = match[1]
	if e.Token, err = url.QueryUnescape(match[2]); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.HTML, `href="`+match[0]+`"`) {
		t.Fatalf("the HTML part lacks the link %s:\n%s", match[0], e.HTML)
	}
	return e
}

// wantInvalid checks an invalid error on field whose message contains say.
func wantInvalid(t *testing.T, err error, field, say string) *gatehouse.Error {
	t.Helper()
	e := wantCode(t, err, gatehouse.EINVALID)
	if e.Field != field || !strings.Contains(e.Message, say) {
		t.Fatalf("error %v: want field %q and a message saying %q", err, field, say)
	}
	return e
}

func (f *fixture) getUser(id string) *gatehouse.User {
	f.t.Helper()
	u, err := f.svc.GetUser(context.Background(), f.admin, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) signIn(email, password, client string) string {
	f.t.Helper()
	token, _, err := f.svc.SignIn(context.Background(), "", email, password, client, "test")
	if err != nil {
		f.t.Fatalf("sign in as %s: %v", email, err)
	}
	return token
}

func TestInvitationMailExpiryReuseAndRegeneration(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	ctx := context.Background()
	clk := f.fakeClock()
	f.reconfigure(func(c *service.Config) { c.InviteTTL = 48 * time.Hour }) // --invite-ttl
	mb := f.mailbox()

	first, err := f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "Ivy", LastName: "Invited", Email: "ivy@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	sent := clk.Now()
	m := mb.one("ivy@acme.test", "/invite")
	if m.Token != first.Token || !strings.Contains(m.Subject, "Acme") || !strings.Contains(m.Text, "Ivy") {
		t.Fatalf("invitation mail: %+v", m)
	}
	inv := f.getUser(first.User.ID).Invitation
	if inv == nil || !inv.CreatedAt.Equal(sent) || !inv.ExpiresAt.Equal(sent.Add(48*time.Hour)) || inv.State(clk.Now()) != "pending" {
		t.Fatalf("the admin sees invitation %+v", inv)
	}

	// Regenerating replaces the token and mails a fresh one.
	clk.Advance(time.Hour)
	second, err := f.svc.RegenerateInvite(ctx, f.admin, first.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	m = mb.one("ivy@acme.test", "/invite")
	if m.Token != second.Token || m.Token == first.Token {
		t.Fatal("regenerating did not mail a fresh token")
	}
	if inv := f.getUser(first.User.ID).Invitation; inv.State(clk.Now()) != "pending" || !inv.ExpiresAt.Equal(clk.Now().Add(48*time.Hour)) {
		t.Fatalf("after regenerating the admin sees %+v", inv)
	}
	_, _, err = f.svc.AcceptInvitation(ctx, first.Token, password)
	wantInvalid(t, err, "token", "ask your administrator")
	_, _, err = f.svc.AcceptInvitation(ctx, "inv_nonsense", password)
	wantInvalid(t, err, "token", "new invitation")

	// It expires after the TTL.
	clk.Advance(48 * time.Hour)
	if state := f.getUser(first.User.ID).Invitation.State(clk.Now()); state != "expired" {
		t.Fatalf("state after the TTL: %s", state)
	}
	_, _, err = f.svc.AcceptInvitation(ctx, second.Token, password)
	wantInvalid(t, err, "token", "new invitation")
	if u := f.getUser(first.User.ID); u.Status != gatehouse.StatusInvited {
		t.Fatalf("an expired invitation changed the user: %s", u.Status)
	}

	// A new one works, once.
	third, err := f.svc.RegenerateInvite(ctx, f.admin, first.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	m = mb.one("ivy@acme.test", "/invite")
	clk.Advance(47 * time.Hour)
	u, _, err := f.svc.AcceptInvitation(ctx, m.Token, password)
	if err != nil || u.Status != gatehouse.StatusActive || !u.EmailVerified {
		t.Fatalf("accepting the latest invitation: %+v %v", u, err)
	}
	if m.Token != third.Token {
		t.Fatal("mailed token differs from the one returned")
	}
	inv = f.getUser(u.ID).Invitation
	if inv.State(clk.Now()) != "accepted" || inv.AcceptedAt == nil || !inv.AcceptedAt.Equal(clk.Now()) {
		t.Fatalf("after accepting the admin sees %+v", inv)
	}
	_, _, err = f.svc.AcceptInvitation(ctx, m.Token, password)
	wantInvalid(t, err, "token", "new invitation")
	_, err = f.svc.RegenerateInvite(ctx, f.admin, u.ID)
	wantCode(t, err, gatehouse.ECONFLICT)
	mb.none()

	// The list shows invitation state too.
	users, err := f.svc.ListUsers(ctx, f.admin, gatehouse.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, lu := range users {
		if lu.ID == u.ID && (lu.Invitation == nil || lu.Invitation.State(clk.Now()) != "accepted") {
			t.Fatalf("listed invitation %+v", lu.Invitation)
		}
	}
}

func TestInvitedUsersNewAddressGetsTheInvitation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	ctx := context.Background()
	mb := f.mailbox()
	inv, err := f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "Tia", LastName: "Typo", Email: "tia@acme.tset"})
	if err != nil {
		t.Fatal(err)
	}
	mb.one("tia@acme.tset", "/invite")
	fixed := "tia@acme.test"
	if _, _, err := f.svc.UpdateUser(ctx, f.admin, inv.User.ID, service.UserPatch{Email: &fixed}); err != nil {
		t.Fatal(err)
	}
	m := mb.one(fixed, "/invite")
	_, _, err = f.svc.AcceptInvitation(ctx, inv.Token, password)
	wantInvalid(t, err, "token", "ask your administrator")
	_, _, err = f.svc.ResendVerification(ctx, f.admin, inv.User.ID)
	wantCode(t, err, gatehouse.ECONFLICT)
	u, _, err := f.svc.AcceptInvitation(ctx, m.Token, password)
	if err != nil || u.Email != fixed || !u.EmailVerified {
		t.Fatalf("accept at the new address: %+v %v", u, err)
	}
}

func TestEmailVerification(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	ctx := context.Background()
	clk := f.fakeClock()
	mb := f.mailbox()
	u := f.activeUser(f.admin, service.UserInput{FirstName: "Vera", LastName: "Verify", Email: "vera@acme.test"})
	mb.one("vera@acme.test", "/invite")
	if !u.EmailVerified {
		t.Fatal("accepting the emailed invitation did not verify the address")
	}
	_, _, err := f.svc.ResendVerification(ctx, f.admin, u.ID)
	wantCode(t, err, gatehouse.ECONFLICT)
	mb.none()

	// A change of case is no change of address.
	upper := "Vera@Acme.test"
	if u, _, err := f.svc.UpdateUser(ctx, f.admin, u.ID, service.UserPatch{Email: &upper}); err != nil || !u.EmailVerified {
		t.Fatalf("case change: %+v %v", u, err)
	}
	mb.none()

	// A new address waits, pending, until its link is followed; the link
	// goes to the new address only, and the old one is told.
	next := "vera.v@acme.test"
	changed, _, err := f.svc.UpdateUser(ctx, f.admin, u.ID, service.UserPatch{Email: &next})
	if err != nil || changed.PendingEmail != next || changed.Email != "vera@acme.test" || !changed.EmailVerified {
		t.Fatalf("after an email change: %+v %v", changed, err)
	}
	m := mb.emailChanged("vera@acme.test", next)
	if !strings.Contains(m.Subject, "Acme") || !strings.Contains(m.Text, next) {
		t.Fatalf("verification mail: %+v", m)
	}
	if got := f.getUser(u.ID); got.Email != "vera@acme.test" || got.PendingEmail != next {
		t.Fatal("the new address was stored as the email")
	}
	verified, _, err := f.svc.ConfirmEmail(ctx, m.Token)
	if err != nil || !verified.EmailVerified || verified.ID != u.ID || verified.Email != next || verified.PendingEmail != "" {
		t.Fatalf("confirm: %+v %v", verified, err)
	}
	if got := f.getUser(u.ID); !got.EmailVerified || got.Email != next {
		t.Fatal("confirmation not stored")
	}
	_, _, err = f.svc.ConfirmEmail(ctx, m.Token)
	wantInvalid(t, err, "token", "already been used")

	// A link for an address that changed again does not verify the new one.
	second := "vera.second@acme.test"
	if _, _, err := f.svc.UpdateUser(ctx, f.admin, u.ID, service.UserPatch{Email: &second}); err != nil {
		t.Fatal(err)
	}
	stale := mb.emailChanged(next, second)
	third := "vera.third@acme.test"
	if _, _, err := f.svc.UpdateUser(ctx, f.admin, u.ID, service.UserPatch{Email: &third}); err != nil {
		t.Fatal(err)
	}
	latest := mb.emailChanged(next, third)
	_, _, err = f.svc.ConfirmEmail(ctx, stale.Token)
	wantCode(t, err, gatehouse.EINVALID)
	if got := f.getUser(u.ID); got.Email != next || got.PendingEmail != third {
		t.Fatal("a link for an old address changed the email")
	}

	// An admin resends: the previous link stops working, the new one works.
	if _, _, err := f.svc.ResendVerification(ctx, f.admin, u.ID); err != nil {
		t.Fatal(err)
	}
	resent := mb.one(third, "/verify-email")
	if resent.Token == latest.Token {
		t.Fatal("resend mailed the same token")
	}
	_, _, err = f.svc.ConfirmEmail(ctx, latest.Token)
	wantInvalid(t, err, "token", "replaced")
	// Tokens of other purposes do not verify.
	_, _, err = f.svc.ConfirmEmail(ctx, f.org.APIKey)
	wantInvalid(t, err, "token", "not valid")

	// Verification links expire after 48 hours.
	clk.Advance(service.VerificationTTL)
	_, _, err = f.svc.ConfirmEmail(ctx, resent.Token)
	wantInvalid(t, err, "token", "expired")
	if _, _, err := f.svc.ResendVerification(ctx, f.admin, u.ID); err != nil {
		t.Fatal(err)
	}
	fresh := mb.one(third, "/verify-email")
	clk.Advance(service.VerificationTTL - time.Second)
	if v, _, err := f.svc.ConfirmEmail(ctx, fresh.Token); err != nil || !v.EmailVerified || v.Email != third {
		t.Fatalf("confirm the fresh link: %+v %v", v, err)
	}
	_, _, err = f.svc.ResendVerification(ctx, f.admin, u.ID)
	wantCode(t, err, gatehouse.ECONFLICT)
}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	ctx := context.Background()
	clk := f.fakeClock()
	mb := f.mailbox()
	u := f.activeUser(f.admin, service.UserInput{FirstName: "Rae", LastName: "Reset", Email: "rae@acme.test"})
	mb.one("rae@acme.test", "/invite")
	s1 := f.signIn("rae@acme.test", password, "192.0.2.1:1000")
	s2 := f.signIn("rae@acme.test", password, "192.0.2.2:1000")

	// Unknown and known emails get the same answer; only the known one gets mail.
	if err := f.svc.RequestPasswordReset(ctx, "nobody@acme.test"); err != nil {
		t.Fatalf("unknown email: %v", err)
	}
	mb.none()
	if err := f.svc.RequestPasswordReset(ctx, "  RAE@acme.test "); err != nil {
		t.Fatal(err)
	}
	expired := mb.one("rae@acme.test", "/reset-password")
	if !strings.Contains(expired.Subject, "Acme") {
		t.Fatalf("subject %q", expired.Subject)
	}

	// Reset links expire after one hour.
	clk.Advance(time.Hour)
	err := f.svc.ResetPassword(ctx, expired.Token, "a brand new secret")
	wantInvalid(t, err, "token", "expired")

	if err := f.svc.RequestPasswordReset(ctx, "rae@acme.test"); err != nil {
		t.Fatal(err)
	}
	replaced := mb.one("rae@acme.test", "/reset-password")
	if err := f.svc.RequestPasswordReset(ctx, "rae@acme.test"); err != nil {
		t.Fatal(err)
	}
	m := mb.one("rae@acme.test", "/reset-password")
	err = f.svc.ResetPassword(ctx, replaced.Token, "a brand new secret")
	wantInvalid(t, err, "token", "replaced")
	err = f.svc.ResetPassword(ctx, m.Token, "password123")
	wantInvalid(t, err, "password", "common")
	err = f.svc.ResetPassword(ctx, m.Token, "short")
	wantInvalid(t, err, "password", "at least")

	// The reset signs out every session; only the new password signs in.
	clk.Advance(59 * time.Minute)
	if _, err := f.svc.AuthenticateSession(ctx, s1); err != nil {
		t.Fatalf("session before the reset: %v", err)
	}
	if err := f.svc.ResetPassword(ctx, m.Token, "a brand new secret"); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{s1, s2} {
		_, err := f.svc.AuthenticateSession(ctx, s)
		wantCode(t, err, gatehouse.EUNAUTHORIZED)
	}
	err = f.svc.ResetPassword(ctx, m.Token, "another new secret")
	wantInvalid(t, err, "token", "already been used")
	_, _, err = f.svc.SignIn(ctx, "", "rae@acme.test", password, "192.0.2.3:1000", "test")
	wantCode(t, err, gatehouse.EUNAUTHORIZED)
	s3 := f.signIn("rae@acme.test", "a brand new secret", "192.0.2.3:1000")
	if _, err := f.svc.AuthenticateSession(ctx, s3); err != nil {
		t.Fatal(err)
	}

	// Tokens of other purposes do not reset.
	if err := f.svc.RequestPasswordReset(ctx, "rae@acme.test"); err != nil {
		t.Fatal(err)
	}
	mb.one("rae@acme.test", "/reset-password")
	next := "rae.r@acme.test"
	if _, _, err := f.svc.UpdateUser(ctx, f.admin, u.ID, service.UserPatch{Email: &next}); err != nil {
		t.Fatal(err)
	}
	verify := mb.emailChanged("rae@acme.test", next)
	err = f.svc.ResetPassword(ctx, verify.Token, "yet another secret")
	wantInvalid(t, err, "token", "not valid")

	// Inactive users get no reset mail.
	if _, _, err := f.svc.DeactivateUser(ctx, f.admin, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RequestPasswordReset(ctx, "rae@acme.test"); err != nil {
		t.Fatal(err)
	}
	mb.none()
}

func TestPasswordResetStaysInItsOrganization(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	ctx := context.Background()
	mb := f.mailbox()
	globex := f.newOrg("Globex", "compliance")
	globexAdmin := gatehouse.Actor{OrgID: globex.Org.ID, UserID: globex.Admin.ID}
	const shared = "sam@shared.test"
	inAcme := f.activeUser(f.admin, service.UserInput{FirstName: "Sam", LastName: "Acme", Email: shared})
	inGlobex := f.activeUser(globexAdmin, service.UserInput{FirstName: "Sam", LastName: "Globex", Email: shared})
	mb.receive() // the two invitations

	if err := f.svc.RequestPasswordReset(ctx, shared); err != nil {
		t.Fatal(err)
	}
	got := mb.receive()
	if len(got) != 2 {
		t.Fatalf("%d reset mails, want one per organization", len(got))
	}
	tokens := map[string]string{} // organization name → token
	for _, m := range got {
		if m.To != shared || m.Path != "/reset-password" {
			t.Fatalf("unexpected mail %+v", m)
		}
		for _, org := range []string{"Acme", "Globex"} {
			if strings.HasSuffix(m.Subject, " "+org) {
				tokens[org] = m.Token
			}
		}
	}
	if len(tokens) != 2 || tokens["Acme"] == tokens["Globex"] {
		t.Fatalf("reset mails do not name one organization each: %+v", got)
	}

	if err := f.svc.ResetPassword(ctx, tokens["Globex"], "globex only secret"); err != nil {
		t.Fatal(err)
	}
	signIn := func(orgID, pw string) error {
		_, _, err := f.svc.SignIn(ctx, orgID, shared, pw, "198.51.100.1:1", "test")
		return err
	}
	if err := signIn(globex.Org.ID, "globex only secret"); err != nil {
		t.Fatalf("Globex with its new password: %v", err)
	}
	if err := signIn(f.org.Org.ID, "globex only secret"); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
		t.Fatalf("Acme with Globex's new password: %v", err)
	}
	if err := signIn(f.org.Org.ID, password); err != nil {
		t.Fatalf("Acme keeps its password: %v", err)
	}
	// The Acme token still works, for the Acme user only.
	if err := f.svc.ResetPassword(ctx, tokens["Acme"], "acme only secret"); err != nil {
		t.Fatal(err)
	}
	if err := signIn(globex.Org.ID, "globex only secret"); err != nil {
		t.Fatalf("Globex after Acme's reset: %v", err)
	}
	for _, u := range []*gatehouse.User{inAcme, inGlobex} {
		if u.Email != shared {
			t.Fatal("fixture")
		}
	}
}

func TestTokensAreLongRandomAndStoredHashed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	ctx := context.Background()
	mb := f.mailbox()
	invited, err := f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "Pending", LastName: "Person", Email: "pending@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	u := f.activeUser(f.admin, service.UserInput{FirstName: "Tok", LastName: "En", Email: "tok@acme.test"})
	secrets := map[string]string{"invitation": invited.Token, "api key": f.org.APIKey}
	for _, m := range mb.receive() {
		if m.To == "tok@acme.test" {
			secrets["accepted invitation"] = m.Token
		} else if m.Token != invited.Token {
			t.Fatalf("mailed %q, returned %q", m.Token, invited.Token)
		}
	}
	secrets["session"] = f.signIn("tok@acme.test", password, "192.0.2.9:1")
	key, err := f.svc.CreateAPIKey(ctx, gatehouse.Actor{OrgID: f.org.Org.ID, UserID: u.ID}, "ci")
	if err != nil {
		t.Fatal(err)
	}
	secrets["user api key"] = key.Secret
	if err := f.svc.RequestPasswordReset(ctx, "tok@acme.test"); err != nil {
		t.Fatal(err)
	}
	secrets["reset"] = mb.one("tok@acme.test", "/reset-password").Token
	next := "tok.en@acme.test"
	if _, _, err := f.svc.UpdateUser(ctx, f.admin, u.ID, service.UserPatch{Email: &next}); err != nil {
		t.Fatal(err)
	}
	secrets["verification"] = mb.emailChanged("tok@acme.test", next).Token

	seen := map[string]bool{}
	for name, s := range secrets {
		// base32: 26 characters carry 130 bits; hex would need 32 for 128.
		if len(s) < 40 {
			t.Errorf("%s token %q is too short for 128 random bits", name, s)
		}
		if seen[s] {
			t.Errorf("%s token repeats another", name)
		}
		seen[s] = true
	}

	// Read every text value of every table straight from the file: no
	// secret appears; the hash of each stored one does.
	raw, err := storetest.OpenRaw(f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var values []string
	names, err := storetest.Tables(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range names {
		rows, err := raw.Query(fmt.Sprintf(`SELECT * FROM %q`, table))
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			cells := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range cells {
				ptrs[i] = &cells[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, c := range cells {
				switch v := c.(type) {
				case string:
					values = append(values, table+"."+cols[i]+"="+v)
				case []byte:
					values = append(values, table+"."+cols[i]+"="+string(v))
				}
			}
		}
		rows.Close()
	}
	hashed := map[string]string{ // where each secret's hash lives
		"invitation": "invitations.token_hash", "accepted invitation": "invitations.token_hash", "api key": "api_keys.secret_hash", "user api key": "api_keys.secret_hash",
		"session": "sessions.token_hash", "reset": "user_tokens.token_hash", "verification": "user_tokens.token_hash",
	}
	for name, s := range secrets {
		for _, v := range values {
			if strings.Contains(v, s) {
				t.Errorf("the %s secret is stored in the clear: %.80s…", name, v)
			}
		}
		if col, ok := hashed[name]; ok {
			found := false
			for _, v := range values {
				found = found || v == col+"="+gatehouse.HashToken(s)
			}
			if !found {
				t.Errorf("the %s secret's hash is not in %s", name, col)
			}
		}
	}
}

// Not parallel: it compares response times.
// countingHasher counts the password checks and the parameters of the
// hashes checked.
type countingHasher struct {
	service.PasswordHasher
	mu      sync.Mutex
	checked []string // the parameters of each hash checked
}

func (c *countingHasher) Matches(password, encoded string) bool {
	c.mu.Lock()
	params := strings.Split(encoded, "$")
	c.checked = append(c.checked, strings.Join(params[:min(len(params), 4)], "$"))
	c.mu.Unlock()
	return c.PasswordHasher.Matches(password, encoded)
}

func (c *countingHasher) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.checked
	c.checked = nil
	return out
}

// Every refusal costs the same work, whatever was wrong: exactly one
// password check against a hash of the same parameters, so no answer is
// faster than a wrong password's. Counted, not timed: a wall clock on a
// busy machine proves nothing.
func TestSignInRefusesAlikeWhateverWasWrong(t *testing.T) {
	f := newFixture(t, "facilities")
	hasher := &countingHasher{PasswordHasher: testsupport.Passwords()}
	f.reconfigure(func(c *service.Config) { c.Passwords = hasher })
	ctx := context.Background()
	f.activeUser(f.admin, service.UserInput{FirstName: "Ada", LastName: "Active", Email: "ada@acme.test"})
	gone := f.activeUser(f.admin, service.UserInput{FirstName: "Ian", LastName: "Inactive", Email: "ian@acme.test"})
	if _, _, err := f.svc.DeactivateUser(ctx, f.admin, gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "Pia", LastName: "Pending", Email: "pia@acme.test"}); err != nil {
		t.Fatal(err)
	}
	hasher.take()

	cases := []struct{ name, email, password string }{
		{"unknown email", "nobody@acme.test", password},
		{"wrong password", "ada@acme.test", "not the password"},
		{"inactive user", "ian@acme.test", password},
		{"invited user", "pia@acme.test", password},
		{"admin without a password", f.org.Admin.Email, password},
		{"empty email", "", password},
	}
	var first *gatehouse.Error
	var firstChecked []string
	for i, tc := range cases {
		_, _, err := f.svc.SignIn(ctx, "", tc.email, tc.password, fmt.Sprintf("192.0.2.%d:1", i+1), "test")
		checked := hasher.take()
		e := wantCode(t, err, gatehouse.EUNAUTHORIZED)
		if first == nil {
			first, firstChecked = e, checked
		} else if !reflect.DeepEqual(e, first) {
			t.Errorf("%s: %+v, unknown email: %+v", tc.name, e, first)
		}
		if len(checked) != 1 || checked[0] != firstChecked[0] {
			t.Errorf("%s: checked hashes %q, unknown email %q: the difference in work reveals it", tc.name, checked, firstChecked)
		}
	}
}

// Production hashing: without Config.Passwords, passwords are stored as
// argon2id with RFC 9106's second recommended parameters, and hashes made
// with other parameters (the tests') keep working.
func TestPasswordsUseProductionArgon2idByDefault(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	cheap := f.activeUser(f.admin, service.UserInput{FirstName: "Che", LastName: "Ap", Email: "cheap@acme.test"})
	f.reconfigure(func(c *service.Config) { c.Passwords = nil })
	if err := f.svc.SetPassword(ctx, gatehouse.SystemActor(f.org.Org.ID), f.org.Admin.ID, "a production password"); err != nil {
		t.Fatal(err)
	}
	var hash string
	err := f.db.View(ctx, func(tx gatehouse.Tx) error {
		var err error
		hash, err = tx.PasswordHash(f.org.Org.ID, f.org.Admin.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != "v=19" || parts[3] != "m=65536,t=3,p=2" {
		t.Fatalf("stored hash %q, want argon2id v=19 m=65536,t=3,p=2", hash)
	}
	if salt, _ := base64.RawStdEncoding.DecodeString(parts[4]); len(salt) != 16 {
		t.Errorf("salt of %d bytes, want 16", len(salt))
	}
	if key, _ := base64.RawStdEncoding.DecodeString(parts[5]); len(key) != 32 {
		t.Errorf("key of %d bytes, want 32", len(key))
	}
	if _, _, err := f.svc.SignIn(ctx, "", f.org.Admin.Email, "a production password", "192.0.2.1:1", "test"); err != nil {
		t.Fatalf("sign in with the production hash: %v", err)
	}
	if _, _, err := f.svc.SignIn(ctx, "", cheap.Email, password, "192.0.2.1:1", "test"); err != nil {
		t.Fatalf("sign in with a hash of other parameters: %v", err)
	}
}

func TestPasswordRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	ctx := context.Background()
	inv, err := f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "Pat", LastName: "Password", Email: "pat@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	for pw, say := range map[string]string{
		"password123":              "common",
		"PASSWORD123":              "common",
		"qwertyuiop":               "common",
		"short":                    "at least",
		"nine char":                "at least",
		strings.Repeat("x", 300):   "at most",
		strings.Repeat("é", 256):   "unused", // characters are counted, not bytes (512)
		strings.Repeat("é", 257):   "at most",
		"":                         "at least",
		"correct horse battery it": "unused", // fine
		"ünïcödé pässwörd":         "unused", // fine
		"1234567890":               "common",
	} {
		_, _, err := f.svc.AcceptInvitation(ctx, "inv_not_a_token", pw)
		if say == "unused" || say == "" {
			// Valid passwords get as far as the token.
			wantInvalid(t, err, "token", "")
			continue
		}
		wantInvalid(t, err, "password", say)
		err = f.svc.ResetPassword(ctx, "not a token", pw)
		wantInvalid(t, err, "password", say)
		err = f.svc.SetPassword(ctx, gatehouse.SystemActor(f.org.Org.ID), f.org.Admin.ID, pw)
		wantInvalid(t, err, "password", say)
	}
	if u := f.getUser(inv.User.ID); u.Status != gatehouse.StatusInvited {
		t.Fatal("a refused password changed the user")
	}
}

func TestSessionsExpire(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	ctx := context.Background()
	clk := f.fakeClock()
	u := f.activeUser(f.admin, service.UserInput{FirstName: "Sid", LastName: "Session", Email: "sid@acme.test"})
	me := gatehouse.Actor{OrgID: f.org.Org.ID, UserID: u.ID}

	// Idle: used within the limit it lives on; unused for SessionIdle it ends.
	idle := f.signIn("sid@acme.test", password, "192.0.2.1:1")
	for range 3 {
		clk.Advance(service.DefaultSessionIdle - time.Minute)
		if _, err := f.svc.AuthenticateSession(ctx, idle); err != nil {
			t.Fatalf("session used within the idle limit: %v", err)
		}
	}
	clk.Advance(service.DefaultSessionIdle)
	_, err := f.svc.AuthenticateSession(ctx, idle)
	wantCode(t, err, gatehouse.EUNAUTHORIZED)

	// Absolute: however busy, it ends SessionMax after sign-in.
	busy := f.signIn("sid@acme.test", password, "192.0.2.1:2")
	signedIn := clk.Now()
	for clk.Now().Add(time.Hour).Before(signedIn.Add(service.DefaultSessionMax)) {
		clk.Advance(time.Hour)
		if _, err := f.svc.AuthenticateSession(ctx, busy); err != nil {
			t.Fatalf("busy session after %v: %v", clk.Now().Sub(signedIn), err)
		}
	}
	sessions, err := f.svc.Sessions(ctx, me)
	if err != nil || len(sessions) != 1 {
		t.Fatalf("open sessions: %d %v", len(sessions), err)
	}
	clk.Advance(time.Hour)
	_, err = f.svc.AuthenticateSession(ctx, busy)
	wantCode(t, err, gatehouse.EUNAUTHORIZED)
	if sessions, err := f.svc.Sessions(ctx, me); err != nil || len(sessions) != 0 {
		t.Fatalf("expired sessions listed: %d %v", len(sessions), err)
	}

	// The limits are settings.
	f.reconfigure(func(c *service.Config) { c.SessionIdle = time.Minute })
	short := f.signIn("sid@acme.test", password, "192.0.2.1:3")
	clk.Advance(time.Minute)
	_, err = f.svc.AuthenticateSession(ctx, short)
	wantCode(t, err, gatehouse.EUNAUTHORIZED)
	_, err = f.svc.AuthenticateSession(ctx, "ghs_not_a_session")
	wantCode(t, err, gatehouse.EUNAUTHORIZED)
}

func TestUsersManageTheirOwnSessionsAndKeysOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	ctx := context.Background()
	ann := f.activeUser(f.admin, service.UserInput{FirstName: "Ann", LastName: "One", Email: "ann@acme.test"})
	bob := f.activeUser(f.admin, service.UserInput{FirstName: "Bob", LastName: "Two", Email: "bob@acme.test"})
	asAnn := gatehouse.Actor{OrgID: f.org.Org.ID, UserID: ann.ID}
	asBob := gatehouse.Actor{OrgID: f.org.Org.ID, UserID: bob.ID}
	laptop := f.signIn("ann@acme.test", password, "192.0.2.10:1111")
	phone := f.signIn("ann@acme.test", password, "192.0.2.11:2222")
	bobs := f.signIn("bob@acme.test", password, "192.0.2.12:3333")

	mine, err := f.svc.Sessions(ctx, asAnn)
	if err != nil || len(mine) != 2 {
		t.Fatalf("Ann's sessions: %d %v", len(mine), err)
	}
	laptopSession, err := f.svc.AuthenticateSession(ctx, laptop)
	if err != nil {
		t.Fatal(err)
	}
	bobSession, err := f.svc.AuthenticateSession(ctx, bobs)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range mine {
		if s.UserID != ann.ID || s.TokenHash == laptop || s.TokenHash == phone {
			t.Fatalf("listed session %+v", s)
		}
	}
	if mine[0].Client == "" || mine[0].UserAgent != "test" {
		t.Fatalf("sessions do not say where they come from: %+v", mine[0])
	}

	// Another user's session is not found and keeps working.
	wantCode(t, f.svc.RevokeSession(ctx, asAnn, bobSession.ID), gatehouse.ENOTFOUND)
	if _, err := f.svc.AuthenticateSession(ctx, bobs); err != nil {
		t.Fatalf("Bob's session after Ann tried to revoke it: %v", err)
	}
	// Another organization's admin cannot reach it either.
	other := f.newOrg("Globex", "facilities")
	wantCode(t, f.svc.RevokeSession(ctx, gatehouse.Actor{OrgID: other.Org.ID, UserID: other.Admin.ID}, laptopSession.ID), gatehouse.ENOTFOUND)

	if err := f.svc.RevokeSession(ctx, asAnn, laptopSession.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.AuthenticateSession(ctx, laptop)
	wantCode(t, err, gatehouse.EUNAUTHORIZED)
	if _, err := f.svc.AuthenticateSession(ctx, phone); err != nil {
		t.Fatalf("the other session ended too: %v", err)
	}
	if mine, _ := f.svc.Sessions(ctx, asAnn); len(mine) != 1 {
		t.Fatalf("Ann has %d sessions after revoking one", len(mine))
	}

	// API keys likewise.
	annKey, err := f.svc.CreateAPIKey(ctx, asAnn, "script")
	if err != nil {
		t.Fatal(err)
	}
	bobKey, err := f.svc.CreateAPIKey(ctx, asBob, "script")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := f.svc.APIKeys(ctx, asAnn)
	if err != nil || len(keys) != 1 || keys[0].ID != annKey.Key.ID || keys[0].SecretHash == annKey.Secret {
		t.Fatalf("Ann's keys: %+v %v", keys, err)
	}
	_, err = f.svc.DeleteAPIKey(ctx, asAnn, bobKey.Key.ID)
	wantCode(t, err, gatehouse.ENOTFOUND)
	if _, err := f.svc.AuthenticateAPIKey(ctx, bobKey.Secret); err != nil {
		t.Fatalf("Bob's key after Ann tried to delete it: %v", err)
	}
	if _, err := f.svc.DeleteAPIKey(ctx, asAnn, annKey.Key.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.AuthenticateAPIKey(ctx, annKey.Secret)
	wantCode(t, err, gatehouse.EUNAUTHORIZED)
}

func TestDeactivationAndDeletionEndSessionsAndKeysAtOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "facilities")
	ctx := context.Background()
	for _, end := range []string{"deactivate", "delete"} {
		t.Run(end, func(t *testing.T) {
			email := end + "@acme.test"
			u := f.activeUser(f.admin, service.UserInput{FirstName: "Lee", LastName: "Leaver", Email: email})
			session := f.signIn(email, password, "192.0.2.50:1")
			key, err := f.svc.CreateAPIKey(ctx, gatehouse.Actor{OrgID: f.org.Org.ID, UserID: u.ID}, "job")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.AuthenticateSession(ctx, session); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.AuthenticateAPIKey(ctx, key.Secret); err != nil {
				t.Fatal(err)
			}
			switch end {
			case "deactivate":
				_, _, err = f.svc.DeactivateUser(ctx, f.admin, u.ID)
			case "delete":
				_, err = f.svc.DeleteUser(ctx, f.admin, u.ID)
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.svc.AuthenticateSession(ctx, session)
			wantCode(t, err, gatehouse.EUNAUTHORIZED)
			_, err = f.svc.AuthenticateAPIKey(ctx, key.Secret)
			wantCode(t, err, gatehouse.EUNAUTHORIZED)
			_, _, err = f.svc.SignIn(ctx, "", email, password, "192.0.2.51:1", "test")
			wantCode(t, err, gatehouse.EUNAUTHORIZED)
			if end == "deactivate" {
				// They were ended, not hidden: reactivating brings none back.
				if _, _, err := f.svc.ActivateUser(ctx, f.admin, u.ID); err != nil {
					t.Fatal(err)
				}
				_, err = f.svc.AuthenticateSession(ctx, session)
				wantCode(t, err, gatehouse.EUNAUTHORIZED)
				_, err = f.svc.AuthenticateAPIKey(ctx, key.Secret)
				wantCode(t, err, gatehouse.EUNAUTHORIZED)
				f.signIn(email, password, "192.0.2.52:1")
			}
		})
	}
}
