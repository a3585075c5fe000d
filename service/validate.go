package service

import (
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// validateText checks a one-line text by the rules the OpenAPI document
// states (gatehouse.MaxTextLen, gatehouse.OneLinePattern).
// Its messages name the field in words ("First name is required").
func validateText(field, value string, required bool) error {
	label := fieldLabel(field)
	switch {
	case required && gatehouse.Blank(value):
		return gatehouse.Invalid(field, "%s is required", label)
	case utf8.RuneCountInString(value) > gatehouse.MaxTextLen:
		return gatehouse.Invalid(field, "%s is longer than %d characters", label, gatehouse.MaxTextLen)
	case strings.ContainsAny(value, "\x00\r\n"):
		return gatehouse.Invalid(field, "%s must be one line of text", label)
	}
	return nil
}

// fieldLabels name the input fields in words, for messages.
var fieldLabels = map[string]string{
	"first_name": "First name", "last_name": "Last name", "email": "Email", "phone": "Phone",
	"name": "Name", "external_id": "External id", "licence": "Licence", "permissions": "Permissions",
	"group_ids": "Groups", "facility_ids": "Facilities", "full_access": "Full access",
}

func fieldLabel(field string) string {
	if label, ok := fieldLabels[field]; ok {
		return label
	}
	return field
}

// emailPattern is the shape of an address the document states; net/mail
// then reads it as RFC 5322 does.
var emailPattern = regexp.MustCompile(gatehouse.EmailPattern)

func validateEmail(email string) error {
	if err := validateText("email", email, true); err != nil {
		return err
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !emailPattern.MatchString(email) {
		return gatehouse.Invalid("email", "Email %q is not an email address", email)
	}
	return nil
}

// normalizePhone checks an optional phone number and returns it in E.164
// (+442079460000). Gatehouse knows no region of its own (an organization
// has none), so a number is taken in international format only: a + and
// the country code first; spaces, dots, dashes and brackets are allowed.
func normalizePhone(phone string) (string, error) {
	if err := validateText("phone", phone, false); err != nil {
		return "", err
	}
	phone = strings.TrimSpace(phone)
	if phone == "" {
		return "", nil
	}
	const example = "+44 20 7946 0000"
	if !strings.HasPrefix(phone, "+") {
		return "", gatehouse.Invalid("phone", "Phone must be in international format: a + and the country code first, like %s", example)
	}
	n, err := phonenumbers.Parse(phone, "")
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", gatehouse.Invalid("phone", "Phone %q is not a valid phone number: write it in international format, like %s", phone, example)
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// validatePermissions checks that every codename is in the catalog.
func validatePermissions(snap *authz.Snapshot, field string, codes []string) error {
	for _, code := range codes {
		if snap.Catalog().Permission(code) == nil {
			return gatehouse.Invalid(field, "unknown permission %q", code)
		}
	}
	return nil
}

// validateLicence checks a licence against the catalog's ladder.
func validateLicence(snap *authz.Snapshot, licence string) error {
	c := snap.Catalog()
	switch {
	case !c.HasLicences() && licence != "":
		return gatehouse.Invalid("licence", "this organization's catalog has no licences")
	case c.HasLicences() && c.Licence(licence) == nil:
		var names []string
		for _, l := range c.Licences {
			names = append(names, l.Name)
		}
		return gatehouse.Invalid("licence", "unknown licence %q; one of: %s", licence, strings.Join(names, ", "))
	}
	return nil
}

func validateIDs(field string, ids []string, exists func(string) bool) error {
	for _, id := range ids {
		if !exists(id) {
			return &gatehouse.Error{Code: gatehouse.ENOTFOUND, Field: field, Message: fieldLabel(field) + ": " + id + " not found"}
		}
	}
	return nil
}

// set returns the sorted, de-duplicated values.
func set(values []string) []string { return gatehouse.SortedSet(values) }

// validateDirectWithinLicence keeps direct permissions within the user's
// licence: a permission granted directly must be one the licence may hold,
// and a licence may not change to one that drops a direct permission the
// old licence held. (Groups may hold more: the licence filters them.)
// Direct permissions the write does not touch are left alone, even when an
// older write made them dormant. before is nil for an invitation.
func validateDirectWithinLicence(c *gatehouse.Catalog, u *gatehouse.User, before *gatehouse.UserAccess) error {
	if !c.HasLicences() {
		return nil
	}
	licenceChanged := before != nil && before.Licence != u.Licence
	var added, dropped []string
	for _, code := range u.Permissions {
		if c.CanHold(u.Licence, code) {
			continue
		}
		switch {
		case before == nil || !slices.Contains(before.Permissions, code):
			added = append(added, code)
		case licenceChanged && c.CanHold(before.Licence, code):
			dropped = append(dropped, code)
		}
	}
	if len(added) > 0 {
		return gatehouse.Invalid("permissions", "licence %s cannot hold %s: give a higher licence first, or grant through a group",
			licenceLabel(c, u.Licence), beyondLicence(c, u.Licence, added))
	}
	if len(dropped) > 0 {
		return gatehouse.Invalid("licence", "licence %s cannot hold the user's direct permissions %s: remove them first",
			licenceLabel(c, u.Licence), beyondLicence(c, u.Licence, dropped))
	}
	return nil
}

func licenceLabel(c *gatehouse.Catalog, name string) string {
	if l := c.Licence(name); l != nil {
		return l.Label
	}
	return strconv.Quote(name)
}

// beyondLicence names each permission with the reason the licence stops
// it: its minimum licence, or the tier's own limit.
func beyondLicence(c *gatehouse.Catalog, licence string, codes []string) string {
	parts := make([]string, 0, len(codes))
	for _, code := range codes {
		p := c.Permission(code)
		switch min := c.Licence(p.MinLicence); {
		case min != nil && min.Rank > c.LicenceRank(licence):
			parts = append(parts, code+" (needs "+min.Label+" or higher)")
		default:
			parts = append(parts, code+" (kept out by the licence's limits)")
		}
	}
	return strings.Join(parts, ", ")
}
