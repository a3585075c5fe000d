package service

import (
	"context"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// AddGrant gives a user one grant — a group organization-wide or at one
// facility (a site role), a direct permission or a facility — with its
// optional start and expiry, through the same judged write as every user
// edit. Giving a grant the user holds replaces its bounds: that is how an
// admin extends or ends a time-bound grant early.
func (s *Service) AddGrant(ctx context.Context, actor gatehouse.Actor, userID string, g gatehouse.Grant) (*gatehouse.User, gatehouse.Grant, int64, error) {
	if err := normalizeGrant(&g); err != nil {
		return nil, g, 0, err
	}
	u, rev, err := s.changeUser(ctx, actor, userID, gatehouse.OpEditUsers, "user.grant_added", func(u *gatehouse.User) error {
		u.AddGrant(g)
		return nil
	})
	if err != nil {
		return nil, g, 0, err
	}
	stored, _ := u.Grant(g.ID)
	return u, stored, rev, nil
}

// RemoveGrant takes one grant, by its id, from a user.
func (s *Service) RemoveGrant(ctx context.Context, actor gatehouse.Actor, userID, grantID string) (*gatehouse.User, int64, error) {
	return s.changeUser(ctx, actor, userID, gatehouse.OpEditUsers, "user.grant_removed", func(u *gatehouse.User) error {
		if !u.RemoveGrant(grantID) {
			return gatehouse.Errorf(gatehouse.ENOTFOUND, "the user holds no grant %q", grantID)
		}
		return nil
	})
}

// normalizeGrant checks a grant's kind and references and gives it its id.
func normalizeGrant(g *gatehouse.Grant) error {
	var errs gatehouse.FieldErrors
	switch g.Type {
	case gatehouse.GrantGroup:
		if g.GroupID == "" {
			errs.Add(gatehouse.Invalid("group_id", "a group grant names its group"))
		}
		if g.Permission != "" {
			errs.Add(gatehouse.Invalid("permission", "a group grant names no permission"))
		}
		g.ID = gatehouse.GrantID(g.Type, g.GroupID, g.FacilityID)
	case gatehouse.GrantPermission:
		if g.Permission == "" {
			errs.Add(gatehouse.Invalid("permission", "a permission grant names its permission"))
		}
		if g.GroupID != "" || g.FacilityID != "" {
			errs.Add(gatehouse.Invalid("facility_id", "a direct permission is organization-wide: it names no group or facility"))
		}
		g.ID = gatehouse.GrantID(g.Type, g.Permission, "")
	case gatehouse.GrantFacility:
		if g.FacilityID == "" {
			errs.Add(gatehouse.Invalid("facility_id", "a facility grant names its facility"))
		}
		if g.GroupID != "" || g.Permission != "" {
			errs.Add(gatehouse.Invalid("group_id", "a facility grant names no group or permission"))
		}
		g.ID = gatehouse.GrantID(g.Type, g.FacilityID, "")
	default:
		errs.Add(gatehouse.Invalid("type", "a grant's type is group, permission or facility, not %q", g.Type))
	}
	errs.Add(validateBounds("expires_at", g.StartsAt, g.ExpiresAt))
	return errs.Err()
}

// validateBounds refuses an expiry at or before the start.
func validateBounds(field string, start, expiry time.Time) error {
	if !start.IsZero() && !expiry.IsZero() && !expiry.Truncate(time.Second).After(start.Truncate(time.Second)) {
		return gatehouse.Invalid(field, "the expiry must come after the start")
	}
	return nil
}

// validateGrants checks a user's site roles and the bounds asked for
// (requested: the bounds of the request, before they met the user).
func validateGrants(snap *authz.Snapshot, u *gatehouse.User, requested []gatehouse.GrantBounds) error {
	var errs gatehouse.FieldErrors
	for _, r := range u.SiteRoles {
		if snap == nil {
			break // checked by validateUser
		}
		if !snap.HasGroup(r.GroupID) {
			errs.Add(&gatehouse.Error{Code: gatehouse.ENOTFOUND, Field: "site_roles", Message: "site roles: group " + r.GroupID + " not found"})
		}
		if !snap.HasFacility(r.FacilityID) {
			errs.Add(&gatehouse.Error{Code: gatehouse.ENOTFOUND, Field: "site_roles", Message: "site roles: facility " + r.FacilityID + " not found"})
		}
		errs.Add(validateBounds("site_roles", r.StartsAt, r.ExpiresAt))
	}
	for _, b := range requested {
		g, ok := gatehouse.ParseGrantID(b.GrantID)
		if !ok || (g.Type == gatehouse.GrantGroup && g.FacilityID != "") {
			errs.Add(gatehouse.Invalid("time_bounds", "%q is not the id of a group membership, direct permission or facility assignment (a site role carries its own dates)", b.GrantID))
			continue
		}
		if _, held := u.Grant(b.GrantID); !held {
			errs.Add(gatehouse.Invalid("time_bounds", "the user does not hold %s", b.GrantID))
		}
		errs.Add(validateBounds("time_bounds", b.StartsAt, b.ExpiresAt))
	}
	return errs.Err()
}

// grantFields are the audit fields of a user's site roles and time-bound
// grants, left out when there are none (so that other users' audit
// entries read as before).
func grantFields(u *gatehouse.User, fields map[string]any) {
	var bounded []string
	for _, g := range u.Grants() {
		if g.Type == gatehouse.GrantGroup && g.FacilityID != "" || g.Bounded() {
			bounded = append(bounded, describeGrant(g))
		}
	}
	if len(bounded) > 0 {
		fields["grants"] = bounded
	}
}

// describeGrant is a grant id with its bounds, for the audit log.
func describeGrant(g gatehouse.Grant) string {
	out := g.ID
	if !g.StartsAt.IsZero() {
		out += " from " + g.StartsAt.UTC().Format(time.RFC3339)
	}
	if !g.ExpiresAt.IsZero() {
		out += " until " + g.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return out
}

// Audit actions of grant boundaries.
const (
	ActionGrantStarted = "grant.started"
	ActionGrantExpired = "grant.expired"
)

// auditGrantBoundaries records, once each, the starts and expiries of the
// organization's grants that have passed: whichever instance or write
// notices a boundary first marks it (a unique row) and audits it, in the
// transaction tx. Nothing else needs to happen at a boundary: checks
// compare the clock with the grant's bounds.
func auditGrantBoundaries(ctx context.Context, tx gatehouse.Tx, orgID string, written []string) (int, error) {
	passed, err := tx.PassedGrantBoundaries(orgID, written)
	if err != nil {
		return 0, err
	}
	slices.SortFunc(passed, func(a, b gatehouse.GrantBoundary) int { return a.At.Compare(b.At) })
	n := 0
	for _, b := range passed {
		marked, err := tx.MarkGrantBoundary(orgID, b)
		if err != nil {
			return n, err
		}
		if !marked {
			continue
		}
		action := ActionGrantStarted
		if b.Boundary == gatehouse.BoundaryExpiry {
			action = ActionGrantExpired
		}
		if err := record(ctx, tx, gatehouse.SystemActor(orgID), action, "user", b.UserID, map[string]gatehouse.Change{
			"grant_id": {After: b.GrantID}, "at": {After: b.At.UTC().Format(time.RFC3339)},
		}); err != nil {
			return n, err
		}
		n++
	}
	return n, tx.AdvanceGrantBoundaryWatermark(orgID)
}

// AuditGrantBoundaries audits the passed starts and expiries of one
// organization's grants not audited yet, and returns how many it audited.
func (s *Service) AuditGrantBoundaries(ctx context.Context, orgID string) (int, error) {
	var n int
	err := s.store.Update(ctx, func(tx gatehouse.Tx) (err error) {
		n, err = auditGrantBoundaries(ctx, tx, orgID, nil)
		return err
	})
	return n, err
}

// RunGrantBoundaries audits the boundaries of the organizations this
// instance holds every interval until ctx ends (writes audit them too, as
// they pass them).
func (s *Service) RunGrantBoundaries(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, orgID := range s.engine.Loaded() {
			if _, err := s.AuditGrantBoundaries(ctx, orgID); err != nil && ctx.Err() == nil {
				s.cfg.Logger.Warn("auditing grant starts and expiries", "org", orgID, "err", err)
			}
		}
	}
}
