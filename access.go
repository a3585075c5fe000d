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
	ID          string
	Status      UserStatus
	FullAccess  bool
	Licence     string
	GroupIDs    []string
	Permissions []string // direct permissions
	FacilityIDs []string
}

// GroupAccess is the part of a group that decisions read.
type GroupAccess struct {
	ID          string
	Permissions []string
}

// AccessChange is what one committed write changed, applied to the current
// snapshot so that a write never rebuilds a whole organization.
type AccessChange struct {
	Revision          int64
	Users             []UserAccess // upserted
	DeletedUsers      []string
	Groups            []GroupAccess // upserted
	DeletedGroups     []string
	Facilities        []string // added
	DeletedFacilities []string
}

// Access returns the decision-relevant part of u.
func (u *User) Access() UserAccess {
	return UserAccess{ID: u.ID, Status: u.Status, FullAccess: u.FullAccess, Licence: u.Licence,
		GroupIDs: u.GroupIDs, Permissions: u.Permissions, FacilityIDs: u.FacilityIDs}
}
