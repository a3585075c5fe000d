package service

import (
	"context"
	"errors"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// An adminWriteFunc is a write by an actor. Besides the access change it
// names in accounts the users whose account, not only their access, it acts
// on (see authz.Write).
type adminWriteFunc func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange, accounts *[]string) error

// adminWrite runs fn as a write by actor and judges it before it commits:
// no escalation on the request and on its effect (authz.Snapshot.Judge),
// an organization keeps an active full-access user, and no licence tier
// goes over its seats (checkSeats). Every write that
// can change access goes through here, so that the real write and its dry
// run (Preview) share one computation.
func (s *Service) adminWrite(ctx context.Context, actor gatehouse.Actor, fn adminWriteFunc) (int64, error) {
	return s.write(ctx, actor.OrgID, func(tx gatehouse.Tx, snap *authz.Snapshot, ch *gatehouse.AccessChange) error {
		var accounts []string
		if err := fn(tx, snap, ch, &accounts); err != nil {
			return err
		}
		preview := dryRunOf(ctx)
		err := s.judge(tx, snap, actor, authz.Write{Change: *ch, Accounts: accounts}, preview)
		if err == nil {
			err = checkSeats(tx, snap, actor.OrgID, *ch)
		}
		if preview != nil {
			preview.Revision, preview.Error = snap.Revision, err
			return nil // write rolls the dry run back
		}
		if err != nil {
			return err
		}
		// Starts and expiries of grants passed since the last write are
		// audited with it, if no sweep has audited them yet; so are those
		// of the grants it gives with dates already past.
		_, err = auditGrantBoundaries(ctx, tx, actor.OrgID, datedUsers(*ch))
		return err
	})
}

// judge refuses what no escalation refuses and what would leave the
// organization without an active full-access user. For a dry run it also
// computes the impact, with the same snapshots.
func (s *Service) judge(tx gatehouse.Tx, snap *authz.Snapshot, actor gatehouse.Actor, w authz.Write, preview *Preview) error {
	limited := !actor.IsSystem() && !snap.IsFullAccess(actor.UserID)
	if limited || preview != nil {
		next := snap.Apply(w.Change)
		if preview != nil {
			preview.Users = snap.Impact(next, w.Change)
			if !actor.IsSystem() {
				preview.Users = next.Visible(actor.UserID, preview.Users)
			}
		}
		if !actor.IsSystem() {
			if err := snap.Judge(actor.UserID, next, w); err != nil {
				return err
			}
		}
	}
	for _, id := range losingFullAccess(snap, w.Change) {
		if err := keepFullAccessUser(tx, actor.OrgID, id); err != nil {
			return err
		}
	}
	return nil
}

// losingFullAccess lists the users who are active with full access before
// the change and not after it.
func losingFullAccess(snap *authz.Snapshot, ch gatehouse.AccessChange) []string {
	var out []string
	for _, u := range ch.Users {
		if snap.IsFullAccess(u.ID) && !(u.FullAccess && u.Status == gatehouse.StatusActive) {
			out = append(out, u.ID)
		}
	}
	for _, id := range ch.DeletedUsers {
		if snap.IsFullAccess(id) {
			out = append(out, id)
		}
	}
	return out
}

// keepFullAccessUser refuses a write that would leave the organization
// without an active full-access user. It counts in the write's own
// transaction, which already holds the change.
func keepFullAccessUser(tx gatehouse.Tx, orgID, userID string) error {
	n, err := tx.CountActiveFullAccess(orgID, userID)
	if err != nil {
		return err
	}
	if n == 0 {
		return &gatehouse.Error{Code: gatehouse.ECONFLICT, Reason: string(gatehouse.ReasonLastFullAccessUser),
			Message: "the organization must keep at least one active full-access user"}
	}
	return nil
}

// Preview is a dry run's answer: what the write would change in the
// effective access of each user it reaches, and the refusal it would meet
// (no escalation, the last full-access user), if any.
type Preview struct {
	Revision int64 // the organization's revision the preview was computed on
	Users    []authz.UserImpact
	Error    error // a *gatehouse.Error, or nil when the write would go through
}

type dryRunKey struct{}

func dryRunOf(ctx context.Context) *Preview {
	p, _ := ctx.Value(dryRunKey{}).(*Preview)
	return p
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

// Preview runs write — a call of one of the service's write methods with
// the context it is given — as a dry run: everything happens as it would,
// up to the commit, which is rolled back: nothing is stored, mailed,
// audited or applied. Errors of the request itself (not found, invalid
// input, a missing admin permission) come back as the real write would
// return them; a well-formed write gives its preview, with the refusal it
// would meet in Preview.Error.
func (s *Service) Preview(ctx context.Context, write func(ctx context.Context) error) (*Preview, error) {
	p := &Preview{Users: []authz.UserImpact{}}
	err := write(context.WithValue(ctx, dryRunKey{}, p))
	if errors.Is(err, errDryRun) {
		return p, nil
	}
	if err == nil {
		err = errors.New("a dry run committed") // write guards against it; never expected
	}
	return nil, err
}

// datedUsers lists the users a change writes with time-bound grants: the
// ones whose boundaries the write may have put before the organization's
// watermark.
func datedUsers(ch gatehouse.AccessChange) []string {
	var out []string
	for _, u := range ch.Users {
		dated := len(u.Bounds) > 0
		for _, r := range u.SiteRoles {
			dated = dated || !r.StartsAt.IsZero() || !r.ExpiresAt.IsZero()
		}
		if dated {
			out = append(out, u.ID)
		}
	}
	return out
}
