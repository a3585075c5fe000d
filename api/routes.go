package api

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/api/internal/checkjson"
)

// routes is the API's one route table.
func (h *handlers) routes(api huma.API) {
	public := []map[string][]string{}
	write := []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusRequestEntityTooLarge}
	op := func(id, method, path, summary, tag string) huma.Operation {
		return huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{tag}}
	}
	writeOp := func(id, method, path, summary, tag string) huma.Operation {
		o := op(id, method, path, summary, tag)
		o.Errors = write
		return o
	}
	created := func(o huma.Operation) huma.Operation { o.DefaultStatus = http.StatusCreated; return o }
	noContent := func(o huma.Operation) huma.Operation { o.DefaultStatus = http.StatusNoContent; return o }

	register(api, op("get-catalog", "GET", "/api/v1/catalog", "The organization's permission catalog", "Catalog"), h.getCatalog)
	register(api, op("get-me", "GET", "/api/v1/me", "The signed-in user", "Account"), h.getMe)

	register(api, op("list-users", "GET", "/api/v1/users", "List users", "Users"), h.listUsers)
	register(api, created(writeOp("invite-user", "POST", "/api/v1/users", "Invite a user", "Users")), h.inviteUser)
	importOp := writeOp("import-users", "POST", "/api/v1/users/import", "Invite the users of a CSV file", "Users")
	importOp.MaxBodyBytes = maxImportBody
	register(api, importOp, h.importUsers)
	register(api, op("export-users", "GET", "/api/v1/users/export", "The users as a CSV file", "Users"), h.exportUsers)
	documentCSV(api, "/api/v1/users/export")
	register(api, op("get-user", "GET", "/api/v1/users/{id}", "Get a user", "Users"), h.getUser)
	register(api, writeOp("update-user", "PATCH", "/api/v1/users/{id}", "Change a user", "Users"), h.updateUser)
	register(api, noContent(writeOp("delete-user", "DELETE", "/api/v1/users/{id}", "Delete a user", "Users")), h.deleteUser)
	register(api, writeOp("deactivate-user", "POST", "/api/v1/users/{id}/deactivate", "Deactivate a user", "Users"), h.deactivateUser)
	register(api, writeOp("activate-user", "POST", "/api/v1/users/{id}/activate", "Activate a user", "Users"), h.activateUser)
	register(api, writeOp("regenerate-invite", "POST", "/api/v1/users/{id}/regenerate-invite", "Send a new invitation", "Users"), h.regenerateInvite)
	register(api, writeOp("resend-verification", "POST", "/api/v1/users/{id}/resend-verification", "Send a new email-verification link", "Users"), h.resendVerification)
	register(api, op("list-invitations", "GET", "/api/v1/invitations", "List pending and expired invitations", "Users"), h.listInvitations)
	register(api, writeOp("resend-invitations", "POST", "/api/v1/invitations/resend", "Send new invitations to several invited users", "Users"), h.resendInvitations)
	register(api, writeOp("bulk-users", "POST", "/api/v1/users/bulk", "One action on many users, all or nothing", "Users"), h.bulkUsers)
	register(api, op("list-licences", "GET", "/api/v1/licences", "Licence tiers with their seats used and free", "Users"), h.listLicences)
	register(api, writeOp("set-licence-seats", "PUT", "/api/v1/licences/{name}", "Set how many seats a licence tier has (full access only)", "Users"), h.setLicenceSeats)
	register(api, noContent(writeOp("reset-user-mfa", "POST", "/api/v1/users/{id}/reset-mfa", "Reset a user's two-step verification", "Users")), h.resetFactors)
	register(api, noContent(writeOp("sign-out-everywhere", "POST", "/api/v1/users/{id}/sign-out-everywhere", "End every session and provider token of a user", "Users")), h.signOutEverywhere)
	register(api, op("get-user-permissions", "GET", "/api/v1/users/{id}/permissions", "A user's effective permissions", "Users"), h.userPermissions)
	register(api, op("list-user-grants", "GET", "/api/v1/users/{id}/grants", "A user's grants", "Users"), h.listGrants)
	register(api, created(writeOp("add-user-grant", "POST", "/api/v1/users/{id}/grants", "Give a user one grant", "Users")), h.addGrant)
	register(api, noContent(writeOp("remove-user-grant", "DELETE", "/api/v1/users/{id}/grants/{grant_id}", "Take one grant from a user", "Users")), h.removeGrant)

	register(api, op("list-groups", "GET", "/api/v1/groups", "List groups", "Groups"), h.listGroups)
	register(api, created(writeOp("create-group", "POST", "/api/v1/groups", "Create a group", "Groups")), h.createGroup)
	register(api, op("get-group", "GET", "/api/v1/groups/{id}", "Get a group", "Groups"), h.getGroup)
	register(api, writeOp("update-group", "PATCH", "/api/v1/groups/{id}", "Change a group", "Groups"), h.updateGroup)
	register(api, noContent(writeOp("delete-group", "DELETE", "/api/v1/groups/{id}", "Delete a group", "Groups")), h.deleteGroup)

	register(api, op("list-facilities", "GET", "/api/v1/facilities", "List facilities", "Facilities"), h.listFacilities)
	register(api, created(writeOp("create-facility", "POST", "/api/v1/facilities", "Create a facility", "Facilities")), h.createFacility)
	register(api, op("get-facility", "GET", "/api/v1/facilities/{id}", "Get a facility", "Facilities"), h.getFacility)
	register(api, writeOp("update-facility", "PATCH", "/api/v1/facilities/{id}", "Rename, re-link or archive a facility", "Facilities"), h.updateFacility)
	register(api, writeOp("archive-facility", "POST", "/api/v1/facilities/{id}/archive", "Archive a facility", "Facilities"), h.archiveFacility)
	register(api, writeOp("unarchive-facility", "POST", "/api/v1/facilities/{id}/unarchive", "Restore an archived facility", "Facilities"), h.unarchiveFacility)
	register(api, noContent(writeOp("delete-facility", "DELETE", "/api/v1/facilities/{id}", "Delete a facility", "Facilities")), h.deleteFacility)

	register(api, op("list-api-keys", "GET", "/api/v1/api-keys", "List your API keys", "API keys"), h.listAPIKeys)
	register(api, created(writeOp("create-api-key", "POST", "/api/v1/api-keys", "Create an API key; the secret is shown once", "API keys")), h.createAPIKey)
	register(api, noContent(writeOp("delete-api-key", "DELETE", "/api/v1/api-keys/{id}", "Revoke an API key", "API keys")), h.deleteAPIKey)

	register(api, op("get-security", "GET", "/api/v1/organization/security", "The organization's sign-in security", "Security"), h.getSecurity)
	register(api, writeOp("set-security", "PUT", "/api/v1/organization/security", "Set the organization's sign-in security", "Security"), h.putSecurity)
	register(api, op("list-oidc-clients", "GET", "/api/v1/oidc-clients", "List the applications that sign users in through Gatehouse", "Applications"), h.listOIDCClients)
	register(api, created(writeOp("create-oidc-client", "POST", "/api/v1/oidc-clients", "Register an application (an OpenID Connect client); its secret is shown once", "Applications")), h.createOIDCClient)
	register(api, op("get-oidc-client", "GET", "/api/v1/oidc-clients/{id}", "Get an application", "Applications"), h.getOIDCClient)
	register(api, writeOp("update-oidc-client", "PATCH", "/api/v1/oidc-clients/{id}", "Change an application", "Applications"), h.updateOIDCClient)
	register(api, writeOp("regenerate-oidc-client-secret", "POST", "/api/v1/oidc-clients/{id}/regenerate-secret", "Give a confidential application a new secret, shown once; the old one stops working", "Applications"), h.regenerateOIDCClientSecret)
	register(api, noContent(writeOp("delete-oidc-client", "DELETE", "/api/v1/oidc-clients/{id}", "Delete an application and every token it was issued", "Applications")), h.deleteOIDCClient)

	register(api, op("list-sso-connections", "GET", "/api/v1/sso-connections", "List the organization's single sign-on connections", "Security"), h.listSSOConnections)
	register(api, created(writeOp("create-sso-connection", "POST", "/api/v1/sso-connections", "Add a single sign-on connection", "Security")), h.createSSOConnection)
	register(api, op("get-sso-connection", "GET", "/api/v1/sso-connections/{id}", "Get a single sign-on connection", "Security"), h.getSSOConnection)
	register(api, writeOp("update-sso-connection", "PATCH", "/api/v1/sso-connections/{id}", "Change a single sign-on connection", "Security"), h.updateSSOConnection)
	register(api, noContent(writeOp("delete-sso-connection", "DELETE", "/api/v1/sso-connections/{id}", "Delete a single sign-on connection", "Security")), h.deleteSSOConnection)

	register(api, op("list-audit-events", "GET", "/api/v1/audit-events", "The audit log, newest first", "Audit"), h.listAuditEvents)

	registerRaw[checkjson.Check, checkjson.Decision](api, op("check", "POST", "/api/v1/authz/check", "May the user do this?", "Authorization"), h.check)
	registerRaw[checkjson.Batch, checkBatchResults](api, op("check-batch", "POST", "/api/v1/authz/check-batch", "Up to 1,000 checks at once", "Authorization"), h.checkBatch)
	register(api, op("filter", "POST", "/api/v1/authz/filter", "Which facilities' rows may the user see?", "Authorization"), h.filter)

	// The writes that can change access take ?dry_run=true.
	documentPreview[userJSON](api, "POST", "/api/v1/users")
	documentPreview[userJSON](api, "PATCH", "/api/v1/users/{id}")
	documentPreview[struct{}](api, "DELETE", "/api/v1/users/{id}")
	documentPreview[grantJSON](api, "POST", "/api/v1/users/{id}/grants")
	documentPreview[struct{}](api, "DELETE", "/api/v1/users/{id}/grants/{grant_id}")
	documentPreview[bulkJSON](api, "POST", "/api/v1/users/bulk")
	documentPreview[userJSON](api, "POST", "/api/v1/users/{id}/deactivate")
	documentPreview[userJSON](api, "POST", "/api/v1/users/{id}/activate")
	documentPreview[groupJSON](api, "POST", "/api/v1/groups")
	documentPreview[groupJSON](api, "PATCH", "/api/v1/groups/{id}")
	documentPreview[struct{}](api, "DELETE", "/api/v1/groups/{id}")
	documentPreview[facilityJSON](api, "PATCH", "/api/v1/facilities/{id}")
	documentPreview[facilityJSON](api, "POST", "/api/v1/facilities/{id}/archive")
	documentPreview[facilityJSON](api, "POST", "/api/v1/facilities/{id}/unarchive")
	documentPreview[struct{}](api, "DELETE", "/api/v1/facilities/{id}")

	signIn := writeOp("sign-in", "POST", "/api/v1/sessions", "Sign in with email and password", "Sessions")
	signIn.Security, signIn.Errors = public, []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests}
	register(api, created(signIn), h.signIn)
	secondFactor := writeOp("complete-sign-in", "POST", "/api/v1/sessions/second-factor", "Complete a sign-in with a second factor", "Sessions")
	secondFactor.Security, secondFactor.Errors = public, []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusTooManyRequests}
	register(api, created(secondFactor), h.completeSignIn)
	documentSecondStep(api)
	register(api, noContent(op("sign-out", "DELETE", "/api/v1/sessions/current", "Sign out", "Sessions")), h.signOut)
	register(api, op("list-sessions", "GET", "/api/v1/sessions", "List your open sessions", "Sessions"), h.listSessions)
	register(api, noContent(op("revoke-session", "DELETE", "/api/v1/sessions/{id}", "End one of your sessions", "Sessions")), h.revokeSession)
	accept := writeOp("accept-invitation", "POST", "/api/v1/invitations/accept", "Accept an invitation and set a password", "Sessions")
	accept.Security = public
	register(api, accept, h.acceptInvitation)
	confirm := writeOp("confirm-email", "POST", "/api/v1/email-verification/confirm", "Confirm an email address with its emailed token", "Accounts")
	confirm.Security = public
	register(api, confirm, h.confirmEmail)
	resetRequest := op("request-password-reset", "POST", "/api/v1/password-reset/request", "Email a password-reset link; the same answer whether or not the email exists", "Accounts")
	resetRequest.Security, resetRequest.DefaultStatus = public, http.StatusAccepted
	register(api, resetRequest, h.requestPasswordReset)
	resetConfirm := writeOp("confirm-password-reset", "POST", "/api/v1/password-reset/confirm", "Set a new password with an emailed reset token", "Accounts")
	resetConfirm.Security = public
	register(api, resetConfirm, h.confirmPasswordReset)

	finishDocument(api.OpenAPI())
}
