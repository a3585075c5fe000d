package api

import (
	"fmt"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse"
)

// The texts of request bodies are typed so that the document states the
// service's rules (service/validate.go) from the same constants
// (gatehouse.MaxTextLen, gatehouse.MinPasswordLen, ...): a body the
// document allows is one the service takes, but for what needs the
// organization's state (a known licence, an email not yet used).

// requiredText is a required one-line text: a name.
type requiredText string

// optionalText is a one-line text that may be empty: a phone, an external id.
type optionalText string

// emailAddress is an email address.
type emailAddress string

// descriptionText is a group's description.
type descriptionText string

// newPassword is a password being set.
type newPassword string

func (requiredText) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, MinLength: ptr(1), MaxLength: ptr(gatehouse.MaxTextLen), Pattern: gatehouse.RequiredOneLinePattern}
}

func (optionalText) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, MaxLength: ptr(gatehouse.MaxTextLen), Pattern: gatehouse.OneLinePattern}
}

func (emailAddress) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Format: "email", MaxLength: ptr(gatehouse.MaxTextLen), Pattern: gatehouse.EmailPattern,
		Description: "An address alone (ann@acme.test), without a display name, comment or quoted part"}
}

func (descriptionText) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, MaxLength: ptr(gatehouse.MaxDescriptionLen), Pattern: gatehouse.TextPattern}
}

func (newPassword) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, MinLength: ptr(gatehouse.MinPasswordLen), MaxLength: ptr(gatehouse.MaxPasswordLen),
		Description: fmt.Sprintf("At least %d and at most %d characters, and not one of the most common passwords", gatehouse.MinPasswordLen, gatehouse.MaxPasswordLen)}
}

// patternMeanings say in words what each pattern wants, for the messages
// of the bodies that miss one (huma would quote the expression).
var patternMeanings = map[string]string{
	gatehouse.TextPattern:            "text without a NUL character",
	gatehouse.OneLinePattern:         "one line of text",
	gatehouse.RequiredOneLinePattern: "one line of text, not only spaces or invisible characters",
	gatehouse.EmailPattern:           "an email address alone, like ann@acme.test",
}

func ptr[T any](v T) *T { return &v }
