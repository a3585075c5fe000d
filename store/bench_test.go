package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/store"
)

// large is one organization at the scale the product promises: 100,000
// users, 10,000 facilities, 50 groups. It is built once per test binary.
var large struct {
	once     sync.Once
	path     string
	orgID    string
	group    string // a group of 1 user in 50
	facility string // a facility of about 20 users
	took     time.Duration
	err      error
}

const (
	largeUsers      = 100_000
	largeFacilities = 10_000
	largeGroups     = 50
)

// TestMain removes the large database, when a benchmark built it.
func TestMain(m *testing.M) {
	code := m.Run()
	if large.path != "" {
		os.RemoveAll(filepath.Dir(large.path))
	}
	os.Exit(code)
}

func mustLarge(b *testing.B) *store.DB {
	large.once.Do(func() {
		dir, err := os.MkdirTemp("", "gatehouse-store-bench-")
		if err != nil {
			large.err = err
			return
		}
		large.path = filepath.Join(dir, "large.db")
		start := time.Now()
		large.err = seedLarge(large.path)
		large.took = time.Since(start)
	})
	if large.err != nil {
		b.Fatal(large.err)
	}
	b.Logf("seeded %d users in %v (once per binary)", largeUsers, large.took.Round(time.Millisecond))
	return mustOpenPath(b, large.path)
}

func seedLarge(path string) error {
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	org := &gatehouse.Organization{Name: "Large", Template: "facilities"}
	data, _ := catalogs.Builtin("facilities")
	var groups, facilities []string
	err = db.Update(ctx, func(tx gatehouse.Tx) error {
		if err := tx.CreateOrganization(org, data); err != nil {
			return err
		}
		for i := range largeGroups {
			g := &gatehouse.Group{OrgID: org.ID, Name: fmt.Sprint("Group ", i), Permissions: []string{"work_orders.view", "assets.view"}}
			if err := tx.CreateGroup(g); err != nil {
				return err
			}
			groups = append(groups, g.ID)
		}
		for i := range largeFacilities {
			f := &gatehouse.Facility{OrgID: org.ID, Name: fmt.Sprint("Site ", i)}
			if err := tx.CreateFacility(f); err != nil {
				return err
			}
			facilities = append(facilities, f.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	const batch = 10_000
	for start := 0; start < largeUsers; start += batch {
		err := db.Update(ctx, func(tx gatehouse.Tx) error {
			for i := start; i < start+batch; i++ {
				u := &gatehouse.User{OrgID: org.ID, FirstName: fmt.Sprint("First", i), LastName: fmt.Sprint("Last", i),
					Email: fmt.Sprintf("user%d@example.com", i), Status: gatehouse.StatusActive,
					GroupIDs:    []string{groups[i%largeGroups]},
					FacilityIDs: []string{facilities[i%largeFacilities], facilities[(i*7)%largeFacilities]},
				}
				if i%10 == 0 {
					u.Permissions = []string{"reports.view"}
				}
				if i%100 == 0 {
					u.Status = gatehouse.StatusInactive
				}
				if err := tx.CreateUser(u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	large.orgID, large.group, large.facility = org.ID, groups[7], facilities[1234]
	return nil
}

func BenchmarkLoadAccess_100kUsers(b *testing.B) {
	db := mustLarge(b)
	b.ResetTimer()
	for b.Loop() {
		st, err := db.LoadAccess(context.Background(), large.orgID)
		if err != nil {
			b.Fatal(err)
		}
		if len(st.Users) != largeUsers {
			b.Fatalf("%d users", len(st.Users))
		}
	}
}

func BenchmarkFindUsers_100kUsers(b *testing.B) {
	db := mustLarge(b)
	var within []string // an admin's scope: 100 facilities
	mustView(b, db, func(tx gatehouse.Tx) error {
		fs, err := tx.FindFacilities(gatehouse.FacilityFilter{OrgID: large.orgID, Limit: 100})
		for _, f := range fs {
			within = append(within, f.ID)
		}
		return err
	})
	for _, bc := range []struct {
		name   string
		filter gatehouse.UserFilter
	}{
		{"first page", gatehouse.UserFilter{}},
		{"status", gatehouse.UserFilter{Status: gatehouse.StatusInactive}},
		{"group", gatehouse.UserFilter{GroupID: large.group}},
		{"facility", gatehouse.UserFilter{FacilityID: large.facility}},
		{"within 100 facilities", gatehouse.UserFilter{Within: within}},
		// A substring search is a scan of the organization's users.
		{"query rare", gatehouse.UserFilter{Query: "user9999"}},
		{"query common", gatehouse.UserFilter{Query: "first"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := bc.filter
			f.OrgID = large.orgID
			for b.Loop() {
				mustView(b, db, func(tx gatehouse.Tx) error {
					users, err := tx.FindUsers(f)
					if len(users) == 0 {
						b.Fatal("no users found")
					}
					return err
				})
			}
		})
	}
}

// BenchmarkPassedGrantBoundaries is what every admin write and each
// instance's sweep reads to audit starts and expiries, in an organization
// whose history holds 8,000 passed and audited boundaries (2,000
// contractors with two past site roles, each started and expired): with the watermark,
// only the boundaries since it (none here); without, all of them, each
// looked up among those seen.
func BenchmarkPassedGrantBoundaries(b *testing.B) {
	db := MustOpen(b)
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	org := mustCreateOrg(b, db, "History")
	group := mustCreateGroup(b, db, &gatehouse.Group{OrgID: org.ID, Name: "Contractor", Permissions: []string{"work_orders.view"}})
	var facilities []string
	for i := range 10 {
		facilities = append(facilities, mustCreateFacility(b, db, &gatehouse.Facility{OrgID: org.ID, Name: fmt.Sprint("Site ", i)}).ID)
	}
	mustUpdate(b, db, func(tx gatehouse.Tx) error {
		for i := range 2000 {
			u := &gatehouse.User{OrgID: org.ID, Email: fmt.Sprintf("contractor%d@example.com", i), Status: gatehouse.StatusActive}
			for j := range 2 {
				start := now.Add(-time.Duration(i%300+30*j+60) * 24 * time.Hour)
				u.SiteRoles = append(u.SiteRoles, gatehouse.SiteRole{GroupID: group.ID, FacilityID: facilities[(i+j)%len(facilities)],
					StartsAt: start, ExpiresAt: start.Add(14 * 24 * time.Hour)})
			}
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	mustUpdate(b, db, func(tx gatehouse.Tx) error {
		passed, err := tx.PassedGrantBoundaries(org.ID, nil)
		for _, bd := range passed {
			if _, err := tx.MarkGrantBoundary(org.ID, bd); err != nil {
				return err
			}
		}
		if len(passed) != 8000 {
			b.Fatalf("%d boundaries passed, want 8,000", len(passed))
		}
		return err
	})
	for _, watermark := range []bool{false, true} {
		b.Run(fmt.Sprint("watermark=", watermark), func(b *testing.B) {
			if watermark {
				mustUpdate(b, db, func(tx gatehouse.Tx) error { return tx.AdvanceGrantBoundaryWatermark(org.ID) })
			}
			for b.Loop() {
				mustView(b, db, func(tx gatehouse.Tx) error {
					passed, err := tx.PassedGrantBoundaries(org.ID, nil)
					if len(passed) != 0 {
						b.Fatalf("%d boundaries not audited", len(passed))
					}
					return err
				})
			}
		})
	}
}
