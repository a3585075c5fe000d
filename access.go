package gatehouse

// AccessState is everything the decision engine needs to know about one
// organization: the store loads it, the authz package compiles it.
type AccessState struct {
	OrgID      string
	Revision   int64
	Catalog    *Catalog
	Users      []UserAccess
	Groups     []GroupAccess
	Facilities []string // ids of the organization's facilities
}

// UserAccess is the part of a user that decisions read.
type UserAccess struct {
	ID          string        `json:"id"`
	Status      UserStatus    `json:"status"`
	FullAccess  bool          `json:"full_access,omitempty"`
	Licence     string        `json:"licence,omitempty"`
	GroupIDs    []string      `json:"group_ids,omitempty"`
	Permissions []string      `json:"permissions,omitempty"` // direct permissions
	FacilityIDs []string      `json:"facility_ids,omitempty"`
	SiteRoles   []SiteRole    `json:"site_roles,omitempty"`
	Bounds      []GrantBounds `json:"bounds,omitempty"` // of the grants above; site roles carry their own
}

// GroupAccess is the part of a group that decisions read.
type GroupAccess struct {
	ID          string   `json:"id"`
	Permissions []string `json:"permissions,omitempty"`
}

// AccessChange is what one committed write changed, applied to the current
// snapshot so that a write never rebuilds a whole organization. It is also
// stored (as JSON) for the other instances on the same database.
type AccessChange struct {
	Revision          int64         `json:"revision"`
	Users             []UserAccess  `json:"users,omitempty"` // upserted
	DeletedUsers      []string      `json:"deleted_users,omitempty"`
	Groups            []GroupAccess `json:"groups,omitempty"` // upserted
	DeletedGroups     []string      `json:"deleted_groups,omitempty"`
	Facilities        []string      `json:"facilities,omitempty"` // added
	DeletedFacilities []string      `json:"deleted_facilities,omitempty"`
	// APIKeysRevoked says that the write deleted API keys (one, or a
	// deactivated user's), so that an instance answering keys from memory
	// while the database is unreachable honours none read before it.
	APIKeysRevoked bool `json:"api_keys_revoked,omitempty"`
}

// Access returns the decision-relevant part of u.
func (u *User) Access() UserAccess {
	return UserAccess{ID: u.ID, Status: u.Status, FullAccess: u.FullAccess, Licence: u.Licence,
		GroupIDs: u.GroupIDs, Permissions: u.Permissions, FacilityIDs: u.FacilityIDs, SiteRoles: u.SiteRoles, Bounds: u.Bounds}
}
