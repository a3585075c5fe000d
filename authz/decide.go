package authz

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse"
)

// A Resource is the thing a check is about, as the host platform knows it.
// All fields are optional; an empty Resource asks "anywhere at all?".
type Resource struct {
	FacilityID string `json:"facility_id,omitempty"`
	CreatedBy  string `json:"created_by,omitempty"`
	AssigneeID string `json:"assignee_id,omitempty"`
}

func (r Resource) empty() bool { return r == Resource{} }

// Reason says why a decision came out as it did: the grant, or the first
// clause of the decision that failed.
type Reason uint8

const (
	ReasonGranted             Reason = iota // held through groups, direct grants or licence
	ReasonFullAccess                        // full access bypasses every check
	ReasonUserNotFound                      // no such user in the organization
	ReasonUnknownPermission                 // the catalog has no such permission
	ReasonFacilityNotFound                  // the resource's facility is not in the organization
	ReasonUserInvited                       // the user has not accepted the invitation
	ReasonUserInactive                      // the user is deactivated
	ReasonPermissionMissing                 // no group, direct grant or licence gives it
	ReasonLicenceTooLow                     // held, but the licence may not hold it
	ReasonFacilityNotAssigned               // facility-scoped and the facility is not assigned
	ReasonNotOwn                            // only X.view_own, and the item is not the user's
)

// reasonNames are the names of gatehouse.Reasons.
var reasonNames = [...]gatehouse.Reason{
	ReasonGranted:             gatehouse.ReasonGranted,
	ReasonFullAccess:          gatehouse.ReasonFullAccess,
	ReasonUserNotFound:        gatehouse.ReasonUserNotFound,
	ReasonUnknownPermission:   gatehouse.ReasonUnknownPermission,
	ReasonFacilityNotFound:    gatehouse.ReasonFacilityNotFound,
	ReasonUserInvited:         gatehouse.ReasonUserInvited,
	ReasonUserInactive:        gatehouse.ReasonUserInactive,
	ReasonPermissionMissing:   gatehouse.ReasonPermissionMissing,
	ReasonLicenceTooLow:       gatehouse.ReasonLicenceTooLow,
	ReasonFacilityNotAssigned: gatehouse.ReasonFacilityNotAssigned,
	ReasonNotOwn:              gatehouse.ReasonNotOwn,
}

func (r Reason) String() string { return string(reasonNames[r]) }

// Name is the reason's name in the domain's list.
func (r Reason) Name() gatehouse.Reason { return reasonNames[r] }

// A Decision is the answer to allowed(user, permission, resource).
type Decision struct {
	Allowed bool
	Reason  Reason
}

// Source kinds in an explanation (SourceKinds lists them).
const (
	SourceFullAccess = "full_access"
	SourceGroup      = "group"
	SourceDirect     = "direct"
	SourceLicence    = "licence"
)

// SourceKinds lists every kind of Source.
func SourceKinds() []string {
	return []string{SourceFullAccess, SourceGroup, SourceDirect, SourceLicence}
}

// A Source is one grant behind an allowed decision.
type Source struct {
	Kind string `json:"type"`
	ID   string `json:"id,omitempty"` // group id or licence name
	// FacilityID names the facility of a site role: the group held there only.
	FacilityID string `json:"facility_id,omitempty" required:"false" doc:"For a site role: the facility where the group is held"`
	// StartsAt and ExpiresAt bound a time-bound grant (zero: no bound).
	StartsAt  time.Time `json:"starts_at,omitzero" required:"false" doc:"For a time-bound grant: when it started"`
	ExpiresAt time.Time `json:"expires_at,omitzero" required:"false" doc:"For a time-bound grant: when it ends"`
}

// An Explanation is a decision with what granted it or why it failed. It
// comes from the same code path as Check, so the two cannot disagree.
type Explanation struct {
	Decision
	GrantedBy []Source
	OwnOnly   bool   // allowed only for items the user created or is assigned to
	Message   string // one sentence for people

	grant int        // the index of the permission that granted, for the message
	perm  int        // the index of the permission asked about, once found
	user  userRecord // the user asked about, once found
}

// Check answers allowed(user, permission, resource) now. It allocates
// nothing, and reads the clock only for a user with time-bound grants.
func (s *Snapshot) Check(userID, permission string, r Resource) Decision {
	return s.decide(userID, permission, r, nil, 0)
}

// CheckAt answers like Check as the snapshot's grants stand at the moment
// at (to the second): "would this be allowed at T?".
func (s *Snapshot) CheckAt(userID, permission string, r Resource, at time.Time) Decision {
	return s.decide(userID, permission, r, nil, unixOf(at))
}

// Explain answers like Check and says why.
func (s *Snapshot) Explain(userID, permission string, r Resource) Explanation {
	return s.ExplainAt(userID, permission, r, time.Time{})
}

// ExplainAt answers like CheckAt and says why; a zero at is now.
func (s *Snapshot) ExplainAt(userID, permission string, r Resource, at time.Time) Explanation {
	x, _ := s.ExplainAtAppend(nil, userID, permission, r, at)
	return x
}

// ExplainAtAppend is ExplainAt with the explanation's sources appended to
// buf, which it returns: a batch explains each of its checks into one
// buffer rather than allocating each one's sources. The explanation's
// GrantedBy is a slice of the buffer returned.
func (s *Snapshot) ExplainAtAppend(buf []Source, userID, permission string, r Resource, at time.Time) (Explanation, []Source) {
	start := len(buf)
	x := Explanation{GrantedBy: buf}
	x.Decision = s.decide(userID, permission, r, &x, unixOf(at))
	x.Message = s.message(&x, userID, permission, r)
	buf, x.GrantedBy = x.GrantedBy, x.GrantedBy[start:len(x.GrantedBy):len(x.GrantedBy)]
	if len(x.GrantedBy) == 0 {
		x.GrantedBy = nil
	}
	return x, buf
}

// unixOf is t in unix seconds, 0 (now) for the zero time.
func unixOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// message says in one sentence what decided; it runs only for explanations,
// so the check path stays free of formatting. It concatenates rather than
// formats: a batch of 1,000 checks explains each of them.
func (s *Snapshot) message(x *Explanation, userID, permission string, r Resource) string {
	switch x.Reason {
	case ReasonGranted:
		if x.OwnOnly {
			return s.cat.grantedOwnMsg[x.grant]
		}
		return s.cat.grantedMsg[x.grant]
	case ReasonFullAccess:
		return "the user has full access"
	case ReasonUserNotFound:
		return quoted("user ", userID, " is not in this organization")
	case ReasonUnknownPermission:
		return quoted("the catalog has no permission ", permission, "")
	case ReasonFacilityNotFound:
		return quoted("facility ", r.FacilityID, " is not in this organization")
	case ReasonUserInvited:
		return "the user has not accepted the invitation yet"
	case ReasonUserInactive:
		return "the user is deactivated"
	case ReasonPermissionMissing:
		return s.cat.missingMsg[x.perm]
	case ReasonLicenceTooLow:
		return s.licenceMessage(x.user, x.perm)
	case ReasonFacilityNotAssigned:
		if r.FacilityID == "" {
			return permission + " is facility-scoped and the user has no facility assigned"
		}
		return quoted("facility ", r.FacilityID, " is not assigned to the user")
	case ReasonNotOwn:
		return "the user holds only the view-own permission and neither created nor is assigned to the item"
	}
	return x.Reason.String()
}

// decide is the normative decision of the product brief, clause by clause.
// x, when not nil, collects the explanation. at is the moment in unix
// seconds, 0 for now (the clock is read only if the user has time-bound
// grants).
func (s *Snapshot) decide(userID, permission string, r Resource, x *Explanation, at int64) Decision {
	// 1. user, permission and facility belong to this organization.
	u := s.user(userID)
	if u == nil {
		return Decision{Reason: ReasonUserNotFound}
	}
	p, ok := s.cat.lookup.find(permission)
	if !ok {
		return Decision{Reason: ReasonUnknownPermission}
	}
	if x != nil { // for the message, which need not look them up again
		x.perm, x.user = p, u
	}
	facility := int32(-1)
	if r.FacilityID != "" {
		if facility, ok = s.facilitySlot(r.FacilityID); !ok {
			return Decision{Reason: ReasonFacilityNotFound}
		}
	}
	// 2. the user is active.
	switch u.status() {
	case statusActive:
	case statusInvited:
		return Decision{Reason: ReasonUserInvited}
	default:
		return Decision{Reason: ReasonUserInactive}
	}
	// 3. full access bypasses everything below.
	if u.fullAccess() {
		if x != nil {
			x.GrantedBy = append(x.GrantedBy, Source{Kind: SourceFullAccess})
		}
		return Decision{Allowed: true, Reason: ReasonFullAccess}
	}
	// A user with site roles or time-bound grants is answered as any other
	// when none of those grants could give the permission asked about: the
	// answer is then the same at every moment and at every facility, and
	// the common check stays on the short path below.
	if u.extra() && s.extraMatters(u, p) {
		if at != 0 {
			return s.decideAt(u, userID, p, facility, r, x, at)
		}
		if u.timedCount() == 0 || !s.timedMatters(u, p) {
			// No time-bound grant can change the answer: it is the same at
			// every moment, and the clock (costly next to a check) is not read.
			return s.decideAt(u, userID, p, facility, r, x, noTimed)
		}
		if x == nil {
			// Grants only add: allowed with none of the time-bound grants in
			// force is allowed at any moment.
			if d := s.decideAt(u, userID, p, facility, r, nil, noTimed); d.Allowed {
				return d
			}
		}
		return s.decideAt(u, userID, p, facility, r, x, s.now())
	}
	// 3a. the permission is in the effective set, within the licence.
	var held PermSet
	s.held(u, &held)
	grant, ownOnly := s.cat.grantWithin(p, &held, &s.cat.holdable[u.rank()])
	if grant < 0 {
		if held, _ := s.cat.grantFor(p, &held); held >= 0 {
			return Decision{Reason: ReasonLicenceTooLow}
		}
		return Decision{Reason: ReasonPermissionMissing}
	}
	// 3b. facility-scoped permissions need the resource's facility assigned.
	if s.cat.scoped.has(p) {
		if facility >= 0 {
			if !u.hasFacility(facility) {
				return Decision{Reason: ReasonFacilityNotAssigned}
			}
		} else if !s.anyFacility(u) {
			return Decision{Reason: ReasonFacilityNotAssigned}
		}
	}
	// 3c. with only X.view_own, the item must be the user's.
	if ownOnly && !r.empty() && r.CreatedBy != userID && r.AssigneeID != userID {
		return Decision{Reason: ReasonNotOwn}
	}
	if x != nil {
		x.OwnOnly = ownOnly
		x.GrantedBy = s.sources(u, grant, x.GrantedBy)
		x.grant = grant
	}
	return Decision{Allowed: true, Reason: ReasonGranted}
}

// anyFacility reports whether one of the user's facilities still exists:
// deleting a facility leaves its slot in the users' entries.
func (s *Snapshot) anyFacility(u userRecord) bool {
	for i := range u.facilityCount() {
		if s.facilityIDs[u.facility(i)] != "" {
			return true
		}
	}
	return false
}

// grantFor returns the index within set that grants permission p, and
// whether it grants only the user's own items. X.view implies X.view_own.
func (cc *compiledCatalog) grantFor(p int, set *PermSet) (grant int, ownOnly bool) {
	view, own := cc.view[p], cc.own[p]
	switch {
	case view < 0:
		if set.has(p) {
			return p, false
		}
	case set.has(view):
		return view, false
	case set.has(own):
		return own, true
	}
	return -1, false
}

// grantWithin is grantFor on the intersection of set and within, without
// building it.
func (cc *compiledCatalog) grantWithin(p int, set, within *PermSet) (grant int, ownOnly bool) {
	has := func(i int) bool { return set.has(i) && within.has(i) }
	view, own := cc.view[p], cc.own[p]
	switch {
	case view < 0:
		if has(p) {
			return p, false
		}
	case has(view):
		return view, false
	case has(own):
		return own, true
	}
	return -1, false
}

// held is the union of the user's groups', direct and licence permissions,
// before the licence filter.
func (s *Snapshot) held(u userRecord, set *PermSet) {
	*set = u.direct()
	set.or(&s.cat.implicit[u.rank()])
	for i := range u.groupCount() {
		if grp := &s.groups[u.group(i)]; !grp.deleted {
			set.or(&grp.perms)
		}
	}
}

// sources appends the grants that give permission index grant to out.
func (s *Snapshot) sources(u userRecord, grant int, out []Source) []Source {
	for i := range u.groupCount() {
		if grp := &s.groups[u.group(i)]; !grp.deleted && grp.perms.has(grant) {
			out = append(out, Source{Kind: SourceGroup, ID: grp.id})
		}
	}
	if direct := u.direct(); direct.has(grant) {
		out = append(out, Source{Kind: SourceDirect})
	}
	if s.cat.implicit[u.rank()].has(grant) {
		out = append(out, Source{Kind: SourceLicence, ID: s.licences[u.licence()]})
	}
	return out
}

// licenceMessage says why the user's licence keeps permission index p
// out: made at compile time for the catalog's licences.
func (s *Snapshot) licenceMessage(u userRecord, p int) string {
	if li := u.licence(); li < len(s.cat.licenceMsg) && s.cat.licenceMsg[li][p] != "" {
		return s.cat.licenceMsg[li][p]
	}
	return licenceTooLowMessage(s.cat.catalog, s.licences[u.licence()], p, s.cat.codes[p]) // a licence the catalog lacks
}

// licenceTooLowMessage says why licence name keeps permission code out.
func licenceTooLowMessage(c *gatehouse.Catalog, name string, p int, code string) string {
	perm := c.Permission(code)
	if name == "" {
		return fmt.Sprintf("%s needs a licence and the user has none", perm.Codename)
	}
	held := c.Licence(name)
	if held == nil {
		return fmt.Sprintf("%s needs a licence and the user's licence %q is not in the catalog", perm.Codename, name)
	}
	if min := c.Licence(perm.MinLicence); min != nil && min.Rank > held.Rank {
		return fmt.Sprintf("%s needs licence %s or higher; the user has %s", perm.Codename, min.Label, held.Label)
	}
	if lim := held.LimitOf(perm); lim != nil {
		return fmt.Sprintf("licence %s keeps %s out: %s", held.Label, perm.Codename, lim.Text)
	}
	return fmt.Sprintf("licence %s may not hold %s", held.Label, perm.Codename)
}

// quoted is before + strconv.Quote(id) + after, in one allocation for the
// plain ids and codenames that messages almost always name.
func quoted(before, id, after string) string {
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return before + strconv.Quote(id) + after
		}
	}
	return before + `"` + id + `"` + after
}
