package ui_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/store/storetest"
	"github.com/gatehouse/gatehouse/ui"
)

// newEnvOnClock is newEnv with the service and its store on clock.
func newEnvOnClock(t *testing.T, template string, clock func() time.Time) *env {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg := testsupport.ServiceConfig("", nil)
	db.Now, cfg.Clock = clock, clock
	svc := service.New(db, cfg)
	_, data, err := catalogs.Load(template)
	if err != nil {
		t.Fatal(err)
	}
	org, err := svc.CreateOrganization(ctx, service.NewOrganization{Name: "Acme Stores", Catalog: data,
		AdminEmail: "ada@acme.test", AdminFirstName: "Ada", AdminLastName: "Admin"})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SetPassword(ctx, gatehouse.SystemActor(org.Org.ID), org.Admin.ID, password); err != nil {
		t.Fatal(err)
	}
	h, err := ui.New(svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, ctx: ctx, svc: svc, srv: srv, org: org, admin: gatehouse.Actor{OrgID: org.Org.ID, UserID: org.Admin.ID}, db: db}
}

// The Invitations page lists pending and expired invitations with their
// expiry; resending from it (one row, or the rows ticked) makes an expired
// invitation pending. The users list shows Expired as its own state and
// filters by it.
func TestInvitationsPage(t *testing.T) {
	t.Parallel()
	clk := &testsupport.ShiftedClock{}
	e := newEnvOnClock(t, "facilities", clk.Now)
	clk.Set(-8 * 24 * time.Hour) // invited eight days ago: past the 7-day TTL
	olga := e.invite("Olga", "Old", "olga@acme.test", service.UserInput{})
	otto := e.invite("Otto", "Older", "otto@acme.test", service.UserInput{})
	clk.Set(0)
	pia := e.invite("Pia", "Pending", "pia@acme.test", service.UserInput{})
	b := e.signIn("ada@acme.test")

	res := b.page("/invitations", http.StatusOK)
	has(t, "invitations", res, `href="/invitations" aria-current="page"`, "Olga Old", "Otto Older", "Pia Pending",
		`<span class="status status-expired">Expired</span>`, `<span class="status status-invited">Pending</span>`,
		"Expired 1 day ago", "Expires in 7 days", `<time datetime="`, " UTC</time>",
		`name="user_id" value="`+olga.ID+`"`, `name="one" value="`+olga.ID+`"`, "Resend selected")
	hasNot(t, "invitations", res, "ada@acme.test")
	res = b.page("/invitations?state=expired", http.StatusOK)
	has(t, "expired only", res, "Olga Old", "Otto Older", `<input type="hidden" name="state" value="expired">`)
	hasNot(t, "expired only", res, "Pia Pending")

	// The users list: Expired is its own state, and a filter.
	res = b.page("/users", http.StatusOK)
	has(t, "users", res, `<option value="expired">Invitation expired</option>`, `<span class="status status-expired">Expired</span>`,
		`<span class="status status-invited">invited</span>`, `href="/invitations"`)
	res = b.page("/users?status=expired", http.StatusOK)
	has(t, "users?status=expired", res, "Olga Old", "Otto Older", `<option value="expired" selected>Invitation expired</option>`)
	hasNot(t, "users?status=expired", res, "Pia Pending", "ada@acme.test")

	// Resend one row: Olga's invitation is pending again.
	res = b.post("/invitations/resend", url.Values{"state": {"expired"}, "user_id": {otto.ID}, "one": {olga.ID}})
	if res.status != http.StatusOK || res.url.Path != "/invitations" || res.url.Query().Get("state") != "expired" {
		t.Fatalf("resend one: %d at %s", res.status, res.url)
	}
	has(t, "resent one", res, "A new invitation is on its way.", "Otto Older")
	hasNot(t, "resent one", res, "Olga Old")
	if u, _ := e.svc.GetUser(e.ctx, e.admin, otto.ID); u.Invitation.State(time.Now()) != "expired" {
		t.Fatal("a ticked row was resent by another row's Resend")
	}
	// Resend the rows ticked.
	res = b.post("/invitations/resend", url.Values{"user_id": {otto.ID, pia.ID}})
	if res.status != http.StatusOK || res.url.Path != "/invitations" {
		t.Fatalf("resend selected: %d at %s", res.status, res.url)
	}
	has(t, "resent selected", res, "New invitations are on their way.", "Otto Older", "Pia Pending")
	hasNot(t, "resent selected", res, "status-expired")
	if res := b.get("/invitations?state=expired"); !strings.Contains(res.body, "No open invitations.") {
		t.Fatal("expired invitations left after resending")
	}
	// Nothing ticked: said, nothing sent.
	if res := b.post("/invitations/resend", url.Values{}); res.status != http.StatusBadRequest {
		t.Fatalf("nothing ticked: %d", res.status)
	}
}
