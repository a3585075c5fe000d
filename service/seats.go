package service

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// Licence seats: an organization may cap how many users each licence tier
// has. An active or invited user with a licence takes a seat of its tier;
// an inactive one does not. Every admin write counts the seats of the
// tiers it gives a seat in, inside its own transaction, after its change
// and under the organization's write lock (service.write), so that no two
// writes, on any instance, can together go over.

// LicenceSeats is one licence tier with its seats.
type LicenceSeats struct {
	Licence gatehouse.Licence
	Seats   *int // nil: unlimited
	Used    int  // active and invited users with the licence
}

// Free is how many seats are left, nil when unlimited.
func (l LicenceSeats) Free() *int {
	if l.Seats == nil {
		return nil
	}
	free := max(*l.Seats-l.Used, 0)
	return &free
}

// Full reports whether every seat is taken.
func (l LicenceSeats) Full() bool { return l.Seats != nil && l.Used >= *l.Seats }

// Licences lists the catalog's licence tiers, lowest first, with their
// seats and the seats used; empty for a catalog without licences.
func (s *Service) Licences(ctx context.Context, actor gatehouse.Actor) ([]LicenceSeats, error) {
	var out []LicenceSeats
	err := s.view(ctx, actor, func(tx gatehouse.Tx, snap *authz.Snapshot) error {
		if err := authorize(snap, actor, gatehouse.OpViewUsers, authz.Resource{}); err != nil {
			return err
		}
		var err error
		out, err = licenceSeats(tx, snap.Catalog(), actor.OrgID)
		return err
	})
	return out, err
}

func licenceSeats(tx gatehouse.Tx, c *gatehouse.Catalog, orgID string) ([]LicenceSeats, error) {
	seats, err := tx.LicenceSeats(orgID)
	if err != nil {
		return nil, err
	}
	used, err := tx.SeatsUsed(orgID)
	if err != nil {
		return nil, err
	}
	out := make([]LicenceSeats, 0, len(c.Licences))
	for _, l := range c.Licences {
		ls := LicenceSeats{Licence: l, Used: used[l.Name]}
		if n, ok := seats[l.Name]; ok {
			ls.Seats = &n
		}
		out = append(out, ls)
	}
	return out, nil
}

// SetLicenceSeats sets how many seats a licence tier has; nil makes it
// unlimited. Only a full-access user (or the system) may: seats are what
// the organization bought, not an access of its own. Seats below those in
// use are refused (409, licence_seats_in_use): deactivate or move users
// first.
func (s *Service) SetLicenceSeats(ctx context.Context, actor gatehouse.Actor, licence string, seats *int) (*LicenceSeats, int64, error) {
	var out *LicenceSeats
	rev, err := s.write(ctx, actor.OrgID, func(tx gatehouse.Tx, snap *authz.Snapshot, _ *gatehouse.AccessChange) error {
		if !actor.IsSystem() && !snap.IsFullAccess(actor.UserID) {
			return gatehouse.Forbidden(string(gatehouse.ReasonPermissionMissing), "only a full-access user may set licence seats")
		}
		c := snap.Catalog()
		if !c.HasLicences() {
			return gatehouse.Invalid("licence", "the organization's catalog has no licences")
		}
		if c.Licence(licence) == nil {
			return gatehouse.Errorf(gatehouse.ENOTFOUND, "licence %q not found", licence)
		}
		if seats != nil && *seats < 0 {
			return gatehouse.Invalid("seats", "seats cannot be negative")
		}
		all, err := licenceSeats(tx, c, actor.OrgID)
		if err != nil {
			return err
		}
		var current LicenceSeats
		for _, l := range all {
			if l.Licence.Name == licence {
				current = l
			}
		}
		if seats != nil && *seats < current.Used {
			return &gatehouse.Error{Code: gatehouse.ECONFLICT, Reason: string(gatehouse.ReasonSeatsInUse), Field: "seats",
				Message: fmt.Sprintf("the %s licence has %d active or invited users; its seats cannot be fewer", current.Licence.Label, current.Used)}
		}
		if err := tx.SetLicenceSeats(actor.OrgID, licence, seats); err != nil {
			return err
		}
		before, after := seatsField(current.Seats), seatsField(seats)
		if err := record(ctx, tx, actor, "licence.seats_set", "organization", actor.OrgID,
			diff(map[string]any{"licence": licence, "seats": before}, map[string]any{"licence": licence, "seats": after})); err != nil {
			return err
		}
		current.Seats = seats
		out = &current
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, rev, nil
}

// seatsField is seats as the audit log records them: a number, or
// "unlimited".
func seatsField(seats *int) any {
	if seats == nil {
		return "unlimited"
	}
	return *seats
}

// checkSeats refuses a write that gives a tier more seat holders than its
// seats: counted in the write's transaction, which holds the change, for
// the tiers in which the change gives someone a seat they did not hold.
// Tiers it only frees seats in are not counted, so that a tier over its
// seats (seats set by an older Gatehouse, or users added in bulk by an
// operator) never blocks taking users out of it.
func checkSeats(tx gatehouse.Tx, snap *authz.Snapshot, orgID string, ch gatehouse.AccessChange) error {
	gaining := map[string]bool{}
	for _, u := range ch.Users {
		if u.Licence == "" || u.Status == gatehouse.StatusInactive {
			continue
		}
		if snap.SeatOf(u.ID) != u.Licence {
			gaining[u.Licence] = true
		}
	}
	if len(gaining) == 0 {
		return nil
	}
	seats, err := tx.LicenceSeats(orgID)
	if err != nil {
		return err
	}
	var capped bool
	for l := range gaining {
		_, ok := seats[l]
		capped = capped || ok
	}
	if !capped {
		return nil
	}
	used, err := tx.SeatsUsed(orgID)
	if err != nil {
		return err
	}
	for _, l := range snap.Catalog().Licences { // in ladder order: one message for the same write
		n, ok := seats[l.Name]
		if !gaining[l.Name] || !ok || used[l.Name] <= n {
			continue
		}
		return &gatehouse.Error{Code: gatehouse.ECONFLICT, Reason: string(gatehouse.ReasonSeatsExhausted), Field: "licence",
			Message: fmt.Sprintf("the %s licence has %s, and this would need %d: free a seat (deactivate someone with it) or raise its seats",
				l.Label, plural(n, "seat"), used[l.Name])}
	}
	return nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
