package checkjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/authz"
)

// checkBodies are bodies of both plain and unusual forms; the fast decoder
// must agree with encoding/json on every one it accepts.
var checkBodies = []struct {
	body  string
	plain bool // the fast decoder takes it
}{
	{`{"user_id":"usr_1","permission":"work_orders.view"}`, true},
	{` { "user_id" : "usr_1" ,
	  "permission":"a.b", "resource": {"facility_id":"fac_1","created_by":"usr_2","assignee_id":"usr_3"}, "min_revision": 42 } `, true},
	{`{"permission":"a.b","resource":{}}`, true},
	{`{}`, true},
	{`{"user_id":"usr_1","permission":"a.b","min_revision":0}`, false},
	{`{"user_id":"usr_1","permission":"a.b","min_revision":-1}`, false},
	{`{"user_id":"usr_1","permission":"a.b","min_revision":1.5}`, false},
	{`{"user_id":"usr_1","permission":"a.b","min_revision":1e3}`, false},
	{`{"user_id":"usr_1","permission":"a.b","min_revision":"3"}`, false},
	{`{"user_id":"usr_1","permission":"a.b","min_revision":99999999999999999999}`, false},
	{`{"user_id":"usr_1","permission":"a.b","min_revision":007}`, false},
	{`{"USER_ID":"usr_1","permission":"a.b"}`, false},
	{`{"user_id":"usr_1","user_id":"usr_2","permission":"a.b"}`, false},
	{`{"user_id":"usr_1","permission":"a.b","resource":{"facility_id":"f1","facility_id":"f2"}}`, false},
	{`{"user_id":"usr_1","permission":"a.b","resource":{"facility_id":"f1"},"resource":{"created_by":"u"}}`, false},
	{`{"user_id":"usr_\"1","permission":"a.b"}`, false},
	{`{"user_id":"usr_\u0031","permission":"a.b"}`, false},
	{`{"user_id":"usré","permission":"a.b"}`, false},
	{`{"user_id":"","permission":"a.b"}`, false},
	{`{"user_id":null,"permission":"a.b"}`, false},
	{`{"user_id":"usr_1","permission":"a.b","resource":null}`, false},
	{`{"user_id":"usr_1","permission":"a.b","extra":1}`, false},
	{`{"user_id":"usr_1","permission":"a.b","resource":{"site":"x"}}`, false},
	{`{"user_id":"usr_1","permission":"a.b"}{}`, false},
	{`{"user_id":"usr_1","permission":"a.b",}`, false},
	{`{"user_id":"usr_1" "permission":"a.b"}`, false},
	{`{"user_id":"usr_1","permission":"a.b"`, false},
	{`{"user_id":"usr_1","permission":`, false},
	{`{"user_id":1,"permission":"a.b"}`, false},
	{`{"user_id":"usr_1","permission":"a.b","at":"2026-06-01T09:00:00Z"}`, true},
	{`{"user_id":"usr_1","permission":"a.b","at":"2026-06-01T09:00:00.5Z"}`, false},
	{`{"user_id":"usr_1","permission":"a.b","at":"2026-06-01T09:00:00+02:00"}`, false},
	{`{"user_id":"usr_1","permission":"a.b","at":"2026-13-01T09:00:00Z"}`, false},
	{`{"user_id":"usr_1","permission":"a.b","at":"2026-06-01T09:00:00Z","at":"2026-06-01T09:00:00Z"}`, false},
	{`{"user_id":"usr_1","permission":"a.b","at":null}`, false},
	{`[]`, false},
	{``, false},
	{`null`, false},
}

func TestParseCheckAgreesWithEncodingJSON(t *testing.T) {
	for _, tc := range checkBodies {
		_, ok := Parse([]byte(tc.body))
		if ok != tc.plain {
			t.Errorf("%s: fast decoder took it: %v, want %v", tc.body, ok, tc.plain)
		}
		compareCheck(t, []byte(tc.body))
	}
}

func TestParseCheckBatchAgreesWithEncodingJSON(t *testing.T) {
	for _, body := range []struct {
		body  string
		plain bool
	}{
		{`{"checks":[{"user_id":"u1","permission":"a.b"},{"user_id":"u2","permission":"c.d","resource":{"facility_id":"f"}}]}`, true},
		{`{"checks":[]}`, true},
		{`{}`, true},
		{` {"checks" : [ {"user_id":"u1","permission":"a.b"} ] } `, true},
		{`{"checks":[{"user_id":"u1","permission":"a.b"}],"checks":[{"user_id":"u2","permission":"a.b"}]}`, false},
		{`{"checks":null}`, false},
		{`{"checks":[null]}`, false},
		{`{"checks":[{"user_id":"u1","permission":"a.b"},]}`, false},
		{`{"checks":[{"user_id":"u1","permission":"a.b","x":1}]}`, false},
		{`{"checks":[{"user_id":"u1","permission":"a.b"}],"more":true}`, false},
		{`{"Checks":[{"user_id":"u1","permission":"a.b"}]}`, false},
		{`{"checks":{}}`, false},
	} {
		_, ok := ParseBatch([]byte(body.body))
		if ok != body.plain {
			t.Errorf("%s: fast decoder took it: %v, want %v", body.body, ok, body.plain)
		}
		compareBatch(t, []byte(body.body))
	}
}

// compareCheck fails when the fast decoder takes a body that encoding/json
// refuses or reads differently.
func compareCheck(t *testing.T, body []byte) {
	t.Helper()
	got, ok := Parse(body)
	if !ok {
		return
	}
	var want Check
	if err := strictDecode(body, &want); err != nil {
		t.Fatalf("%s: fast decoder took a body encoding/json refuses: %v", body, err)
	}
	if got != want {
		t.Fatalf("%s: fast decoder read %+v, encoding/json %+v", body, got, want)
	}
}

func compareBatch(t *testing.T, body []byte) {
	t.Helper()
	got, ok := ParseBatch(body)
	if !ok {
		return
	}
	var want struct {
		Checks []Check `json:"checks"`
	}
	if err := strictDecode(body, &want); err != nil {
		t.Fatalf("%s: fast decoder took a body encoding/json refuses: %v", body, err)
	}
	if len(got) != len(want.Checks) || (len(got) > 0 && !reflect.DeepEqual(got, want.Checks)) {
		t.Fatalf("%s: fast decoder read %+v, encoding/json %+v", body, got, want.Checks)
	}
}

// TestEveryByteAtEveryPlace puts every byte at every place of a string
// longer than the eight bytes the scanners test at once: the decoder takes
// the string exactly when it is plain, reads it as encoding/json does, and
// the encoder writes it as encoding/json does.
func TestEveryByteAtEveryPlace(t *testing.T) {
	for at := range 19 {
		for c := range 256 {
			value := []byte("usr_0123456789abcdef")[:19]
			value[at] = byte(c)
			body := []byte(`{"user_id":"` + string(value) + `","permission":"a.b"}`)
			got, ok := Parse(body)
			if plain := c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; ok != plain || (ok && got.UserID != string(value)) {
				t.Fatalf("byte %#x at %d: took it %v (%q)", c, at, ok, got.UserID)
			}
			compareCheck(t, body)
			compareDecision(t, Decision{Reason: string(value), GrantedBy: []authz.Source{}, Message: string(value) + string(value)})
		}
	}
}

// FuzzParseCheck searches for a body on which the two decoders disagree:
//
//	go test -run x -fuzz FuzzParseCheck ./api/internal/checkjson
func FuzzParseCheck(f *testing.F) {
	for _, tc := range checkBodies {
		f.Add([]byte(tc.body))
		f.Add([]byte(`{"checks":[` + tc.body + `]}`))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		compareCheck(t, body)
		compareBatch(t, body)
	})
}

// decisions are answers of the shapes the encoder meets, and of some it
// should never meet.
var decisions = []Decision{
	{Allowed: true, Reason: "granted", GrantedBy: []authz.Source{{Kind: "group", ID: "grp_1"}, {Kind: "direct"}}, Message: "Granted by group Technicians.", Revision: 7},
	{Reason: "no_permission", GrantedBy: []authz.Source{}, Message: `Not granted: "quotes" \ and <html> & é, line
two`, Revision: 1 << 40},
	{Allowed: true, Reason: "granted", GrantedBy: []authz.Source{{Kind: "licence", ID: "Tier <2>"}}, OwnOnly: true},
	{Allowed: true, Reason: "granted", GrantedBy: []authz.Source{{Kind: "group", ID: "grp_1", FacilityID: "fac_1",
		StartsAt: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC), ExpiresAt: time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)}}},
	{Reason: "bad\x01\u2028", GrantedBy: []authz.Source{}, Message: "\xff invalid utf-8", Revision: -3},
	{Reason: "\b\f\r\t\x1f\x7f", GrantedBy: []authz.Source{{Kind: "group", ID: "\u2029 \xe2\x80"}}, Message: `facility "fac_1" is not assigned — ✓ 🙂 \xc3`},
}

func TestAppendDecisionMatchesEncodingJSON(t *testing.T) {
	for _, d := range decisions {
		compareDecision(t, d)
	}
}

// compareDecision fails when the encoder writes d otherwise than
// encoding/json does.
func compareDecision(t *testing.T, d Decision) {
	t.Helper()
	var want bytes.Buffer
	json.NewEncoder(&want).Encode(d)
	got := append(AppendDecision(nil, d), '\n')
	if string(got) != want.String() {
		t.Errorf("AppendDecision:\n got %s\nwant %s", got, want.String())
	}
}

// FuzzAppendDecision searches for an answer the encoder writes otherwise
// than encoding/json:
//
//	go test -run x -fuzz FuzzAppendDecision ./api/internal/checkjson
func FuzzAppendDecision(f *testing.F) {
	for _, d := range decisions {
		var kind, id string
		if len(d.GrantedBy) > 0 {
			kind, id = d.GrantedBy[0].Kind, d.GrantedBy[0].ID
		}
		f.Add(d.Allowed, d.Reason, kind, id, d.OwnOnly, d.Message, d.Revision)
	}
	f.Fuzz(func(t *testing.T, allowed bool, reason, kind, id string, ownOnly bool, message string, revision int64) {
		d := Decision{Allowed: allowed, Reason: reason, GrantedBy: []authz.Source{}, OwnOnly: ownOnly, Message: message, Revision: revision}
		compareDecision(t, d)
		d.GrantedBy = []authz.Source{{Kind: kind, ID: id}, {Kind: message, ID: reason}}
		compareDecision(t, d)
		d.GrantedBy = []authz.Source{{Kind: kind, ID: id, FacilityID: message, ExpiresAt: time.Unix(revision%(1<<35), 0).UTC()}}
		compareDecision(t, d)
	})
}

// strictDecode decodes body into v as the API does on the slow path: one
// value, no unknown fields.
func strictDecode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

// TestBatchStopsAtItsLimit: the reader takes a batch of MaxBatch checks and
// stops at the one after, so that a body of a great many empty checks
// grows no slice of them (encoding/json's path then names the limit).
func TestBatchStopsAtItsLimit(t *testing.T) {
	body := func(n int) []byte {
		return []byte(`{"checks":[` + strings.Repeat(`{},`, n-1) + `{}]}`)
	}
	if checks, ok := ParseBatch(body(MaxBatch)); !ok || len(checks) != MaxBatch {
		t.Fatalf("%d checks: read %d, ok %v", MaxBatch, len(checks), ok)
	}
	dst := make([]Check, 3, 3+MaxBatch) // appends after what dst holds
	if checks, ok := AppendBatch(dst, body(MaxBatch)); !ok || len(checks) != 3+MaxBatch {
		t.Fatalf("%d checks after 3: read %d, ok %v", MaxBatch, len(checks), ok)
	}
	for _, n := range []int{MaxBatch + 1, 100_000} {
		checks, ok := AppendBatch(nil, body(n))
		if ok || len(checks) > MaxBatch {
			t.Fatalf("%d checks: read %d, ok %v", n, len(checks), ok)
		}
	}
}
