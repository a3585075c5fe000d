package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse"
)

// fastChecks serves the two routes platforms call on every request with
// plain net/http and encoding/json: huma decodes every body twice (into a
// map to validate it against the schema, then into the struct), which
// costs more than the decision. huma still documents both routes.
func (h *handlers) fastChecks(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/authz/check", h.serveCheck)
	mux.HandleFunc("POST /api/v1/authz/check-batch", h.serveCheckBatch)
	mux.Handle("/", next)
	return mux
}

func (h *handlers) fail(w http.ResponseWriter, err error) {
	var e *gatehouse.Error
	if !errors.As(err, &e) {
		e = gatehouse.Errorf(gatehouse.EINTERNAL, "internal error")
	}
	writeError(w, e)
}

// readBody reads a request body of at most maxBody bytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	buf := bytes.NewBuffer(make([]byte, 0, min(max(r.ContentLength, 512), maxBody)+1))
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, gatehouse.Errorf("payload_too_large", "the body is over %d bytes", maxBody)
		}
		return nil, gatehouse.Invalid("", "the body could not be read")
	}
	return buf.Bytes(), nil
}

// decodeJSON decodes body into v as huma would: one value, no unknown
// fields, errors naming the field.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(body, err)
	}
	if dec.More() {
		return gatehouse.Invalid("", "the body holds more than one JSON value")
	}
	return nil
}

// bodyError names the field at fault in a decoding error, as the rest of
// the API does.
func bodyError(body []byte, err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return gatehouse.Invalid(typeErr.Field, "%s: expected %s", typeErr.Field, typeErr.Type)
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		var doc any
		json.Unmarshal(body, &doc) // it decoded once: it decodes again
		name := pathOf(doc, "", strings.Trim(field, `"`))
		return gatehouse.Invalid(name, "%s: unexpected property", name)
	}
	return gatehouse.Invalid("", "the body is not valid JSON: %v", err)
}

// pathOf finds where in a decoded document a key stands, as
// "checks[2].resource.facility"; the decoder names only the key.
func pathOf(doc any, at, key string) string {
	join := func(k string) string {
		if at == "" {
			return k
		}
		return at + "." + k
	}
	switch v := doc.(type) {
	case map[string]any:
		if _, ok := v[key]; ok {
			return join(key)
		}
		for k, child := range v {
			if p := pathOf(child, join(k), key); p != "" {
				return p
			}
		}
	case []any:
		for i, child := range v {
			if p := pathOf(child, fmt.Sprintf("%s[%d]", at, i), key); p != "" {
				return p
			}
		}
	}
	if at == "" {
		return key
	}
	return ""
}

// validCheck checks what the schema of a check says; at is the check's
// place in a batch, or -1 for a single check.
func validCheck(at int, c checkJSON) error {
	if c.UserID != "" && c.Permission != "" && c.MinRevision >= 0 {
		return nil
	}
	prefix := ""
	if at >= 0 {
		prefix = fmt.Sprintf("checks[%d].", at)
	}
	switch {
	case c.UserID == "":
		return gatehouse.Invalid(prefix+"user_id", "%suser_id is required", prefix)
	case c.Permission == "":
		return gatehouse.Invalid(prefix+"permission", "%spermission is required", prefix)
	case c.MinRevision < 0:
		return gatehouse.Invalid(prefix+"min_revision", "%smin_revision must not be negative", prefix)
	}
	return nil
}

func (h *handlers) serveCheck(w http.ResponseWriter, r *http.Request) {
	actor, err := actorFrom(r.Context())
	if err != nil {
		h.fail(w, err)
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		h.fail(w, err)
		return
	}
	c, ok := parseCheck(body)
	if !ok {
		c = checkJSON{} // what the fast decoder read so far
		if err := decodeJSON(body, &c); err != nil {
			h.fail(w, err)
			return
		}
	}
	if err := validCheck(-1, c); err != nil {
		h.fail(w, err)
		return
	}
	snap, err := h.svc.DecisionSnapshot(r.Context(), actor, c.MinRevision, c.UserID)
	if err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(appendDecision(nil, decide(snap, c)), '\n'))
}

func (h *handlers) serveCheckBatch(w http.ResponseWriter, r *http.Request) {
	actor, err := actorFrom(r.Context())
	if err != nil {
		h.fail(w, err)
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		h.fail(w, err)
		return
	}
	var in struct {
		Checks []checkJSON `json:"checks"`
	}
	var ok bool
	if in.Checks, ok = parseCheckBatch(body); !ok {
		in.Checks = nil // what the fast decoder read so far
		if err := decodeJSON(body, &in); err != nil {
			h.fail(w, err)
			return
		}
	}
	if len(in.Checks) == 0 || len(in.Checks) > maxBatch {
		h.fail(w, gatehouse.Invalid("checks", "send 1 to %d checks", maxBatch))
		return
	}
	var minRevision int64
	users := make([]string, len(in.Checks))
	for i, c := range in.Checks {
		if err := validCheck(i, c); err != nil {
			h.fail(w, err)
			return
		}
		minRevision = max(minRevision, c.MinRevision)
		users[i] = c.UserID
	}
	snap, err := h.svc.DecisionSnapshot(r.Context(), actor, minRevision, users...)
	if err != nil {
		h.fail(w, err)
		return
	}
	out := make([]byte, 0, 256*len(in.Checks))
	out = append(out, `{"results":[`...)
	for i, c := range in.Checks {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendDecision(out, decide(snap, c))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(out, "]}\n"...))
}
