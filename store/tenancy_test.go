package store_test

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
)

// Nothing crosses organizations: every id of organization A is not found
// through organization B, whatever the method.
func TestTenancy_IDsOfAnotherOrganizationAreNotFound(t *testing.T) {
	db := MustOpen(t)
	a := mustFixture(t, db, "A")
	b := mustFixture(t, db, "B")
	ua := mustCreateUser(t, db, &gatehouse.User{OrgID: a.org.ID, Email: "ada@example.com",
		GroupIDs: []string{a.groups[0].ID}, FacilityIDs: []string{a.facilities[0].ID}})
	inv := &gatehouse.Invitation{OrgID: a.org.ID, UserID: ua.ID, TokenHash: "h", ExpiresAt: time.Now().Add(time.Hour)}
	key := &gatehouse.APIKey{OrgID: a.org.ID, UserID: ua.ID, Name: "k", SecretHash: "s"}
	mustUpdate(t, db, func(tx gatehouse.Tx) error {
		if err := tx.CreateInvitation(inv); err != nil {
			return err
		}
		return tx.CreateAPIKey(key)
	})
	ga, fa := a.groups[0], a.facilities[0]
	B := b.org.ID

	err := db.Update(t.Context(), func(tx gatehouse.Tx) error {
		notFound := func(what string, err error) {
			t.Helper()
			if gatehouse.ErrorCode(err) != gatehouse.ENOTFOUND {
				t.Errorf("%s through another organization: %v, want not_found", what, err)
			}
		}
		_, err := tx.FindUser(B, ua.ID)
		notFound("FindUser", err)
		_, err = tx.FindUserByEmail(B, ua.Email)
		notFound("FindUserByEmail", err)
		moved := *ua
		moved.OrgID = B
		moved.GroupIDs, moved.FacilityIDs = nil, nil
		notFound("UpdateUser", tx.UpdateUser(&moved))
		notFound("DeleteUser", tx.DeleteUser(B, ua.ID))
		notFound("SetPassword", tx.SetPassword(B, ua.ID, "x"))
		_, err = tx.PasswordHash(B, ua.ID)
		notFound("PasswordHash", err)

		_, err = tx.FindGroup(B, ga.ID)
		notFound("FindGroup", err)
		movedGroup := *ga
		movedGroup.OrgID = B
		notFound("UpdateGroup", tx.UpdateGroup(&movedGroup))
		notFound("DeleteGroup", tx.DeleteGroup(B, ga.ID))
		_, err = tx.GroupMembers(B, ga.ID)
		notFound("GroupMembers", err)

		_, err = tx.FindFacility(B, fa.ID)
		notFound("FindFacility", err)
		movedFacility := *fa
		movedFacility.OrgID = B
		notFound("UpdateFacility", tx.UpdateFacility(&movedFacility))
		notFound("DeleteFacility", tx.DeleteFacility(B, fa.ID))
		_, err = tx.FacilityUsers(B, fa.ID)
		notFound("FacilityUsers", err)

		notFound("AcceptInvitation", tx.AcceptInvitation(B, inv.ID, time.Now()))
		notFound("CreateInvitation", tx.CreateInvitation(&gatehouse.Invitation{OrgID: B, UserID: ua.ID, TokenHash: "h2", ExpiresAt: time.Now()}))
		notFound("DeleteAPIKey", tx.DeleteAPIKey(B, key.ID))
		notFound("CreateAPIKey", tx.CreateAPIKey(&gatehouse.APIKey{OrgID: B, UserID: ua.ID, Name: "k", SecretHash: "s2"}))

		for name, f := range map[string]gatehouse.UserFilter{
			"group":    {OrgID: B, GroupID: ga.ID},
			"facility": {OrgID: B, FacilityID: fa.ID},
			"within":   {OrgID: B, Within: []string{fa.ID}},
			"query":    {OrgID: B, Query: "ada"},
		} {
			users, err := tx.FindUsers(f)
			if err != nil {
				return err
			}
			if len(users) != 0 {
				t.Errorf("FindUsers by %s of another organization found %v", name, userIDs(users))
			}
		}
		facilities, err := tx.FindFacilities(gatehouse.FacilityFilter{OrgID: B, Within: []string{fa.ID}})
		if err != nil {
			return err
		}
		if len(facilities) != 0 {
			t.Errorf("FindFacilities within another organization's facility found %v", facilityIDs(facilities))
		}
		keys, err := tx.FindAPIKeys(B, ua.ID)
		if err != nil {
			return err
		}
		if len(keys) != 0 {
			t.Errorf("FindAPIKeys through another organization found %v", keys)
		}
		if err := tx.RevokeInvitations(B, ua.ID); err != nil {
			return err
		}
		if err := tx.DeleteUserAPIKeys(B, ua.ID); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Nothing of A changed.
	mustView(t, db, func(tx gatehouse.Tx) error {
		got, err := tx.FindInvitationByToken("h")
		if err == nil && got.RevokedAt != nil {
			t.Error("RevokeInvitations through another organization revoked A's invitation")
		}
		if _, err := tx.FindAPIKeyBySecret("s"); err != nil {
			t.Errorf("DeleteUserAPIKeys through another organization deleted A's key: %v", err)
		}
		u, err := tx.FindUser(a.org.ID, ua.ID)
		if err != nil {
			return err
		}
		if u.OrgID != a.org.ID || len(u.GroupIDs) != 1 || len(u.FacilityIDs) != 1 {
			t.Errorf("A's user changed: %+v", u)
		}
		return nil
	})
}

func TestTenancy_UserCannotLinkAnotherOrganizationsGroupOrFacility(t *testing.T) {
	db := MustOpen(t)
	a := mustFixture(t, db, "A")
	b := mustFixture(t, db, "B")
	ua := mustCreateUser(t, db, &gatehouse.User{OrgID: a.org.ID, Email: "ada@example.com"})

	err := db.Update(t.Context(), func(tx gatehouse.Tx) error {
		u := *ua
		u.GroupIDs = []string{a.groups[0].ID, b.groups[0].ID}
		return tx.UpdateUser(&u)
	})
	wantError(t, err, gatehouse.ENOTFOUND, "group_ids")
	err = db.Update(t.Context(), func(tx gatehouse.Tx) error {
		u := *ua
		u.FacilityIDs = []string{b.facilities[0].ID}
		return tx.UpdateUser(&u)
	})
	wantError(t, err, gatehouse.ENOTFOUND, "facility_ids")
	err = db.Update(t.Context(), func(tx gatehouse.Tx) error {
		return tx.CreateUser(&gatehouse.User{OrgID: b.org.ID, Email: "x@example.com", Status: gatehouse.StatusActive,
			GroupIDs: []string{a.groups[0].ID}})
	})
	wantError(t, err, gatehouse.ENOTFOUND, "group_ids")
}

// Under the store's own checks, the schema's composite foreign keys refuse a
// link row that joins two organizations, whichever org_id it claims.
func TestTenancy_DatabaseRefusesRowsJoiningTwoOrganizations(t *testing.T) {
	db := MustOpen(t)
	a := mustFixture(t, db, "A")
	b := mustFixture(t, db, "B")
	ua := mustCreateUser(t, db, &gatehouse.User{OrgID: a.org.ID, Email: "ada@example.com"})
	for _, tc := range []struct {
		name  string
		query string
		args  []any
	}{
		{"membership claiming A", `INSERT INTO group_members (org_id, group_id, user_id) VALUES ($1, $2, $3)`,
			[]any{a.org.ID, b.groups[0].ID, ua.ID}},
		{"membership claiming B", `INSERT INTO group_members (org_id, group_id, user_id) VALUES ($1, $2, $3)`,
			[]any{b.org.ID, b.groups[0].ID, ua.ID}},
		{"assignment claiming A", `INSERT INTO facility_assignments (org_id, user_id, facility_id) VALUES ($1, $2, $3)`,
			[]any{a.org.ID, ua.ID, b.facilities[0].ID}},
		{"assignment claiming B", `INSERT INTO facility_assignments (org_id, user_id, facility_id) VALUES ($1, $2, $3)`,
			[]any{b.org.ID, ua.ID, b.facilities[0].ID}},
		{"permission of a user claiming B", `INSERT INTO user_permissions (org_id, user_id, permission) VALUES ($1, $2, $3)`,
			[]any{b.org.ID, ua.ID, "reports.view"}},
		{"group permission claiming A", `INSERT INTO group_permissions (org_id, group_id, permission) VALUES ($1, $2, $3)`,
			[]any{a.org.ID, b.groups[0].ID, "reports.view"}},
		{"invitation claiming B", `INSERT INTO invitations (id, org_id, user_id, token_hash, expires_at, created_at)
			VALUES ('inv_x', $1, $2, 'h', $3, $3)`, []any{b.org.ID, ua.ID, time.Now()}},
		{"API key claiming B", `INSERT INTO api_keys (id, org_id, user_id, name, prefix, secret_hash, created_at)
			VALUES ('key_x', $1, $2, 'k', 'p', 's', $3)`, []any{b.org.ID, ua.ID, time.Now()}},
	} {
		if _, err := db.SQL().Exec(tc.query, tc.args...); err == nil {
			t.Errorf("%s: the database accepted a row joining two organizations", tc.name)
		}
	}
	// The control: the same statements succeed within one organization.
	for _, q := range []struct {
		query string
		args  []any
	}{
		{`INSERT INTO group_members (org_id, group_id, user_id) VALUES ($1, $2, $3)`, []any{a.org.ID, a.groups[0].ID, ua.ID}},
		{`INSERT INTO facility_assignments (org_id, user_id, facility_id) VALUES ($1, $2, $3)`, []any{a.org.ID, ua.ID, a.facilities[0].ID}},
		{`INSERT INTO invitations (id, org_id, user_id, token_hash, expires_at, created_at)
			VALUES ('inv_x', $1, $2, 'h', $3, $3)`, []any{a.org.ID, ua.ID, time.Now()}},
	} {
		if _, err := db.SQL().Exec(q.query, q.args...); err != nil {
			t.Errorf("control %q: %v", q.query, err)
		}
	}
}
