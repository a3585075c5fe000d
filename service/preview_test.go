package service_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/service"
)

// TestPreviewIsTheObservedChange runs each kind of access-changing write
// first as a dry run and then for real, and checks that the preview is
// exactly the difference of every user's effective access observed before
// and after (Snapshot.Effective; an invited user as once accepted), and that
// the dry run changed nothing.
func TestPreviewIsTheObservedChange(t *testing.T) {
	f := newFixture(t, "facilities")
	ctx, admin := context.Background(), f.admin
	var facilities []string
	for i := range 3 {
		fac := must[*gatehouse.Facility](t)(func() (*gatehouse.Facility, error) {
			fac, _, err := f.svc.CreateFacility(ctx, admin, service.FacilityInput{Name: fmt.Sprintf("F%d", i)})
			return fac, err
		}())
		facilities = append(facilities, fac.ID)
	}
	group := func(perms ...string) string {
		g, _, err := f.svc.CreateGroup(ctx, admin, service.GroupInput{Name: fmt.Sprint("G", perms), Permissions: perms})
		if err != nil {
			t.Fatal(err)
		}
		return g.ID
	}
	techs := group("work_orders.view", "work_orders.edit", "reports.view")
	viewers := group("assets.view")
	a := f.activeUser(admin, service.UserInput{FirstName: "A", LastName: "A", Email: "a@p.test", GroupIDs: []string{techs}, FacilityIDs: facilities[:2]})
	b := f.activeUser(admin, service.UserInput{FirstName: "B", LastName: "B", Email: "b@p.test", GroupIDs: []string{viewers}, Permissions: []string{"audit_logs.view"}, FacilityIDs: facilities[2:]})
	invited := must[*service.Invited](t)(f.svc.InviteUser(ctx, admin, service.UserInput{FirstName: "C", LastName: "C", Email: "c@p.test", GroupIDs: []string{techs}, FacilityIDs: facilities[:1]}))

	writes := []struct {
		name  string
		write func(ctx context.Context) error
	}{
		{"invite", func(ctx context.Context) error {
			_, err := f.svc.InviteUser(ctx, admin, service.UserInput{FirstName: "D", LastName: "D", Email: "d@p.test", GroupIDs: []string{viewers}, FacilityIDs: facilities[1:]})
			return err
		}},
		{"update user's groups and facilities", func(ctx context.Context) error {
			g, fs := []string{viewers}, facilities[1:]
			_, _, err := f.svc.UpdateUser(ctx, admin, a.ID, service.UserPatch{GroupIDs: &g, FacilityIDs: &fs})
			return err
		}},
		{"update invited user's permissions", func(ctx context.Context) error {
			p := []string{"users.view"}
			_, _, err := f.svc.UpdateUser(ctx, admin, invited.User.ID, service.UserPatch{Permissions: &p})
			return err
		}},
		{"give full access", func(ctx context.Context) error {
			full := true
			_, _, err := f.svc.UpdateUser(ctx, admin, b.ID, service.UserPatch{FullAccess: &full})
			return err
		}},
		{"take full access away", func(ctx context.Context) error {
			full := false
			_, _, err := f.svc.UpdateUser(ctx, admin, b.ID, service.UserPatch{FullAccess: &full})
			return err
		}},
		{"deactivate", func(ctx context.Context) error { _, _, err := f.svc.DeactivateUser(ctx, admin, b.ID); return err }},
		{"activate", func(ctx context.Context) error { _, _, err := f.svc.ActivateUser(ctx, admin, b.ID); return err }},
		{"create group", func(ctx context.Context) error {
			_, _, err := f.svc.CreateGroup(ctx, admin, service.GroupInput{Name: "New", Permissions: []string{"users.view"}})
			return err
		}},
		{"update group", func(ctx context.Context) error {
			p := []string{"assets.view", "assets.edit", "contracts.view"}
			_, _, err := f.svc.UpdateGroup(ctx, admin, viewers, service.GroupPatch{Permissions: &p})
			return err
		}},
		{"archive facility", func(ctx context.Context) error {
			archived := true
			_, _, err := f.svc.UpdateFacility(ctx, admin, facilities[0], service.FacilityPatch{Archived: &archived})
			return err
		}},
		{"delete facility", func(ctx context.Context) error { _, err := f.svc.DeleteFacility(ctx, admin, facilities[1]); return err }},
		{"delete group", func(ctx context.Context) error { _, err := f.svc.DeleteGroup(ctx, admin, techs); return err }},
		{"delete user", func(ctx context.Context) error { _, err := f.svc.DeleteUser(ctx, admin, a.ID); return err }},
	}
	for _, w := range writes {
		before := f.observe()
		preview, err := f.svc.Preview(ctx, w.write)
		if err != nil || preview.Error != nil {
			t.Fatalf("%s: preview: %v / %v", w.name, err, preview)
		}
		if f.observe().revision != before.revision {
			t.Fatalf("%s: the dry run changed the revision", w.name)
		}
		if err := w.write(ctx); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		after := f.observe()
		want := map[string][2][]string{} // user → gained, lost
		for _, id := range slices.Sorted(maps.Keys(union(before.pairs, after.pairs))) {
			gained, lost := minusSet(after.pairs[id], before.pairs[id]), minusSet(before.pairs[id], after.pairs[id])
			if len(gained)+len(lost) > 0 {
				want[id] = [2][]string{gained, lost}
			}
		}
		got := map[string][2][]string{}
		for _, u := range preview.Users {
			id := u.UserID
			if _, existed := before.pairs[id]; !existed {
				id = "new" // an invitation's dry run makes up an id of its own
			}
			got[id] = [2][]string{after.expand(u.Gained), before.expand(u.Lost)}
		}
		for id, v := range want {
			if _, existed := before.pairs[id]; !existed {
				delete(want, id)
				want["new"] = v
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s:\npreview  %v\nobserved %v", w.name, got, want)
		}
	}
}

// observed is every user's effective access as permission@facility pairs
// ("@*" for an organization-wide permission), an invited user's as once
// accepted.
type observed struct {
	revision   int64
	pairs      map[string]map[string]bool
	facilities []string
	scoped     map[string]bool
}

func (f *fixture) observe() observed {
	f.t.Helper()
	ctx := context.Background()
	snap := must[*authz.Snapshot](f.t)(f.svc.Engine().Snapshot(ctx, f.org.Org.ID))
	users := must[[]*gatehouse.User](f.t)(f.svc.ListUsers(ctx, f.admin, gatehouse.UserFilter{Limit: 1000}))
	facs := must[[]*gatehouse.Facility](f.t)(f.svc.ListFacilities(ctx, f.admin, gatehouse.FacilityFilter{Limit: 1000}))
	o := observed{revision: snap.Revision, pairs: map[string]map[string]bool{}, scoped: map[string]bool{}}
	for _, fac := range facs {
		o.facilities = append(o.facilities, fac.ID)
	}
	for _, p := range snap.Catalog().Permissions() {
		o.scoped[p.Codename] = p.FacilityScoped
	}
	var accepting gatehouse.AccessChange
	for _, u := range users {
		if u.Status == gatehouse.StatusInvited {
			a := u.Access()
			a.Status = gatehouse.StatusActive
			accepting.Users = append(accepting.Users, a)
		}
	}
	asAccepted := snap.Apply(accepting)
	for _, u := range users {
		perms, _ := asAccepted.Effective(u.ID)
		set := map[string]bool{}
		for _, p := range perms {
			for _, pair := range o.expand([]authz.Grant{{Permission: p.Codename, AllFacilities: p.AllFacilities, FacilityIDs: p.FacilityIDs}}) {
				set[pair] = true
			}
		}
		o.pairs[u.ID] = set
	}
	return o
}

// expand spells grants out as pairs; a facility-scoped permission held
// everywhere (full access) is held at each facility.
func (o observed) expand(grants []authz.Grant) []string {
	var out []string
	for _, g := range grants {
		switch {
		case !o.scoped[g.Permission]:
			out = append(out, g.Permission+"@*")
		case g.AllFacilities:
			for _, fac := range o.facilities {
				out = append(out, g.Permission+"@"+fac)
			}
		default:
			for _, fac := range g.FacilityIDs {
				out = append(out, g.Permission+"@"+fac)
			}
		}
	}
	slices.Sort(out)
	return out
}

func union(a, b map[string]map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func minusSet(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
