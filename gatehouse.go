// Package gatehouse holds the domain of the Gatehouse users & permissions
// server: organizations, users, groups, facilities, catalogs and the error
// type. It imports only the standard library; storage, HTTP and the decision
// engine build on it from their own packages.
package gatehouse
