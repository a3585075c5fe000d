package gatehouse

// A Reason says why a request was refused, or why an authorization
// decision came out as it did. Every reason an answer can carry is one of
// the constants below, listed with its meaning by Reasons: the decision's
// reasons (authz.Reason names them), no escalation's (authz/escalation.go),
// and the refusals of the service and of the API. The OpenAPI document
// takes its enums from this list.
type Reason string

// The reasons of a decision (authz.Decide): the grant, or the first clause
// that failed.
const (
	ReasonGranted             Reason = "granted"
	ReasonFullAccess          Reason = "full_access"
	ReasonUserNotFound        Reason = "user_not_found"
	ReasonUnknownPermission   Reason = "unknown_permission"
	ReasonFacilityNotFound    Reason = "facility_not_found"
	ReasonUserInvited         Reason = "user_invited"
	ReasonUserInactive        Reason = "user_inactive"
	ReasonPermissionMissing   Reason = "permission_missing"
	ReasonLicenceTooLow       Reason = "licence_too_low"
	ReasonFacilityNotAssigned Reason = "facility_not_assigned"
	ReasonNotOwn              Reason = "not_own"
)

// The reasons a write is refused under no escalation (authz/escalation.go).
const (
	ReasonEscalationFullAccess Reason = "escalation_full_access"
	ReasonEscalationLicence    Reason = "escalation_licence"
	ReasonEscalationPermission Reason = "escalation_permission"
	ReasonEscalationGroup      Reason = "escalation_group"
	ReasonEscalationFacility   Reason = "escalation_facility"
	ReasonEscalationSelf       Reason = "escalation_self"
	ReasonTargetFullAccess     Reason = "target_full_access"
	ReasonUserOutOfScope       Reason = "user_out_of_scope"
	ReasonActorInactive        Reason = "actor_inactive"
	ReasonEscalation           Reason = "escalation"
	ReasonAccountNotCovered    Reason = "account_not_covered"
)

// The other refusals.
const (
	ReasonLastFullAccessUser Reason = "last_full_access_user"
	ReasonCrossOrigin        Reason = "cross_origin"
	ReasonSeatsExhausted     Reason = "licence_seats_exhausted"
	ReasonSeatsInUse         Reason = "licence_seats_in_use"
	// ReasonMFAEnrolmentRequired refuses a password sign-in through the
	// API of a user whom the organization's policy requires to have a
	// second factor they have not enrolled yet (the web UI enrols them).
	ReasonMFAEnrolmentRequired Reason = "mfa_enrolment_required"
)

// ReasonInfo is a reason with what it means.
type ReasonInfo struct {
	Reason Reason
	// Decision: an authorization decision may carry it (a check's or a
	// filter's reason); every other reason comes only with a refusal.
	Decision bool
	// Allows: it is the reason of an allowed decision, never of a refusal.
	Allows  bool
	Meaning string
}

// Reasons lists every reason, with its meaning: the decision's reasons in
// the order the decision tries them, then the refusals of writes.
func Reasons() []ReasonInfo {
	return []ReasonInfo{
		{ReasonGranted, true, true, "held through a group, a direct grant or the licence"},
		{ReasonFullAccess, true, true, "the user has full access, which bypasses every other rule"},
		{ReasonUserNotFound, true, false, "no such user in the organization"},
		{ReasonUnknownPermission, true, false, "the catalog has no such permission"},
		{ReasonFacilityNotFound, true, false, "the resource's facility is not in the organization"},
		{ReasonUserInvited, true, false, "the user has not accepted their invitation"},
		{ReasonUserInactive, true, false, "the user is deactivated"},
		{ReasonPermissionMissing, true, false, "no group, direct grant or licence gives the permission"},
		{ReasonLicenceTooLow, true, false, "the permission is held, but the user's licence may not hold it"},
		{ReasonFacilityNotAssigned, true, false, "the permission is facility-scoped and the facility is not assigned to the user"},
		{ReasonNotOwn, true, false, "the user holds only X.view_own, and the item is not theirs"},
		{ReasonEscalationFullAccess, false, false, "sets full access without having it"},
		{ReasonEscalationLicence, false, false, "raises a licence above the actor's own"},
		{ReasonEscalationPermission, false, false, "adds a permission the actor lacks"},
		{ReasonEscalationGroup, false, false, "adds a group with a permission the actor lacks"},
		{ReasonEscalationFacility, false, false, "assigns a facility the actor is not assigned to"},
		{ReasonEscalationSelf, false, false, "changes the actor's own groups, permissions or access"},
		{ReasonTargetFullAccess, false, false, "only a full-access user may change a full-access user"},
		{ReasonUserOutOfScope, false, false, "the user shares no facility with an actor without full access"},
		{ReasonActorInactive, false, false, "the actor is unknown or not active"},
		{ReasonEscalation, false, false, "the write's effect gives someone access the actor lacks there"},
		{ReasonAccountNotCovered, false, false, "acts on the account of a user whose access exceeds the actor's"},
		{ReasonLastFullAccessUser, false, false, "the organization would be left without an active full-access user (409)"},
		{ReasonCrossOrigin, false, false, "a browser's cross-origin request may change nothing; other origins use an API key"},
		{ReasonSeatsExhausted, false, false, "the write would give a licence tier more active or invited users than its seats (409)"},
		{ReasonSeatsInUse, false, false, "a tier's seats cannot be set below the active and invited users holding it (409)"},
		{ReasonMFAEnrolmentRequired, false, false, "the organization requires a second factor the user has not enrolled: sign in once in the web UI to enrol one"},
	}
}
