package service

import (
	"net/mail"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

const maxTextLen = 200

func validateText(field, value string, required bool) error {
	switch {
	case required && strings.TrimSpace(value) == "":
		return gatehouse.Invalid(field, "%s is required", field)
	case utf8.RuneCountInString(value) > maxTextLen:
		return gatehouse.Invalid(field, "%s is longer than %d characters", field, maxTextLen)
	case strings.ContainsAny(value, "\x00\r\n"):
		return gatehouse.Invalid(field, "%s must be one line of text", field)
	}
	return nil
}

func validateEmail(email string) error {
	if err := validateText("email", email, true); err != nil {
		return err
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != strings.TrimSpace(email) {
		return gatehouse.Invalid("email", "%q is not an email address", email)
	}
	return nil
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
			return &gatehouse.Error{Code: gatehouse.ENOTFOUND, Field: field, Message: field + ": " + id + " not found"}
		}
	}
	return nil
}

// set returns the sorted, de-duplicated values.
func set(values []string) []string {
	out := slices.Clone(values)
	slices.Sort(out)
	return slices.Compact(out)
}
