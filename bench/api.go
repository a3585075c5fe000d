package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
)

// batchAndFilter times POST /api/v1/authz/check-batch with 1,000 checks and
// POST /api/v1/authz/filter, one request at a time.
func batchAndFilter(c, bare *client, qs []query, o *org, res *result) error {
	var batch struct {
		Checks []checkRequest `json:"checks"`
	}
	for _, q := range qs[:min(1000, len(qs))] {
		batch.Checks = append(batch.Checks, checkRequest{UserID: q.user, Permission: q.perm, Resource: q.res})
	}
	for _, server := range []struct {
		c   *client
		p50 *float64
	}{{c, &res.Batch1000MsP50}, {bare, &res.BareBatch1000MsP50}} {
		var times []time.Duration
		for i := range 40 {
			var out struct {
				Results []checkResponse `json:"results"`
			}
			took, _, err := server.c.call("POST", "/api/v1/authz/check-batch", batch, &out)
			if err != nil {
				return err
			}
			if len(out.Results) != len(batch.Checks) {
				return fmt.Errorf("check-batch: %d results for %d checks", len(out.Results), len(batch.Checks))
			}
			if i >= 5 { // the first calls warm up
				times = append(times, took)
			}
		}
		*server.p50 = percentile(millis(times), 50)
	}

	var times []time.Duration
	for i := range 400 {
		q := qs[i%len(qs)]
		in := struct {
			UserID     string `json:"user_id"`
			Permission string `json:"permission"`
		}{q.user, q.perm}
		took, _, err := c.call("POST", "/api/v1/authz/filter", in, nil)
		if err != nil {
			return err
		}
		if i >= 20 {
			times = append(times, took)
		}
	}
	res.FilterUsP50 = percentile(millis(times), 50) * 1000
	return nil
}

type userPage struct {
	Items []struct {
		ID string `json:"id"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// lists times GET /api/v1/users pages of 50: the first page and one deep
// in the list, each with and without a facility filter (the facility with
// the most users, and its last page).
func lists(c *client, o *org, res *result) error {
	// A cursor 90% of the way through the users, found by walking pages of
	// 500 as a client would.
	deep, seen := "", 0
	for seen < o.Users*9/10 {
		var p userPage
		if _, _, err := c.call("GET", "/api/v1/users?limit=500&cursor="+url.QueryEscape(deep), nil, &p); err != nil {
			return err
		}
		seen += len(p.Items)
		if p.NextCursor == "" {
			break
		}
		deep = p.NextCursor
	}
	facility, _ := mostAssigned(o.state)
	lastFacility, cursor := "", ""
	for {
		var p userPage
		if _, _, err := c.call("GET", "/api/v1/users?limit=50&facility_id="+facility+"&cursor="+url.QueryEscape(cursor), nil, &p); err != nil {
			return err
		}
		if p.NextCursor == "" {
			break
		}
		lastFacility, cursor = p.NextCursor, p.NextCursor
	}
	for _, l := range []struct{ name, query string }{
		{"first", "limit=50"},
		{"deep", "limit=50&cursor=" + url.QueryEscape(deep)},
		{"facility_first", "limit=50&facility_id=" + facility},
		{"facility_deep", "limit=50&facility_id=" + facility + "&cursor=" + url.QueryEscape(lastFacility)},
	} {
		var times []time.Duration
		for i := range 220 {
			var p userPage
			took, _, err := c.call("GET", "/api/v1/users?"+l.query, nil, &p)
			if err != nil {
				return err
			}
			if len(p.Items) == 0 {
				return fmt.Errorf("users?%s: empty page", l.query)
			}
			if i >= 20 {
				times = append(times, took)
			}
		}
		ms := millis(times)
		res.Lists[l.name] = pcts{P50: percentile(ms, 50), P95: percentile(ms, 95)}
		res.ListUsersMsP95 = max(res.ListUsersMsP95, percentile(ms, 95))
	}
	return nil
}

// writes times PATCH /api/v1/groups/{id} on the biggest group (5,000
// members, see bigGroup; adding and removing reports.view) by the
// full-access admin, the same edit (adding and
// removing reports.view and the facility-scoped work_orders.archive) by a
// limited admin — which no escalation judges on its effect on each of the
// group's 5,000 members — and PATCH /api/v1/users/{id} (assigning and
// unassigning a facility), in turn, end to end: the transaction, the
// snapshot update and the response. After each write, a check (not timed)
// must see it, at the revision the write returned.
//
// propagated, when not nil (other instances run), is called after each
// write's acknowledgement and returns how long until every other instance
// had applied it.
func writes(c, limited *client, o *org, snap *authz.Snapshot, propagated func(int64) (time.Duration, bool, error), res *result) error {
	groupID, _ := biggestGroup(o.state)
	var group struct {
		Permissions []string `json:"permissions"`
	}
	if _, _, err := c.call("GET", "/api/v1/groups/"+groupID, nil, &group); err != nil {
		return err
	}
	base := slices.DeleteFunc(slices.Clone(group.Permissions), func(p string) bool { return p == "reports.view" })
	var member string
	for _, u := range o.state.Users {
		if slices.Contains(u.GroupIDs, groupID) && u.Status == "active" && !u.FullAccess {
			member = u.ID
			break
		}
	}
	user, ok := limitedUser(o.state)
	if !ok || member == "" {
		return fmt.Errorf("no user to edit")
	}
	// A facility-scoped permission the user holds in their facilities, and a
	// facility to assign and unassign.
	var perm string
	for _, p := range o.state.Catalog.Permissions() {
		if p.FacilityScoped && snap.Check(user.ID, p.Codename, authz.Resource{FacilityID: user.FacilityIDs[0]}).Allowed {
			perm = p.Codename
			break
		}
	}
	extra := ""
	for _, f := range o.state.Facilities {
		if !slices.Contains(user.FacilityIDs, f) {
			extra = f
			break
		}
	}
	if perm == "" || extra == "" {
		return fmt.Errorf("user %s holds no facility-scoped permission", user.ID)
	}

	check := func(userID, permission, facility string) (checkResponse, error) {
		var out checkResponse
		_, _, err := c.call("POST", "/api/v1/authz/check", checkRequest{UserID: userID, Permission: permission, Resource: authz.Resource{FacilityID: facility}}, &out)
		return out, err
	}
	revisionOf := func(h map[string][]string) int64 {
		v := h["Gatehouse-Revision"]
		if len(v) == 0 {
			return 0
		}
		n, _ := strconv.ParseInt(v[0], 10, 64)
		return n
	}
	var groupTimes, limitedTimes, userTimes, propagation []time.Duration
	atAck := 0
	// followed measures the propagation of an acknowledged write at once,
	// before the check that follows some writes.
	followed := func(h map[string][]string, err error) error {
		if err != nil || propagated == nil {
			return err
		}
		d, first, err := propagated(revisionOf(h))
		if err != nil {
			return err
		}
		propagation = append(propagation, d)
		if first {
			atAck++
		}
		return nil
	}
	var last int64
	for i := range 312 {
		add := i%6 < 3
		var took time.Duration
		var h map[string][]string
		var err error
		switch i % 3 {
		case 2:
			perms := slices.DeleteFunc(slices.Clone(base), func(p string) bool { return p == "work_orders.archive" })
			if add {
				perms = append(perms, "reports.view", "work_orders.archive")
			}
			took, h, err = limited.call("PATCH", "/api/v1/groups/"+groupID, map[string]any{"permissions": perms}, nil)
			err = followed(h, err)
			if i >= 12 {
				limitedTimes = append(limitedTimes, took)
			}
		case 0:
			perms := slices.Clone(base)
			if add {
				perms = append(perms, "reports.view")
			}
			took, h, err = c.call("PATCH", "/api/v1/groups/"+groupID, map[string]any{"permissions": perms}, nil)
			err = followed(h, err)
			if err == nil && add {
				if d, err := check(member, "reports.view", ""); err != nil || !d.Allowed {
					return fmt.Errorf("after adding reports.view to %s, member %s is not allowed it: %+v %v", groupID, member, d, err)
				}
			}
			if i >= 12 {
				groupTimes = append(groupTimes, took)
			}
		default:
			facilities := slices.Clone(user.FacilityIDs)
			if add {
				facilities = append(facilities, extra)
			}
			took, h, err = c.call("PATCH", "/api/v1/users/"+user.ID, map[string]any{"facility_ids": facilities}, nil)
			err = followed(h, err)
			if err == nil {
				d, err := check(user.ID, perm, extra)
				if err != nil || d.Allowed != add || d.Revision < revisionOf(h) {
					return fmt.Errorf("after assigning=%v facility %s to %s, check of %s says %+v (%v)", add, extra, user.ID, perm, d, err)
				}
			}
			if i >= 12 {
				userTimes = append(userTimes, took)
			}
		}
		if err != nil {
			return err
		}
		rev := revisionOf(h)
		if rev <= last {
			return fmt.Errorf("write %d returned revision %d after %d", i, rev, last)
		}
		last = rev
	}
	if len(propagation) > 0 {
		ms := millis(propagation)
		res.PropagationMsP50, res.PropagationMsP99, res.PropagationMsMax = percentile(ms, 50), percentile(ms, 99), ms[len(ms)-1]
		res.PropagatedAtAck = float64(atAck) / float64(len(ms))
	}
	all := millis(slices.Concat(groupTimes, limitedTimes, userTimes))
	res.WriteMsP50, res.WriteMsP99 = percentile(all, 50), percentile(all, 99)
	res.GroupWriteMsP50, res.UserWriteMsP50 = percentile(millis(groupTimes), 50), percentile(millis(userTimes), 50)
	res.LimitedGroupWriteMsP50, res.LimitedGroupWriteMsP99 = percentile(millis(limitedTimes), 50), percentile(millis(limitedTimes), 99)
	return nil
}

// limitedAdmin makes an active user who holds every permission at every
// facility without full access, and returns an API key of theirs: the
// actor whose group edits no escalation must judge member by member.
func limitedAdmin(ctx context.Context, svc *service.Service, o *org) (string, error) {
	var perms []string
	for _, p := range o.state.Catalog.Permissions() {
		perms = append(perms, p.Codename)
	}
	system := gatehouse.SystemActor(o.OrgID)
	inv, err := svc.InviteUser(ctx, system, service.UserInput{FirstName: "Limited", LastName: "Admin",
		Email: "limited-admin@bench.test", Permissions: perms, FacilityIDs: o.state.Facilities})
	if err != nil {
		return "", fmt.Errorf("limited admin: %w", err)
	}
	if _, _, err := svc.AcceptInvitation(ctx, inv.Token, "bench limited admin password"); err != nil {
		return "", fmt.Errorf("limited admin: %w", err)
	}
	key, err := svc.CreateAPIKey(ctx, gatehouse.Actor{OrgID: o.OrgID, UserID: inv.User.ID}, "bench")
	if err != nil {
		return "", fmt.Errorf("limited admin: %w", err)
	}
	return key.Secret, nil
}

// bigGroup gives the organization a group of n members, the size no
// escalation must judge within the write targets, and reloads its state:
// the seeded groups have about 750 members each.
func bigGroup(ctx context.Context, st *store.DB, svc *service.Service, o *org, n int) error {
	g, _, err := svc.CreateGroup(ctx, gatehouse.SystemActor(o.OrgID), service.GroupInput{Name: fmt.Sprintf("Bench %d members", n),
		Permissions: []string{"work_orders.view", "assets.view"}})
	if err != nil {
		return err
	}
	err = st.Update(ctx, func(tx gatehouse.Tx) error {
		added := 0
		for _, a := range o.state.Users {
			if added == n {
				break
			}
			if a.Status != gatehouse.StatusActive || a.FullAccess || len(a.FacilityIDs) == 0 {
				continue
			}
			u, err := tx.FindUser(o.OrgID, a.ID)
			if err != nil {
				return err
			}
			u.GroupIDs = append(u.GroupIDs, g.ID)
			slices.Sort(u.GroupIDs)
			if err := tx.UpdateUser(u); err != nil {
				return err
			}
			added++
		}
		if added < n {
			return fmt.Errorf("only %d users to put in a group of %d", added, n)
		}
		_, err := tx.BumpRevision(o.OrgID)
		return err
	})
	if err != nil {
		return err
	}
	if err := svc.Engine().Refresh(ctx, o.OrgID); err != nil {
		return err
	}
	o.state, err = st.LoadAccess(ctx, o.OrgID)
	return err
}
