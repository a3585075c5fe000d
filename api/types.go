package api

import (
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/api/internal/checkjson"
	"github.com/gatehouse/gatehouse/authz"
)

// The JSON shapes of the API. Each has a constructor from the domain type,
// so that the mapping lives in one place.

type userJSON struct {
	ID            string          `json:"id" example:"usr_01jd6c3v9k8m2n4p6q8r0s2t4v"`
	FirstName     string          `json:"first_name" example:"Tess"`
	LastName      string          `json:"last_name" example:"Tech"`
	Email         string          `json:"email" format:"email" example:"tess@acme.test"`
	Phone         string          `json:"phone" example:"+442079460000" doc:"In E.164 (phones stored before Gatehouse checked them are kept as they were written)"`
	Status        string          `json:"status" enum:"invited,active,inactive"`
	FullAccess    bool            `json:"full_access"`
	Licence       string          `json:"licence" doc:"Licence tier; empty where the catalog has no licences"`
	GroupIDs      []string        `json:"group_ids"`
	Permissions   []string        `json:"permissions" doc:"Direct permissions (codenames)"`
	FacilityIDs   []string        `json:"facility_ids"`
	SiteRoles     []siteRoleJSON  `json:"site_roles" doc:"Groups held at one facility only"`
	TimeBounds    []timeBoundJSON `json:"time_bounds" doc:"Starts and expiries of the time-bound grants among group_ids, permissions and facility_ids"`
	EmailVerified bool            `json:"email_verified"`
	PendingEmail  string          `json:"pending_email" doc:"A new email waiting for its verification link; until it is confirmed, email stays the address for sign-in and password reset. Empty when none waits."`
	Invitation    *invitationJSON `json:"invitation,omitempty" required:"false" doc:"The latest invitation; absent for users created without one"`
	LastSignInAt  *time.Time      `json:"last_sign_in_at,omitempty" required:"false" doc:"When the user last signed in (or accepted their invitation); absent before the first time"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
}

type invitationJSON struct {
	State      string     `json:"state" enum:"pending,accepted,expired,replaced"`
	SentAt     time.Time  `json:"sent_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AcceptedAt *time.Time `json:"accepted_at"`
}

func (u userJSON) location() string  { return "/api/v1/users/" + u.ID }
func (g groupJSON) location() string { return "/api/v1/groups/" + g.ID }

func toUser(u *gatehouse.User) userJSON {
	out := userJSON{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, Phone: u.Phone,
		Status: string(u.Status), FullAccess: u.FullAccess, Licence: u.Licence,
		GroupIDs: nonNil(u.GroupIDs), Permissions: nonNil(u.Permissions), FacilityIDs: nonNil(u.FacilityIDs),
		SiteRoles: toSiteRoles(u.SiteRoles), TimeBounds: toTimeBounds(u.Bounds),
		EmailVerified: u.EmailVerified, PendingEmail: u.PendingEmail, LastSignInAt: u.LastSignInAt, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if inv := u.Invitation; inv != nil {
		out.Invitation = &invitationJSON{State: inv.State(time.Now()), SentAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt, AcceptedAt: inv.AcceptedAt}
	}
	return out
}

type groupJSON struct {
	ID          string    `json:"id" example:"grp_01jd6c3v9k8m2n4p6q8r0s2t4v"`
	Name        string    `json:"name" example:"Store Manager"`
	Description string    `json:"description"`
	Permissions []string  `json:"permissions" example:"[\"work_orders.create\",\"work_orders.view\"]"`
	MemberCount int       `json:"member_count"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toGroup(g *gatehouse.Group) groupJSON {
	return groupJSON{ID: g.ID, Name: g.Name, Description: g.Description, Permissions: nonNil(g.Permissions),
		MemberCount: g.MemberCount, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

type facilityJSON struct {
	ID         string    `json:"id" example:"fac_01jd6c3v9k8m2n4p6q8r0s2t4v"`
	Name       string    `json:"name" example:"North Depot"`
	ExternalID string    `json:"external_id" doc:"The host platform's id for the facility"`
	Archived   bool      `json:"archived"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func toFacility(f *gatehouse.Facility) facilityJSON {
	return facilityJSON{ID: f.ID, Name: f.Name, ExternalID: f.ExternalID, Archived: f.Archived, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt}
}

type apiKeyJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix" doc:"The first characters of the secret, to recognise it"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

func toAPIKey(k *gatehouse.APIKey) apiKeyJSON {
	return apiKeyJSON{ID: k.ID, Name: k.Name, Prefix: k.Prefix, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt}
}

type catalogJSON struct {
	Template   string                `json:"template"`
	Categories []catalogCategoryJSON `json:"categories"`
	Licences   []licenceJSON         `json:"licences"`
}

type catalogCategoryJSON struct {
	Name        string           `json:"name"`
	Key         string           `json:"key"`
	Permissions []permissionJSON `json:"permissions"`
}

type permissionJSON struct {
	Codename       string `json:"codename"`
	Label          string `json:"label"`
	MinLicence     string `json:"min_licence"`
	FacilityScoped bool   `json:"facility_scoped"`
}

type licenceJSON struct {
	Name                string   `json:"name"`
	Label               string   `json:"label"`
	Rank                int      `json:"rank"`
	ImplicitPermissions []string `json:"implicit_permissions"`
}

func toCatalog(c *gatehouse.Catalog) catalogJSON {
	out := catalogJSON{Template: c.Template, Categories: []catalogCategoryJSON{}, Licences: []licenceJSON{}}
	for _, cat := range c.Categories {
		cj := catalogCategoryJSON{Name: cat.Name, Key: cat.Key, Permissions: []permissionJSON{}}
		for _, p := range cat.Permissions {
			cj.Permissions = append(cj.Permissions, permissionJSON{Codename: p.Codename, Label: p.Label, MinLicence: p.MinLicence, FacilityScoped: p.FacilityScoped})
		}
		out.Categories = append(out.Categories, cj)
	}
	for _, l := range c.Licences {
		out.Licences = append(out.Licences, licenceJSON{Name: l.Name, Label: l.Label, Rank: l.Rank, ImplicitPermissions: nonNil(l.ImplicitPermissions)})
	}
	return out
}

func toDecision(x authz.Explanation, revision int64) checkjson.Decision {
	return checkjson.Decision{Allowed: x.Allowed, Reason: x.Reason.String(), GrantedBy: nonNil(x.GrantedBy), OwnOnly: x.OwnOnly, Message: x.Message, Revision: revision}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// nonNilImpacts is a preview's users with every list an empty one rather
// than nil: arrays are never null.
func nonNilImpacts(users []authz.UserImpact) []authz.UserImpact {
	out := make([]authz.UserImpact, len(users))
	for i, u := range users {
		u.Gained, u.Lost, u.HeldBeyondLicence = nonNilGrants(u.Gained), nonNilGrants(u.Lost), nonNil(u.HeldBeyondLicence)
		out[i] = u
	}
	return out
}

func nonNilGrants(grants []authz.Grant) []authz.Grant {
	out := make([]authz.Grant, len(grants))
	for i, g := range grants {
		g.FacilityIDs = nonNil(g.FacilityIDs)
		out[i] = g
	}
	return out
}

// nonNilPermissions is effective permissions with every list an empty one
// rather than nil.
func nonNilPermissions(perms []authz.EffectivePermission) []authz.EffectivePermission {
	out := make([]authz.EffectivePermission, len(perms))
	for i, p := range perms {
		p.GrantedBy, p.FacilityIDs, p.Facilities = nonNil(p.GrantedBy), nonNil(p.FacilityIDs), nonNil(p.Facilities)
		out[i] = p
	}
	return out
}
