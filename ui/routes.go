package ui

import (
	"net/http"

	"github.com/gatehouse/gatehouse"
)

// routes is the web UI's one route table.
func (u *UI) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /static/{file}", u.serveAsset)
	mux.HandleFunc("GET /{$}", u.signedIn(u.home))

	// Signing in and the pages that emailed links open.
	mux.HandleFunc("GET "+pageSignIn, u.signInPage)
	mux.HandleFunc("POST "+pageSignIn, u.signIn)
	mux.HandleFunc("POST /sign-in/second-factor", u.completeSecondStep)
	mux.HandleFunc("POST /sign-in/enrol", u.enrolAtSignIn)
	mux.HandleFunc("POST /sign-in/passkey/options", u.signInPasskeyOptions)
	mux.HandleFunc("POST /sign-in/continue", u.signedIn(u.continueSignIn))
	mux.HandleFunc("GET "+pageApplicationSignIn, u.completeApplicationSignIn)
	mux.HandleFunc("POST /sign-out", u.signOut)
	mux.HandleFunc("GET "+pageSSOCallback, u.ssoCallback)
	mux.HandleFunc("GET /forgot-password", u.forgotPage)
	mux.HandleFunc("POST /forgot-password", u.forgot)
	mux.HandleFunc("GET "+pageResetPassword, u.resetPage)
	mux.HandleFunc("POST "+pageResetPassword, u.reset)
	mux.HandleFunc("GET "+pageInvite, u.invitePage)
	mux.HandleFunc("POST "+pageInvite, u.acceptInvite)
	mux.HandleFunc("GET "+pageVerifyEmail, u.verifyPage)
	mux.HandleFunc("POST "+pageVerifyEmail, u.verify)

	// Users & Permissions.
	mux.HandleFunc("GET /users", u.signedIn(u.listUsers))
	mux.HandleFunc("POST /users/bulk", u.signedIn(u.bulkUsers))
	mux.HandleFunc("POST /licences/{name}/seats", u.signedIn(u.setSeats))
	mux.HandleFunc("GET /users/new", u.signedIn(u.newUserPage))
	mux.HandleFunc("GET /users/import", u.signedIn(u.importPage))
	mux.HandleFunc("POST /users/import", u.signedIn(u.importUsers))
	mux.HandleFunc("GET /users/export", u.signedIn(u.exportUsers))
	mux.HandleFunc("POST /users/new", u.signedIn(u.inviteUser))
	mux.HandleFunc("GET /users/{id}", u.signedIn(u.editUserPage))
	mux.HandleFunc("POST /users/{id}", u.signedIn(u.saveUser))
	mux.HandleFunc("GET /users/{id}/access", u.signedIn(u.userAccess))
	mux.HandleFunc("GET /users/{id}/{action}", u.signedIn(u.confirmUserAction))
	mux.HandleFunc("POST /users/{id}/{action}", u.signedIn(u.userAction))

	mux.HandleFunc("GET /invitations", u.signedIn(u.listInvitations))
	mux.HandleFunc("POST /invitations/resend", u.signedIn(u.resendInvitations))

	mux.HandleFunc("GET /groups", u.signedIn(u.listGroups))
	mux.HandleFunc("GET /groups/new", u.signedIn(u.newGroupPage))
	mux.HandleFunc("POST /groups/new", u.signedIn(u.createGroup))
	mux.HandleFunc("GET /groups/{id}", u.signedIn(u.editGroupPage))
	mux.HandleFunc("POST /groups/{id}", u.signedIn(u.saveGroup))
	mux.HandleFunc("GET /groups/{id}/delete", u.signedIn(u.confirmDeleteGroup))
	mux.HandleFunc("POST /groups/{id}/delete", u.signedIn(u.deleteGroup))
	mux.HandleFunc("POST /groups/{id}/members", u.signedIn(u.addGroupMember))
	mux.HandleFunc("POST /groups/{id}/members/{user}/remove", u.signedIn(u.removeGroupMember))

	mux.HandleFunc("GET /facilities", u.signedIn(u.listFacilities))
	mux.HandleFunc("POST /facilities", u.signedIn(u.createFacility))
	mux.HandleFunc("GET /facilities/{id}", u.signedIn(u.facilityPage))
	mux.HandleFunc("POST /facilities/{id}", u.signedIn(u.saveFacility))

	mux.HandleFunc("GET /applications", u.signedIn(u.listApplications))
	mux.HandleFunc("POST /applications", u.signedIn(u.createApplication))
	mux.HandleFunc("GET /applications/{id}", u.signedIn(u.applicationPage))
	mux.HandleFunc("POST /applications/{id}", u.signedIn(u.applicationAction))

	mux.HandleFunc("GET /audit", u.signedIn(u.auditLog))
	mux.HandleFunc("GET /suggestions", u.signedIn(u.suggestions))
	mux.HandleFunc("GET /reference", u.signedIn(u.reference))
	mux.HandleFunc("GET /account", u.signedIn(u.account))
	mux.HandleFunc("POST /account/sessions/{id}/revoke", u.signedIn(u.revokeSession))
	mux.HandleFunc("POST /account/api-keys", u.signedIn(u.createAPIKey))
	mux.HandleFunc("POST /account/api-keys/{id}/revoke", u.signedIn(u.revokeAPIKey))
	mux.HandleFunc("POST /account/mfa/totp", u.signedIn(u.beginTOTP))
	mux.HandleFunc("POST /account/mfa/totp/confirm", u.signedIn(u.confirmTOTP))
	mux.HandleFunc("POST /account/mfa/passkey/options", u.signedIn(u.passkeyOptions))
	mux.HandleFunc("POST /account/mfa/passkey", u.signedIn(u.registerPasskey))
	mux.HandleFunc("POST /account/mfa/{id}/remove", u.signedIn(u.removeFactor))
	mux.HandleFunc("POST /account/mfa/recovery-codes", u.signedIn(u.regenerateRecoveryCodes))
	mux.HandleFunc("GET /settings/security", u.signedIn(u.securityPage))
	mux.HandleFunc("POST /settings/security", u.signedIn(u.saveSecurity))
	mux.HandleFunc("GET "+ssoSettings, u.signedIn(u.listSSO))
	mux.HandleFunc("GET "+ssoSettings+"/new", u.signedIn(u.newSSOPage))
	mux.HandleFunc("POST "+ssoSettings+"/new", u.signedIn(u.createSSO))
	mux.HandleFunc("GET "+ssoSettings+"/{id}", u.signedIn(u.editSSOPage))
	mux.HandleFunc("POST "+ssoSettings+"/{id}", u.signedIn(u.saveSSO))
	mux.HandleFunc("GET "+ssoSettings+"/{id}/delete", u.signedIn(u.confirmDeleteSSO))
	mux.HandleFunc("POST "+ssoSettings+"/{id}/delete", u.signedIn(u.deleteSSO))
}

// home sends the viewer to the first section they may use; everyone may
// use their own account page.
func (u *UI) home(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	for _, s := range []struct{ op, path string }{
		{gatehouse.OpViewUsers, "/users"}, {gatehouse.OpViewGroups, "/groups"},
		{gatehouse.OpViewFacilities, "/facilities"}, {gatehouse.OpViewAuditLog, "/audit"},
	} {
		if v.can[s.op] {
			http.Redirect(w, r, s.path, http.StatusSeeOther)
			return
		}
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}
