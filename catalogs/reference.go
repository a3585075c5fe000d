package catalogs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// referenceOrder is the order of the built-in templates in the Permissions
// Reference: seed 000's catalog first, then seed 004's.
var referenceOrder = []string{"facilities", "compliance"}

// BuiltinReference renders the Permissions Reference of every built-in
// template: facilities, then compliance, then any other in name order.
func BuiltinReference() (string, error) {
	names := slices.Clone(referenceOrder)
	for _, name := range Templates() {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	var cs []*gatehouse.Catalog
	for _, name := range names {
		c, _, err := Load(name)
		if err != nil {
			return "", err
		}
		cs = append(cs, c)
	}
	return Reference(cs...), nil
}

// Reference renders the Permissions Reference of the given catalogs as
// Markdown: for each catalog its source and reading notes, every category
// with its permissions (codename, label, minimum licence, facility scope),
// the licence ladder with each tier's implicit grants and limits, what each
// tier may hold (computed with CanHold, so cumulative), and the permission
// guarding each of Gatehouse's admin operations. The output depends only on
// the catalogs, so a committed copy can be checked for staleness.
func Reference(cs ...*gatehouse.Catalog) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("# Permissions Reference\n\n")
	w("<!-- Generated from catalogs/*.json by `go run ./cmd/gatehouse catalog reference --out docs/permissions-reference.md`. Do not edit by hand. -->\n\n")
	w("Every permission codename of Gatehouse's built-in catalog templates, with its\n")
	w("label, minimum licence and facility scope; each template's licence ladder with\n")
	w("the implicit grants and limits of each tier, what each tier may hold, and the\n")
	w("permission that guards each of Gatehouse's own admin operations. Where a\n")
	w("template's source document is ambiguous, the reading chosen is stated.\n\n")
	w("A **facility-scoped** permission applies only in the facilities assigned to\n")
	w("the user; the others apply to the whole organization. Licences are\n")
	w("**cumulative**: a tier may hold every permission whose minimum licence is its\n")
	w("own tier or lower, less what its own limits keep out, plus everything a\n")
	w("lower tier may hold. Full access bypasses every check. See\n")
	w("[decision.md](decision.md) for the decision itself and the catalog format.\n\n")

	w("| template | title | categories | permissions | licences |\n|---|---|---|---|---|\n")
	for _, c := range cs {
		w("| [`%s`](#%s) | %s | %d | %d | %d |\n", c.Template, anchor(c), cell(c.Title),
			len(c.Categories), len(c.Permissions()), len(c.Licences))
	}
	for _, c := range cs {
		b.WriteString("\n")
		writeCatalog(&b, c)
	}
	return b.String()
}

func writeCatalog(b *strings.Builder, c *gatehouse.Catalog) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	total := len(c.Permissions())

	w("<a id=\"%s\"></a>\n\n## `%s`: %s\n\n", anchor(c), c.Template, c.Title)
	if c.Source != "" {
		w("Source: %s.\n\n", strings.TrimSuffix(c.Source, "."))
	}
	w("%s in %s; ", count(total, "permission"), count(len(c.Categories), "category"))
	if c.HasLicences() {
		labels := make([]string, len(c.Licences))
		for i, l := range c.Licences {
			labels[i] = l.Label
		}
		w("licence ladder %s.\n\n", strings.Join(labels, " < "))
	} else {
		w("no licences.\n\n")
	}

	if len(c.Reading) > 0 {
		w("### How the source was read\n\n")
		for _, r := range c.Reading {
			w("- %s\n", r)
		}
		w("\n")
	}

	w("### Permissions\n\n")
	for _, cat := range c.Categories {
		scope := "organization-wide by default"
		if cat.FacilityScoped {
			scope = "facility-scoped by default"
		}
		w("#### %s (`%s`)\n\n%s, %s.\n\n", cat.Name, cat.Key, count(len(cat.Permissions), "permission"), scope)
		w("| codename | label | minimum licence | facility-scoped |\n|---|---|---|---|\n")
		for _, p := range cat.Permissions {
			w("| `%s` | %s | %s | %s |\n", p.Codename, cell(p.Label), licenceLabel(c, p.MinLicence), yesNo(p.FacilityScoped))
		}
		w("\n")
	}

	w("### Licence ladder\n\n")
	if !c.HasLicences() {
		w("This catalog has no licences: every user may hold every permission.\n\n")
	} else {
		writeLadder(b, c, total)
	}

	w("### Admin operations\n\n")
	w("The permission that guards each of Gatehouse's own admin operations.\n\n")
	w("| operation | codename | label |\n|---|---|---|\n")
	for _, op := range gatehouse.AdminOperations {
		code := c.AdminOperations[op]
		label := ""
		if p := c.Permission(code); p != nil {
			label = cell(p.Label)
		}
		w("| `%s` | `%s` | %s |\n", op, code, label)
	}
}

func writeLadder(b *strings.Builder, c *gatehouse.Catalog, total int) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }

	w("Lowest tier first. Implicit grants go to every user of the tier and of the\n")
	w("tiers above it.\n\n")
	w("| rank | name | label | source's wording | implicit grants | may hold |\n|---|---|---|---|---|---|\n")
	for _, l := range c.Licences {
		w("| %d | `%s` | %s | %s | %s | %d of %d |\n", l.Rank, l.Name, cell(l.Label), orDash(cell(l.Summary)),
			codes(l.ImplicitPermissions), len(holdable(c, l.Name)), total)
	}
	w("\n")

	w("#### Limits\n\n")
	w("Each \"cannot\" of a tier, the categories and permissions it keeps out of\n")
	w("that tier's reach (unless a lower tier may hold them), and how it was read.\n\n")
	w("| tier | limit | keeps out | except | reading |\n|---|---|---|---|---|\n")
	for _, l := range c.Licences {
		if len(l.Limits) == 0 {
			w("| %s | none | — | — | — |\n", cell(l.Label))
			continue
		}
		for _, lim := range l.Limits {
			var out []string
			for _, key := range lim.DenyCategories {
				out = append(out, categoryName(c, key)+" (category)")
			}
			for _, code := range lim.DenyPermissions {
				out = append(out, "`"+code+"`")
			}
			w("| %s | %s | %s | %s | %s |\n", cell(l.Label), cell(lim.Text), orDash(strings.Join(out, ", ")),
				codes(lim.Except), orDash(cell(lim.Reading)))
		}
	}
	w("\n")

	w("#### What each tier may hold\n\n")
	w("Computed from the minimum licences and the limits, cumulatively.\n\n")
	var implicit []string
	for _, l := range c.Licences {
		for _, code := range l.ImplicitPermissions {
			if !slices.Contains(implicit, code) {
				implicit = append(implicit, code)
			}
		}
		held := holdable(c, l.Name)
		w("##### %d. %s (`%s`): %d of %d permissions\n\n", l.Rank, l.Label, l.Name, len(held), total)
		if len(held) == 0 {
			w("Nothing.\n\n")
		} else {
			for _, cat := range c.Categories {
				var in []string
				for _, p := range cat.Permissions {
					if slices.Contains(held, p.Codename) {
						in = append(in, p.Codename)
					}
				}
				if len(in) > 0 {
					w("- %s: %s\n", cat.Name, codes(in))
				}
			}
			w("\n")
		}
		// What the tier's minimum licence allows but its own limits keep
		// out (and no lower tier may hold).
		var kept []string
		for _, p := range c.Permissions() {
			if c.LicenceRank(p.MinLicence) > l.Rank || slices.Contains(held, p.Codename) {
				continue
			}
			if lim := l.LimitOf(p); lim != nil {
				kept = append(kept, fmt.Sprintf("`%s` (%s)", p.Codename, lim.Text))
			}
		}
		if len(kept) > 0 {
			w("Kept out by its own limits although their minimum licence is this tier or lower: %s.\n\n", strings.Join(kept, ", "))
		}
		if len(implicit) == 0 {
			w("Granted implicitly: none.\n\n")
		} else {
			w("Granted implicitly (by this tier or a lower one): %s.\n\n", codes(implicit))
		}
	}
}

// holdable lists, in catalog order, the codenames a licence may hold.
func holdable(c *gatehouse.Catalog, licence string) []string {
	var out []string
	for _, p := range c.Permissions() {
		if c.CanHold(licence, p.Codename) {
			out = append(out, p.Codename)
		}
	}
	return out
}

func anchor(c *gatehouse.Catalog) string {
	return "template-" + strings.ReplaceAll(c.Template, "_", "-")
}

func licenceLabel(c *gatehouse.Catalog, name string) string {
	if name == "" {
		return "—"
	}
	if l := c.Licence(name); l != nil {
		return cell(l.Label)
	}
	return cell(name)
}

func categoryName(c *gatehouse.Catalog, key string) string {
	for _, cat := range c.Categories {
		if cat.Key == key {
			return cell(cat.Name)
		}
	}
	return "`" + key + "`"
}

// codes renders codenames as a comma-separated list of code spans, or "—".
func codes(list []string) string {
	if len(list) == 0 {
		return "—"
	}
	return "`" + strings.Join(list, "`, `") + "`"
}

// count says "1 permission", "2 permissions", "3 categories".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if stem, ok := strings.CutSuffix(noun, "y"); ok {
		return fmt.Sprintf("%d %sies", n, stem)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func yesNo(v bool) string {
	if v {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}
