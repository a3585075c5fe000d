package ui

import (
	"context"
	"maps"
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
	Groups     []string // names, sorted
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
	data.User, data.Current = v.user, v.sessionID
	catalog, err := u.svc.Catalog(ctx, v.actor)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if l := catalog.Licence(v.user.Licence); l != nil {
		data.Licence = l.Label
	}
	// Names, not ids: every user may read the names of their own groups
	// and facilities.
	groups, facilities, err := u.svc.MembershipNames(ctx, v.actor, v.user.ID)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	data.Groups, data.Facilities = namesOf(v.user.GroupIDs, groups), namesOf(v.user.FacilityIDs, facilities)
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

// signOutEverywhere ends every session of the viewer, this one too.
func (u *UI) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	if _, err := u.svc.SignOutEverywhere(r.Context(), v.actor, v.user.ID); err != nil {
		u.fail(w, r, err)
		return
	}
	u.setSession(w, r, "", -1)
	redirectDone(w, r, "/sign-in", doneSignedOut)
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

// namesOf is the sorted names of ids; one without a name (deleted since)
// is left out.
func namesOf(ids []string, names map[string]string) []string {
	out := []string{}
	for _, id := range ids {
		if name := names[id]; name != "" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// nameMemberships adds the names of a user's own groups and facilities to
// a page's names, for a viewer who may see the user but not list groups
// or facilities.
func (u *UI) nameMemberships(ctx context.Context, v *viewer, userID string, groupNames, facilityNames map[string]string) error {
	groups, facilities, err := u.svc.MembershipNames(ctx, v.actor, userID)
	maps.Copy(groupNames, groups)
	maps.Copy(facilityNames, facilities)
	return err
}
