// Package checkjson reads and writes the bodies of the authorization checks
// (POST /api/v1/authz/check and check-batch) by hand: platforms send them on
// every request, and encoding/json spent two thirds of a 1,000-check batch.
package checkjson

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
)

// Check is one check: may the user do the permission on the resource?
type Check struct {
	UserID      string         `json:"user_id" minLength:"1" example:"usr_01jd6c3v9k8m2n4p6q8r0s2t4v"`
	Permission  string         `json:"permission" minLength:"1" example:"work_orders.edit"`
	Resource    authz.Resource `json:"resource,omitempty" required:"false"`
	MinRevision int64          `json:"min_revision,omitempty" required:"false" minimum:"0" maximum:"9007199254740991" doc:"Answer only from state at least this fresh"`
	// At asks the check at another moment, from the current state: which
	// time-bound grants will have started or ended by then.
	At time.Time `json:"at,omitzero" required:"false" doc:"Answer as of this moment (RFC 3339, to the second; within the last 90 days or in the future): the current grants, with the starts and expiries passed by then. Default: now"`
}

// MaxBatch bounds a check-batch request.
const MaxBatch = 1000

// Batch is the body of a check-batch request.
type Batch struct {
	Checks []Check `json:"checks" minItems:"1" maxItems:"1000"`
}

// Valid says whether c keeps the rules its schema states (the fields
// required, min_revision not negative): a body that does not goes through
// the schema's validation, which names the field at fault.
func (c *Check) Valid() bool {
	return c.UserID != "" && c.Permission != "" && c.MinRevision >= 0 && c.MinRevision <= gatehouse.MaxSafeInteger
}

// Decision is the answer to one check.
type Decision struct {
	Allowed   bool           `json:"allowed"`
	Reason    string         `json:"reason" example:"granted"`
	GrantedBy []authz.Source `json:"granted_by"`
	OwnOnly   bool           `json:"own_only" doc:"Allowed only for items the user created or is assigned to"`
	Message   string         `json:"message"`
	Revision  int64          `json:"revision"`
}

// The decoder takes only the plain form of a body (known
// keys, once each; ASCII strings without escapes; integers) and says so
// when a body is anything else, which then goes through encoding/json, so
// every answer and every error stays encoding/json's. Tests compare the two
// on every body they can find. The decoder takes only the plain form of a body (known
// keys, once each; ASCII strings without escapes; integers) and says so
// when a body is anything else, which then goes through encoding/json, so
// every answer and every error stays encoding/json's. Tests compare the two
// on every body they can find.

// Parse decodes a single check body; ok is false when the body is not
// in the plain form.
func Parse(body []byte) (c Check, ok bool) {
	s := newScanner(body)
	ok = s.check(&c) && s.end()
	return c, ok
}

// ParseBatch decodes {"checks": [...]}; ok is false when the body is
// not in the plain form.
func ParseBatch(body []byte) (checks []Check, ok bool) {
	s := newScanner(body)
	ok = s.object(func(key []byte) bool {
		if string(key) != "checks" || checks != nil {
			return false
		}
		// At most one check per '{' but the body's own: no growing.
		checks = make([]Check, 0, max(bytes.Count(body, []byte{'{'})-1, 0))
		return s.array(func() bool {
			checks = append(checks, Check{})
			return s.check(&checks[len(checks)-1])
		})
	})
	return checks, ok && s.end()
}

type scanner struct {
	b    []byte
	body string // b as a string: values are substrings of it, not allocations each
	i    int
}

func newScanner(body []byte) scanner { return scanner{b: body, body: string(body)} }

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// is consumes c after any space.
func (s *scanner) is(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) end() bool {
	s.space()
	return s.i == len(s.b)
}

// object reads {"key": value, ...}, calling member with each key with the
// scanner at the value.
func (s *scanner) object(member func(key []byte) bool) bool {
	if !s.is('{') {
		return false
	}
	if s.is('}') {
		return true
	}
	for {
		key, ok := s.str()
		if !ok || !s.is(':') || !member(key) {
			return false
		}
		if s.is('}') {
			return true
		}
		if !s.is(',') {
			return false
		}
	}
}

func (s *scanner) array(element func() bool) bool {
	if !s.is('[') {
		return false
	}
	if s.is(']') {
		return true
	}
	for {
		if !element() {
			return false
		}
		if s.is(']') {
			return true
		}
		if !s.is(',') {
			return false
		}
	}
}

// str reads a string of printable ASCII without escapes: the form every id
// and codename has. Anything else is left to encoding/json.
func (s *scanner) str() ([]byte, bool) {
	if !s.is('"') {
		return nil, false
	}
	start := s.i
	for ; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
	}
	return nil, false
}

// text reads a string into *dst, once.
func (s *scanner) text(dst *string) bool {
	v, ok := s.str()
	if !ok || *dst != "" || len(v) == 0 {
		return false // a repeated or empty value: encoding/json decides
	}
	*dst = s.body[s.i-1-len(v) : s.i-1]
	return true
}

// integer reads an integer without sign, fraction or exponent that fits an
// int64 with room to spare.
func (s *scanner) integer(dst *int64) bool {
	s.space()
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	digits := s.b[start:s.i]
	if len(digits) == 0 || len(digits) > 18 || (digits[0] == '0' && len(digits) > 1) || *dst != 0 {
		return false
	}
	if s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		return false
	}
	n, err := strconv.ParseInt(string(digits), 10, 64)
	*dst = n
	return err == nil && n != 0
}

// utcSecond reads a time of the one form 2026-06-01T09:00:00Z (UTC, to the
// second), which time.Time decodes alike; any other form goes to
// encoding/json.
func (s *scanner) utcSecond(dst *time.Time) bool {
	v, ok := s.str()
	if !ok || len(v) != len("2006-01-02T15:04:05Z") || v[len(v)-1] != 'Z' {
		return false
	}
	t, err := time.Parse(time.RFC3339, s.body[s.i-1-len(v):s.i-1])
	*dst = t
	return err == nil
}

func (s *scanner) check(c *Check) bool {
	var seen uint8 // each key once; a repeated key goes to encoding/json
	once := func(bit uint8) bool {
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	}
	return s.object(func(key []byte) bool {
		switch string(key) {
		case "user_id":
			return once(1) && s.text(&c.UserID)
		case "permission":
			return once(2) && s.text(&c.Permission)
		case "min_revision":
			return once(4) && s.integer(&c.MinRevision)
		case "at":
			return once(16) && s.utcSecond(&c.At)
		case "resource":
			return once(8) && s.object(func(key []byte) bool {
				switch string(key) {
				case "facility_id":
					return s.text(&c.Resource.FacilityID)
				case "created_by":
					return s.text(&c.Resource.CreatedBy)
				case "assignee_id":
					return s.text(&c.Resource.AssigneeID)
				}
				return false
			})
		}
		return false
	})
}

// AppendDecision appends d as encoding/json writes it.
func AppendDecision(b []byte, d Decision) []byte {
	b = append(b, `{"allowed":`...)
	b = strconv.AppendBool(b, d.Allowed)
	b = append(b, `,"reason":`...)
	b = appendString(b, d.Reason)
	b = append(b, `,"granted_by":[`...)
	for i, src := range d.GrantedBy {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":`...)
		b = appendString(b, src.Kind)
		if src.ID != "" {
			b = append(b, `,"id":`...)
			b = appendString(b, src.ID)
		}
		if src.FacilityID != "" {
			b = append(b, `,"facility_id":`...)
			b = appendString(b, src.FacilityID)
		}
		if !src.StartsAt.IsZero() {
			b = append(b, `,"starts_at":`...)
			b = appendTime(b, src.StartsAt)
		}
		if !src.ExpiresAt.IsZero() {
			b = append(b, `,"expires_at":`...)
			b = appendTime(b, src.ExpiresAt)
		}
		b = append(b, '}')
	}
	b = append(b, `],"own_only":`...)
	b = strconv.AppendBool(b, d.OwnOnly)
	b = append(b, `,"message":`...)
	b = appendString(b, d.Message)
	b = append(b, `,"revision":`...)
	b = strconv.AppendInt(b, d.Revision, 10)
	return append(b, '}')
}

// appendTime writes t as time.Time's MarshalJSON does.
func appendTime(b []byte, t time.Time) []byte {
	out, err := t.MarshalJSON()
	if err != nil {
		return append(b, `null`...) // a year outside 0–9999: never a grant's bound
	}
	return append(b, out...)
}

// appendString writes s as a JSON string; anything that needs escaping
// (quotes, control characters, HTML's <>&, non-ASCII) is left to
// encoding/json so that the bytes are the same.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			quoted, _ := json.Marshal(s)
			return append(b, quoted...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
