// Package authz is Gatehouse's decision engine: an organization's state
// compiled into an immutable Snapshot that answers allowed(user, permission,
// resource) from bitsets and maps, with no I/O, no locks and no allocation.
package authz
