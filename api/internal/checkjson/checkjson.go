// Package checkjson reads and writes the bodies of the authorization checks
// (POST /api/v1/authz/check and check-batch) by hand: platforms send them on
// every request, and encoding/json spent two thirds of a 1,000-check batch.
package checkjson

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

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
// on every body they can find.

// The strings of the checks read are not copies: they share the body's
// bytes (see newScanner). They are valid only while the body is unchanged,
// and no check may outlive the request it came in: the server reads each
// body into a buffer that it reuses once the answer is written.

// Parse decodes a single check body; ok is false when the body is not
// in the plain form. The check's strings share body's bytes.
func Parse(body []byte) (c Check, ok bool) {
	s := newScanner(body)
	ok = s.check(&c) && s.end()
	return c, ok
}

// ParseBatch decodes {"checks": [...]}; ok is false when the body is
// not in the plain form. The checks' strings share body's bytes.
func ParseBatch(body []byte) (checks []Check, ok bool) {
	// At most one check per '{' but the body's own, and at most MaxBatch: no growing.
	return AppendBatch(make([]Check, 0, min(max(bytes.Count(body, []byte{'{'})-1, 0), MaxBatch)), body)
}

// AppendBatch is ParseBatch appending to dst, so that a server can reuse
// one slice from batch to batch. The checks' strings share body's bytes.
// A batch of more than MaxBatch checks is not the plain form: reading stops
// there, so that a body of a million empty checks grows no slice of them.
func AppendBatch(dst []Check, body []byte) (checks []Check, ok bool) {
	s := newScanner(body)
	checks, seen := dst, false
	ok = s.object(func(key []byte) bool {
		if string(key) != "checks" || seen {
			return false
		}
		seen = true
		return s.array(func() bool {
			if len(checks)-len(dst) == MaxBatch {
				return false
			}
			checks = append(checks, Check{})
			return s.check(&checks[len(checks)-1])
		})
	})
	return checks, ok && s.end()
}

type scanner struct {
	b    []byte
	body string // b's bytes as a string: values are substrings of it
	i    int
}

// newScanner reads body. Its values share body's bytes rather than copying
// them: the copy of a 1,000-check batch (190 kB) cost a sixth of its read
// and made most of a batch's garbage.
func newScanner(body []byte) scanner {
	return scanner{b: body, body: unsafe.String(unsafe.SliceData(body), len(body))}
}

func (s *scanner) space() {
	if s.i < len(s.b) && s.b[s.i] > ' ' { // the usual case: no space at all
		return
	}
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

// plainByte marks the bytes a plain string holds: printable ASCII but the
// quote and the backslash. One table look-up per byte is what makes the
// scan of a 1,000-check batch cheap.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// Eight bytes of a word, tested at once: the high bit of each byte of
// the answer is set where the byte is one of those sought, and the lowest
// one set is exact (a borrow may set higher ones, which are not read).
const (
	eachByte  = 0x0101010101010101
	highBits  = 0x8080808080808080
	belowText = eachByte * 0x20 // control characters are below it
)

// notPlain marks the bytes of w that are not plainByte: control
// characters, non-ASCII, the quote and the backslash.
func notPlain(w uint64) uint64 {
	// In Go, | and - share a precedence: every term is in brackets.
	return ((w - belowText) | ((w ^ (eachByte * '"')) - eachByte) | ((w ^ (eachByte * '\\')) - eachByte) | w) & highBits
}

// notHTMLSafe marks the bytes of w that are not htmlSafeByte.
func notHTMLSafe(w uint64) uint64 {
	return (notPlain(w) | ((w ^ (eachByte * '<')) - eachByte) | ((w ^ (eachByte * '>')) - eachByte) | ((w ^ (eachByte * '&')) - eachByte)) & highBits
}

// str reads a string of printable ASCII without escapes: the form every id
// and codename has. Anything else is left to encoding/json.
func (s *scanner) str() ([]byte, bool) {
	if !s.is('"') {
		return nil, false
	}
	start, i := s.i, s.i
	for { // eight bytes at a time, to the first that is not plain
		if i+8 > len(s.b) {
			for i < len(s.b) && plainByte[s.b[i]] {
				i++
			}
			break
		}
		if m := notPlain(binary.LittleEndian.Uint64(s.b[i:])); m != 0 {
			i += bits.TrailingZeros64(m) / 8
			break
		}
		i += 8
	}
	if i == len(s.b) || s.b[i] != '"' {
		return nil, false
	}
	s.i = i + 1
	return s.b[start:i], true
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

// check reads one check object. It is written out rather than built on
// object: a batch reads a thousand of them, and a call through a closure
// for each key cost a tenth of the read. Each key is told by its first
// letter and then compared once, rather than compared with every key in
// turn.
func (s *scanner) check(c *Check) bool {
	if !s.is('{') {
		return false
	}
	if s.is('}') {
		return true
	}
	var seen uint8 // each key once; a repeated key goes to encoding/json
	for {
		var bit uint8
		var ok bool
		switch s.keyInitial() {
		case 'u':
			bit, ok = 1, seen&1 == 0 && s.key(`"user_id"`) && s.text(&c.UserID)
		case 'p':
			bit, ok = 2, seen&2 == 0 && s.key(`"permission"`) && s.text(&c.Permission)
		case 'r':
			bit, ok = 8, seen&8 == 0 && s.key(`"resource"`) && s.resource(&c.Resource)
		case 'm':
			bit, ok = 4, seen&4 == 0 && s.key(`"min_revision"`) && s.integer(&c.MinRevision)
		case 'a':
			bit, ok = 16, seen&16 == 0 && s.key(`"at"`) && s.utcSecond(&c.At)
		}
		if !ok {
			return false
		}
		seen |= bit
		if s.is('}') {
			return true
		}
		if !s.is(',') {
			return false
		}
	}
}

// keyInitial is the first letter of the key that comes next (after any
// space), 0 when no key does.
func (s *scanner) keyInitial() byte {
	s.space()
	if s.i+1 < len(s.b) && s.b[s.i] == '"' {
		return s.b[s.i+1]
	}
	return 0
}

// key consumes the quoted key and the colon after it when they come next
// (after any space), compared as they are: a key spelled with escapes is
// not the plain form, and goes to encoding/json like any other key.
func (s *scanner) key(quoted string) bool {
	s.space()
	start := s.i
	if len(s.b)-start < len(quoted) || string(s.b[start:start+len(quoted)]) != quoted {
		return false
	}
	s.i += len(quoted)
	if !s.is(':') {
		s.i = start // no other key matches here: the caller refuses the body
		return false
	}
	return true
}

// resource reads a check's resource object.
func (s *scanner) resource(r *authz.Resource) bool {
	if !s.is('{') {
		return false
	}
	if s.is('}') {
		return true
	}
	for {
		var ok bool
		switch s.keyInitial() {
		case 'f':
			ok = s.key(`"facility_id"`) && s.text(&r.FacilityID)
		case 'c':
			ok = s.key(`"created_by"`) && s.text(&r.CreatedBy)
		case 'a':
			ok = s.key(`"assignee_id"`) && s.text(&r.AssigneeID)
		}
		if !ok {
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

// appendString writes s as a JSON string, byte for byte as encoding/json
// does (its HTML escaping included): messages quote ids, so the escaping
// path is a common one and is not left to encoding/json.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start, i := 0, 0
	for i+8 <= len(s) { // eight bytes at a time, to the first to escape
		if m := notHTMLSafe(wordAt(s, i)); m != 0 {
			i += bits.TrailingZeros64(m) / 8
			break
		}
		i += 8
	}
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if htmlSafeByte[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default: // other control bytes, and HTML's <, > and &
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1: // not UTF-8
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029': // line breaks to JavaScript
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// wordAt reads eight bytes of s from i, the lowest first.
func wordAt(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

const hexDigits = "0123456789abcdef"

// htmlSafeByte marks the ASCII bytes encoding/json writes as they are.
var htmlSafeByte = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()
