package authz

import (
	"slices"

	"github.com/gatehouse/gatehouse"
)

// Reasons a write is refused under no escalation.
const (
	EscalationFullAccess = "escalation_full_access" // sets full access without having it
	EscalationLicence    = "escalation_licence"     // raises a licence above the actor's own
	EscalationPermission = "escalation_permission"  // adds a permission the actor lacks
	EscalationGroup      = "escalation_group"       // adds a group with a permission the actor lacks
	EscalationFacility   = "escalation_facility"    // assigns a facility the actor is not assigned to
	EscalationSelf       = "escalation_self"        // changes the actor's own groups, permissions or access
	TargetFullAccess     = "target_full_access"     // only full access may change a full-access user
	UserOutOfScope       = "user_out_of_scope"      // the user shares no facility with a limited actor
	ActorInactive        = "actor_inactive"         // the actor is unknown or not active
)

// A UserChange is one write to a user: Before is nil for an invitation,
// After is nil for a deletion.
type UserChange struct {
	Before *gatehouse.UserAccess
	After  *gatehouse.UserAccess
}

// CheckUserChange applies no escalation to a write by actorID. An actor
// without full access may grant only what they hold themselves. It returns a
// forbidden *gatehouse.Error naming the rule, or nil.
func (s *Snapshot) CheckUserChange(actorID string, ch UserChange) error {
	actor := s.user(actorID)
	if actor == nil || !actor.active() {
		return gatehouse.Forbidden(ActorInactive, "only an active user may change users")
	}
	if actor.fullAccess() {
		return nil
	}
	before, after := ch.Before, ch.After
	if before != nil && before.FullAccess {
		return gatehouse.Forbidden(TargetFullAccess, "only a full-access user may edit, deactivate or delete a full-access user")
	}
	if before != nil && before.ID == actorID && changesAccess(before, after) {
		return gatehouse.Forbidden(EscalationSelf, "you cannot change your own groups, permissions, licence, facilities, status or full access")
	}
	if before != nil && before.ID != actorID && !s.sharesFacility(actor, before.FacilityIDs) {
		return gatehouse.Forbidden(UserOutOfScope, "the user is not in any of your facilities")
	}
	if after == nil {
		return nil
	}
	var was gatehouse.UserAccess
	if before != nil {
		was = *before
	}
	if after.FullAccess && !was.FullAccess {
		return gatehouse.Forbidden(EscalationFullAccess, "only a full-access user may grant full access")
	}
	if after.Licence != was.Licence && s.cat.ranks[after.Licence] > actor.rank() {
		return gatehouse.Forbidden(EscalationLicence, "you cannot give licence %q, which is above your own", after.Licence)
	}
	mine := s.grantable(actor)
	for _, code := range added(was.Permissions, after.Permissions) {
		if i, ok := s.cat.index[code]; !ok || !mine.has(i) {
			return gatehouse.Forbidden(EscalationPermission, "you cannot grant %s, which you do not hold", code)
		}
	}
	for _, id := range added(was.GroupIDs, after.GroupIDs) {
		slot, ok := s.groupSlot[id]
		if !ok {
			continue // the store reports unknown groups as not found
		}
		if perms := s.groups[slot].perms; !perms.subsetOf(&mine) {
			return gatehouse.Forbidden(EscalationGroup, "you cannot add group %s: it holds permissions you do not hold", id)
		}
	}
	for _, id := range added(was.FacilityIDs, after.FacilityIDs) {
		slot, ok := s.facilitySlot(id)
		if !ok {
			continue
		}
		if !actor.hasFacility(slot) {
			return gatehouse.Forbidden(EscalationFacility, "you cannot assign facility %s, which is not assigned to you", id)
		}
	}
	if before == nil && !s.sharesFacility(actor, after.FacilityIDs) {
		return gatehouse.Invalid("facility_ids", "assign at least one of your facilities: without full access you manage only users in your facilities")
	}
	return nil
}

// CheckGroupChange applies no escalation to a group write: an actor without
// full access may put into a group only permissions they hold.
func (s *Snapshot) CheckGroupChange(actorID string, before, after []string) error {
	actor := s.user(actorID)
	if actor == nil || !actor.active() {
		return gatehouse.Forbidden(ActorInactive, "only an active user may change groups")
	}
	mine := s.grantable(actor)
	for _, code := range added(before, after) {
		if i, ok := s.cat.index[code]; !ok || !mine.has(i) {
			return gatehouse.Forbidden(EscalationPermission, "you cannot put %s into a group: you do not hold it", code)
		}
	}
	return nil
}

// CanManage reports whether actorID may see and manage the user: full-access
// actors manage everyone, others themselves and the users who share one of
// their facilities.
func (s *Snapshot) CanManage(actorID, userID string) bool {
	actor, target := s.user(actorID), s.user(userID)
	if actor == nil || target == nil {
		return false
	}
	if actor.fullAccess() || actorID == userID {
		return true
	}
	for i := range target.facilityCount() {
		slot := target.facility(i)
		if s.facilityIDs[slot] == "" {
			continue // deleted facility
		}
		if actor.hasFacility(slot) {
			return true
		}
	}
	return false
}

// Scope returns the facilities within which a user manages others: all of
// them for full access, else their assigned facility ids.
func (s *Snapshot) Scope(actorID string) (all bool, facilityIDs []string) {
	actor := s.user(actorID)
	if actor == nil {
		return false, nil
	}
	if actor.fullAccess() {
		return true, nil
	}
	return false, s.facilitiesOf(actor)
}

// IsFullAccess reports whether the user exists, is active and has full access.
func (s *Snapshot) IsFullAccess(userID string) bool {
	u := s.user(userID)
	return u != nil && u.active() && u.fullAccess()
}

func (s *Snapshot) sharesFacility(actor userRecord, ids []string) bool {
	for _, id := range ids {
		if slot, ok := s.facilitySlot(id); ok {
			if actor.hasFacility(slot) {
				return true
			}
		}
	}
	return false
}

func changesAccess(before, after *gatehouse.UserAccess) bool {
	if after == nil {
		return true
	}
	return before.Status != after.Status || before.FullAccess != after.FullAccess || before.Licence != after.Licence ||
		len(added(before.GroupIDs, after.GroupIDs))+len(added(after.GroupIDs, before.GroupIDs)) > 0 ||
		len(added(before.Permissions, after.Permissions))+len(added(after.Permissions, before.Permissions)) > 0 ||
		len(added(before.FacilityIDs, after.FacilityIDs))+len(added(after.FacilityIDs, before.FacilityIDs)) > 0
}

// added returns the elements of next that are not in prev.
func added(prev, next []string) []string {
	var out []string
	for _, v := range next {
		if !slices.Contains(prev, v) {
			out = append(out, v)
		}
	}
	return out
}
