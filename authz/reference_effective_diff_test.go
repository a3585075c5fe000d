package authz_test

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/authz"
)

// Effective and Filter read the snapshot's clock and take no moment, so
// each is asked at an explicit moment through a copy of the snapshot on
// that moment's clock.
func atMoment(o *randomOrg, snap *authz.Snapshot, at time.Time) (*authz.Snapshot, time.Time) {
	if at.IsZero() {
		return snap, o.now
	}
	return snap.WithClock(func() time.Time { return at }), at
}

// effective compares one user's effective access with the reference model.
func (c *comparer) effective(o *randomOrg, snap *authz.Snapshot, where, user string, at time.Time) {
	c.effectives++
	s, moment := atMoment(o, snap, at)
	got, ok := s.Effective(user)
	want, wantOK := referenceEffectiveAccess(o.st, user, moment)
	problem := ""
	switch {
	case ok != wantOK:
		problem = fmt.Sprintf("ok=%v, want %v", ok, wantOK)
	case ok && got == nil:
		problem = "a nil list, want an empty one"
	case len(got) != len(want):
		problem = fmt.Sprintf("lists %v\nwant %v", effectiveCodenames(got), referenceCodenames(want))
	}
	for i := 0; problem == "" && i < len(want); i++ {
		problem = effectiveDiff(got[i], want[i])
	}
	if problem == "" {
		c.countEffective(want)
		return
	}
	c.failures++
	if c.failures > 5 {
		return
	}
	c.t.Errorf("%s\neffective access of %s at %s: %s\n%s", where, user, moment.Format(time.RFC3339Nano), problem, describeUser(o.st, user))
}

// effectiveDiff says how one listed permission differs from the reference
// model's, or "" when it agrees. Sources are compared as sets, and must
// not repeat.
func effectiveDiff(g authz.EffectivePermission, w referenceEffective) string {
	var wantIDs []string
	for _, f := range w.facilities {
		wantIDs = append(wantIDs, f.facility)
	}
	switch {
	case g.Codename != w.codename || g.Category != w.category || g.FacilityScoped != w.facilityScoped:
		return fmt.Sprintf("%s (%s, scoped %v), want %s (%s, scoped %v)", g.Codename, g.Category, g.FacilityScoped, w.codename, w.category, w.facilityScoped)
	case g.AllFacilities != w.allFacilities || g.OwnOnly != w.ownOnly:
		return fmt.Sprintf("%s: all_facilities=%v own_only=%v, want %v %v", g.Codename, g.AllFacilities, g.OwnOnly, w.allFacilities, w.ownOnly)
	case !sourcesOf(g.GrantedBy).equal(w.sources) || len(g.GrantedBy) != len(w.sources):
		return fmt.Sprintf("%s: granted by %v, want %v", g.Codename, g.GrantedBy, w.sources)
	case g.FacilityIDs == nil || g.Facilities == nil:
		return fmt.Sprintf("%s: nil facility_ids or facilities, want empty lists", g.Codename)
	case !slices.Equal(g.FacilityIDs, wantIDs) || len(g.Facilities) != len(w.facilities):
		return fmt.Sprintf("%s: at %v (%d with sources), want %v", g.Codename, g.FacilityIDs, len(g.Facilities), wantIDs)
	}
	for i, f := range w.facilities {
		gf := g.Facilities[i]
		if gf.FacilityID != f.facility || gf.OwnOnly != f.ownOnly || !sourcesOf(gf.GrantedBy).equal(f.sources) || len(gf.GrantedBy) != len(f.sources) {
			return fmt.Sprintf("%s at %s: own_only=%v granted by %v, want %s own_only=%v granted by %v",
				g.Codename, gf.FacilityID, gf.OwnOnly, gf.GrantedBy, f.facility, f.ownOnly, f.sources)
		}
	}
	return ""
}

func effectiveCodenames(perms []authz.EffectivePermission) []string {
	var out []string
	for _, p := range perms {
		out = append(out, p.Codename)
	}
	return out
}

func referenceCodenames(perms []referenceEffective) []string {
	var out []string
	for _, p := range perms {
		out = append(out, p.codename)
	}
	return out
}

// countEffective records what kinds of entries an agreed effective access
// had, so that the test can show the random organizations reach them.
func (c *comparer) countEffective(perms []referenceEffective) {
	for _, p := range perms {
		if p.facilityScoped && !p.allFacilities && len(p.facilities) == 0 {
			c.seen["effective: scoped, no facility"]++
		}
		for _, f := range p.facilities {
			if f.ownOnly {
				c.seen["effective: own-only facility"]++
			}
			for k := range f.sources {
				if strings.Split(k, "|")[2] != "" {
					c.seen["effective: site role at a facility"]++
				}
			}
		}
	}
}

// filter compares one list filter with the reference model.
func (c *comparer) filter(o *randomOrg, snap *authz.Snapshot, where, user, perm string, at time.Time) {
	c.filters++
	s, moment := atMoment(o, snap, at)
	got := s.Filter(user, perm)
	want := referenceFilter(o.st, user, perm, moment)
	if got.Allowed == want.allowed && got.Reason.Name() == want.reason && got.AllFacilities == want.allFacilities &&
		got.FacilityIDs != nil && slices.Equal(got.FacilityIDs, want.facilityIDs) && got.OwnOnly == want.ownOnly &&
		slices.Equal(got.OwnOnlyFacilityIDs, want.ownOnlyFacilityIDs) {
		switch {
		case len(want.ownOnlyFacilityIDs) > 0:
			c.seen["filter: own_only_facility_ids"]++
		case want.allowed && !want.allFacilities && want.ownOnly:
			c.seen["filter: own-only facilities"]++
		case want.allowed && !want.allFacilities:
			c.seen["filter: facility_ids"]++
		}
		return
	}
	c.failures++
	if c.failures > 5 {
		return
	}
	c.t.Errorf("%s\nfilter %s %s at %s\nreference: allowed=%v reason=%s all_facilities=%v facility_ids=%v own_only=%v own_only_facility_ids=%v\nFilter:    allowed=%v reason=%s all_facilities=%v facility_ids=%v own_only=%v own_only_facility_ids=%v\n%s",
		where, user, perm, moment.Format(time.RFC3339Nano),
		want.allowed, want.reason, want.allFacilities, want.facilityIDs, want.ownOnly, want.ownOnlyFacilityIDs,
		got.Allowed, got.Reason, got.AllFacilities, got.FacilityIDs, got.OwnOnly, got.OwnOnlyFacilityIDs, describeUser(o.st, user))
}
