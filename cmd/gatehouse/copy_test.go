package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/internal/testsupport"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/store/storetest"
)

// copySource is an SQLite deployment with a row in every table, and the
// secrets needed to prove that they still work after a copy.
type copySource struct {
	path          string
	orgID         string // the organization made by init
	adminID       string
	initKey       string // init's API key
	serviceKey    string // an API key made through the service
	session       string // a session token of the admin
	adminPassword string
	tessID        string
	tessPassword  string
	ivyToken      string // an invitation not yet accepted
}

// newCopySource builds the source through the command line (init, seed)
// and the service, as a deployment would have been used: passwords set,
// invitations accepted and pending, sessions, API keys, a failed sign-in,
// a password-reset request waiting, mail queued, an inactive user.
func newCopySource(t *testing.T) *copySource {
	t.Helper()
	ctx := context.Background()
	s := &copySource{path: filepath.Join(t.TempDir(), "gatehouse.db"), adminPassword: "the admin's password", tessPassword: "tess's own password"}
	out, stderr, err := runCLI(t, nil, "init", "--org", "Acme", "--template", "facilities", "--admin-email", "admin@acme.test",
		"--base-url", "https://gatehouse.acme.test", "--db", s.path)
	if err != nil {
		t.Fatalf("init: %v\n%s", err, stderr)
	}
	var founded map[string]string
	if err := json.Unmarshal([]byte(out), &founded); err != nil {
		t.Fatalf("init output: %q", out)
	}
	s.orgID, s.adminID, s.initKey = founded["org_id"], founded["user_id"], founded["api_key"]
	if _, stderr, err := runCLI(t, nil, "seed", "--org", "Seeded", "--template", "compliance", "--users", "40",
		"--facilities", "8", "--groups", "6", "--db", s.path); err != nil {
		t.Fatalf("seed: %v\n%s", err, stderr)
	}

	st, err := store.Open(ctx, s.path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := service.New(st, testsupport.ServiceConfig("https://gatehouse.acme.test", nil))
	link, _ := url.Parse(founded["set_password_url"])
	must(t, svc.ResetPassword(ctx, link.Query().Get("token"), s.adminPassword))
	actor, err := svc.AuthenticateAPIKey(ctx, s.initKey)
	must(t, err)
	north, _, err := svc.CreateFacility(ctx, actor, service.FacilityInput{Name: "North", ExternalID: "N-1"})
	must(t, err)
	south, _, err := svc.CreateFacility(ctx, actor, service.FacilityInput{Name: "South"}) // external_id NULL
	must(t, err)
	archived := true
	_, _, err = svc.UpdateFacility(ctx, actor, south.ID, service.FacilityPatch{Archived: &archived})
	must(t, err)
	techs, _, err := svc.CreateGroup(ctx, actor, service.GroupInput{Name: "Technicians",
		Permissions: []string{"work_orders.view_own", "work_orders.edit", "assets.view"}})
	must(t, err)
	tess, err := svc.InviteUser(ctx, actor, service.UserInput{FirstName: "Tess", LastName: "Tech", Email: "tess@acme.test",
		GroupIDs: []string{techs.ID}, FacilityIDs: []string{north.ID}, Permissions: []string{"reports.view"}})
	must(t, err)
	s.tessID = tess.User.ID
	_, _, err = svc.AcceptInvitation(ctx, tess.Token, s.tessPassword)
	must(t, err)
	ivy, err := svc.InviteUser(ctx, actor, service.UserInput{FirstName: "Ivy", LastName: "Invited", Email: "ivy@acme.test",
		GroupIDs: []string{techs.ID}})
	must(t, err)
	s.ivyToken = ivy.Token
	leo, err := svc.InviteUser(ctx, actor, service.UserInput{FirstName: "Leo", LastName: "Leaver", Email: "leo@acme.test",
		FullAccess: true})
	must(t, err)
	_, _, err = svc.AcceptInvitation(ctx, leo.Token, "leo's old password")
	must(t, err)
	_, _, err = svc.DeactivateUser(ctx, actor, leo.User.ID)
	must(t, err)
	key, err := svc.CreateAPIKey(ctx, actor, "work order service")
	must(t, err)
	s.serviceKey = key.Secret
	s.session, _, err = svc.SignIn(ctx, "", "admin@acme.test", s.adminPassword, "192.0.2.1:1000", "copy test")
	must(t, err)
	if _, _, err := svc.SignIn(ctx, "", "tess@acme.test", "not her password", "192.0.2.7:1000", "copy test"); err == nil {
		t.Fatal("a wrong password signed in")
	}
	must(t, svc.RequestPasswordReset(ctx, "tess@acme.test"))
	fillSignInTables(t, ctx, svc, st, actor, techs.ID, north.ID)
	if _, stderr, err := runCLI(t, nil, "licences", "seats", "--org", seededOrg(t, st), "--licence", "approval", "--seats", "30", "--db", s.path); err != nil {
		t.Fatalf("licences seats: %v\n%s", err, stderr)
	}
	if _, stderr, err := runCLI(t, nil, "keys", "rotate", "--db", s.path); err != nil {
		t.Fatalf("keys rotate: %v\n%s", err, stderr)
	}
	return s
}

// fillSignInTables gives a row to each table of two-step verification,
// the OpenID provider, single sign-on and time-bound grants, so that
// copying them is tested: Mo, with an authenticator app, waits at the
// second step of a sign-in.
func fillSignInTables(t *testing.T, ctx context.Context, svc *service.Service, st *store.DB, actor gatehouse.Actor, groupID, facilityID string) {
	t.Helper()
	mo, err := svc.InviteUser(ctx, actor, service.UserInput{FirstName: "Mo", LastName: "Factor", Email: "mo@acme.test"})
	must(t, err)
	_, _, err = svc.AcceptInvitation(ctx, mo.Token, "mo's own password")
	must(t, err)
	moActor := gatehouse.Actor{OrgID: actor.OrgID, UserID: mo.User.ID}
	enrol, err := svc.BeginTOTP(ctx, moActor, "mo's own password", "192.0.2.9:1000")
	must(t, err)
	code, err := totp.GenerateCode(enrol.Secret, time.Now())
	must(t, err)
	_, err = svc.ConfirmTOTP(ctx, moActor, enrol.Token, "Phone", code, "192.0.2.9:1000")
	must(t, err)
	var step *service.SecondFactorNeeded
	if _, _, err := svc.SignIn(ctx, "", "mo@acme.test", "mo's own password", "192.0.2.9:1000", "copy test"); !errors.As(err, &step) {
		t.Fatalf("sign-in with a factor: %v, want the second step", err)
	}
	_, err = svc.SetMFAPolicy(ctx, actor, "admins")
	must(t, err)

	client, _, err := svc.CreateOIDCClient(ctx, actor, service.OIDCClientInput{Name: "Work orders", Confidential: true,
		RedirectURIs: []string{"https://work.acme.test/callback"}, Scopes: []string{"email", "offline_access"}})
	must(t, err)
	_, _, err = svc.CreateSSOConnection(ctx, actor, service.SSOConnectionInput{Name: "Acme Entra", Issuer: "https://login.acme.test",
		ClientID: "gatehouse", ClientSecret: "sso secret", Domains: []string{"acme.example"}, DefaultGroupIDs: []string{groupID}})
	must(t, err)
	_, _, _, err = svc.AddGrant(ctx, actor, mo.User.ID, gatehouse.Grant{Type: "group", GroupID: groupID, FacilityID: facilityID,
		ExpiresAt: time.Now().Add(14 * 24 * time.Hour).Truncate(time.Second)})
	must(t, err)

	// What only a browser's round trip makes, written as the provider and
	// the relying party write it.
	now := time.Now().UTC().Truncate(time.Second)
	must(t, st.Update(ctx, func(tx gatehouse.Tx) error {
		if err := tx.CreateOIDCAuthRequest(&gatehouse.OIDCAuthRequest{ID: "ar_copy", OrgID: actor.OrgID, ClientID: client.ID,
			Request: []byte(`{"scopes":["openid"]}`), MaxAge: -1, CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.CreateOIDCToken(&gatehouse.OIDCToken{ID: "rt_copy", OrgID: actor.OrgID, ClientID: client.ID, UserID: mo.User.ID,
			Refresh: true, TokenHash: gatehouse.HashToken("a refresh token"), FamilyID: "fam_copy", Scopes: []string{"openid", "offline_access"},
			Audience: []string{client.ID}, AMR: []string{"pwd", "otp", "mfa"}, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}); err != nil {
			return err
		}
		connections, err := tx.FindSSOConnections(actor.OrgID)
		if err != nil {
			return err
		}
		if err := tx.CreateSSOState(&gatehouse.SSOState{StateHash: gatehouse.HashToken("a state"), OrgID: actor.OrgID,
			ConnectionID: connections[0].ID, Nonce: "nonce", CodeVerifier: "verifier", Next: "/account", CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)}); err != nil {
			return err
		}
		_, err = tx.MarkGrantBoundary(actor.OrgID, gatehouse.GrantBoundary{UserID: mo.User.ID,
			GrantID: gatehouse.GrantID("group", groupID, facilityID), Boundary: gatehouse.BoundaryStart, At: now.Add(-time.Hour)})
		return err
	}))
}

// seededOrg is the id of the organization gatehouse seed made.
func seededOrg(t *testing.T, st *store.DB) string {
	t.Helper()
	var id string
	must(t, st.View(context.Background(), func(tx gatehouse.Tx) error {
		orgs, err := tx.FindOrganizations()
		for _, o := range orgs {
			if o.Name == "Seeded" {
				id = o.ID
			}
		}
		return err
	}))
	return id
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestCopyMovesSQLiteToPostgres: gatehouse copy moves an SQLite deployment
// to PostgreSQL whole. Every table of the migrated source has rows (so a
// table a future migration adds fails this test until it is filled here
// too) and arrives with the same rows, values converted but equal
// (timestamps, booleans, NULLs); a service on the target takes the
// source's API keys, sessions, passwords and invitations, answers every
// check as the source did, and continues the organizations' revisions.
func TestCopyMovesSQLiteToPostgres(t *testing.T) {
	ctx := context.Background()
	target := storetest.Postgres(t)
	src := newCopySource(t)

	srcRaw, err := storetest.OpenRaw(src.path)
	must(t, err)
	defer srcRaw.Close()
	srcTables := gatehouseTables(t, srcRaw)
	for _, table := range srcTables {
		if table == "instances" || table == "instance_acks" {
			continue // the leases of PostgreSQL's instances: always empty on SQLite
		}
		if len(dumpTable(t, srcRaw, table)) == 0 {
			t.Errorf("the source's table %s is empty: fill it in newCopySource, so that the copy of its rows is tested", table)
		}
	}
	before := decisions(t, src.path)

	out, stderr, err := runCLI(t, nil, "copy", "--from", src.path, "--to", target)
	if err != nil {
		t.Fatalf("copy: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, fmt.Sprintf("in %d tables", len(srcTables))) {
		t.Errorf("copy's report does not name every one of the %d tables:\n%s", len(srcTables), out)
	}

	dstRaw, err := storetest.OpenRaw(target)
	must(t, err)
	defer dstRaw.Close()
	if got := gatehouseTables(t, dstRaw); !slices.Equal(got, srcTables) {
		t.Fatalf("tables: source %v, target %v", srcTables, got)
	}
	for _, table := range srcTables {
		want, got := dumpTable(t, srcRaw, table), dumpTable(t, dstRaw, table)
		if !slices.Equal(want, got) {
			t.Errorf("table %s differs:\nsource %d rows: %.600v\ntarget %d rows: %.600v", table, len(want), want, len(got), got)
		}
	}

	// Every decision, for every user of both organizations.
	after := decisions(t, target)
	if len(after) != len(before) {
		t.Fatalf("%d decisions on the source, %d on the target", len(before), len(after))
	}
	for k, d := range before {
		if after[k] != d {
			t.Errorf("%s: source %+v, target %+v", k, d, after[k])
		}
	}

	st, err := store.Open(ctx, target)
	must(t, err)
	defer st.Close()
	svc := service.New(st, testsupport.ServiceConfig("https://gatehouse.acme.test", nil))
	for _, key := range []string{src.initKey, src.serviceKey} {
		actor, err := svc.AuthenticateAPIKey(ctx, key)
		if err != nil || actor.UserID != src.adminID || actor.OrgID != src.orgID {
			t.Fatalf("an API key made on the source: %+v, %v", actor, err)
		}
	}
	if sess, err := svc.AuthenticateSession(ctx, src.session); err != nil || sess.UserID != src.adminID {
		t.Fatalf("a session begun on the source: %+v, %v", sess, err)
	}
	if _, sess, err := svc.SignIn(ctx, "", "tess@acme.test", src.tessPassword, "192.0.2.2:1", "copy test"); err != nil || sess.UserID != src.tessID {
		t.Fatalf("signing in with a password set on the source: %v", err)
	}
	if _, _, err := svc.SignIn(ctx, "", "tess@acme.test", "still not her password", "192.0.2.2:1", "copy test"); gatehouse.ErrorCode(err) != gatehouse.EUNAUTHORIZED {
		t.Fatalf("a wrong password on the target: %v", err)
	}
	if _, err := svc.InvitationPreview(ctx, src.ivyToken); err != nil {
		t.Fatalf("an invitation made on the source: %v", err)
	}

	// The organization's history continues where it stopped.
	actor, err := svc.AuthenticateAPIKey(ctx, src.initKey)
	must(t, err)
	snap, err := svc.Fresh(ctx, src.orgID, 0)
	must(t, err)
	_, rev, err := svc.DeactivateUser(ctx, actor, src.tessID)
	must(t, err)
	if rev != snap.Revision+1 {
		t.Fatalf("the first write on the target got revision %d, want %d", rev, snap.Revision+1)
	}
	var changes int
	must(t, dstRaw.QueryRow(`SELECT COUNT(*) FROM access_changes WHERE org_id = $1 AND revision <= $2`, src.orgID, snap.Revision).Scan(&changes))
	if changes == 0 {
		t.Fatal("the source's recorded changes did not carry over")
	}
}

// TestCopyRefusesANonEmptyTarget: a target holding a row, Gatehouse's or
// any other, is refused with a conflict, and nothing in it changes: not
// its rows, not its tables (it is not even migrated).
func TestCopyRefusesANonEmptyTarget(t *testing.T) {
	src := filepath.Join(t.TempDir(), "gatehouse.db")
	if _, stderr, err := runCLI(t, nil, "init", "--org", "Acme", "--admin-email", "admin@acme.test", "--db", src); err != nil {
		t.Fatalf("init: %v\n%s", err, stderr)
	}

	used := storetest.Postgres(t)
	if _, stderr, err := runCLI(t, nil, "init", "--org", "Already here", "--admin-email", "admin@here.test", "--db", used); err != nil {
		t.Fatalf("init on the target: %v\n%s", err, stderr)
	}
	raw, err := storetest.OpenRaw(used)
	must(t, err)
	defer raw.Close()
	snapshot := func() map[string][]string {
		m := map[string][]string{}
		for _, table := range gatehouseTables(t, raw) {
			m[table] = dumpTable(t, raw, table)
		}
		return m
	}
	was := snapshot()
	_, _, err = runCLI(t, nil, "copy", "--from", src, "--to", used)
	if gatehouse.ErrorCode(err) != gatehouse.ECONFLICT || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("copy to a database in use: %v, want a conflict saying it is not empty", err)
	}
	if now := snapshot(); fmt.Sprint(now) != fmt.Sprint(was) {
		t.Fatal("the refused copy changed the target")
	}

	foreign := storetest.Postgres(t)
	other, err := storetest.OpenRaw(foreign)
	must(t, err)
	defer other.Close()
	if _, err := other.Exec(`CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')`); err != nil {
		t.Fatal(err)
	}
	_, _, err = runCLI(t, nil, "copy", "--from", src, "--to", foreign)
	if gatehouse.ErrorCode(err) != gatehouse.ECONFLICT || !strings.Contains(err.Error(), "notes") {
		t.Fatalf("copy to a database with another application's rows: %v, want a conflict naming the table", err)
	}
	if tables, err := storetest.Tables(other); err != nil || !slices.Equal(tables, []string{"notes"}) {
		t.Fatalf("the refused copy left the tables %v (%v), want only notes", tables, err)
	}
}

// TestCopyRefusesASourceFromANewerGatehouse: a source migrated beyond what
// this binary knows is refused, naming both versions, before the target
// is touched.
func TestCopyRefusesASourceFromANewerGatehouse(t *testing.T) {
	src := filepath.Join(t.TempDir(), "gatehouse.db")
	if _, stderr, err := runCLI(t, nil, "migrate", "--db", src); err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr)
	}
	raw, err := storetest.OpenRaw(src)
	must(t, err)
	if _, err := raw.Exec(`INSERT INTO goose_db_version (version_id, is_applied, tstamp) VALUES (999, 1, CURRENT_TIMESTAMP)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	target := storetest.Postgres(t)
	_, _, err = runCLI(t, nil, "copy", "--from", src, "--to", target)
	if gatehouse.ErrorCode(err) != gatehouse.EINVALID || !strings.Contains(err.Error(), "migration 999") {
		t.Fatalf("copy from a newer Gatehouse's database: %v", err)
	}
	dst, err := storetest.OpenRaw(target)
	must(t, err)
	defer dst.Close()
	if tables, err := storetest.Tables(dst); err != nil || len(tables) != 0 {
		t.Fatalf("the refused copy created %v (%v)", tables, err)
	}
}

// TestCopyRefusesTheWrongEngines: copy goes from an SQLite file that
// exists to a PostgreSQL URL; anything else is refused, saying what to
// use instead, and no file is created. (No database is needed.)
func TestCopyRefusesTheWrongEngines(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "gatehouse.db")
	if _, stderr, err := runCLI(t, nil, "migrate", "--db", src); err != nil {
		t.Fatalf("migrate: %v\n%s", err, stderr)
	}
	pg := "postgres://gatehouse:secret@127.0.0.1:1/nowhere"
	missing := filepath.Join(dir, "typo.db")
	for name, c := range map[string]struct {
		args       []string
		field, say string
	}{
		"from PostgreSQL":   {[]string{"--from", pg, "--to", pg}, "from", "pg_dump"},
		"to SQLite":         {[]string{"--from", src, "--to", filepath.Join(dir, "new.db")}, "to", "gatehouse backup"},
		"no target":         {[]string{"--from", src}, "to", "postgres://"},
		"a missing source":  {[]string{"--from", missing, "--to", pg}, "from", "no such SQLite database"},
		"the password kept": {[]string{"--from", pg, "--to", src}, "from", "xxxxx"},
	} {
		_, _, err := runCLI(t, nil, append([]string{"copy"}, c.args...)...)
		var e *gatehouse.Error
		if !errors.As(err, &e) || e.Code != gatehouse.EINVALID || e.Field != c.field || !strings.Contains(e.Message, c.say) {
			t.Errorf("%s: %v, want invalid %s saying %q", name, err, c.field, c.say)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the error shows the password: %v", name, err)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatalf("the refused copy created %s: %v", missing, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "new.db")); !os.IsNotExist(err) {
		t.Fatal("the refused copy created the SQLite target")
	}
}

// gatehouseTables lists a database's tables without the migrations' own.
func gatehouseTables(t *testing.T, raw *sql.DB) []string {
	t.Helper()
	tables, err := storetest.Tables(raw)
	must(t, err)
	tables = slices.DeleteFunc(tables, func(n string) bool { return n == "goose_db_version" || strings.HasPrefix(n, "sqlite_") })
	slices.Sort(tables)
	return tables
}

// dumpTable returns every row of a table, each as its columns by name with
// values written the same on both engines (a boolean as 0 or 1, a time in
// UTC to the microsecond), sorted.
func dumpTable(t *testing.T, raw *sql.DB, table string) []string {
	t.Helper()
	rows, err := raw.Query(`SELECT * FROM "` + table + `"`)
	must(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	must(t, err)
	var out []string
	for rows.Next() {
		values := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range values {
			ptrs[i] = &values[i]
		}
		must(t, rows.Scan(ptrs...))
		fields := make([]string, len(cols))
		for i, v := range values {
			var s string
			switch x := v.(type) {
			case nil:
				s = "NULL"
			case bool:
				s = "0"
				if x {
					s = "1"
				}
			case time.Time:
				// PostgreSQL keeps microseconds; the store writes some
				// times to SQLite with nanoseconds.
				s = x.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
			case []byte:
				s = fmt.Sprintf("%q", x)
			case string:
				s = fmt.Sprintf("%q", x)
			default:
				s = fmt.Sprint(x)
			}
			fields[i] = cols[i] + "=" + s
		}
		slices.Sort(fields)
		out = append(out, strings.Join(fields, " "))
	}
	must(t, rows.Err())
	slices.Sort(out)
	return out
}

// decisions answers, on the database at dsn, every permission of each
// organization's catalog for every user of it, anywhere, at each facility,
// and on a resource the user created.
func decisions(t *testing.T, dsn string) map[string]authz.Decision {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dsn)
	must(t, err)
	defer st.Close()
	raw, err := storetest.OpenRaw(dsn)
	must(t, err)
	defer raw.Close()
	svc := service.New(st, testsupport.ServiceConfig("https://gatehouse.acme.test", nil))
	pairs := func(q string) map[string][]string {
		rows, err := raw.Query(q)
		must(t, err)
		defer rows.Close()
		m := map[string][]string{}
		for rows.Next() {
			var org, id string
			must(t, rows.Scan(&org, &id))
			m[org] = append(m[org], id)
		}
		must(t, rows.Err())
		return m
	}
	users, facilities := pairs(`SELECT org_id, id FROM users`), pairs(`SELECT org_id, id FROM facilities`)
	out := map[string]authz.Decision{}
	for org, ids := range users {
		snap, err := svc.Fresh(ctx, org, 0)
		must(t, err)
		for _, user := range ids {
			for _, p := range snap.Catalog().Permissions() {
				resources := []authz.Resource{{}, {CreatedBy: user}}
				for _, f := range facilities[org] {
					resources = append(resources, authz.Resource{FacilityID: f}, authz.Resource{FacilityID: f, AssigneeID: user})
				}
				for _, r := range resources {
					out[fmt.Sprintf("%s %s %s %+v @%d", org, user, p.Codename, r, snap.Revision)] = snap.Check(user, p.Codename, r)
				}
			}
		}
	}
	if len(out) < 1000 {
		t.Fatalf("only %d decisions: the source is too small to compare", len(out))
	}
	return out
}
