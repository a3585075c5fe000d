package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
)

func runSeed(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "seed --org NAME --template facilities|compliance --users N --facilities M --groups G [--db DSN]",
		"Creates an organization filled with generated data at scale, for benchmarks and\n"+
			"load tests: facilities, groups and users of realistic shapes (most users in 1-3\n"+
			"groups and 1-20 facilities, some with only view-own permissions, a few with full\n"+
			"access, every status, a spread of licences where the catalog has them), inserted\n"+
			"in one transaction. The organization's first admin is one of the N users.\n"+
			`Prints {"org_id", "user_id", "api_key", "users", "facilities", "groups", "seconds"}.`)
	org := fs.String("org", "", "organization name (required)")
	template := fs.String("template", "facilities", "built-in catalog template: facilities or compliance")
	users := fs.Int("users", 1000, "users in the organization, its admin included")
	facilities := fs.Int("facilities", 100, "facilities")
	groups := fs.Int("groups", 20, "groups")
	email := fs.String("admin-email", "admin@seed.test", "email of the organization's first, full-access admin")
	seed := fs.Uint64("seed", 1, "seed of the generator: the same seed generates the same shapes")
	db := dbFlag(fs)
	if err := parse(env, fs, args); err != nil {
		return err
	}
	if *org == "" {
		fs.Usage()
		return fmt.Errorf("--org is required")
	}
	if *users < 1 || *facilities < 1 || *groups < 1 {
		return fmt.Errorf("--users, --facilities and --groups must be at least 1")
	}
	catalog, data, err := catalogs.Load(*template)
	if err != nil {
		return err
	}
	start := time.Now()
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	founded, err := service.New(st, service.Config{}).CreateOrganization(ctx, service.NewOrganization{Name: *org, Catalog: data, AdminEmail: *email})
	if err != nil {
		return err
	}
	bulk := generate(catalog, founded.Org.ID, *users-1, *facilities, *groups, *seed)
	if _, err := st.BulkInsert(ctx, bulk); err != nil {
		return err
	}
	enc := json.NewEncoder(env.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{
		"org_id": founded.Org.ID, "user_id": founded.Admin.ID, "api_key": founded.APIKey,
		"users": len(bulk.Users) + 1, "facilities": len(bulk.Facilities), "groups": len(bulk.Groups),
		"seconds": roundTo(time.Since(start).Seconds(), 3),
	})
}

func roundTo(x float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(x*p+0.5)) / p
}

// A roleShape is a kind of group the generator makes, by the permissions
// its members usually need.
type roleShape struct {
	name  string
	perms []string
}

// facilityRoles are seed 000's roles and a few more of a maintenance platform.
var facilityRoles = []roleShape{
	{"Technician", []string{"assets.view", "work_orders.view_own", "work_orders.edit", "service_reports.create", "service_reports.view_own"}},
	{"Store Manager", []string{"users.view", "users.create", "users.edit", "facilities.view", "assets.view", "work_orders.view",
		"work_orders.create", "work_orders.edit", "work_orders.send", "service_reports.view", "reports.view"}},
	{"Administrator", []string{"users.view", "users.create", "users.edit", "users.delete", "facilities.view", "facilities.create",
		"facilities.edit", "facilities.archive", "audit_logs.view", "reports.view"}},
	{"Contractor Coordinator", []string{"contractors.view", "contractors.create", "contractors.edit", "contracts.view",
		"work_orders.view", "work_orders.send"}},
	{"Asset Planner", []string{"facilities.view", "assets.view", "assets.create", "assets.edit", "assets.archive", "work_orders.view", "work_orders.create"}},
	{"Viewer", []string{"facilities.view", "assets.view", "work_orders.view", "service_reports.view"}},
	{"Auditor", []string{"reports.view", "audit_logs.view", "work_orders.view", "service_reports.view", "contracts.view"}},
}

// complianceRoles are seed 004's kinds of users.
var complianceRoles = []roleShape{
	{"Compliance Officer", []string{"create.add_records", "create.add_risks", "edit.edit_open_items", "receive_tasks.action_audit_compliance_maintenance_tasks",
		"visibility.see_unapproved_items", "approve_own_close.close_compliance_tasks"}},
	{"Document Controller", []string{"create.add_documents", "edit.edit_open_items", "edit.archive_records", "approve_own_close.approve_documents"}},
	{"Reporter", []string{"create.add_reporting_register_items", "receive_tasks.action_reporting_register_tasks", "visibility.see_analytics_page"}},
	{"Risk Owner", []string{"create.add_risks", "approve_own_close.approve_risks", "manage.manage_governance_register_items",
		"receive_tasks.review_governance_register_items"}},
	{"Site Administrator", []string{"admin.manage_users", "admin.edit_system_settings", "visibility.see_all_tabs", "infosec.export_lists"}},
	{"External Auditor", []string{"visibility.see_all_meetings", "infosec.view_all_items"}},
	{"Maintenance Lead", []string{"create.add_assets", "approve_own_close.close_maintenance_tasks", "approve_own_close.close_repairs",
		"add_ons.book_assets", "edit.reassign_tasks"}},
}

var (
	firstNames = []string{"Ada", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hugo", "Isla", "Jon", "Kai", "Lena",
		"Mia", "Nico", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tess", "Uma", "Vic", "Wen", "Yusuf", "Zoe"}
	lastNames = []string{"Adams", "Brown", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jones", "Khan",
		"Lopez", "Murphy", "Nowak", "Okafor", "Patel", "Rossi", "Smith", "Tanaka", "Usman", "Varga", "Walsh", "Young"}
	places = []string{"North", "South", "East", "West", "Harbour", "City", "River", "Park", "Airport", "Station", "Market", "Valley"}
	sites  = []string{"Depot", "Store", "Warehouse", "Office", "Plant", "Clinic", "Campus", "Yard"}
)

// generate makes the rows of an organization: facilities, groups and users
// (not counting its admin), the same shapes for the same seed.
func generate(cat *gatehouse.Catalog, orgID string, users, facilities, groups int, seed uint64) store.Bulk {
	rng := rand.New(rand.NewPCG(seed, 0x9a7e40a5e))
	// Site roles and bounds draw from their own generator: the rest of the
	// organization is what it was before them.
	grng := rand.New(rand.NewPCG(seed, 0x517e))
	now := time.Now().UTC().Truncate(time.Second)
	b := store.Bulk{OrgID: orgID}
	for i := range facilities {
		b.Facilities = append(b.Facilities, &gatehouse.Facility{
			ID:         gatehouse.NewID(gatehouse.PrefixFacility),
			Name:       fmt.Sprintf("%s %s %d", places[i%len(places)], sites[(i/len(places))%len(sites)], i+1),
			ExternalID: fmt.Sprintf("SITE-%06d", i+1),
			Archived:   rng.IntN(50) == 0,
		})
	}

	roles, extra := facilityRoles, []string{}
	if cat.HasLicences() {
		roles = complianceRoles
	}
	var ownOnly []string // the catalog's view-own permissions: the "only their own work" users
	for _, p := range cat.Permissions() {
		if _, own, ok := cat.OwnVariant(p.Codename); ok && own == p.Codename {
			ownOnly = append(ownOnly, p.Codename)
		} else {
			extra = append(extra, p.Codename)
		}
	}
	for i := range groups {
		role := roles[i%len(roles)]
		perms := slices.Clone(role.perms)
		for range rng.IntN(3) { // a little variation between groups of one kind
			perms = append(perms, extra[rng.IntN(len(extra))])
		}
		b.Groups = append(b.Groups, &gatehouse.Group{
			ID:          gatehouse.NewID(gatehouse.PrefixGroup),
			Name:        fmt.Sprintf("%s %d", role.name, i/len(roles)+1),
			Description: fmt.Sprintf("%s of region %d", role.name, i/len(roles)+1),
			Permissions: perms,
		})
	}

	// Licences, lowest first, with how many users in a hundred hold each.
	licences, weights := []string{""}, []int{100}
	if cat.HasLicences() {
		licences, weights = nil, nil
		share := []int{5, 35, 10, 35, 15} // seed 004: many readers and doers, fewer approvers and auditors
		for i, l := range cat.Licences {
			licences = append(licences, l.Name)
			weights = append(weights, share[min(i, len(share)-1)])
		}
	}
	for i := range users {
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		u := &gatehouse.User{
			ID:        gatehouse.NewID(gatehouse.PrefixUser),
			FirstName: first, LastName: last,
			Email:   fmt.Sprintf("%s.%s.%d@seed.test", strings.ToLower(first), strings.ToLower(last), i+1),
			Status:  pickStatus(rng),
			Licence: licences[pick(rng, weights)],
		}
		if i%2 == 0 {
			u.Phone = fmt.Sprintf("+44 20 7946 %04d", i%10000)
		}
		u.EmailVerified = u.Status == gatehouse.StatusActive
		switch {
		case i%500 == 499: // a few full-access admins
			u.FullAccess = true
			u.Licence = licences[len(licences)-1]
		case i%10 == 3 && len(ownOnly) > 0: // only their own work orders and reports
			u.Permissions = slices.Clone(ownOnly)
			u.FacilityIDs = nearbyFacilities(rng, b.Facilities, 1+rng.IntN(3))
		default:
			for range []int{1, 1, 1, 1, 1, 1, 2, 2, 2, 3}[rng.IntN(10)] {
				u.GroupIDs = append(u.GroupIDs, b.Groups[rng.IntN(len(b.Groups))].ID)
			}
			if i%7 == 0 {
				for range 1 + rng.IntN(2) {
					u.Permissions = append(u.Permissions, extra[rng.IntN(len(extra))])
				}
			}
			// 1-20 facilities, fewer more often: half the users have 5 or fewer.
			n := 1 + int(19*rng.Float64()*rng.Float64())
			u.FacilityIDs = nearbyFacilities(rng, b.Facilities, n)
		}
		siteRolesAndBounds(grng, u, b, now)
		b.Users = append(b.Users, u)
	}
	return b
}

// siteRolesAndBounds gives a fifth of the limited users a site role or two
// (a group at a facility nearby, often one not assigned to them) and a
// tenth a time-bound grant: a site role ending in 14 days, a group
// membership ending in 30, or a facility assignment starting in 7 — the
// shapes of multi-site operations (issue 17).
func siteRolesAndBounds(rng *rand.Rand, u *gatehouse.User, b store.Bulk, now time.Time) {
	if u.FullAccess {
		return
	}
	if rng.IntN(5) == 0 {
		for range 1 + rng.IntN(2) {
			u.SiteRoles = append(u.SiteRoles, gatehouse.SiteRole{GroupID: b.Groups[rng.IntN(len(b.Groups))].ID,
				FacilityID: nearbyFacilities(rng, b.Facilities, 1)[0]})
		}
	}
	if rng.IntN(10) == 0 {
		switch {
		case len(u.SiteRoles) > 0:
			u.SiteRoles[0].ExpiresAt = now.Add(14 * 24 * time.Hour)
		case len(u.GroupIDs) > 0:
			u.Bounds = []gatehouse.GrantBounds{{GrantID: gatehouse.GrantID(gatehouse.GrantGroup, u.GroupIDs[0], ""), ExpiresAt: now.Add(30 * 24 * time.Hour)}}
		case len(u.FacilityIDs) > 0:
			u.Bounds = []gatehouse.GrantBounds{{GrantID: gatehouse.GrantID(gatehouse.GrantFacility, u.FacilityIDs[0], ""), StartsAt: now.Add(7 * 24 * time.Hour)}}
		}
	}
	u.NormalizeGrants()
}

// nearbyFacilities picks n facilities close to each other in the list, as
// the sites of one region are.
func nearbyFacilities(rng *rand.Rand, facilities []*gatehouse.Facility, n int) []string {
	n = min(n, len(facilities))
	base := rng.IntN(len(facilities))
	var ids []string
	for len(ids) < n {
		f := facilities[(base+rng.IntN(4*n))%len(facilities)].ID
		if !slices.Contains(ids, f) {
			ids = append(ids, f)
		}
	}
	return ids
}

// pickStatus: most users are active, some invited, some deactivated.
func pickStatus(rng *rand.Rand) gatehouse.UserStatus {
	switch r := rng.IntN(100); {
	case r < 85:
		return gatehouse.StatusActive
	case r < 93:
		return gatehouse.StatusInvited
	default:
		return gatehouse.StatusInactive
	}
}

// pick returns an index with probability proportional to its weight.
func pick(rng *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	r := rng.IntN(total)
	for i, w := range weights {
		if r < w {
			return i
		}
		r -= w
	}
	return len(weights) - 1
}
