package client_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/client"
)

// TestAdministration walks the admin routes through the client: catalog,
// me, facilities, groups, users and their lifecycle, effective permissions,
// the audit log.
func TestAdministration(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "facilities")
	gh := e.admin

	me := must[*client.Me](t)(gh.Me(ctx))
	if me.User.ID != e.adminID || !me.User.FullAccess || me.Organization.ID != e.orgID || me.APIKeyID == "" || me.Organization.Revision < 0 {
		t.Fatalf("me: %+v", me)
	}
	if gh.Revision() < me.Organization.Revision {
		t.Fatalf("revision %d after me at %d", gh.Revision(), me.Organization.Revision)
	}
	cat := must[*client.Catalog](t)(gh.Catalog(ctx))
	n := 0
	for _, c := range cat.Categories {
		n += len(c.Permissions)
	}
	if cat.Template != "facilities" || len(cat.Categories) != 9 || n != 40 || len(cat.Licences) != 0 {
		t.Fatalf("catalog: %s, %d categories, %d permissions, %d licences", cat.Template, len(cat.Categories), n, len(cat.Licences))
	}

	// Facilities: every write returns a newer revision, which the client
	// then knows.
	north, rev1, err := gh.CreateFacility(ctx, client.NewFacility{Name: "North Depot", ExternalID: "site-1"})
	if err != nil || north.Name != "North Depot" || north.ExternalID != "site-1" || rev1 <= 0 || gh.Revision() != rev1 {
		t.Fatalf("create facility: %+v, %d, %v (client at %d)", north, rev1, err, gh.Revision())
	}
	south, rev2, err := gh.CreateFacility(ctx, client.NewFacility{Name: "South Depot"})
	if err != nil || rev2 <= rev1 || gh.Revision() != rev2 {
		t.Fatalf("second facility: %d after %d, %v", rev2, rev1, err)
	}
	if got := must[*client.Facility](t)(gh.GetFacility(ctx, north.ID)); got.ID != north.ID || got.Name != north.Name {
		t.Fatalf("get facility: %+v", got)
	}
	renamed := must2[*client.Facility](t)(gh.UpdateFacility(ctx, south.ID, client.FacilityPatch{Name: client.Ptr("South Yard"), ExternalID: client.Ptr("site-2")}))
	if renamed.Name != "South Yard" || renamed.ExternalID != "site-2" || renamed.Archived {
		t.Fatalf("update facility: %+v", renamed)
	}
	if f := must2[*client.Facility](t)(gh.ArchiveFacility(ctx, south.ID)); !f.Archived {
		t.Fatalf("archive: %+v", f)
	}
	archived := must[client.Page[client.Facility]](t)(gh.ListFacilities(ctx, client.FacilityQuery{Archived: client.Ptr(true)}))
	if len(archived.Items) != 1 || archived.Items[0].ID != south.ID || archived.NextCursor != "" {
		t.Fatalf("archived facilities: %+v", archived)
	}
	if f := must2[*client.Facility](t)(gh.UnarchiveFacility(ctx, south.ID)); f.Archived {
		t.Fatalf("unarchive: %+v", f)
	}
	if rev := must[client.Revision](t)(gh.DeleteFacility(ctx, south.ID)); rev <= 0 || gh.Revision() != rev {
		t.Fatalf("delete facility: revision %d, client at %d", rev, gh.Revision())
	}
	if _, err := gh.GetFacility(ctx, south.ID); !client.IsNotFound(err) {
		t.Fatalf("deleted facility: %v", err)
	}

	// Groups.
	tech := must2[*client.Group](t)(gh.CreateGroup(ctx, client.NewGroup{Name: "Technician", Permissions: []string{"work_orders.view", "work_orders.edit"}}))
	if tech.Name != "Technician" || !slices.Contains(tech.Permissions, "work_orders.edit") {
		t.Fatalf("create group: %+v", tech)
	}
	tech = must2[*client.Group](t)(gh.UpdateGroup(ctx, tech.ID, client.GroupPatch{Description: client.Ptr("Fixes things")}))
	if tech.Description != "Fixes things" || len(tech.Permissions) != 2 {
		t.Fatalf("update group: %+v", tech)
	}
	if g := must[*client.Group](t)(gh.GetGroup(ctx, tech.ID)); g.Description != "Fixes things" {
		t.Fatalf("get group: %+v", g)
	}
	groups := must[client.Page[client.Group]](t)(gh.ListGroups(ctx, client.Paging{}))
	if len(groups.Items) != 1 || groups.Items[0].ID != tech.ID {
		t.Fatalf("list groups: %+v", groups)
	}

	// Users: invite, edit, deactivate and activate, effective permissions.
	tess := must2[*client.User](t)(gh.InviteUser(ctx, client.NewUser{FirstName: "Tess", LastName: "Tech", Email: e.email("tess"),
		Phone: "+44 20 7946 0000", GroupIDs: []string{tech.ID}, FacilityIDs: []string{north.ID}}))
	if tess.Status != client.StatusInvited || tess.Invitation == nil || tess.Invitation.State != "pending" || tess.EmailVerified {
		t.Fatalf("invite: %+v", tess)
	}
	if u := must[*client.User](t)(gh.GetUser(ctx, tess.ID)); u.Email != e.email("tess") || !slices.Equal(u.GroupIDs, []string{tech.ID}) {
		t.Fatalf("get user: %+v", u)
	}
	found := must[client.Page[client.User]](t)(gh.ListUsers(ctx, client.UserQuery{Q: "tess", Status: client.StatusInvited, GroupID: tech.ID, FacilityID: north.ID}))
	if len(found.Items) != 1 || found.Items[0].ID != tess.ID {
		t.Fatalf("list users: %+v", found)
	}
	tess = must2[*client.User](t)(gh.UpdateUser(ctx, tess.ID, client.UserPatch{LastName: client.Ptr("Technician"), Permissions: client.Ptr([]string{"reports.view"})}))
	if tess.LastName != "Technician" || !slices.Equal(tess.Permissions, []string{"reports.view"}) || !slices.Equal(tess.GroupIDs, []string{tech.ID}) {
		t.Fatalf("update user: %+v", tess)
	}
	// A set but nil list clears it (sent as [], not as null, which changes nothing).
	tess = must2[*client.User](t)(gh.UpdateUser(ctx, tess.ID, client.UserPatch{Permissions: client.Ptr([]string(nil))}))
	if len(tess.Permissions) != 0 || len(tess.GroupIDs) != 1 {
		t.Fatalf("clearing permissions: %+v", tess)
	}
	e.activate(tess.ID)
	perms := must[[]client.EffectivePermission](t)(gh.UserPermissions(ctx, tess.ID))
	var edit *client.EffectivePermission
	for i := range perms {
		if perms[i].Codename == "work_orders.edit" {
			edit = &perms[i]
		}
	}
	if edit == nil || !edit.FacilityScoped || !slices.Equal(edit.FacilityIDs, []string{north.ID}) ||
		!slices.Contains(edit.GrantedBy, client.Source{Type: "group", ID: tech.ID}) {
		t.Fatalf("effective permissions: %+v", perms)
	}
	if u := must2[*client.User](t)(gh.DeactivateUser(ctx, tess.ID)); u.Status != client.StatusInactive {
		t.Fatalf("deactivate: %+v", u)
	}
	if d := must[*client.Decision](t)(gh.CheckDetail(ctx, tess.ID, "work_orders.edit", client.Resource{FacilityID: north.ID})); d.Allowed || d.Reason != "user_inactive" {
		t.Fatalf("inactive user's check: %+v", d)
	}
	// Tess never accepted her invitation (she was activated in the store), so
	// activating her again makes her invited, not active.
	if u := must2[*client.User](t)(gh.ActivateUser(ctx, tess.ID)); u.Status != client.StatusInvited {
		t.Fatalf("activate: %+v", u)
	}

	// The audit log has the writes, newest first, by the admin's key.
	events := must[client.Page[client.AuditEvent]](t)(gh.ListAuditEvents(ctx, client.AuditQuery{TargetID: tess.ID, Action: "user.invited", ActorID: e.adminID, TargetType: "user"}))
	if len(events.Items) != 1 || events.Items[0].ActorID != e.adminID || events.Items[0].APIKeyID != me.APIKeyID || events.Items[0].Changes["email"].After != e.email("tess") {
		t.Fatalf("audit events: %+v", events)
	}
	latest := must[client.Page[client.AuditEvent]](t)(gh.ListAuditEvents(ctx, client.AuditQuery{Since: events.Items[0].At, Paging: client.Paging{Limit: 1}}))
	if len(latest.Items) != 1 || latest.Items[0].Action != "user.activated" && latest.Items[0].TargetID != tess.ID {
		t.Fatalf("newest event: %+v", latest.Items)
	}

	// Deleting.
	if rev := must[client.Revision](t)(gh.DeleteUser(ctx, tess.ID)); rev != gh.Revision() {
		t.Fatalf("delete user: %d, client at %d", rev, gh.Revision())
	}
	if _, err := gh.GetUser(ctx, tess.ID); !client.IsNotFound(err) {
		t.Fatalf("deleted user: %v", err)
	}
	must[client.Revision](t)(gh.DeleteGroup(ctx, tech.ID))
	if _, err := gh.GetGroup(ctx, tech.ID); !client.IsNotFound(err) {
		t.Fatalf("deleted group: %v", err)
	}
}

// TestAuthorization asks check, check-batch and filter through the client.
func TestAuthorization(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "facilities")
	gh := e.admin
	north := must2[*client.Facility](t)(gh.CreateFacility(ctx, client.NewFacility{Name: "North"}))
	south := must2[*client.Facility](t)(gh.CreateFacility(ctx, client.NewFacility{Name: "South"}))
	tech := must2[*client.Group](t)(gh.CreateGroup(ctx, client.NewGroup{Name: "Technician", Permissions: []string{"work_orders.edit", "work_orders.view_own"}}))
	tess := e.activeUser("tess", client.NewUser{GroupIDs: []string{tech.ID}, FacilityIDs: []string{north.ID}})

	if ok := must[bool](t)(gh.Check(ctx, tess, "work_orders.edit", client.Resource{FacilityID: north.ID})); !ok {
		t.Fatal("edit in an assigned facility: denied")
	}
	if ok := must[bool](t)(gh.Check(ctx, tess, "work_orders.edit", client.Resource{FacilityID: south.ID})); ok {
		t.Fatal("edit in another facility: allowed")
	}
	d := must[*client.Decision](t)(gh.CheckDetail(ctx, tess, "work_orders.edit", client.Resource{FacilityID: north.ID}))
	if !d.Allowed || d.Reason != "granted" || !slices.Contains(d.GrantedBy, client.Source{Type: "group", ID: tech.ID}) || d.Revision <= 0 || d.Message == "" {
		t.Fatalf("decision: %+v", d)
	}
	if d := must[*client.Decision](t)(gh.CheckDetail(ctx, tess, "work_orders.edit", client.Resource{FacilityID: south.ID})); d.Reason != "facility_not_assigned" {
		t.Fatalf("denial: %+v", d)
	}

	results := must[[]client.Decision](t)(gh.CheckBatch(ctx, []client.CheckRequest{
		{UserID: tess, Permission: "work_orders.view", Resource: client.Resource{FacilityID: north.ID, CreatedBy: tess}},
		{UserID: tess, Permission: "work_orders.view", Resource: client.Resource{FacilityID: north.ID, CreatedBy: e.adminID}},
		{UserID: tess, Permission: "users.view"},
	}))
	if len(results) != 3 || !results[0].Allowed || !results[0].OwnOnly || results[1].Allowed || results[1].Reason != "not_own" || results[2].Allowed {
		t.Fatalf("batch: %+v", results)
	}

	f := must[*client.Filter](t)(gh.Filter(ctx, tess, "work_orders.view"))
	if !f.Allowed || f.AllFacilities || !slices.Equal(f.FacilityIDs, []string{north.ID}) || !f.OwnOnly || f.Revision <= 0 {
		t.Fatalf("filter: %+v", f)
	}
	if f := must[*client.Filter](t)(gh.Filter(ctx, e.adminID, "work_orders.view")); !f.Allowed || !f.AllFacilities {
		t.Fatalf("full access filter: %+v", f)
	}
	if f := must[*client.Filter](t)(gh.Filter(ctx, tess, "users.view")); f.Allowed {
		t.Fatalf("filter without the permission: %+v", f)
	}
}

// TestAccounts follows a person from the invitation to signing out,
// through the client: accepting, signing in (the client then acts with the
// session), API keys, sessions, email verification and password reset.
func TestAccounts(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "facilities")
	tess := e.invite("tess", client.NewUser{})
	must2[*client.User](t)(e.admin.RegenerateInvite(ctx, tess.ID))

	anon := e.client("")
	accepted := must2[*client.User](t)(anon.AcceptInvitation(ctx, e.mailedToken(e.email("tess"), "/invite"), password))
	if accepted.ID != tess.ID || accepted.Status != client.StatusActive || !accepted.EmailVerified {
		t.Fatalf("accepted: %+v", accepted)
	}
	t.Logf("accept answer's invitation: %+v", *accepted.Invitation)
	if u := must[*client.User](t)(e.admin.GetUser(ctx, tess.ID)); u.Invitation == nil || u.Invitation.State != "accepted" || u.Invitation.AcceptedAt == nil {
		t.Fatalf("after accepting: %+v", u.Invitation)
	}

	// Signing in: the client keeps the session and acts with it.
	browser := e.client("")
	signedIn := must[*client.SignedIn](t)(browser.SignIn(ctx, client.Credentials{Email: e.email("tess"), Password: password}))
	if signedIn.User.ID != tess.ID || signedIn.Token == "" || browser.Session() != signedIn.Token || signedIn.ExpiresAt.IsZero() {
		t.Fatalf("signed in: %+v", signedIn)
	}
	if me := must[*client.Me](t)(browser.Me(ctx)); me.User.ID != tess.ID || me.APIKeyID != "" {
		t.Fatalf("me with a session: %+v", me)
	}
	resumed := e.client("", client.WithSession(signedIn.Token))
	if me := must[*client.Me](t)(resumed.Me(ctx)); me.User.ID != tess.ID {
		t.Fatalf("me with a resumed session: %+v", me)
	}

	// API keys of one's own.
	key, rev, err := browser.CreateAPIKey(ctx, "work-orders service")
	if err != nil || key.Secret == "" || key.Name != "work-orders service" || key.ID == "" || rev <= 0 {
		t.Fatalf("create api key: %+v, %d, %v", key, rev, err)
	}
	service := e.client(key.Secret)
	if me := must[*client.Me](t)(service.Me(ctx)); me.User.ID != tess.ID || me.APIKeyID != key.ID {
		t.Fatalf("me with the new key: %+v", me)
	}
	keys := must[[]client.APIKey](t)(browser.ListAPIKeys(ctx))
	if len(keys) != 1 || keys[0].ID != key.ID || keys[0].Prefix == "" || keys[0].LastUsedAt == nil {
		t.Fatalf("api keys: %+v", keys)
	}
	must[client.Revision](t)(browser.DeleteAPIKey(ctx, key.ID))
	if _, err := service.Me(ctx); !client.IsUnauthorized(err) {
		t.Fatalf("a revoked key: %v", err)
	}

	// Sessions: list them, end another, sign out.
	sessions := must[[]client.Session](t)(browser.ListSessions(ctx))
	if len(sessions) != 1 || !sessions[0].Current {
		t.Fatalf("sessions: %+v", sessions)
	}
	other := e.client("")
	must[*client.SignedIn](t)(other.SignIn(ctx, client.Credentials{Email: e.email("tess"), Password: password}))
	sessions = must[[]client.Session](t)(browser.ListSessions(ctx))
	if len(sessions) != 2 {
		t.Fatalf("two sessions: %+v", sessions)
	}
	for _, s := range sessions {
		if !s.Current {
			if err := browser.RevokeSession(ctx, s.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := other.Me(ctx); !client.IsUnauthorized(err) {
		t.Fatalf("a revoked session: %v", err)
	}
	if err := browser.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := resumed.Me(ctx); !client.IsUnauthorized(err) || browser.Session() != "" {
		t.Fatalf("after signing out: %v, session %q", err, browser.Session())
	}
	if _, err := browser.Me(ctx); !client.IsUnauthorized(err) {
		t.Fatalf("the signed-out client: %v", err)
	}

	// Email verification: a new address waits as PendingEmail until confirmed.
	changed := must2[*client.User](t)(e.admin.UpdateUser(ctx, tess.ID, client.UserPatch{Email: client.Ptr(e.email("tess.new"))}))
	if changed.PendingEmail != e.email("tess.new") || changed.Email != e.email("tess") {
		t.Fatalf("a new address is not pending: %+v", changed)
	}
	must2[*client.User](t)(e.admin.ResendVerification(ctx, tess.ID))
	confirmed := must2[*client.User](t)(anon.ConfirmEmail(ctx, e.mailedToken(e.email("tess.new"), "/verify-email")))
	if !confirmed.EmailVerified || confirmed.ID != tess.ID || confirmed.Email != e.email("tess.new") || confirmed.PendingEmail != "" {
		t.Fatalf("confirmed: %+v", confirmed)
	}

	// Password reset.
	if err := anon.RequestPasswordReset(ctx, e.email("tess.new")); err != nil {
		t.Fatal(err)
	}
	if err := anon.RequestPasswordReset(ctx, e.email("nobody")); err != nil {
		t.Fatalf("an unknown email gets the same answer: %v", err)
	}
	if err := anon.ConfirmPasswordReset(ctx, e.mailedToken(e.email("tess.new"), "/reset-password"), "another horse battery"); err != nil {
		t.Fatal(err)
	}
}
