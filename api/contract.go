package api

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// The API's contract as outside tools read it: arrays are never null, the
// enums come from the domain's lists, every operation is described and
// tagged, and only the statuses that can happen are declared.

func init() {
	// A nil slice is never sent (nonNil), so no array is nullable: a Go
	// client gets []T, not *[]T, and TypeScript T[], not T[] | null.
	huma.DefaultArrayNullable = false
	// JSON keys are matched exactly, as the document spells them: huma (like
	// encoding/json) would otherwise take "First_Name" for first_name, and a
	// body with both for one field. A key in another case is unknown (400,
	// naming it), whatever client sent it.
	huma.ValidateStrictCasing = true
}

// tags are the groups of operations, in the order people read them.
var tags = []*huma.Tag{
	{Name: "Authorization", Description: "The decision: may a user do something, on which facilities' rows. What platforms call on every request."},
	{Name: "Users", Description: "Invitations, profile, access (groups, direct permissions, licence, full access, facilities) and lifecycle of users."},
	{Name: "Groups", Description: "Groups (roles): named sets of permissions."},
	{Name: "Facilities", Description: "Facilities: the unit of data scoping."},
	{Name: "Catalog", Description: "The organization's permission catalog: categories, permissions, licences."},
	{Name: "Account", Description: "The signed-in user."},
	{Name: "API keys", Description: "Secrets that act as the user who owns them, for services."},
	{Name: "Sessions", Description: "Signing in and out of the web UI, and invitations."},
	{Name: "Accounts", Description: "Email verification and password reset."},
	{Name: "Security", Description: "The organization's sign-in security: who must use a second factor, and single sign-on with the organization's own identity provider."},
	{Name: "Audit", Description: "The audit log: who did what to whom, when, from where."},
	{Name: "Applications", Description: "The applications that sign the organization's users in through Gatehouse, the OpenID Connect provider (OIDC clients)."},
}

// descriptions say what each operation does beyond its summary.
var descriptions = map[string]string{
	"get-catalog":                   "The permission catalog the organization was created with: every permission by category, with its minimum licence and whether it is facility-scoped, and the licence ladder (empty where the catalog has none).",
	"get-me":                        "The user the request acts as, and their organization; api_key_id is set when an API key authenticated the request.",
	"list-users":                    "Users of the organization, oldest first unless sort and order say otherwise, filtered by status, group, facility, licence, invitation state (invitation=pending or expired) or a search. A user without full access sees only the users of their facilities.",
	"invite-user":                   "Creates an invited user and mails them an invitation link. The write is judged by no escalation: an actor without full access may grant only what they hold. Answers 201 with Location.",
	"import-users":                  "Invites every user of a CSV file (Content-Type: text/csv; columns first_name, last_name, email, phone, groups, facilities, licence, full_access in any order: docs/import-export.md), all or nothing in one transaction. Every row is checked first, as invite-user checks one invitation, and more: groups are named by name, facilities by external id or name, in the organization; an email already in the organization, or twice in the file, is refused (an import never changes an existing user). When any row is at fault nothing is written: 400 with every row's errors in error.errors, each with its row and column. dry_run=true answers 200 with the same report and changes nothing. Each user gets their invitation mail and a user.invited audit event.",
	"export-users":                  "Every user list-users would list with the same filters and order, as one CSV file with the columns import-users reads: groups by name, facilities by external id (by name when they have none). Cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage return) are prefixed with a single quote, which import-users takes off again.",
	"get-user":                      "One user, with their groups, direct permissions, facilities and latest invitation.",
	"update-user":                   "Changes the fields sent; lists replace the user's. A new email waits, unverified, until its link is followed. Judged by no escalation.",
	"delete-user":                   "Deletes a user, their sessions and API keys. The organization keeps at least one active full-access user.",
	"deactivate-user":               "Stops a user at once: they cannot sign in, and their sessions and API keys stop working. The organization keeps at least one active full-access user.",
	"activate-user":                 "Restores a deactivated user (to invited, should they never have accepted their invitation).",
	"regenerate-invite":             "Mails an invited user a new invitation link; the previous one stops working.",
	"list-invitations":              "The open invitations of invited users, oldest user first: pending ones, and expired ones waiting to be resent; state=pending or state=expired keeps one kind. An invitation that was accepted or replaced is not listed. A user without full access sees only the users of their facilities.",
	"resend-invitations":            "Mails each of the invited users a new invitation link (their previous one stops working), all or nothing in one transaction: each user is judged as regenerate-invite judges one, by no escalation, and one refusal (a user not invited, out of reach, or holding more than the actor) sends none. One audit event per user.",
	"resend-verification":           "Mails a new verification link for the user's pending email.",
	"bulk-users":                    "One action on many users (deactivate, activate, delete, resend_invitation, add_group, remove_group, assign_facility, unassign_facility), all or nothing in one transaction: each user is judged as the single write judges one (the operation's permission, the user within the actor's facilities), the whole change is judged at once by no escalation, the last full-access user and the licence seats, and one refusal — its message names the user it is about (\"user usr_…: …\") — changes nobody. A user already as the action would leave them is left unchanged (changed: false). One audit event per user changed. ?dry_run=true previews the effect of the whole action.",
	"list-licences":                 "The catalog's licence tiers, lowest first, each with its seats (absent: unlimited), the seats used (active and invited users with the licence) and the seats free. Empty for a catalog without licences.",
	"set-licence-seats":             "Sets how many active or invited users a licence tier may have; a body without seats makes it unlimited. Only a full-access user may. Seats below those in use are refused (409, licence_seats_in_use). From then on every write that would take a seat beyond them — invite, activation, licence change, bulk — is refused with 409 licence_seats_exhausted, naming the tier and its seats. Audited as licence.seats_set.",
	"get-user-permissions":          "The user's effective permissions: each with what grants it (groups, direct grants, licence, full access) and where it applies (all facilities, or the assigned ones).",
	"list-groups":                   "Groups of the organization, oldest first.",
	"create-group":                  "Creates a group with a name unique in the organization. Answers 201 with Location.",
	"get-group":                     "One group, with its permissions and member count.",
	"update-group":                  "Changes the fields sent; permissions replace the group's. The change reaches every member at once, judged by no escalation.",
	"delete-group":                  "Deletes a group; its members lose what only it gave them.",
	"list-facilities":               "Facilities of the organization, oldest first; archived=true or false keeps only archived or current ones.",
	"create-facility":               "Creates a facility, optionally with the host platform's id for it. Answers 201 with Location.",
	"get-facility":                  "One facility.",
	"update-facility":               "Changes the fields sent: name, external id, archived.",
	"archive-facility":              "Archives a facility: checks on its resources are refused until it is restored.",
	"unarchive-facility":            "Restores an archived facility.",
	"delete-facility":               "Deletes a facility and every assignment to it.",
	"list-api-keys":                 "Your API keys, without their secrets.",
	"create-api-key":                "Creates an API key that acts as you. The secret is in this answer only. Answers 201 with Location.",
	"delete-api-key":                "Revokes an API key at once.",
	"list-audit-events":             "The audit log, newest first, filtered by actor, target, action or time.",
	"list-oidc-clients":             "The organization's applications, without their secrets. Needs the manage_applications operation.",
	"create-oidc-client":            "Registers an application that signs the organization's users in (an OpenID Connect client): confidential (with a client_secret, in this answer only) or public (PKCE with S256). Redirect URIs match exactly and use https, or http on localhost. Answers 201 with Location.",
	"get-oidc-client":               "One application, without its secret.",
	"update-oidc-client":            "Changes the fields sent; lists replace the application's.",
	"regenerate-oidc-client-secret": "Gives a confidential application a new client_secret, in this answer only; the old one stops working at once.",
	"delete-oidc-client":            "Deletes an application; every token it was issued stops working.",
	"check":                         "Answers allowed(user, permission, resource), with the reason and what granted it. min_revision waits for state at least that fresh (the Gatehouse-Revision of a write).",
	"check-batch":                   "Answers up to 1,000 checks from one consistent state, in the order sent.",
	"filter":                        "Which facilities' rows the user may see with a permission, and whether only their own items: what a platform adds to the WHERE clause of a list query.",
	"sign-in":                       "Signs in with email and password and sets the session cookie. Repeated failures are throttled (429 with Retry-After). Answers 201 with the session's Location; or, for a user with a second factor, 202 with second_factor and no session (complete it with complete-sign-in); or 403 with reason mfa_enrolment_required when the organization requires a second factor the user has not enrolled (they enrol by signing in once in the web UI); or 403 without a reason when the organization switched password sign-in off for the email's domain (single sign-on: docs/sso.md).",
	"complete-sign-in":              "Completes a password sign-in that answered 202 with a code from the user's authenticator app or an unused recovery code, and sets the session cookie (amr pwd otp mfa). A TOTP code is accepted once; wrong codes are throttled per user (429 with Retry-After) and audited; the token is single use and expires after 10 minutes. Answers 201 with the session's Location.",
	"get-security":                  "The organization's MFA policy. Needs manage_security.",
	"set-security":                  "Sets the organization's MFA policy: users it covers who have no second factor enrol one at their next sign-in in the web UI; the API refuses their password sign-in until then (403, reason mfa_enrolment_required). Open sessions stay open. Needs manage_security; audited.",
	"list-sso-connections":          "The organization's single sign-on connections, without their client secrets. Needs manage_security.",
	"create-sso-connection":         "Adds an OpenID Connect connection to the organization's identity provider for the email domains given (each served by one connection per organization). Register redirect_uri with the provider. Needs manage_security and full access (whoever controls the provider can sign in any user of its domains); audited. Answers 201 with Location.",
	"get-sso-connection":            "One single sign-on connection, without its client secret. Needs manage_security.",
	"update-sso-connection":         "Changes the fields sent; lists replace the connection's; a client_secret left out is kept. Needs manage_security and full access; audited.",
	"delete-sso-connection":         "Deletes a connection: its domains' users sign in with their password again, if they have one. Needs manage_security and full access; audited.",
	"reset-user-mfa":                "Removes every second factor and recovery code of another user, who then signs in with the password alone (or enrols again where the policy requires). Needs edit_users and cover over the user's account (account_not_covered otherwise), as every account change; audited.",
	"sign-out":                      "Ends the current session.",
	"list-sessions":                 "Your open sessions.",
	"revoke-session":                "Ends one of your sessions.",
	"accept-invitation":             "Accepts an invitation with its emailed token and sets the user's password; the user becomes active.",
	"confirm-email":                 "Confirms an email address with its emailed token; a pending email becomes the user's email.",
	"request-password-reset":        "Mails a password-reset link to the address if a user has it. The answer is the same whether or not one does.",
	"confirm-password-reset":        "Sets a new password with an emailed reset token; every session of the user ends.",
}

// finishDocument completes the document once every route is registered.
func finishDocument(oapi *huma.OpenAPI) {
	oapi.Servers = []*huma.Server{{URL: "/", Description: "The server that serves this document"}}
	oapi.Tags = tags
	for path, item := range oapi.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
			if op == nil {
				continue
			}
			if op.Description == "" {
				op.Description = descriptions[op.OperationID]
			}
			if op.Description == "" {
				panic(fmt.Sprintf("api: operation %s %s has no description", op.OperationID, path))
			}
			// Schema violations are 400 like any other bad input.
			delete(op.Responses, "422")
			if op.RequestBody != nil {
				plainLists(oapi.Components.Schemas, op.RequestBody.Content["application/json"], op.Method == "PATCH")
			}
			for status, r := range op.Responses {
				if status != "201" {
					delete(r.Headers, "Location")
				}
			}
		}
	}
	schemas := oapi.Components.Schemas.Map()
	var refusals, decisions []string
	var refusalDoc, decisionDoc strings.Builder
	for _, r := range gatehouse.Reasons() {
		line := fmt.Sprintf("\n- `%s`: %s", r.Reason, r.Meaning)
		if r.Decision {
			decisions = append(decisions, string(r.Reason))
			decisionDoc.WriteString(line)
		}
		if !r.Allows {
			refusals = append(refusals, string(r.Reason))
			refusalDoc.WriteString(line)
		}
	}
	enum := func(schema, property string, values []string, doc string) {
		s, ok := schemas[schema]
		if !ok || s.Properties[property] == nil {
			panic(fmt.Sprintf("api: no property %s.%s", schema, property))
		}
		p := s.Properties[property]
		p.Enum = nil
		for _, v := range values {
			p.Enum = append(p.Enum, v)
		}
		if doc != "" {
			p.Description = strings.TrimSpace(p.Description + doc)
		}
	}
	// An error's list of fields at fault: absent and empty mean the same,
	// so Go generators make it a plain slice.
	if p := schemas["ErrorDetail"].Properties["errors"]; p != nil {
		if p.Extensions == nil {
			p.Extensions = map[string]any{}
		}
		p.Extensions["x-go-type-skip-optional-pointer"] = true
	}
	enum("ErrorDetail", "code", gatehouse.ErrorCodes(), "")
	enum("FieldError", "code", gatehouse.ErrorCodes(), "")
	enum("ErrorDetail", "reason", refusals, ":"+refusalDoc.String())
	enum("Decision", "reason", decisions, "Why the decision came out as it did:"+decisionDoc.String())
	enum("FilterJSON", "reason", decisions, "Why, as a check's reason")
	enum("Source", "type", authz.SourceKinds(), "What granted the permission; id names the group or licence")
}

// plainLists tells Go generators (oapi-codegen) that an optional list of
// a request body is a plain slice, not a pointer to one. In a body that
// creates something, an empty list and a missing one mean the same. In a
// PATCH they do not: a list left out is left as it is, and a list sent,
// [] included, replaces it (JSON merge patch's reading); there the slice is tagged
// omitzero, so that a nil slice is left out and an empty one is sent as [].
func plainLists(registry huma.Registry, body *huma.MediaType, patch bool) {
	if body == nil || body.Schema == nil {
		return
	}
	s := body.Schema
	if s.Ref != "" {
		s = registry.SchemaFromRef(s.Ref)
	}
	for name, p := range s.Properties {
		if p.Type != huma.TypeArray || slices.Contains(s.Required, name) {
			continue
		}
		if p.Extensions == nil {
			p.Extensions = map[string]any{}
		}
		p.Extensions["x-go-type-skip-optional-pointer"] = true
		if patch {
			p.Extensions["x-omitempty"] = false
			p.Extensions["x-omitzero"] = true
			rule := patchListRule + " ([] empties it, where the service allows an empty list)."
			if p.MinItems != nil && *p.MinItems > 0 { // [] is refused
				rule = patchListRule + "."
			}
			if !strings.Contains(p.Description, rule) {
				p.Description = strings.TrimPrefix(strings.TrimSuffix(p.Description, ".")+". "+rule, ". ")
			}
		}
	}
}

// patchListRule is how a PATCH reads a list, as its documentation says.
const patchListRule = "Left out, the list stays as it is; sent, it replaces it"

// nullSuffix ends the message of a body that sends null for a field: no
// field of a request is nullable, and null is not taken as "not sent".
const nullSuffix = " is null: leave out a field you do not send"

// jsonFormat reads request bodies as huma does, refusing a null anywhere
// in them (huma's validation would skip it in an optional field).
var jsonFormat = huma.Format{
	Marshal: huma.DefaultJSONFormat.Marshal,
	Unmarshal: func(data []byte, v any) error {
		if err := json.Unmarshal(data, v); err != nil {
			return err
		}
		if doc, ok := v.(*any); ok {
			if at, found := nullAt(*doc, ""); found {
				return fmt.Errorf("%s%s", at, nullSuffix)
			}
		}
		return nil
	},
}

// nullAt finds the first null in a decoded document, in the order of its
// keys, as "checks[2].resource".
func nullAt(doc any, at string) (string, bool) {
	switch v := doc.(type) {
	case nil:
		return at, at != ""
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			path := k
			if at != "" {
				path = at + "." + k
			}
			if p, ok := nullAt(v[k], path); ok {
				return p, true
			}
		}
	case []any:
		for i, e := range v {
			if p, ok := nullAt(e, fmt.Sprintf("%s[%d]", at, i)); ok {
				return p, true
			}
		}
	}
	return "", false
}
