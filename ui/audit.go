package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	// The browser's time zone is read by name: the names travel with the
	// binary, whatever the host has installed.
	_ "time/tzdata"

	"github.com/gatehouse/gatehouse"
)

// auditActions are the actions the filter suggests; any other is accepted.
var auditActions = []string{
	"organization.created", "licence.seats_set",
	"user.invited", "user.invitation_regenerated", "user.invitation_accepted", "user.updated", "user.activated",
	"user.deactivated", "user.deleted", "user.email_verified", "user.verification_sent", "user.password_set", "user.password_setup_sent",
	"user.password_reset_requested", "user.password_reset", "user.sign_in_failed",
	"group.created", "group.updated", "group.deleted",
	"facility.created", "facility.updated", "facility.archived", "facility.unarchived", "facility.deleted", "facility.assigned",
	"session.created", "session.ended", "session.revoked",
	"api_key.created", "api_key.revoked",
	"user.totp_enrolled", "user.passkey_registered", "user.factor_removed", "user.factor_removal_refused", "user.recovery_codes_refused", "user.factor_enrolment_refused", "user.second_factor_failed",
	"user.recovery_code_used", "user.recovery_codes_regenerated", "user.factors_reset", "organization.mfa_policy_changed",
	"session.second_factor_required", "session.enrolment_required",
	"sso_connection.created", "sso_connection.updated", "sso_connection.deleted", "sso.sign_in_refused", "user.created_by_sso",
}

// auditPage is the data of the audit log page.
type auditPage struct {
	Filter map[string]string // actor, target, action, since, until, tz
	// Zone is the time zone since and until are read in: tz, which the
	// script sends, else UTC.
	Zone string
	// Named says whom or what each filter resolved to, for the line above
	// the table: field → a name.
	Named map[string]string
	// Candidates are, for a filter whose text names several, the ones it
	// may mean, each a link that filters by it.
	Candidates map[string][]pick
	// Suggest is each filter's list of suggestions (a <datalist>).
	Suggest map[string][]pick
	Events  []auditRow
	Before  string // this page's cursor, "" on the newest page
	Next    string // the id of the last event shown: the cursor of older events
	Actions []string
}

// auditRow is one event as the table shows it.
type auditRow struct {
	ID         string
	At         time.Time
	Actor      string // a name when known, else the id
	ActorID    string // shown on hover beside a name
	ActorLink  string
	APIKeyID   string
	Action     string
	TargetType string
	Target     string // a name when known, else the id
	TargetID   string
	TargetLink string
	Client     string
	Changes    []auditChange
}

type auditChange struct {
	Field string
	Text  string
}

func (u *UI) auditLog(w http.ResponseWriter, r *http.Request) {
	if !u.require(w, r, gatehouse.OpViewAuditLog, "read the audit log") {
		return
	}
	v, q := viewerFrom(r.Context()), r.URL.Query()
	ctx := r.Context()
	p := newPage(r, "Audit log", "audit")
	data := auditPage{Filter: map[string]string{}, Before: q.Get("before"), Actions: auditActions,
		Named: map[string]string{}, Candidates: map[string][]pick{}, Suggest: map[string][]pick{}}
	for _, k := range []string{"actor", "target", "action", "since", "until", "tz"} {
		data.Filter[k] = strings.TrimSpace(q.Get(k))
	}
	// Links of earlier releases filter by id.
	for _, k := range []string{"actor", "target"} {
		if data.Filter[k] == "" {
			data.Filter[k] = strings.TrimSpace(q.Get(k + "_id"))
		}
	}
	for _, k := range []string{"actor", "target"} {
		var err error
		if data.Suggest[k], err = u.suggestionsOf(ctx, v, k); err != nil {
			u.fail(w, r, err)
			return
		}
	}
	f := gatehouse.AuditFilter{Action: data.Filter["action"], Before: data.Before, Limit: pageSize + 1}
	var errs gatehouse.FieldErrors
	var err error
	f.ActorID, data.Candidates["actor"], err = u.resolvePick(ctx, v, "actor", data.Filter["actor"])
	errs.Add(err)
	f.TargetID, data.Candidates["target"], err = u.resolvePick(ctx, v, "target", data.Filter["target"])
	errs.Add(err)
	loc, err := auditZone(data.Filter["tz"])
	errs.Add(err)
	data.Zone = loc.String()
	f.Since, err = parseWhen("since", data.Filter["since"], false, loc)
	errs.Add(err)
	f.Until, err = parseWhen("until", data.Filter["until"], true, loc)
	errs.Add(err)
	if err := errs.Err(); err != nil {
		if !formError(p, err) {
			u.fail(w, r, err)
			return
		}
		p.Data = data
		u.show(w, r, http.StatusBadRequest, "audit", p)
		return
	}
	events, err := u.svc.AuditEvents(ctx, v.actor, f)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if len(events) > pageSize {
		events = events[:pageSize]
		data.Next = events[len(events)-1].ID
	}
	n := newNamer(ctx, v, u)
	if n.catalog, err = u.svc.Catalog(ctx, v.actor); err != nil {
		u.fail(w, r, err)
		return
	}
	if name := n.name("user", f.ActorID); name != "" {
		data.Named["actor"] = name
	}
	for kind, prefix := range idPrefixes {
		if strings.HasPrefix(f.TargetID, prefix) {
			data.Named["target"] = n.name(kind, f.TargetID)
		}
	}
	for _, e := range events {
		data.Events = append(data.Events, n.row(e))
	}
	p.Data = data
	u.show(w, r, http.StatusOK, "audit", p)
}

// candidateLinks are the links of a filter's candidates: the page's
// filters, with the field naming each candidate by id.
func (d auditPage) candidateLinks(field string) []string {
	var links []string
	for _, c := range d.Candidates[field] {
		v := url.Values{}
		for k, value := range d.Filter {
			if value != "" {
				v.Set(k, value)
			}
		}
		v.Set(field, c.ID)
		links = append(links, "/audit?"+v.Encode())
	}
	return links
}

var idPrefixes = map[string]string{"user": gatehouse.PrefixUser, "group": gatehouse.PrefixGroup, "facility": gatehouse.PrefixFacility}

// auditZone is the time zone the range is read in: the browser's (an IANA
// name, which the script sends), else UTC.
func auditZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return time.UTC, gatehouse.Invalid("tz", "%q is not a time zone such as Europe/Paris", name)
	}
	return loc, nil
}

// parseWhen reads a datetime-local or date input, in loc. A date alone as
// the end of a range means the end of that day.
func parseWhen(field, s string, end bool, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t.UTC(), nil
	}
	return time.Time{}, gatehouse.Invalid(field, "%q is not a date and time such as 2025-03-01T09:30", s)
}

// namer finds the names of the users, groups and facilities that events
// name by id, once each, where the viewer may see them. Deleted ones, and
// ones out of the viewer's scope, stay ids.
type namer struct {
	ctx     context.Context
	v       *viewer
	u       *UI
	catalog *gatehouse.Catalog // for licence labels
	names   map[string]string  // id → name, "" when not found
}

func newNamer(ctx context.Context, v *viewer, u *UI) *namer {
	return &namer{ctx: ctx, v: v, u: u, names: map[string]string{}}
}

func (n *namer) name(kind, id string) string {
	if id == "" {
		return ""
	}
	if name, ok := n.names[id]; ok {
		return name
	}
	name := ""
	switch kind {
	case "user":
		if n.v.can[gatehouse.OpViewUsers] {
			if user, err := n.u.svc.GetUser(n.ctx, n.v.actor, id); err == nil {
				name = user.FirstName + " " + user.LastName
			}
		}
	case "group":
		if n.v.can[gatehouse.OpViewGroups] {
			if g, err := n.u.svc.GetGroup(n.ctx, n.v.actor, id); err == nil {
				name = g.Name
			}
		}
	case "facility":
		if n.v.can[gatehouse.OpViewFacilities] {
			if f, err := n.u.svc.GetFacility(n.ctx, n.v.actor, id); err == nil {
				name = f.Name
			}
		}
	}
	n.names[id] = name
	return name
}

var targetPaths = map[string]string{"user": "/users/", "group": "/groups/", "facility": "/facilities/"}

func (n *namer) row(e *gatehouse.AuditEvent) auditRow {
	row := auditRow{ID: e.ID, At: e.At, Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID, Client: e.Client, APIKeyID: e.APIKeyID}
	switch e.ActorType {
	case gatehouse.ActorSystem:
		row.Actor = "System (command line)"
	case gatehouse.ActorAnonymous:
		row.Actor = "Anonymous"
	default:
		row.Actor, row.ActorID = e.ActorID, e.ActorID
		if name := n.name("user", e.ActorID); name != "" {
			row.Actor, row.ActorLink = name, "/users/"+e.ActorID
		}
	}
	row.Target = e.TargetID
	if name := n.name(e.TargetType, e.TargetID); name != "" {
		row.Target, row.TargetLink = name, targetPaths[e.TargetType]+e.TargetID
	} else if c, ok := e.Changes["name"]; ok && e.TargetType != "api_key" {
		// A deleted group or facility: its name is in the event.
		if s := changeName(c); s != "" {
			row.Target = s + " (" + e.TargetID + ")"
		}
	}
	fields := make([]string, 0, len(e.Changes))
	for field := range e.Changes {
		fields = append(fields, field)
	}
	slices.Sort(fields)
	for _, field := range fields {
		if blank(e.Changes[field]) {
			continue
		}
		row.Changes = append(row.Changes, auditChange{Field: field, Text: n.changeText(field, e.Changes[field])})
	}
	return row
}

// blank reports a field created or deleted empty: not worth a line.
func blank(c gatehouse.Change) bool {
	empty := func(v any) bool {
		switch v := v.(type) {
		case string:
			return v == ""
		case []any:
			return len(v) == 0
		}
		return false
	}
	return (c.Before == nil && empty(c.After)) || (c.After == nil && empty(c.Before))
}

func changeName(c gatehouse.Change) string {
	if s, ok := c.Before.(string); ok && s != "" {
		return s
	}
	s, _ := c.After.(string)
	return s
}

// changeText says compactly what a write did to a field: "before → after",
// the value alone on creation, and the items added and removed for lists
// (group and facility ids by name).
func (n *namer) changeText(field string, c gatehouse.Change) string {
	before, beforeList := c.Before.([]any)
	after, afterList := c.After.([]any)
	if beforeList || afterList {
		kind := map[string]string{"group_ids": "group", "facility_ids": "facility"}[field]
		item := func(v any) string {
			s := auditValue(v)
			if kind != "" {
				if name := n.name(kind, s); name != "" {
					return name
				}
			}
			return s
		}
		var parts []string
		for _, a := range after {
			if !slices.Contains(before, a) {
				parts = append(parts, "+"+item(a))
			}
		}
		for _, b := range before {
			if !slices.Contains(after, b) {
				parts = append(parts, "−"+item(b))
			}
		}
		if len(parts) == 0 {
			return "none"
		}
		return strings.Join(parts, ", ")
	}
	value := auditValue
	if field == "licence" && n.catalog != nil {
		value = func(v any) string {
			if name, ok := v.(string); ok {
				if l := n.catalog.Licence(name); l != nil {
					return l.Label
				}
			}
			return auditValue(v)
		}
	}
	switch {
	case c.Before == nil:
		return value(c.After)
	case c.After == nil:
		return value(c.Before) + " → —"
	}
	return value(c.Before) + " → " + value(c.After)
}

// auditValue renders one JSON value of an audit change.
func auditValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "—"
	case string:
		if v == "" {
			return "(empty)"
		}
		return v
	case bool:
		if v {
			return "yes"
		}
		return "no"
	case float64:
		return fmt.Sprint(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
