package authz

import (
	"slices"
	"time"

	"github.com/gatehouse/gatehouse"
)

// Reasons a write is refused under no escalation: the names of
// gatehouse.Reasons, as the strings gatehouse.Error.Reason holds.
const (
	EscalationFullAccess = string(gatehouse.ReasonEscalationFullAccess) // sets full access without having it
	EscalationLicence    = string(gatehouse.ReasonEscalationLicence)    // raises a licence above the actor's own
	EscalationPermission = string(gatehouse.ReasonEscalationPermission) // adds a permission the actor lacks
	EscalationGroup      = string(gatehouse.ReasonEscalationGroup)      // adds a group with a permission the actor lacks
	EscalationFacility   = string(gatehouse.ReasonEscalationFacility)   // assigns a facility the actor is not assigned to
	EscalationSelf       = string(gatehouse.ReasonEscalationSelf)       // changes the actor's own groups, permissions or access
	TargetFullAccess     = string(gatehouse.ReasonTargetFullAccess)     // only full access may change a full-access user
	UserOutOfScope       = string(gatehouse.ReasonUserOutOfScope)       // the user shares no facility with a limited actor
	ActorInactive        = string(gatehouse.ReasonActorInactive)        // the actor is unknown or not active
	Escalation           = string(gatehouse.ReasonEscalation)           // the write's effect gives someone access the actor lacks there
	AccountNotCovered    = string(gatehouse.ReasonAccountNotCovered)    // acts on the account of a user whose access exceeds the actor's
)

// A Write is one write as it is about to commit, for Judge.
type Write struct {
	// Change is what the write changes in the organization's access.
	Change gatehouse.AccessChange
	// Accounts are the users whose account, not only their access, the
	// write acts on: their email, name, phone or status, their invitation,
	// verification or deletion. The actor must cover what each of them
	// holds, or would hold once active.
	Accounts []string
}

// Judge applies no escalation to a write by actorID that takes the
// organization from s to next. An actor without full access may grant only
// what they hold, and the rule is judged twice: on the request (no full
// access, no licence above their own, no permission, group or facility they
// lack, nothing of their own, no full-access user, only users in their
// facilities), and on the effect, with the same effective access that
// checks read: after the write, nobody holds — or would hold once active —
// a permission at a facility that they did not before, unless the actor
// holds it there (licence raises, group edits and edits of invited or
// inactive users included). Acting on an account (w.Accounts) needs the
// user's access within the actor's. It returns a forbidden
// *gatehouse.Error naming the rule, or nil.
func (s *Snapshot) Judge(actorID string, next *Snapshot, w Write) error {
	actor := s.user(actorID)
	if actor == nil || !actor.active() {
		return gatehouse.Forbidden(ActorInactive, "only an active user may change users, groups and facilities")
	}
	if actor.fullAccess() {
		return nil
	}
	mine := s.grantable(actor)
	for _, g := range w.Change.Groups {
		if err := s.judgeGroup(next, g.ID, &mine); err != nil {
			return err
		}
	}
	for _, u := range w.Change.Users {
		if err := s.judgeUser(actorID, actor, next, u.ID, &mine); err != nil {
			return err
		}
	}
	for _, id := range w.Change.DeletedUsers {
		if err := s.judgeUser(actorID, actor, next, id, &mine); err != nil {
			return err
		}
	}
	created := func(slot int32) bool {
		self := next.user(actorID)
		return int(slot) >= len(s.facilityIDs) && self != nil && self.hasFacility(slot)
	}
	now := s.now()
	h := newHolder(s.accessIn(actor, false, nil, now), created)
	for _, id := range w.Accounts {
		if err := s.judgeAccount(actor, created, id); err != nil {
			return err
		}
	}
	actorTimed := hasTimedGrants(actor)
	var gap []uint64
	groupEdits := false
	if !actorTimed {
		if gap, groupEdits = s.groupEditGap(next, w, h); groupEdits && gap == nil {
			return nil // no member can gain what the actor lacks
		}
	}
	// The actor's access at each moment their own grants change: a grant
	// they give must stay within what they hold until it ends.
	holders := map[int64]*holder{now: h}
	holderAt := func(t int64) *holder {
		if hh, ok := holders[t]; ok {
			return hh
		}
		hh := newHolder(s.accessIn(actor, false, nil, t), created)
		holders[t] = hh
		return hh
	}
	// The effect is judged on what each user holds or would hold once
	// active: an invited user accepts unjudged, and a full-access admin's
	// reactivation of an inactive one must not switch on a grant that a
	// limited admin put there meanwhile. (Reactivation itself acts on the
	// account, judged above.) With time-bound grants it is judged now and at
	// every later start or expiry of the user's or the actor's grants.
	var refusal error
	var wasAt, isAt []int32
	var d delta             // one for the whole walk: a big group's members are judged without allocating
	onlyNow := []int64{now} // the moments of users without time-bound grants, when neither has any
	s.eachReached(next, w.Change, func(id []byte, was, is userRecord) bool {
		if groupEdits && !was.touches(gap) && !is.touches(gap) {
			return true // the member gains nothing where the actor lacks something
		}
		ts := onlyNow
		if actorTimed || hasTimedGrants(was) || hasTimedGrants(is) {
			ts = moments(now, actor, was, is)
		}
		for _, t := range ts {
			before, after := s.accessIn(was, true, wasAt, t), next.accessIn(is, true, isAt, t)
			wasAt, isAt = before.facilities, after.facilities
			if before.full && after.full {
				return true // a full-access user's reach follows the facilities, not the write
			}
			d = s.cat.gained(before, after)
			ht := holderAt(t)
			if perm, slot, ok := s.cat.uncovered(ht, &d); !ok {
				who := "user " + string(id)
				if !s.CanManage(actorID, string(id)) && !next.CanManage(actorID, string(id)) {
					who = "a user outside your facilities" // whose id the actor may not learn
				}
				where := next.pairName(perm, slot)
				if slot >= 0 && !ht.hasFacility(slot) && !h.hasFacility(slot) {
					where = next.cat.codes[perm] + " at a facility not assigned to you"
				}
				if t == now {
					refusal = gatehouse.Forbidden(Escalation, "this would give %s %s, which you do not hold there", who, where)
				} else {
					refusal = gatehouse.Forbidden(Escalation, "this would give %s %s from %s on, when you no longer hold it there",
						who, where, time.Unix(t, 0).UTC().Format(time.RFC3339))
				}
				return false
			}
		}
		return true
	})
	return refusal
}

// judgeGroup: a group gets only permissions the actor holds.
func (s *Snapshot) judgeGroup(next *Snapshot, id string, mine *PermSet) error {
	var before PermSet
	if slot, ok := s.groupSlot[id]; ok {
		before = s.groups[slot].perms
	}
	slot, ok := next.groupSlot[id]
	if !ok {
		return nil
	}
	added := next.groups[slot].perms
	added.andNot(&before)
	if !added.subsetOf(mine) {
		added.andNot(mine)
		return gatehouse.Forbidden(EscalationPermission, "you cannot put %s into a group: you do not hold it",
			s.cat.codes[firstOf(&added, len(s.cat.codes))])
	}
	return nil
}

// judgeUser applies the request rules to one user the write changes.
func (s *Snapshot) judgeUser(actorID string, actor userRecord, next *Snapshot, id string, mine *PermSet) error {
	before, after := s.user(id), next.user(id)
	if before != nil && before.fullAccess() {
		return gatehouse.Forbidden(TargetFullAccess, "only a full-access user may edit, deactivate or delete a full-access user")
	}
	if id == actorID {
		if !s.sameAccess(before, after) {
			return gatehouse.Forbidden(EscalationSelf, "you cannot change your own groups, permissions, licence, facilities, status or full access")
		}
		return nil
	}
	if before != nil && !s.CanManage(actorID, id) {
		return gatehouse.Forbidden(UserOutOfScope, "the user is not in any of your facilities")
	}
	if after == nil {
		return nil
	}
	if after.fullAccess() {
		return gatehouse.Forbidden(EscalationFullAccess, "only a full-access user may grant full access")
	}
	if (before == nil || after.licence() != before.licence()) && after.rank() > actor.rank() {
		return gatehouse.Forbidden(EscalationLicence, "you cannot give licence %q, which is above your own", next.licences[after.licence()])
	}
	var was PermSet
	if before != nil {
		was = before.direct()
	}
	added := after.direct()
	added.andNot(&was)
	if !added.subsetOf(mine) {
		added.andNot(mine)
		return gatehouse.Forbidden(EscalationPermission, "you cannot grant %s, which you do not hold",
			s.cat.codes[firstOf(&added, len(s.cat.codes))])
	}
	for i := range after.groupCount() {
		slot := after.group(i)
		if before.hasGroup(slot) {
			continue
		}
		if grp := &next.groups[slot]; !grp.deleted && !grp.perms.subsetOf(mine) {
			return gatehouse.Forbidden(EscalationGroup, "you cannot add group %s: it holds permissions you do not hold", grp.id)
		}
	}
	if after.siteCount() > 0 {
		// A site role only where the actor holds every permission of its group.
		h := newHolder(s.accessOf(actor, false), nil)
		for i := range after.siteCount() {
			g, f := after.site(i)
			if before.hasSite(g, f) || int(f) >= len(s.facilityIDs) {
				continue // held already, or at a facility this write creates
			}
			held := h.heldAt(f)
			if grp := &next.groups[g]; !grp.deleted && !grp.perms.subsetOf(&held) {
				return gatehouse.Forbidden(EscalationGroup, "you cannot give group %s at facility %s: it holds permissions you do not hold there",
					grp.id, s.facilityIDs[f])
			}
		}
	}
	shares := false
	for i := range after.facilityCount() {
		slot := after.facility(i)
		if int(slot) >= len(s.facilityIDs) || s.facilityIDs[slot] == "" {
			continue // created by this write, or deleted
		}
		if actor.hasFacility(slot) {
			shares = true
		} else if before == nil || !before.hasFacility(slot) {
			return gatehouse.Forbidden(EscalationFacility, "you cannot assign facility %s, which is not assigned to you", s.facilityIDs[slot])
		}
	}
	for i := range after.siteCount() {
		if _, f := after.site(i); int(f) < len(s.facilityIDs) && s.facilityIDs[f] != "" && actor.hasFacility(f) {
			shares = true
		}
	}
	if before == nil && !shares {
		return gatehouse.Invalid("facility_ids", "assign at least one of your facilities: without full access you manage only users in your facilities")
	}
	return nil
}

// Covers reports, as an error, whether actorID may act on the account of
// userID now: the actor is active, and has full access or holds everything
// the user holds or would hold once active (what Judge asks of account
// actions). Confirming an email change asks it again of whoever asked for
// the change.
func (s *Snapshot) Covers(actorID, userID string) error {
	actor := s.user(actorID)
	if actor == nil || !actor.active() {
		return gatehouse.Forbidden(ActorInactive, "only an active user may act on accounts")
	}
	if actor.fullAccess() {
		return nil
	}
	return s.judgeAccount(actor, nil, userID)
}

// judgeAccount: acting on a user's account needs their access, as it is or
// would be once active, within the actor's — now and at every later start
// or expiry of either's grants, so that reactivating a user whose grant
// starts tomorrow does not give them tomorrow what the actor will not
// hold. created is as newHolder takes it (nil: none).
func (s *Snapshot) judgeAccount(actor userRecord, created func(int32) bool, id string) error {
	target := s.user(id)
	if target == nil {
		return nil
	}
	if target.fullAccess() {
		return gatehouse.Forbidden(TargetFullAccess, "only a full-access user may act on the account of a full-access user")
	}
	now := s.now()
	for _, t := range moments(now, actor, target) {
		h := newHolder(s.accessIn(actor, false, nil, t), created)
		d := s.cat.gained(access{}, s.accessIn(target, true, nil, t))
		if perm, slot, ok := s.cat.uncovered(h, &d); !ok {
			if t == now {
				return gatehouse.Forbidden(AccountNotCovered, "you may act on the account of user %s only if their access is within yours: they hold %s, which you do not",
					id, s.pairName(perm, slot))
			}
			return gatehouse.Forbidden(AccountNotCovered, "you may act on the account of user %s only if their access is within yours: from %s on they hold %s, which you will not",
				id, time.Unix(t, 0).UTC().Format(time.RFC3339), s.pairName(perm, slot))
		}
	}
	return nil
}

// pairName names a permission and where: "work_orders.delete at facility
// fac_…", or everywhere.
func (s *Snapshot) pairName(perm int, slot int32) string {
	switch {
	case perm < 0:
		return "full access"
	case slot < 0:
		return s.cat.codes[perm]
	}
	return s.cat.codes[perm] + " at facility " + s.facilityIDs[slot]
}

// sameAccess reports whether two records of one user grant the same access,
// leaving out facilities that did not exist in s (a facility its creator
// was just assigned).
func (s *Snapshot) sameAccess(a, b userRecord) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if a.status() != b.status() || a.fullAccess() != b.fullAccess() || a.licence() != b.licence() || a.direct() != b.direct() ||
		a.groupCount() != b.groupCount() || string(a.trailer()) != string(b.trailer()) {
		return false
	}
	for i := range a.groupCount() {
		if !b.hasGroup(a.group(i)) {
			return false
		}
	}
	existing := func(u userRecord) []int32 {
		var out []int32
		for i := range u.facilityCount() {
			if slot := u.facility(i); int(slot) < len(s.facilityIDs) {
				out = append(out, slot)
			}
		}
		return out
	}
	return slices.Equal(existing(a), existing(b))
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
	for i := range target.siteCount() {
		if _, slot := target.site(i); s.facilityIDs[slot] != "" && actor.hasFacility(slot) {
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

// hasSite reports whether the user holds the group slot at the facility
// slot; a nil record holds nothing.
func (u userRecord) hasSite(group, facility int32) bool {
	if u == nil {
		return false
	}
	for i := range u.siteCount() {
		if g, f := u.site(i); g == group && f == facility {
			return true
		}
	}
	return false
}

// hasGroup reports whether the user is in the group slot; a nil record is
// in none.
func (u userRecord) hasGroup(slot int32) bool {
	if u == nil {
		return false
	}
	for i := range u.groupCount() {
		if u.group(i) == slot {
			return true
		}
	}
	return false
}

// hasTimedGrants reports whether a user's record (nil for none) holds a
// grant with a start or an end.
// groupEditGap is, for a write that only edits groups, the facility slots
// (a bitmap, nil for none) where h lacks a permission that the edited
// groups hold after it (X.view_own with X.view); ok is false for any other
// write, or when h lacks one of them everywhere. A member gains from such an
// edit only the groups' permissions, only at facilities where they hold a
// group — assigned or by a site role, now or at another moment — so a
// member with none of those facilities in the gap gains nothing h lacks,
// and an empty gap means that no member does: a big group's members need
// no look. It holds for an actor without time-bound grants only, whose
// access is the same at every moment.
func (s *Snapshot) groupEditGap(next *Snapshot, w Write, h *holder) (gap []uint64, ok bool) {
	ch := w.Change
	if len(ch.Groups) == 0 || len(ch.Users) > 0 || len(ch.DeletedUsers) > 0 || len(ch.Facilities) > 0 ||
		len(ch.DeletedFacilities) > 0 || len(ch.DeletedGroups) > 0 || len(w.Accounts) > 0 {
		return nil, false
	}
	var given PermSet
	for _, g := range ch.Groups {
		slot, ok := next.groupSlot[g.ID]
		if !ok {
			return nil, false
		}
		given.or(&next.groups[slot].perms)
	}
	given = s.cat.withImplied(given)
	if !given.subsetOf(&h.anywhere) {
		return nil, false
	}
	given.and(&s.cat.scoped)
	for slot, id := range next.facilityIDs {
		if id == "" {
			continue
		}
		if held := h.heldAt(int32(slot)); !given.subsetOf(&held) {
			for slot>>6 >= len(gap) {
				gap = append(gap, 0)
			}
			gap[slot>>6] |= 1 << (slot & 63)
		}
	}
	return gap, true
}

// touches reports whether one of the user's facilities, assigned or of a
// site role, whatever their time bounds, is in the bitmap of slots.
func (u userRecord) touches(slots []uint64) bool {
	in := func(f int32) bool { return int(f>>6) < len(slots) && slots[f>>6]&(1<<(f&63)) != 0 }
	if u == nil {
		return false
	}
	for i := range u.facilityCount() {
		if in(u.facility(i)) {
			return true
		}
	}
	for i := range u.siteCount() {
		if _, f := u.site(i); in(f) {
			return true
		}
	}
	return false
}

func hasTimedGrants(u userRecord) bool { return len(u) > 0 && u.timedCount() > 0 }
