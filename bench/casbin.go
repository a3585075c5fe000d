package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// casbinModel is RBAC with domains, the facility being the domain: a role
// (a Gatehouse group) holds permissions, and a user holds a role in each
// facility assigned to them, plus the domain "org" for the permissions that
// are not facility-scoped. The cheap comparison comes first so that the
// matcher short-circuits for most policies.
const casbinModel = `
[request_definition]
r = sub, dom, obj

[policy_definition]
p = sub, obj

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = (r.obj == p.obj || p.obj == "*") && g(r.sub, p.sub, r.dom)
`

// orgDomain is the domain of the permissions that apply organization-wide.
const orgDomain = "org"

// casbinPolicy expresses an organization's access state as Casbin policies,
// the way an integrator of Casbin would keep them in sync:
//
//   - each group is a role: "p, grp_…, work_orders.edit", and X.view_own
//     wherever X.view (X.view implies it);
//   - each member of a group holds the role in each of their facilities and
//     in "org": "g, usr_…, grp_…, fac_…";
//   - each direct permission is a role of its own, "direct:work_orders.edit",
//     held the same way;
//   - a site role (a group at one facility) is the role in that facility
//     and in "org" (its organization-wide permissions hold "somewhere");
//   - a time-bound grant is there only while in force (at now), as an
//     integrator's scheduler would add and remove it;
//   - a full-access user has "p, usr_…, *" (a user is their own role);
//   - invited and deactivated users have no rules at all, as an integrator
//     would remove them on deactivation.
func casbinPolicy(st gatehouse.AccessState, now time.Time) (p, g [][]string) {
	cat := st.Catalog
	implied := func(perms []string) []string {
		out := append([]string{}, perms...)
		for _, code := range perms {
			if view, own, ok := cat.OwnVariant(code); ok && view == code {
				out = append(out, own)
			}
		}
		return out
	}
	for _, grp := range st.Groups {
		for _, code := range implied(grp.Permissions) {
			p = append(p, []string{grp.ID, code})
		}
	}
	direct := map[string]bool{}
	for _, u := range st.Users {
		if u.Status != gatehouse.StatusActive {
			continue
		}
		if u.FullAccess {
			p = append(p, []string{u.ID, "*"})
			continue
		}
		inForce := func(grantID string) bool {
			for _, b := range u.Bounds {
				if b.GrantID == grantID {
					return gatehouse.ActiveAt(b.StartsAt, b.ExpiresAt, now)
				}
			}
			return true
		}
		var roles, facilities []string
		for _, grp := range u.GroupIDs {
			if inForce(gatehouse.GrantID(gatehouse.GrantGroup, grp, "")) {
				roles = append(roles, grp)
			}
		}
		for _, f := range u.FacilityIDs {
			if inForce(gatehouse.GrantID(gatehouse.GrantFacility, f, "")) {
				facilities = append(facilities, f)
			}
		}
		for _, r := range u.SiteRoles {
			if gatehouse.ActiveAt(r.StartsAt, r.ExpiresAt, now) {
				g = append(g, []string{u.ID, r.GroupID, r.FacilityID}, []string{u.ID, r.GroupID, orgDomain})
			}
		}
		for _, code := range u.Permissions {
			if !inForce(gatehouse.GrantID(gatehouse.GrantPermission, code, "")) {
				continue
			}
			roles = append(roles, "direct:"+code)
			if !direct[code] {
				direct[code] = true
				for _, implied := range implied([]string{code}) {
					p = append(p, []string{"direct:" + code, implied})
				}
			}
		}
		for _, role := range roles {
			g = append(g, []string{u.ID, role, orgDomain})
			for _, f := range facilities {
				g = append(g, []string{u.ID, role, f})
			}
		}
	}
	return p, g
}

// newCasbin returns an enforcer of the policy: the plain Enforcer, or the
// CachedEnforcer, which remembers each request's answer.
func newCasbin(p, g [][]string, cached bool) (casbin.IEnforcer, error) {
	m, err := model.NewModelFromString(casbinModel)
	if err != nil {
		return nil, err
	}
	var e casbin.IEnforcer
	if cached {
		e, err = casbin.NewCachedEnforcer(m)
	} else {
		e, err = casbin.NewEnforcer(m)
	}
	if err != nil {
		return nil, err
	}
	if err := e.GetModel().AddPolicies("p", "p", p); err != nil {
		return nil, err
	}
	if err := e.GetModel().AddPolicies("g", "g", g); err != nil {
		return nil, err
	}
	if err := e.BuildRoleLinks(); err != nil {
		return nil, err
	}
	return e, nil
}

// A casbinRequest is a query as its Casbin integrator asks it.
type casbinRequest struct{ sub, dom, obj string }

// casbinRequestOf turns a Gatehouse check into the Casbin request that means
// the same: the facility is the domain for facility-scoped permissions and
// "org" otherwise; Casbin knows nothing of ownership, so a view check about
// the user's own item asks for X.view_own (implied by X.view) and about
// anyone else's for X.view.
func casbinRequestOf(cat *gatehouse.Catalog, q query) casbinRequest {
	r := casbinRequest{sub: q.user, dom: orgDomain, obj: q.perm}
	if p := cat.Permission(q.perm); p != nil && p.FacilityScoped && q.res.FacilityID != "" {
		r.dom = q.res.FacilityID
	}
	if view, own, ok := cat.OwnVariant(q.perm); ok {
		mine := q.res == (authz.Resource{}) || q.res.CreatedBy == q.user || q.res.AssigneeID == q.user
		if mine {
			r.obj = own
		} else {
			r.obj = view
		}
	}
	return r
}

// agree checks that Casbin answers every query as Gatehouse does: the two
// models are the same, or the comparison would not be fair.
func agree(snap *authz.Snapshot, e casbin.IEnforcer, cat *gatehouse.Catalog, qs []query, reqs []casbinRequest) error {
	var bad []string
	allowed := 0
	for i, q := range qs {
		want := snap.Check(q.user, q.perm, q.res).Allowed
		got, err := e.Enforce(reqs[i].sub, reqs[i].dom, reqs[i].obj)
		if err != nil {
			return err
		}
		if want {
			allowed++
		}
		if got != want && len(bad) < 5 {
			bad = append(bad, fmt.Sprintf("%+v: gatehouse %v (%s), casbin %v for %+v", q, want, snap.Explain(q.user, q.perm, q.res).Reason, got, reqs[i]))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("casbin and gatehouse disagree:\n  %s", strings.Join(bad, "\n  "))
	}
	if allowed == 0 || allowed == len(qs) {
		return fmt.Errorf("%d of %d queries allowed: the query mix tells nothing", allowed, len(qs))
	}
	return nil
}
