package authz_test

import (
	"slices"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// This file is the reference model of effective access (Snapshot.Effective,
// GET /api/v1/users/{id}/permissions) and of the list filter
// (Snapshot.Filter, POST /api/v1/authz/filter), written from docs/decision.md
// ("allowed(user, permission, resource)", "Site roles and time-bound
// grants") and docs/api.md, in terms of referenceDecide wherever the
// documents speak of a decision. TestEngineAgreesWithReferenceModel compares
// the engine with it.

// referenceEffective is one permission of a user's effective access.
type referenceEffective struct {
	codename, category string
	facilityScoped     bool
	allFacilities      bool
	ownOnly            bool
	sources            sourceSet
	facilities         []referenceFacilityGrant // in facility id order
}

// referenceFacilityGrant is a facility-scoped permission at one facility.
type referenceFacilityGrant struct {
	facility string
	ownOnly  bool
	sources  sourceSet
}

// referenceEffectiveAccess lists every permission the user holds at the
// moment, in catalog order; ok is false for a user the organization does
// not have. An invited or inactive user holds nothing; a full-access user
// holds every permission at every facility, through full access.
//
// A permission is listed when it is in the effective set within the
// licence — clause 3a, at any facility: some grant in force gives it
// (organization-wide, direct, licence, or a site role at a facility that
// exists) and the licence may hold it. X.view implies X.view_own, so
// X.view_own is listed wherever X.view is (even above what the licence
// lets X.view_own be held alone: the implication follows the held X.view).
// X.view is not listed for a user who holds only X.view_own (TestEffective
// "agrees with Check": allowed for own items, listed as X.view_own).
//
// Reading: the permission's own sources and own_only are those of clause
// 3a, wherever the grants apply: X.view's sources when X.view is in the
// effective set, else X.view_own's with own_only. A facility-scoped
// permission of a user with no facility is still listed with its sources
// and no facilities (TestEffective "facility-scoped permission of a user
// without facilities still names its source").
//
// A facility-scoped permission lists, in facility id order, every facility
// F of the organization where the decision on the user's own item at F is
// allowed, with that decision's own_only and sources. Reading: an item of
// the user's own is asked, not a bare facility, because the documents give
// each facility "its own sources and own_only" — a facility where only
// X.view_own is held is listed with own_only, for X.view_own and for X.view
// alike (the decision on X.view for one's own item there is allowed,
// own_only: TestSiteRolesAndTimeBounds "org-wide + site role: own item
// elsewhere"). An organization-wide permission applies at every facility.
func referenceEffectiveAccess(st gatehouse.AccessState, userID string, at time.Time) (perms []referenceEffective, ok bool) {
	i := slices.IndexFunc(st.Users, func(u gatehouse.UserAccess) bool { return u.ID == userID })
	if i < 0 {
		return nil, false
	}
	user := st.Users[i]
	if user.Status != gatehouse.StatusActive {
		return nil, true
	}
	if user.FullAccess {
		for _, p := range st.Catalog.Permissions() {
			perms = append(perms, referenceEffective{codename: p.Codename, category: p.Category, facilityScoped: p.FacilityScoped, allFacilities: true,
				sources: sourceSet{sourceKey(authz.SourceFullAccess, "", "", time.Time{}, time.Time{}): true}})
		}
		return perms, true
	}
	u := referenceUser{st: st, user: user, at: at,
		licence: referenceLicence{catalog: st.Catalog, name: user.Licence, rank: ladderRank(st.Catalog, user.Licence)}}
	inEffectiveSet := func(p *gatehouse.Permission) bool { return len(u.anywhere(p.Codename)) > 0 && u.licence.mayHold(p) }
	facilities := slices.Sorted(slices.Values(st.Facilities))
	for _, p := range st.Catalog.Permissions() {
		grant, ownOnly := p, false
		view, own := viewPair(st.Catalog, p.Codename)
		switch {
		case view == nil:
			if !inEffectiveSet(p) {
				continue
			}
		case inEffectiveSet(view):
			grant = view
		case p.Codename == own.Codename && inEffectiveSet(own):
			ownOnly = true
		default:
			continue
		}
		e := referenceEffective{codename: p.Codename, category: p.Category, facilityScoped: p.FacilityScoped,
			allFacilities: !p.FacilityScoped, ownOnly: ownOnly, sources: u.anywhere(grant.Codename)}
		if p.FacilityScoped {
			for _, f := range facilities {
				allowed, _, own, sources := referenceDecide(st, userID, p.Codename, authz.Resource{FacilityID: f, CreatedBy: userID}, at)
				if allowed {
					e.facilities = append(e.facilities, referenceFacilityGrant{facility: f, ownOnly: own, sources: sources})
				}
			}
		}
		perms = append(perms, e)
	}
	return perms, true
}

// referenceListFilter is which rows of a list the user may see with a
// permission.
type referenceListFilter struct {
	allowed            bool
	reason             gatehouse.Reason
	allFacilities      bool
	facilityIDs        []string
	ownOnly            bool
	ownOnlyFacilityIDs []string
}

// referenceFilter answers "which rows may the user see with permission?"
// at the moment:
//   - allowed and reason are the decision asked without a resource;
//     denied, the user sees no rows;
//   - with full access, or an organization-wide permission: rows of every
//     facility (all_facilities), own_only as the decision says (a user
//     with only X.view_own of an organization-wide pair sees their own
//     rows everywhere);
//   - a facility-scoped permission: facility_ids are exactly the
//     facilities F where the decision on another user's item at F is
//     allowed (every row), and own_only_facility_ids those where only the
//     decision on the user's own item is (a site role may give X.view at
//     one facility and X.view_own at another). When no facility gives every
//     row, facility_ids are the own-only facilities and own_only is true
//     ("own_only is true only when every facility is own-only";
//     own_only_facility_ids are then empty: authz.Filter "Empty when
//     OwnOnly tells all").
func referenceFilter(st gatehouse.AccessState, userID, permission string, at time.Time) referenceListFilter {
	allowed, reason, ownOnly, _ := referenceDecide(st, userID, permission, authz.Resource{}, at)
	f := referenceListFilter{allowed: allowed, reason: reason}
	if !allowed {
		return f
	}
	if p := st.Catalog.Permission(permission); reason == gatehouse.ReasonFullAccess || !p.FacilityScoped {
		f.allFacilities, f.ownOnly = true, ownOnly
		return f
	}
	var every, own []string
	for _, id := range slices.Sorted(slices.Values(st.Facilities)) {
		if ok, _, _, _ := referenceDecide(st, userID, permission, authz.Resource{FacilityID: id, CreatedBy: "usr_other"}, at); ok {
			every = append(every, id)
		} else if ok, _, _, _ := referenceDecide(st, userID, permission, authz.Resource{FacilityID: id, CreatedBy: userID}, at); ok {
			own = append(own, id)
		}
	}
	if len(every) == 0 {
		f.facilityIDs, f.ownOnly = own, true
	} else {
		f.facilityIDs, f.ownOnlyFacilityIDs = every, own
	}
	return f
}
