package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// Licences in plain sight: what each tier of a catalog's licence ladder
// stops, for the pickers, the user list and the access page. Nothing here
// applies to a catalog without licences (every helper returns nothing).

// licenceStop is why one tier may not hold one permission (or some of a
// group's permissions).
type licenceStop struct {
	Rank    int
	Licence string // tier name
	Why     string
}

// stopReason says why the licence may not hold the permission, or "" when
// it may: the permission's minimum licence, or the tier's own limit (the
// same reading as the server's refusal, service.beyondLicence).
func stopReason(c *gatehouse.Catalog, licence, code string) string {
	p := c.Permission(code)
	if p == nil || !c.HasLicences() || c.CanHold(licence, code) {
		return ""
	}
	l := c.Licence(licence)
	if min := c.Licence(p.MinLicence); min != nil && (l == nil || min.Rank > l.Rank) {
		return "needs " + min.Label + " or higher"
	}
	if l != nil {
		if lim := l.LimitOf(p); lim != nil {
			return l.Label + ": " + lim.Text
		}
	}
	return "kept out by the licence's limits"
}

// licenceStops lists, for every tier that may not hold the permission, why.
func licenceStops(c *gatehouse.Catalog, code string) []licenceStop {
	var out []licenceStop
	for _, l := range c.Licences {
		if why := stopReason(c, l.Name, code); why != "" {
			out = append(out, licenceStop{Rank: l.Rank, Licence: l.Name, Why: why})
		}
	}
	return out
}

// groupStops lists, for every tier that may not hold some of a group's
// permissions, which ones.
func groupStops(c *gatehouse.Catalog, perms []string) []licenceStop {
	var out []licenceStop
	for _, l := range c.Licences {
		var codes []string
		for _, code := range perms {
			if c.Permission(code) != nil && !c.CanHold(l.Name, code) {
				codes = append(codes, code)
			}
		}
		if len(codes) == 0 {
			continue
		}
		why := fmt.Sprintf("The %s licence will not let the user hold %d of its %d permissions: %s",
			l.Label, len(codes), len(perms), strings.Join(codes, ", "))
		out = append(out, licenceStop{Rank: l.Rank, Licence: l.Name, Why: why})
	}
	return out
}

// licenceLabel is a tier's label, or its name when the catalog lacks it.
func licenceLabel(c *gatehouse.Catalog, name string) string {
	if l := c.Licence(name); l != nil {
		return l.Label
	}
	return name
}

// minLicenceLabel is the label of a permission's minimum licence, "" in a
// catalog without licences.
func minLicenceLabel(c *gatehouse.Catalog, p gatehouse.Permission) string {
	if !c.HasLicences() {
		return ""
	}
	if p.MinLicence == "" {
		return c.Licences[0].Label
	}
	return licenceLabel(c, p.MinLicence)
}

// licencePanel is the "Licence" panel of a user's access page.
type licencePanel struct {
	Tier     *gatehouse.Licence
	Holdable int // permissions the tier may hold
	Total    int
	ByCat    []catCount
	Stops    []stoppedPermission
}

type catCount struct {
	Name            string
	Holdable, Total int
}

// stoppedPermission is a permission the user's groups or direct grants give
// and the licence keeps out.
type stoppedPermission struct {
	Codename, Label string
	From            []string // "group X", "direct"
	Why             string
}

// newLicencePanel builds the panel; nil for a catalog without licences.
func newLicencePanel(c *gatehouse.Catalog, u *gatehouse.User, groups []*gatehouse.Group) *licencePanel {
	if !c.HasLicences() {
		return nil
	}
	p := &licencePanel{Tier: c.Licence(u.Licence)}
	for _, cat := range c.Categories {
		cc := catCount{Name: cat.Name, Total: len(cat.Permissions)}
		for _, perm := range cat.Permissions {
			if c.CanHold(u.Licence, perm.Codename) {
				cc.Holdable++
			}
		}
		p.ByCat = append(p.ByCat, cc)
		p.Holdable += cc.Holdable
		p.Total += cc.Total
	}
	from := map[string][]string{}
	for _, g := range groups {
		if !slices.Contains(u.GroupIDs, g.ID) {
			continue
		}
		for _, code := range g.Permissions {
			from[code] = append(from[code], "group "+g.Name)
		}
	}
	for _, code := range u.Permissions {
		from[code] = append(from[code], "direct")
	}
	for _, perm := range c.Permissions() {
		if src := from[perm.Codename]; len(src) > 0 {
			if why := stopReason(c, u.Licence, perm.Codename); why != "" {
				p.Stops = append(p.Stops, stoppedPermission{Codename: perm.Codename, Label: perm.Label, From: src, Why: why})
			}
		}
	}
	return p
}
