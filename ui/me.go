package ui

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// accountPage is the viewer's own account: their details, open sessions and
// API keys.
type accountPage struct {
	User       *gatehouse.User
	Licence    string   // its label
	Groups     []string // names where the viewer may see groups, else ids
	Facilities []string // likewise
	Sessions   []*gatehouse.Session
	Current    string // the id of this request's session
	Keys       []*gatehouse.APIKey
	NewKey     *service.NewKey // a key just created: its secret is shown once
	KeyName    string          // the create form's name, when it is shown again
	MFA        accountMFA      // two-step verification
}

func (u *UI) account(w http.ResponseWriter, r *http.Request) {
	u.showAccount(w, r, http.StatusOK, newPage(r, "Your account", "account"), accountPage{})
}

// showAccount shows the account page; data holds what a form just made
// (NewKey, KeyName, MFA.RecoveryCodes), the rest is read here.
func (u *UI) showAccount(w http.ResponseWriter, r *http.Request, status int, p *page, data accountPage) {
	v := viewerFrom(r.Context())
	ctx := r.Context()
	data.User, data.Current, data.Groups, data.Facilities = v.user, v.sessionID, v.user.GroupIDs, v.user.FacilityIDs
	catalog, err := u.svc.Catalog(ctx, v.actor)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if l := catalog.Licence(v.user.Licence); l != nil {
		data.Licence = l.Label
	}
	if v.can[gatehouse.OpViewGroups] && len(v.user.GroupIDs) > 0 {
		groups, err := u.svc.ListGroups(ctx, v.actor, gatehouse.GroupFilter{Limit: 1000})
		if err != nil {
			u.fail(w, r, err)
			return
		}
		data.Groups = nil
		for _, g := range groups {
			if slices.Contains(v.user.GroupIDs, g.ID) {
				data.Groups = append(data.Groups, g.Name)
			}
		}
	}
	if v.can[gatehouse.OpViewFacilities] && len(v.user.FacilityIDs) > 0 {
		data.Facilities = nil
		for _, id := range v.user.FacilityIDs {
			name := id
			if f, err := u.svc.GetFacility(ctx, v.actor, id); err == nil {
				name = f.Name
			}
			data.Facilities = append(data.Facilities, name)
		}
	}
	if data.Sessions, err = u.svc.Sessions(ctx, v.actor); err != nil {
		u.fail(w, r, err)
		return
	}
	slices.SortFunc(data.Sessions, func(a, b *gatehouse.Session) int { return b.LastSeenAt.Compare(a.LastSeenAt) })
	if data.Keys, err = u.svc.APIKeys(ctx, v.actor); err != nil {
		u.fail(w, r, err)
		return
	}
	if data.MFA.Factors, data.MFA.RecoveryLeft, err = u.svc.Factors(ctx, v.actor); err != nil {
		u.fail(w, r, err)
		return
	}
	p.Data = data
	u.show(w, r, status, "account", p)
}

func (u *UI) revokeSession(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	id := r.PathValue("id")
	if err := u.svc.RevokeSession(r.Context(), v.actor, id); err != nil {
		u.fail(w, r, err)
		return
	}
	if id == v.sessionID {
		u.setSession(w, r, "", -1)
		redirectDone(w, r, "/sign-in", doneSignedOut)
		return
	}
	redirectDone(w, r, "/account", doneSessionRevoked)
}

// createAPIKey shows the new key's secret on the page it answers with, once:
// it is never put in a URL, and cannot be shown again.
func (u *UI) createAPIKey(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	if !u.formValues(w, r) {
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	key, err := u.svc.CreateAPIKey(r.Context(), v.actor, name)
	p := newPage(r, "Your account", "account")
	if err != nil {
		if !formError(p, err) {
			u.fail(w, r, err)
			return
		}
		u.showAccount(w, r, http.StatusBadRequest, p, accountPage{KeyName: name})
		return
	}
	p.Flash = "API key “" + key.Key.Name + "” created."
	u.showAccount(w, r, http.StatusOK, p, accountPage{NewKey: key})
}

func (u *UI) revokeAPIKey(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	if _, err := u.svc.DeleteAPIKey(r.Context(), v.actor, r.PathValue("id")); err != nil {
		u.fail(w, r, err)
		return
	}
	redirectDone(w, r, "/account", doneAPIKeyRevoked)
}
