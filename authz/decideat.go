package authz

import (
	"math"
	"time"
)

// decideAt is clauses 3a–3c of the decision for a user with site roles or
// time-bound grants, at t (unix seconds). Only grants in force at t count.
// A facility-scoped permission is held at facility F when it comes from an
// organization-wide group, direct grant or licence with F assigned, or
// from a group the user holds at F; an organization-wide permission from a
// site role is held "somewhere", which is all it asks. The licence limits
// every source alike, and view_own is read at the facility asked about.
func (s *Snapshot) decideAt(u userRecord, userID string, p int, facility int32, r Resource, x *Explanation, t int64) Decision {
	var org, atSite, anySite PermSet
	s.orgHeld(u, t, &org)
	s.sitesHeld(u, t, facility, &atSite, &anySite)
	holdable := &s.cat.holdable[u.rank()]
	scoped := s.cat.scoped.has(p)
	grant, ownOnly := -1, false
	if scoped && facility >= 0 {
		// The common question first: held at the facility asked about
		// passes 3a and 3b at once.
		here := atSite
		if u.assignedAt(facility, t) {
			here.or(&org)
		}
		grant, ownOnly = s.cat.grantWithin(p, &here, holdable)
	}
	if grant < 0 {
		anywhere := org
		anywhere.or(&anySite)
		// 3a. held at all, within the licence.
		if grant, ownOnly = s.cat.grantWithin(p, &anywhere, holdable); grant < 0 {
			if held, _ := s.cat.grantFor(p, &anywhere); held >= 0 {
				return Decision{Reason: ReasonLicenceTooLow}
			}
			return Decision{Reason: ReasonPermissionMissing}
		}
		// 3b. a facility-scoped permission is held at the facility (or,
		// asked without one, at some facility).
		if scoped && facility >= 0 {
			return Decision{Reason: ReasonFacilityNotAssigned}
		}
		if scoped {
			here := anySite
			if s.anyFacilityAt(u, t) {
				here.or(&org)
			}
			if grant, ownOnly = s.cat.grantWithin(p, &here, holdable); grant < 0 {
				return Decision{Reason: ReasonFacilityNotAssigned}
			}
		}
	}
	// 3c. with only X.view_own there, the item must be the user's.
	if ownOnly && !r.empty() && r.CreatedBy != userID && r.AssigneeID != userID {
		return Decision{Reason: ReasonNotOwn}
	}
	if x != nil {
		x.OwnOnly = ownOnly
		x.GrantedBy = s.sourcesAt(u, grant, t, facility, scoped, x.GrantedBy)
		x.grant = grant
	}
	return Decision{Allowed: true, Reason: ReasonGranted}
}

// sourcesAt appends to out the grants in force at t that give permission
// index grant: for a facility-scoped one, those that apply at the facility
// (any facility with -1); site roles name their facility.
func (s *Snapshot) sourcesAt(u userRecord, grant int, t int64, facility int32, scoped bool, out []Source) []Source {
	orgApplies := !scoped || (facility >= 0 && u.assignedAt(facility, t)) || (facility < 0 && s.anyFacilityAt(u, t))
	if orgApplies {
		for i := range u.groupCount() {
			slot := u.group(i)
			if grp := &s.groups[slot]; !grp.deleted && grp.perms.has(grant) && u.inForce(timedGroup, slot, t) {
				out = append(out, u.bounded(Source{Kind: SourceGroup, ID: grp.id}, timedGroup, slot))
			}
		}
		if direct := u.direct(); direct.has(grant) && u.inForce(timedPermission, int32(grant), t) {
			out = append(out, u.bounded(Source{Kind: SourceDirect}, timedPermission, int32(grant)))
		}
		if s.cat.implicit[u.rank()].has(grant) {
			out = append(out, Source{Kind: SourceLicence, ID: s.licences[u.licence()]})
		}
	}
	for i := range u.siteCount() {
		g, f := u.site(i)
		if (scoped && facility >= 0 && f != facility) || s.facilityIDs[f] == "" || !u.inForce(timedSite, int32(i), t) {
			continue
		}
		if grp := &s.groups[g]; !grp.deleted && grp.perms.has(grant) {
			out = append(out, u.bounded(Source{Kind: SourceGroup, ID: grp.id, FacilityID: s.facilityIDs[f]}, timedSite, int32(i)))
		}
	}
	return out
}

// bounded sets the source's bounds from the grant of kind and index.
func (u userRecord) bounded(src Source, kind int, index int32) Source {
	for i := range u.timedCount() {
		if k, idx, start, end := u.timed(i); k == kind && idx == index {
			if start != math.MinInt64 {
				src.StartsAt = time.Unix(start, 0).UTC()
			}
			if end != math.MaxInt64 {
				src.ExpiresAt = time.Unix(end, 0).UTC()
			}
		}
	}
	return src
}
