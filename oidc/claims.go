package oidc

import (
	"slices"

	"github.com/gatehouse/gatehouse"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// claimOrgID names the user's (or client's) organization in every token.
const claimOrgID = "org_id"

// setUserinfo puts a user's claims in info, as far as the scopes allow:
// sub and org_id always; email and email_verified with email; the names
// with profile; phone_number with phone.
func setUserinfo(info *oidc.UserInfo, u *gatehouse.User, scopes []string) {
	info.Subject = u.ID
	info.AppendClaims(claimOrgID, u.OrgID)
	if slices.Contains(scopes, oidc.ScopeEmail) {
		info.Email, info.EmailVerified = u.Email, oidc.Bool(u.EmailVerified)
	}
	if slices.Contains(scopes, oidc.ScopeProfile) {
		info.GivenName, info.FamilyName = u.FirstName, u.LastName
		info.Name = u.FirstName + " " + u.LastName
	}
	if slices.Contains(scopes, oidc.ScopePhone) && u.Phone != "" {
		info.PhoneNumber = u.Phone
	}
}
