package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/store"
)

// seeded is what `gatehouse seed` prints.
type seeded struct {
	OrgID      string  `json:"org_id"`
	UserID     string  `json:"user_id"`
	APIKey     string  `json:"api_key"`
	Users      int     `json:"users"`
	Facilities int     `json:"facilities"`
	Groups     int     `json:"groups"`
	Seconds    float64 `json:"seconds"`
}

// An org is one seeded organization: its database file, what the seed
// printed and its access state as the store loads it.
type org struct {
	seeded
	db    string
	state gatehouse.AccessState
}

// orgSize is how an organization of n users is shaped: a facility for every
// ten users and 20 to 200 groups (100,000 users: 10,000 facilities and 200
// groups, the product's promise).
func orgSize(users int) (facilities, groups int) {
	return max(1, users/10), min(200, max(20, users/100))
}

// buildGatehouse builds the gatehouse command into dir from the working
// tree this module replaces Gatehouse with, in that tree's own module, so
// that the binary is the product exactly as `go build` makes it.
func buildGatehouse(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "github.com/gatehouse/gatehouse").Output()
	if err != nil {
		return "", fmt.Errorf("finding the gatehouse module: %w", err)
	}
	bin := filepath.Join(dir, "gatehouse")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/gatehouse")
	cmd.Dir, cmd.Stderr = strings.TrimSpace(string(out)), os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building gatehouse: %w", err)
	}
	return bin, nil
}

// databaseFor returns where the organization of n users goes: a file in
// dir, or, with a PostgreSQL server, a schema of its own there (made afresh).
func databaseFor(ctx context.Context, dir, postgres string, users int) (string, error) {
	if postgres == "" {
		db := filepath.Join(dir, fmt.Sprintf("org-%d.db", users))
		os.Remove(db)
		return db, nil
	}
	admin, err := sql.Open("pgx", postgres)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	schema := fmt.Sprintf("bench_%d", users)
	if _, err := admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE; CREATE SCHEMA "+schema); err != nil {
		return "", fmt.Errorf("-postgres: %w", err)
	}
	u, err := url.Parse(postgres)
	if err != nil {
		return "", fmt.Errorf("-postgres: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// seedOrg runs `gatehouse seed` for an organization of n users in its own
// database, then loads its access state.
func seedOrg(ctx context.Context, bin, db string, users int) (*org, error) {
	facilities, groups := orgSize(users)
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "seed", "--org", fmt.Sprintf("Bench %d", users), "--template", "facilities",
		"--users", strconv.Itoa(users), "--facilities", strconv.Itoa(facilities), "--groups", strconv.Itoa(groups), "--db", db)
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("gatehouse seed: %w", err)
	}
	o := &org{db: db}
	if err := json.Unmarshal(out.Bytes(), &o.seeded); err != nil {
		return nil, fmt.Errorf("gatehouse seed printed %q: %w", out.String(), err)
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	if o.state, err = st.LoadAccess(ctx, o.OrgID); err != nil {
		return nil, err
	}
	return o, nil
}

// A query is one check a host platform asks.
type query struct {
	user, perm string
	res        authz.Resource
}

// queries returns n checks of the organization as a platform asks them: any
// user (some are invited or deactivated), any permission of the catalog;
// facility-scoped permissions mostly about one of the user's facilities,
// sometimes another of the organization's; organization-wide permissions
// with or without a facility; view permissions about the user's own item
// half the time.
func queries(st gatehouse.AccessState, n int, seed uint64) []query {
	rng := rand.New(rand.NewPCG(seed, uint64(len(st.Users))))
	perms := st.Catalog.Permissions()
	out := make([]query, n)
	for i := range out {
		u := st.Users[rng.IntN(len(st.Users))]
		p := perms[rng.IntN(len(perms))]
		q := query{user: u.ID, perm: p.Codename}
		switch {
		case p.FacilityScoped && len(u.FacilityIDs) > 0 && rng.IntN(4) != 0:
			q.res.FacilityID = u.FacilityIDs[rng.IntN(len(u.FacilityIDs))]
		case p.FacilityScoped || rng.IntN(2) == 0:
			q.res.FacilityID = st.Facilities[rng.IntN(len(st.Facilities))]
		}
		if _, _, ok := st.Catalog.OwnVariant(p.Codename); ok {
			if rng.IntN(2) == 0 {
				q.res.CreatedBy = u.ID
			} else {
				q.res.AssigneeID = st.Users[rng.IntN(len(st.Users))].ID
			}
		}
		out[i] = q
	}
	// Lay the ids the queries name side by side, as the bytes of requests a
	// server has just read are: otherwise each check would pay a cache miss
	// to read its own arguments, which no server does.
	var b strings.Builder
	for _, q := range out {
		b.WriteString(q.user)
		b.WriteString(q.res.FacilityID)
		b.WriteString(q.res.CreatedBy)
		b.WriteString(q.res.AssigneeID)
	}
	arena, at := b.String(), 0
	next := func(s string) string {
		at += len(s)
		return arena[at-len(s) : at]
	}
	for i := range out {
		q := &out[i]
		q.user, q.res.FacilityID, q.res.CreatedBy, q.res.AssigneeID = next(q.user), next(q.res.FacilityID), next(q.res.CreatedBy), next(q.res.AssigneeID)
	}
	return out
}

// mostAssigned returns the facility with the most users.
func mostAssigned(st gatehouse.AccessState) (id string, users int) {
	count := map[string]int{}
	for _, u := range st.Users {
		for _, f := range u.FacilityIDs {
			count[f]++
		}
	}
	for _, f := range st.Facilities {
		if count[f] > users {
			id, users = f, count[f]
		}
	}
	return id, users
}

// biggestGroup returns the group with the most members.
func biggestGroup(st gatehouse.AccessState) (id string, members int) {
	count := map[string]int{}
	for _, u := range st.Users {
		for _, g := range u.GroupIDs {
			count[g]++
		}
	}
	for _, g := range st.Groups {
		if count[g.ID] > members {
			id, members = g.ID, count[g.ID]
		}
	}
	return id, members
}

// limitedUser returns an active user without full access who is in a group
// and assigned to at least two facilities.
func limitedUser(st gatehouse.AccessState) (gatehouse.UserAccess, bool) {
	i := slices.IndexFunc(st.Users, func(u gatehouse.UserAccess) bool {
		return u.Status == gatehouse.StatusActive && !u.FullAccess && len(u.GroupIDs) > 0 && len(u.FacilityIDs) >= 2
	})
	if i < 0 {
		return gatehouse.UserAccess{}, false
	}
	return st.Users[i], true
}
