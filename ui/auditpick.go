package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"unicode"

	"github.com/gatehouse/gatehouse"
)

// The audit log's actor and target filters take a name, an email or an id:
// the server resolves the text to one user, group or facility the viewer
// may see, so that the filters work without JavaScript. A text that names
// several is answered with the candidates, each a link that filters by it.

// pick is one user, group or facility a filter can name.
type pick struct {
	ID     string
	Kind   string // "user", "group" or "facility"
	Name   string
	Detail string // a user's email
	// Value is what the text box takes to name it again: a user's email
	// (names repeat), else the name.
	Value string
}

// pickKinds are what each box may name: the audit log's actor and target,
// and the member a group's page adds.
var pickKinds = map[string][]string{"actor": {"user"}, "target": {"user", "group", "facility"}, "member": {"user"}}

// maxPicks bounds the candidates listed for a text that names several;
// maxSuggestions the suggestions of each kind a filter's list offers.
const (
	maxPicks       = 10
	maxSuggestions = 50
)

// looksLikeID reports an id of Gatehouse's own making (a known prefix and
// 26 characters), which the filters take as it is.
func looksLikeID(s string) bool {
	for _, p := range []string{gatehouse.PrefixUser, gatehouse.PrefixGroup, gatehouse.PrefixFacility, gatehouse.PrefixAPIKey,
		gatehouse.PrefixOrg, gatehouse.PrefixInvitation} {
		if strings.HasPrefix(s, p) && len(s) == len(p)+26 && !strings.ContainsFunc(s, unicode.IsSpace) {
			return true
		}
	}
	return false
}

// findPicks searches what the viewer may see of kinds for text: at most
// limit of each kind, in the service's order.
func (u *UI) findPicks(ctx context.Context, v *viewer, text string, limit int, kinds []string) ([]pick, error) {
	var out []pick
	for _, kind := range kinds {
		switch {
		case kind == "user" && v.can[gatehouse.OpViewUsers]:
			users, err := u.svc.ListUsers(ctx, v.actor, gatehouse.UserFilter{Query: text, Sort: gatehouse.SortName, Limit: limit})
			if err != nil {
				return nil, err
			}
			for _, x := range users {
				out = append(out, pick{ID: x.ID, Kind: kind, Name: x.FirstName + " " + x.LastName, Detail: x.Email, Value: x.Email})
			}
		case kind == "group" && v.can[gatehouse.OpViewGroups]:
			groups, err := u.svc.ListGroups(ctx, v.actor, gatehouse.GroupFilter{Query: text, Limit: limit})
			if err != nil {
				return nil, err
			}
			for _, g := range groups {
				out = append(out, pick{ID: g.ID, Kind: kind, Name: g.Name, Value: g.Name})
			}
		case kind == "facility" && v.can[gatehouse.OpViewFacilities]:
			facilities, err := u.svc.ListFacilities(ctx, v.actor, gatehouse.FacilityFilter{Query: text, Limit: limit})
			if err != nil {
				return nil, err
			}
			for _, f := range facilities {
				out = append(out, pick{ID: f.ID, Kind: kind, Name: f.Name, Value: f.Name})
			}
		}
	}
	return out, nil
}

// resolvePick finds the one thing a filter's text names. It returns its
// id ("" for no text), or a field error, with the candidates when the text
// names several. An exact email or name wins over the other matches.
func (u *UI) resolvePick(ctx context.Context, v *viewer, field, text string) (string, []pick, error) {
	if text == "" || looksLikeID(text) {
		return text, nil, nil
	}
	found, err := u.findPicks(ctx, v, text, maxPicks+1, pickKinds[field])
	if err != nil {
		return "", nil, err
	}
	var exact []pick
	for _, p := range found {
		if strings.EqualFold(p.Value, text) || strings.EqualFold(p.Name, text) {
			exact = append(exact, p)
		}
	}
	if len(exact) == 1 {
		return exact[0].ID, nil, nil
	}
	switch {
	case len(found) == 1:
		return found[0].ID, nil, nil
	case len(found) == 0:
		what := "nobody you may see"
		if field == "target" {
			what = "no user, group or facility you may see"
		}
		return "", nil, gatehouse.Invalid(field, "%s matches “%s”", capitalize(what), text)
	}
	if len(found) > maxPicks {
		found = found[:maxPicks]
		return "", found, gatehouse.Invalid(field, "“%s” matches more than %d: type more of the name, or pick one below", text, maxPicks)
	}
	return "", found, gatehouse.Invalid(field, "“%s” matches %d: pick one below", text, len(found))
}

func capitalize(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// suggestions answers the script of the boxes that name people (and, for
// the audit log's target, groups and facilities) as the viewer types: those
// whose names contain q, as JSON. It reveals no more than the Users, Groups
// and Facilities tabs do to the viewer.
func (u *UI) suggestions(w http.ResponseWriter, r *http.Request) {
	v, q := viewerFrom(r.Context()), r.URL.Query()
	kinds, ok := pickKinds[q.Get("for")]
	if !ok {
		u.fail(w, r, gatehouse.Invalid("for", "for must be actor, target or member"))
		return
	}
	found, err := u.findPicks(r.Context(), v, strings.TrimSpace(q.Get("q")), maxSuggestions, kinds)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	type suggestion struct {
		Value string `json:"value"`
		Label string `json:"label"`
	}
	out := []suggestion{}
	for _, p := range found {
		out = append(out, suggestion{Value: p.Value, Label: pickLabel(p)})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := json.NewEncoder(w).Encode(out); err != nil {
		u.logger.Warn("ui: suggestions", "err", err)
	}
}

// pickLabel is how a candidate reads in the suggestions.
func pickLabel(p pick) string {
	switch p.Kind {
	case "user":
		return p.Name + " <" + p.Detail + ">"
	}
	return p.Name + " (" + p.Kind + ")"
}

// suggestionsOf are the suggestions a filter's list starts with, before
// the script asks for more as the viewer types: the first of each kind the
// viewer may see.
func (u *UI) suggestionsOf(ctx context.Context, v *viewer, field string) ([]pick, error) {
	return u.findPicks(ctx, v, "", maxSuggestions, pickKinds[field])
}
