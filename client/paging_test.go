package client_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/client"
)

// collect drains an iterator, failing the test on an error.
func collect[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for item, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, item)
	}
	return out
}

func TestPaging(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "facilities")
	gh := e.admin
	for i := range 7 {
		e.invite(fmt.Sprintf("user%d", i), client.NewUser{})
	}
	for i := range 5 {
		must2[*client.Group](t)(gh.CreateGroup(ctx, client.NewGroup{Name: fmt.Sprintf("Group %d", i)}))
		must2[*client.Facility](t)(gh.CreateFacility(ctx, client.NewFacility{Name: fmt.Sprintf("Facility %d", i)}))
	}

	t.Run("users", func(t *testing.T) {
		first := must[client.Page[client.User]](t)(gh.ListUsers(ctx, client.UserQuery{Paging: client.Paging{Limit: 3}}))
		if len(first.Items) != 3 || first.NextCursor == "" {
			t.Fatalf("first page: %d items, cursor %q", len(first.Items), first.NextCursor)
		}
		second := must[client.Page[client.User]](t)(gh.ListUsers(ctx, client.UserQuery{Paging: client.Paging{Limit: 3, Cursor: first.NextCursor}}))
		if len(second.Items) != 3 || second.Items[0].ID == first.Items[0].ID {
			t.Fatalf("second page: %+v", second.Items)
		}
		before := gh.calls.count("/api/v1/users")
		users := collect(t, gh.AllUsers(ctx, client.UserQuery{Paging: client.Paging{Limit: 3}}))
		if len(users) != 8 || gh.calls.count("/api/v1/users")-before != 3 { // the admin and 7 invited, in 3 pages
			t.Fatalf("%d users in %d pages", len(users), gh.calls.count("/api/v1/users")-before)
		}
		ids := make([]string, len(users))
		for i, u := range users {
			ids[i] = u.ID
		}
		if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != 8 {
			t.Fatalf("ids out of order or repeated: %v", ids)
		}
		// The query's filters apply to every page; the admin is not invited.
		invited := collect(t, gh.AllUsers(ctx, client.UserQuery{Status: client.StatusInvited, Paging: client.Paging{Limit: 2}}))
		if len(invited) != 7 {
			t.Fatalf("%d invited users", len(invited))
		}
		// Stopping early fetches no more pages.
		before = gh.calls.count("/api/v1/users")
		for range gh.AllUsers(ctx, client.UserQuery{Paging: client.Paging{Limit: 3}}) {
			break
		}
		if n := gh.calls.count("/api/v1/users") - before; n != 1 {
			t.Fatalf("breaking after one user fetched %d pages", n)
		}
	})

	t.Run("groups", func(t *testing.T) {
		groups := collect(t, gh.AllGroups(ctx, client.Paging{Limit: 2}))
		if len(groups) != 5 || groups[0].Name != "Group 0" || groups[4].Name != "Group 4" {
			t.Fatalf("groups: %+v", groups)
		}
	})

	t.Run("facilities", func(t *testing.T) {
		all := collect(t, gh.AllFacilities(ctx, client.FacilityQuery{Paging: client.Paging{Limit: 2}}))
		current := collect(t, gh.AllFacilities(ctx, client.FacilityQuery{Archived: client.Ptr(false), Paging: client.Paging{Limit: 4}}))
		if len(all) != 5 || len(current) != 5 {
			t.Fatalf("%d facilities, %d current", len(all), len(current))
		}
	})

	t.Run("audit events", func(t *testing.T) {
		everything := must[client.Page[client.AuditEvent]](t)(gh.ListAuditEvents(ctx, client.AuditQuery{Paging: client.Paging{Limit: 500}}))
		events := collect(t, gh.AllAuditEvents(ctx, client.AuditQuery{Paging: client.Paging{Limit: 4}}))
		if len(events) != len(everything.Items) || len(events) < 17 {
			t.Fatalf("%d events page by page, %d at once", len(events), len(everything.Items))
		}
		for i := 1; i < len(events); i++ {
			if events[i].ID >= events[i-1].ID || events[i].At.After(events[i-1].At) {
				t.Fatalf("not newest first at %d: %s then %s", i, events[i-1].ID, events[i].ID)
			}
		}
		invites := collect(t, gh.AllAuditEvents(ctx, client.AuditQuery{Action: "user.invited", Paging: client.Paging{Limit: 2}}))
		if len(invites) != 7 {
			t.Fatalf("%d user.invited events", len(invites))
		}
	})

	t.Run("an error ends the iteration", func(t *testing.T) {
		var errs, items int
		for _, err := range gh.AllUsers(ctx, client.UserQuery{Paging: client.Paging{Cursor: "!!"}}) {
			if err != nil {
				errs++
				if !client.IsInvalid(err) {
					t.Fatalf("bad cursor: %v", err)
				}
				continue
			}
			items++
		}
		if errs != 1 || items != 0 {
			t.Fatalf("%d errors, %d items", errs, items)
		}
	})
}
