package ui

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/service"
)

// A write that can change access is reviewed before it is saved: the form
// runs it as a dry run (service.Preview) and, when it changes somebody's
// access, shows who gains and loses what, where, and the refusal the save
// would meet, instead of saving. The review page carries the form's values
// in hidden fields; its Save posts them back with step=confirm and the
// fingerprint of the impact that was shown. A save that changes nobody's
// access goes straight through.

// previewLimit is how many affected users a review names.
const previewLimit = 50

// facilitiesShown is how many facilities one line of a review names.
const facilitiesShown = 10

// The steps of a reviewed form, in its hidden "step" field.
const (
	stepConfirm = "confirm" // saves, if the impact is still the one shown
	stepEdit    = "edit"    // shows the form again with the values sent
)

// formField is one hidden field of a review page.
type formField struct{ Name, Value string }

// review is the data of a review page (and of the group delete
// confirmation, which is one).
type review struct {
	refusalStatus int // the status of the refusal, as the API answers it
	Intro         string
	Action        string      // where the forms post
	Fields        []formField // the form's values
	Impact        string      // fingerprint of what is shown
	SaveLabel     string
	Danger        bool   // the save button is a destructive one
	Back          bool   // offer to go back to the form with the values
	Cancel        string // where Cancel leads
	Refusal       string // why the save would be refused, in plain words
	Changed       bool   // the impact changed since the previous review
	Count         int    // users whose access changes
	Users         []impactView
	More          int // affected users not listed
	SelfChanges   bool
}

// impactView is one affected user, as a review shows them.
type impactView struct {
	ID, Name, Email string
	Known           bool // the viewer may see the user
	You             bool
	Gained, Lost    []scopeLine
	BeyondLicence   []string
}

// scopeLine is permissions gained or lost at one scope.
type scopeLine struct {
	Where       string
	All         bool // every permission of the catalog: full access
	Permissions []string
}

// fingerprint identifies a preview's impact and refusal: a confirmation
// saves only what was reviewed.
func fingerprint(p *service.Preview) string {
	data, _ := json.Marshal(p.Users)
	h := sha256.New()
	h.Write(data)
	if p.Error != nil {
		h.Write([]byte(p.Error.Error()))
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// reviewFirst runs write as a dry run before a form saves it. It answers
// the request with a review page, and returns true, when the write changes
// somebody's access and has not been confirmed with this very impact.
// Otherwise the caller saves; err is then a refusal to show on the form
// (a request error, or a refusal of a write that changes nobody's access).
func (u *UI) reviewFirst(w http.ResponseWriter, r *http.Request, ctx context.Context, write func(context.Context) error, rv *review, title string) (bool, error) {
	p, err := u.svc.Preview(ctx, write)
	if err != nil {
		return false, err
	}
	if len(p.Users) == 0 {
		return false, p.Error
	}
	fp := fingerprint(p)
	if r.PostFormValue("step") == stepConfirm {
		if r.PostFormValue("impact") == fp && p.Error == nil {
			return false, nil
		}
		rv.Changed = r.PostFormValue("impact") != fp
	}
	if err := u.fillReview(ctx, r, rv, p); err != nil {
		return false, err
	}
	u.showReview(w, r, title, "review", rv)
	return true, nil
}

// showReview renders a review page: with the refusal's status (as the API
// answers it) when the save would be refused.
func (u *UI) showReview(w http.ResponseWriter, r *http.Request, title, name string, rv *review) {
	pg := newPage(r, title, "groups")
	if strings.HasPrefix(rv.Action, "/users/") {
		pg.Nav = "users"
	}
	pg.Data = rv
	status := http.StatusOK
	if rv.Refusal != "" {
		status = cmp.Or(rv.refusalStatus, http.StatusBadRequest)
	}
	u.show(w, r, status, name, pg)
}

// fillReview puts a preview on a review page: the first users by name, the
// facilities by name, the refusal in plain words.
func (u *UI) fillReview(ctx context.Context, r *http.Request, rv *review, p *service.Preview) error {
	v := viewerFrom(r.Context())
	rv.Impact, rv.Count = fingerprint(p), len(p.Users)
	shown := p.Users
	if len(shown) > previewLimit {
		shown, rv.More = shown[:previewLimit], len(shown)-previewLimit
	}
	catalog, err := u.svc.Catalog(ctx, v.actor)
	if err != nil {
		return err
	}
	names := u.names(ctx, v, shown)
	for _, im := range p.Users {
		rv.SelfChanges = rv.SelfChanges || im.UserID == v.user.ID
	}
	for _, im := range shown {
		iv := impactView{ID: im.UserID, You: im.UserID == v.user.ID, BeyondLicence: im.HeldBeyondLicence}
		if who, ok := names.users[im.UserID]; ok {
			iv.Known, iv.Name, iv.Email = true, who.FirstName+" "+who.LastName, who.Email
		}
		iv.Gained = scopeLines(im.Gained, names.facilities, len(catalog.Permissions()))
		iv.Lost = scopeLines(im.Lost, names.facilities, len(catalog.Permissions()))
		rv.Users = append(rv.Users, iv)
	}
	if p.Error != nil {
		// The ids the refusal names may be beyond the users listed.
		for _, m := range idRe.FindAllString(p.Error.Error(), -1) {
			kind, id, _ := strings.Cut(m, " ")
			if _, ok := names.users[id]; kind == "user" && !ok && v.can[gatehouse.OpViewUsers] {
				if who, err := u.svc.GetUser(ctx, v.actor, id); err == nil {
					names.users[id] = who
				}
			}
			if _, ok := names.facilities[id]; kind == "facility" && !ok && v.can[gatehouse.OpViewFacilities] {
				if f, err := u.svc.GetFacility(ctx, v.actor, id); err == nil {
					names.facilities[id] = f.Name
				}
			}
		}
		rv.Refusal = refusal(p.Error, names)
		rv.refusalStatus = errorStatus(p.Error)
	}
	return nil
}

// lookups are the names a review shows instead of ids.
type lookups struct {
	users      map[string]*gatehouse.User
	facilities map[string]string
}

// names looks up the users a review lists (one by one: at most
// previewLimit) and the facilities their lines name, as far as the viewer
// may see them.
func (u *UI) names(ctx context.Context, v *viewer, impacts []authz.UserImpact) lookups {
	n := lookups{users: map[string]*gatehouse.User{}, facilities: map[string]string{}}
	if v.can[gatehouse.OpViewUsers] {
		for _, im := range impacts {
			if who, err := u.svc.GetUser(ctx, v.actor, im.UserID); err == nil {
				n.users[im.UserID] = who
			}
		}
	}
	if !v.can[gatehouse.OpViewFacilities] {
		return n
	}
	if list, err := u.svc.ListFacilities(ctx, v.actor, gatehouse.FacilityFilter{Limit: maxPickable}); err == nil {
		for _, f := range list {
			n.facilities[f.ID] = f.Name
		}
	}
	for _, im := range impacts {
		for _, g := range append(append([]authz.Grant{}, im.Gained...), im.Lost...) {
			for i, id := range g.FacilityIDs {
				if i == facilitiesShown {
					break
				}
				if _, ok := n.facilities[id]; ok {
					continue
				}
				if f, err := u.svc.GetFacility(ctx, v.actor, id); err == nil {
					n.facilities[id] = f.Name
				} else {
					n.facilities[id] = "" // not to be asked again
				}
			}
		}
	}
	return n
}

// scopeLines groups grants by where they apply, in the order they come.
func scopeLines(grants []authz.Grant, facilities map[string]string, total int) []scopeLine {
	var out []scopeLine
	index := map[string]int{}
	for _, g := range grants {
		key := "*"
		if !g.AllFacilities {
			key = strings.Join(g.FacilityIDs, ",")
		}
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, scopeLine{Where: where(g, facilities)})
		}
		out[i].Permissions = append(out[i].Permissions, g.Permission)
	}
	for i := range out {
		if out[i].Where == "everywhere" && len(out[i].Permissions) == total {
			out[i].All, out[i].Permissions = true, nil
		}
	}
	return out
}

// where names a grant's scope: everywhere, or at the first facilities by
// name and how many more.
func where(g authz.Grant, facilities map[string]string) string {
	if g.AllFacilities {
		return "everywhere"
	}
	var named []string
	hidden := 0
	for i, id := range g.FacilityIDs {
		if i == facilitiesShown {
			break
		}
		if name := facilities[id]; name != "" {
			named = append(named, name)
		} else {
			hidden++
		}
	}
	s := "at " + strings.Join(named, ", ")
	if len(named) == 0 {
		s = "at"
	}
	hidden += g.HiddenFacilities // left out of the preview for a limited viewer
	more := len(g.FacilityIDs) - len(named) + g.HiddenFacilities
	switch {
	case more > 0 && len(named) == 0:
		s += plural(more, " facility", " facilities") + " you may not see"
	case more > 0 && hidden == more:
		s += " and" + plural(more, " facility", " facilities") + " you may not see"
	case more > 0:
		s += " and" + plural(more, " more facility", " more facilities")
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return " 1" + one
	}
	return " " + strconv.Itoa(n) + many
}

// idRe finds the ids in a refusal's message.
var idRe = regexp.MustCompile(`\b(user usr|facility fac)_[0-9a-z]+`)

// refusal says in plain words why a save would be refused, with names for
// the ids the service's message carries.
func refusal(err error, n lookups) string {
	var e *gatehouse.Error
	if !errors.As(err, &e) || e.Code == gatehouse.EINTERNAL {
		return "This cannot be saved: something went wrong on our side."
	}
	// The service names users and facilities by id: name them, or say the
	// viewer may not see them.
	msg := idRe.ReplaceAllStringFunc(e.Message, func(m string) string {
		kind, id, _ := strings.Cut(m, " ")
		if kind == "user" {
			if who, ok := n.users[id]; ok {
				return who.FirstName + " " + who.LastName
			}
			return "a user you may not see"
		}
		if name := n.facilities[id]; name != "" {
			return name
		}
		return "a facility you may not see"
	})
	out := "This cannot be saved: " + msg + "."
	switch e.Reason {
	case authz.Escalation:
		out += " You may give people only what you hold yourself, where you hold it."
	case authz.AccountNotCovered:
		out += " You may act on someone's account only when their access is within yours."
	case "last_full_access_user":
		out += " Give another active user full access first."
	}
	return out
}

// landAfterSave sends the browser to path after a save, or, when the save
// took away the viewer's own access to it (stillSees fails), to their
// account page, which everyone signed in may see, saying why.
func (u *UI) landAfterSave(w http.ResponseWriter, r *http.Request, path string, code done, stillSees func() error) {
	if err := stillSees(); err != nil {
		redirectDone(w, r, "/account", accessLost[code])
		return
	}
	redirectDone(w, r, path, code)
}
