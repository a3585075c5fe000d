package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// TestTheDocumentStatesTheServiceRules: for every value the service
// refuses, the schema the served document gives that field refuses it too,
// and the other way round, but for what the property's description says the
// service also checks (the phone's country code, the common passwords).
// The schema is read as a JSON Schema validator reads it (lengths in
// characters, the pattern, format email), in Go; the patterns use no
// escape that ECMA-262 reads otherwise.
func TestTheDocumentStatesTheServiceRules(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	ctx := context.Background()
	actor := gatehouse.Actor{OrgID: o.id, UserID: o.adminID}
	schemas := o.admin.get("/api/v1/openapi.json")["components"].(obj)["schemas"].(obj)
	property := func(schema, name string) obj {
		return schemas[schema].(obj)["properties"].(obj)[name].(obj)
	}

	texts := []string{"Ann", " Ann ", "", " ", "\t", "\v", "\u00a0", "\u0085", "\u3000 \u2028", "\u200b", "\ufeff", "\u200b\u2060", "\u2800", "\u3164", "\u202e\u00ad", "Ann\u200b", "Ann\nLee", "Ann\r",
		"A\x00", "Ann\u00a0Lee", strings.Repeat("é", gatehouse.MaxTextLen), strings.Repeat("é", gatehouse.MaxTextLen+1), strings.Repeat("x", gatehouse.MaxTextLen+1)}
	emails := []string{"ann@acme.test", "Ann <ann@acme.test>", "<ann@acme.test>", "ann@acme.test (Ann)", " ann@acme.test", "ann@acme.test ",
		`"ann lee"@acme.test`, "ann..lee@acme.test", ".ann@acme.test", "ann.@acme.test", "ann@acme", "ann@[127.0.0.1]", "josé@acme.test",
		"ann@acme.test\n", "ann\u00a0lee@acme.test", "", "ann", "@acme.test", "ann@", "ann@@acme.test", "a,b@acme.test", "ann@acme..test",
		"o'neil+tag@acme.test", "admin\u200b@acme.test", "ann@acme.test\ufeff", "ann\u202e@acme.test", strings.Repeat("a", gatehouse.MaxTextLen) + "@acme.test"}
	passwords := []string{"", "Zq7!mP2#x", "Zq7!mP2#xW", "éléphant-é", strings.Repeat("€", gatehouse.MaxPasswordLen),
		strings.Repeat("€", gatehouse.MaxPasswordLen+1), strings.Repeat("k", gatehouse.MaxPasswordLen+1), "password123"}

	n := 0
	unique := func() string { n++; return fmt.Sprintf("u%d@acme.test", n) }
	type field struct {
		schema, property string
		values           []string
		write            func(v string) error
		documented       string // what the service checks beyond the schema, in the property's description
	}
	for _, f := range []field{
		{"UserBody", "first_name", texts, func(v string) error {
			_, err := e.svc.InviteUser(ctx, actor, service.UserInput{FirstName: v, LastName: "Lee", Email: unique()})
			return err
		}, ""},
		{"UserBody", "email", emails, func(v string) error {
			_, err := e.svc.InviteUser(ctx, actor, service.UserInput{FirstName: "Ann", LastName: "Lee", Email: v})
			return err
		}, ""},
		{"UserBody", "phone", texts, func(v string) error {
			_, err := e.svc.InviteUser(ctx, actor, service.UserInput{FirstName: "Ann", LastName: "Lee", Email: unique(), Phone: v})
			return err
		}, "international format"},
		{"CreateGroupInputBody", "name", texts, func(v string) error {
			_, _, err := e.svc.CreateGroup(ctx, actor, service.GroupInput{Name: v + unique()[:0]})
			return err
		}, ""},
		{"CreateGroupInputBody", "description", append(texts, strings.Repeat("é", gatehouse.MaxDescriptionLen+1)), func(v string) error {
			_, _, err := e.svc.CreateGroup(ctx, actor, service.GroupInput{Name: unique(), Description: v})
			return err
		}, ""},
		{"CreateFacilityInputBody", "name", texts, func(v string) error {
			_, _, err := e.svc.CreateFacility(ctx, actor, service.FacilityInput{Name: v})
			return err
		}, ""},
		{"CreateFacilityInputBody", "external_id", texts, func(v string) error {
			_, _, err := e.svc.CreateFacility(ctx, actor, service.FacilityInput{Name: unique(), ExternalID: v})
			return err
		}, ""},
		{"AcceptInputBody", "password", passwords, func(v string) error {
			return e.svc.SetPassword(ctx, actor, o.adminID, v)
		}, "most common passwords"},
	} {
		p := property(f.schema, f.property)
		if pattern, _ := p["pattern"].(string); regexp.MustCompile(`\\[sSwWdDbB]`).MatchString(pattern) {
			t.Errorf("%s.%s: pattern %q has an escape ECMA-262 reads otherwise than Go", f.schema, f.property, pattern)
		}
		for _, v := range f.values {
			schema := schemaAllows(t, p, v)
			err := f.write(v)
			var ge *gatehouse.Error
			refused := errors.As(err, &ge) && ge.Code == gatehouse.EINVALID && ge.Field == f.property
			if err != nil && !refused && !strings.Contains(err.Error(), "already") {
				t.Fatalf("%s.%s = %q: %v", f.schema, f.property, v, err)
			}
			switch {
			case refused && schema && f.documented != "" && strings.Contains(fmt.Sprint(p["description"]), f.documented):
			case refused && schema:
				t.Errorf("%s.%s = %q: the service refuses it (%v), the document allows it", f.schema, f.property, v, err)
			case !refused && !schema:
				t.Errorf("%s.%s = %q: the service takes it, the document refuses it", f.schema, f.property, v)
			}
		}
	}
}

// TestPatternsAreSaidInWords: a body that misses a pattern is told what the
// pattern wants, not the expression.
func TestPatternsAreSaidInWords(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	for _, tc := range []struct {
		body          obj
		field, saying string
	}{
		{obj{"first_name": "Ann", "last_name": "Lee", "email": "Ann <ann@acme.test>"}, "email", "email: expected an email address alone, like ann@acme.test"},
		{obj{"first_name": "\u00a0", "last_name": "Lee", "email": "ann@acme.test"}, "first_name", "first_name: expected one line of text, not only spaces or invisible characters"},
		{obj{"first_name": "Ann", "last_name": "Lee", "email": "ann@acme.test", "phone": "+1\n2"}, "phone", "phone: expected one line of text"},
	} {
		status, _, body := o.admin.do("POST", "/api/v1/users", tc.body)
		wantField(t, status, body, tc.field)
		if got := body["error"].(obj)["message"]; got != tc.saying {
			t.Errorf("message %q, want %q", got, tc.saying)
		}
	}
}

// schemaAllows reads a string property as a JSON Schema validator does.
func schemaAllows(t *testing.T, p obj, v string) bool {
	t.Helper()
	n := utf8.RuneCountInString(v)
	if min, ok := p["minLength"].(float64); ok && n < int(min) {
		return false
	}
	if max, ok := p["maxLength"].(float64); ok && n > int(max) {
		return false
	}
	if pattern, ok := p["pattern"].(string); ok && !regexp.MustCompile(pattern).MatchString(v) {
		return false
	}
	if p["format"] == "email" {
		if _, err := mail.ParseAddress(v); err != nil {
			return false
		}
	}
	return true
}
