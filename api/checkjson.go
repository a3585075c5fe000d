package api

import (
	"encoding/json"
	"strconv"
)

// A hand-written decoder and encoder for the check shapes, the bodies
// platforms send on every request: encoding/json spent two thirds of a
// 1,000-check batch. The decoder takes only the plain form of a body (known
// keys, once each; ASCII strings without escapes; integers) and says so
// when a body is anything else, which then goes through encoding/json, so
// every answer and every error stays encoding/json's. Tests compare the two
// on every body they can find.

// parseCheck decodes a single check body; ok is false when the body is not
// in the plain form.
func parseCheck(body []byte) (c checkJSON, ok bool) {
	s := scanner{b: body}
	ok = s.check(&c) && s.end()
	return c, ok
}

// parseCheckBatch decodes {"checks": [...]}; ok is false when the body is
// not in the plain form.
func parseCheckBatch(body []byte) (checks []checkJSON, ok bool) {
	s := scanner{b: body}
	ok = s.object(func(key []byte) bool {
		if string(key) != "checks" || checks != nil {
			return false
		}
		checks = make([]checkJSON, 0, 64)
		return s.array(func() bool {
			checks = append(checks, checkJSON{})
			return s.check(&checks[len(checks)-1])
		})
	})
	return checks, ok && s.end()
}

type scanner struct {
	b []byte
	i int
}

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
	*dst = string(v)
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

func (s *scanner) check(c *checkJSON) bool {
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

// appendDecision appends d as encoding/json writes it.
func appendDecision(b []byte, d decisionJSON) []byte {
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
