package service_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// lastEvent returns the newest audit event of the fixture's organization.
func (f *fixture) lastEvent() *gatehouse.AuditEvent {
	f.t.Helper()
	events, err := f.svc.AuditEvents(context.Background(), gatehouse.SystemActor(f.org.Org.ID), gatehouse.AuditFilter{Limit: 1})
	if err != nil || len(events) == 0 {
		f.t.Fatalf("no audit event: %v", err)
	}
	return events[0]
}

func (f *fixture) eventCount() int {
	f.t.Helper()
	events, err := f.svc.AuditEvents(context.Background(), gatehouse.SystemActor(f.org.Org.ID), gatehouse.AuditFilter{Limit: 10000})
	if err != nil {
		f.t.Fatal(err)
	}
	return len(events)
}

func TestEveryWriteRecordsOneAuditEvent(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := gatehouse.WithRequestInfo(context.Background(), gatehouse.RequestInfo{Client: "192.0.2.7:5555", RequestID: "req_test"})
	admin := f.admin
	var facilityID, groupID, userID, keyID string
	name := "Renamed"
	yes := true

	steps := []struct {
		name       string
		write      func() error
		actorType  string
		action     string
		targetType string
		target     func() string
		field      string // a field whose change must be recorded
		before     any
		after      any
	}{
		{"create facility", func() error {
			fac, _, err := f.svc.CreateFacility(ctx, admin, service.FacilityInput{Name: "Depot"})
			if err == nil {
				facilityID = fac.ID
			}
			return err
		}, gatehouse.ActorUser, "facility.created", "facility", func() string { return facilityID }, "name", nil, "Depot"},
		{"rename facility", func() error {
			_, _, err := f.svc.UpdateFacility(ctx, admin, facilityID, service.FacilityPatch{Name: &name})
			return err
		}, gatehouse.ActorUser, "facility.updated", "facility", func() string { return facilityID }, "name", "Depot", "Renamed"},
		{"create group", func() error {
			g, _, err := f.svc.CreateGroup(ctx, admin, service.GroupInput{Name: "Technician", Permissions: []string{"work_orders.view"}})
			if err == nil {
				groupID = g.ID
			}
			return err
		}, gatehouse.ActorUser, "group.created", "group", func() string { return groupID }, "name", nil, "Technician"},
		{"edit group", func() error {
			perms := []string{"work_orders.edit", "work_orders.view"}
			_, _, err := f.svc.UpdateGroup(ctx, admin, groupID, service.GroupPatch{Permissions: &perms})
			return err
		}, gatehouse.ActorUser, "group.updated", "group", func() string { return groupID }, "permissions", []any{"work_orders.view"}, []any{"work_orders.edit", "work_orders.view"}},
		{"invite user", func() error {
			inv, err := f.svc.InviteUser(ctx, admin, service.UserInput{FirstName: "Tess", LastName: "Tech", Email: "tess@acme.test", GroupIDs: []string{groupID}})
			if err == nil {
				userID = inv.User.ID
			}
			return err
		}, gatehouse.ActorUser, "user.invited", "user", func() string { return userID }, "email", nil, "tess@acme.test"},
		{"assign facility", func() error {
			ids := []string{facilityID}
			_, _, err := f.svc.UpdateUser(ctx, admin, userID, service.UserPatch{FacilityIDs: &ids})
			return err
		}, gatehouse.ActorUser, "facility.assigned", "user", func() string { return userID }, "facility_ids", []any{}, func() any { return []any{facilityID} }},
		{"regenerate invite", func() error {
			_, err := f.svc.RegenerateInvite(ctx, admin, userID)
			return err
		}, gatehouse.ActorUser, "user.invitation_regenerated", "user", func() string { return userID }, "", nil, nil},
		{"edit user", func() error {
			_, _, err := f.svc.UpdateUser(ctx, admin, userID, service.UserPatch{FullAccess: &yes})
			return err
		}, gatehouse.ActorUser, "user.updated", "user", func() string { return userID }, "full_access", false, true},
		{"create API key", func() error {
			k, err := f.svc.CreateAPIKey(ctx, admin, "ci")
			if err == nil {
				keyID = k.Key.ID
			}
			return err
		}, gatehouse.ActorUser, "api_key.created", "api_key", func() string { return keyID }, "name", nil, "ci"},
		{"revoke API key", func() error {
			_, err := f.svc.DeleteAPIKey(ctx, admin, keyID)
			return err
		}, gatehouse.ActorUser, "api_key.revoked", "api_key", func() string { return keyID }, "name", "ci", nil},
		{"archive facility", func() error {
			_, _, err := f.svc.UpdateFacility(ctx, admin, facilityID, service.FacilityPatch{Archived: &yes})
			return err
		}, gatehouse.ActorUser, "facility.archived", "facility", func() string { return facilityID }, "archived", false, true},
		{"delete user", func() error {
			_, err := f.svc.DeleteUser(ctx, admin, userID)
			return err
		}, gatehouse.ActorUser, "user.deleted", "user", func() string { return userID }, "email", "tess@acme.test", nil},
		{"delete group", func() error {
			_, err := f.svc.DeleteGroup(ctx, admin, groupID)
			return err
		}, gatehouse.ActorUser, "group.deleted", "group", func() string { return groupID }, "name", "Technician", nil},
		{"delete facility", func() error {
			_, err := f.svc.DeleteFacility(ctx, gatehouse.SystemActor(f.org.Org.ID), facilityID)
			return err
		}, gatehouse.ActorSystem, "facility.deleted", "facility", func() string { return facilityID }, "name", "Renamed", nil},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			before := f.eventCount()
			if err := step.write(); err != nil {
				t.Fatal(err)
			}
			if n := f.eventCount(); n != before+1 {
				t.Fatalf("%d events after the write, want %d", n, before+1)
			}
			e := f.lastEvent()
			if e.Action != step.action || e.TargetType != step.targetType || e.TargetID != step.target() || e.ActorType != step.actorType {
				t.Fatalf("event %+v, want %s on %s %s by %s", e, step.action, step.targetType, step.target(), step.actorType)
			}
			if step.actorType == gatehouse.ActorUser && e.ActorID != f.org.Admin.ID {
				t.Fatalf("actor %q, want the admin", e.ActorID)
			}
			if e.Client != "192.0.2.7:5555" || e.RequestID != "req_test" {
				t.Fatalf("request info %q %q", e.Client, e.RequestID)
			}
			if step.field != "" {
				c, ok := e.Changes[step.field]
				if !ok {
					t.Fatalf("changes %v lack %s", e.Changes, step.field)
				}
				after := step.after
				if lazy, ok := after.(func() any); ok {
					after = lazy() // known only once earlier steps ran
				}
				if !same(c.Before, step.before) || !same(c.After, after) {
					t.Fatalf("%s changed %v → %v, want %v → %v", step.field, c.Before, c.After, step.before, after)
				}
			}
			for field := range e.Changes {
				if field == "password" || field == "password_hash" || field == "token" || field == "secret" {
					t.Fatalf("a secret in the audit log: %s", field)
				}
			}
		})
	}
}

// same compares a value read back from the log (JSON-decoded) with a wanted one.
func same(got, want any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if g[i] != w[i] {
				return false
			}
		}
		return true
	}
	return got == want
}

func TestARefusedWriteLeavesNoEvent(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	before := f.eventCount()
	// Refused by validation, by the last-admin rule, and by the store (duplicate email).
	f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "", LastName: "B", Email: "x@y.test"})
	f.svc.DeactivateUser(ctx, gatehouse.SystemActor(f.org.Org.ID), f.org.Admin.ID)
	f.svc.InviteUser(ctx, f.admin, service.UserInput{FirstName: "A", LastName: "B", Email: "ADMIN@acme.test"})
	if n := f.eventCount(); n != before {
		t.Fatalf("%d events after refused writes, want %d", n, before)
	}
}

func TestSignInsAndAcceptanceAreAudited(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	u := f.activeUser(f.admin, service.UserInput{FirstName: "Sam", LastName: "Signer", Email: "sam@acme.test"})
	e := f.lastEvent()
	if e.Action != "user.invitation_accepted" || e.ActorID != u.ID || e.ActorType != gatehouse.ActorUser {
		t.Fatalf("acceptance event %+v", e)
	}
	if _, _, err := f.svc.SignIn(ctx, "", "sam@acme.test", "wrong password!", "198.51.100.1:1", "test"); err == nil {
		t.Fatal("wrong password signed in")
	}
	if e := f.lastEvent(); e.Action != "user.sign_in_failed" || e.TargetID != u.ID || e.ActorType != gatehouse.ActorAnonymous {
		t.Fatalf("failed sign-in event %+v", e)
	}
	_, session, err := f.svc.SignIn(ctx, "", "sam@acme.test", "correct horse battery", "198.51.100.1:1", "test")
	if err != nil {
		t.Fatal(err)
	}
	if e := f.lastEvent(); e.Action != "session.created" || e.TargetID != session.ID || e.ActorID != u.ID {
		t.Fatalf("sign-in event %+v", e)
	}
	if err := f.svc.SignOut(ctx, gatehouse.Actor{OrgID: u.OrgID, UserID: u.ID}, session.ID); err != nil {
		t.Fatal(err)
	}
	if e := f.lastEvent(); e.Action != "session.ended" {
		t.Fatalf("sign-out event %+v", e)
	}
}

func TestAuditLogIsGuardedAndFiltered(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx := context.Background()
	plain := f.activeUser(f.admin, service.UserInput{FirstName: "Pat", LastName: "Plain", Email: "pat@acme.test"})
	_, err := f.svc.AuditEvents(ctx, gatehouse.Actor{OrgID: f.org.Org.ID, UserID: plain.ID}, gatehouse.AuditFilter{})
	wantCode(t, err, gatehouse.EFORBIDDEN)
	events, err := f.svc.AuditEvents(ctx, f.admin, gatehouse.AuditFilter{TargetID: plain.ID, Action: "user.invited"})
	if err != nil || len(events) != 1 {
		t.Fatalf("filtered: %d events, %v", len(events), err)
	}
	other := f.newOrg("Globex", "facilities")
	events, _ = f.svc.AuditEvents(ctx, gatehouse.SystemActor(other.Org.ID), gatehouse.AuditFilter{TargetID: plain.ID})
	if len(events) != 0 {
		t.Fatal("another organization sees this organization's events")
	}
}
