package ui

import (
	"net/http"
	"strings"
)

// A done code asks the page a redirect lands on for a success banner
// (?done=saved). The banner's text comes from the fixed set below, never
// from the URL: a link to Gatehouse cannot make it say anything else, and a
// code it does not know shows nothing.
type done string

const (
	doneSaved              done = "saved"
	doneSignedOut          done = "signed_out"
	donePasswordSet        done = "password_set"
	doneInvitationAccepted done = "invitation_accepted"
	doneInvited            done = "invited"
	doneImported           done = "imported"
	doneDeactivated        done = "deactivated"
	doneActivated          done = "activated"
	doneInvitationResent   done = "invitation_resent"
	doneInvitationsResent  done = "invitations_resent"
	doneVerificationResent done = "verification_resent"
	doneUserDeleted        done = "user_deleted"
	doneGroupCreated       done = "group_created"
	doneGroupDeleted       done = "group_deleted"
	doneMemberAdded        done = "member_added"
	doneMemberRemoved      done = "member_removed"
	doneFacilityCreated    done = "facility_created"
	doneApplicationSaved   done = "application_saved"
	doneApplicationDeleted done = "application_deleted"
	doneFacilityArchived   done = "facility_archived"
	doneFacilityRestored   done = "facility_restored"
	doneSessionRevoked     done = "session_revoked"
	doneAPIKeyRevoked      done = "api_key_revoked"
	doneBulkApplied        done = "bulk_applied"
	doneSeatsSet           done = "seats_set"
	doneFactorRemoved      done = "factor_removed"
	doneFactorsReset       done = "factors_reset"
	doneSecuritySaved      done = "security_saved"
	doneSignInExpired      done = "sign_in_expired"
	doneSSODeleted         done = "sso_deleted"

	// A save that took away the viewer's own access to the page they
	// were on lands on their account page with one of these.
	doneSavedAccessLost        done = "saved_access_lost"
	doneGroupDeletedAccessLost done = "group_deleted_access_lost"
)

// accessLost is the banner of a save that took the viewer's own access to
// the page it would land on.
var accessLost = map[done]done{doneSaved: doneSavedAccessLost, doneGroupDeleted: doneGroupDeletedAccessLost,
	doneMemberAdded: doneSavedAccessLost, doneMemberRemoved: doneSavedAccessLost}

// banners are the only texts a done code shows. The page itself shows what
// was acted on (the user, group or facility it lands on), so no banner
// needs a name.
var banners = map[done]string{
	doneSaved:                  "Saved.",
	doneSignedOut:              "You are signed out.",
	donePasswordSet:            "Your password is set and every session was signed out. Sign in with it.",
	doneInvitationAccepted:     "Welcome. Your password is set: sign in with it.",
	doneInvited:                "Invitation sent.",
	doneImported:               "Users imported: their invitations are on their way.",
	doneDeactivated:            "Deactivated.",
	doneActivated:              "Activated.",
	doneInvitationResent:       "A new invitation is on its way.",
	doneInvitationsResent:      "New invitations are on their way.",
	doneVerificationResent:     "A new verification link is on its way.",
	doneUserDeleted:            "The user was deleted.",
	doneGroupCreated:           "Group created.",
	doneGroupDeleted:           "Group deleted.",
	doneMemberAdded:            "Added to the group.",
	doneMemberRemoved:          "Removed from the group.",
	doneFacilityCreated:        "Facility created.",
	doneApplicationSaved:       "Application saved.",
	doneApplicationDeleted:     "Application deleted; its tokens no longer work.",
	doneFacilityArchived:       "Facility archived.",
	doneFacilityRestored:       "Facility restored.",
	doneSessionRevoked:         "The session was signed out.",
	doneAPIKeyRevoked:          "The API key was revoked: it stops working at once.",
	doneBulkApplied:            "Done: every selected user was changed.",
	doneSeatsSet:               "Licence seats saved.",
	doneFactorRemoved:          "The factor was removed.",
	doneFactorsReset:           "Their two-step verification was reset: they sign in with their password alone (or enrol again where the organization requires it).",
	doneSecuritySaved:          "The sign-in policy is saved: it applies from each user's next sign-in.",
	doneSignInExpired:          "That sign-in expired or was already completed: sign in again.",
	doneSSODeleted:             "The connection was deleted: its users sign in with their password again, if they have one.",
	doneSavedAccessLost:        "Saved. Your own access changed: you can no longer open the page you were on.",
	doneGroupDeletedAccessLost: "Group deleted. Your own access changed: you can no longer open the groups.",
}

// banner is the text of the request's done code, or "".
func banner(r *http.Request) string {
	return banners[done(r.URL.Query().Get("done"))]
}

// redirectDone sends the browser to path (which may hold a query) with the
// done code's banner.
func redirectDone(w http.ResponseWriter, r *http.Request, path string, code done) {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	http.Redirect(w, r, path+sep+"done="+string(code), http.StatusSeeOther)
}
