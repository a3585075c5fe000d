package ui

import (
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// The Applications pages: the organization's OpenID Connect clients
// (docs/oidc.md), for users allowed manage_applications.

// applicationsData is the data of the Applications page and of one
// application's page.
type applicationsData struct {
	Apps      []*gatehouse.OIDCClient
	App       *gatehouse.OIDCClient // the form's application: one being edited, or the draft of a new one
	Secret    string                // a secret just made: shown this once
	Scopes    []string              // every scope that may be allowed
	Grants    []string              // every grant type that may be allowed
	Issuer    string
	Discovery string
}

func (u *UI) newApplicationsData(r *http.Request) applicationsData {
	base := "http://" + r.Host
	if gatehouse.RequestInfoFrom(r.Context()).TLS {
		base = "https://" + r.Host
	}
	return applicationsData{Scopes: gatehouse.OIDCScopes, Grants: gatehouse.OIDCGrantTypes, Issuer: base,
		Discovery: base + "/.well-known/openid-configuration"}
}

func (u *UI) listApplications(w http.ResponseWriter, r *http.Request) {
	draft := &gatehouse.OIDCClient{Confidential: true, Scopes: []string{"profile", "email"}, GrantTypes: []string{gatehouse.GrantAuthorizationCode}}
	u.showApplications(w, r, http.StatusOK, newPage(r, "Applications", "applications"), draft)
}

func (u *UI) showApplications(w http.ResponseWriter, r *http.Request, status int, p *page, draft *gatehouse.OIDCClient) {
	apps, err := u.svc.OIDCClients(r.Context(), viewerFrom(r.Context()).actor)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d := u.newApplicationsData(r)
	d.Apps, d.App = apps, draft
	p.Data = d
	u.show(w, r, status, "applications", p)
}

// applicationForm reads the fields of an application's form.
func applicationForm(r *http.Request) service.OIDCClientInput {
	lines := func(name string) []string {
		out := []string{}
		for _, l := range strings.Fields(r.PostFormValue(name)) {
			out = append(out, strings.TrimSpace(l))
		}
		return out
	}
	return service.OIDCClientInput{Name: strings.TrimSpace(r.PostFormValue("name")), Confidential: r.PostFormValue("type") != "public",
		RedirectURIs: lines("redirect_uris"), PostLogoutRedirectURIs: lines("post_logout_redirect_uris"),
		Scopes: append([]string{}, r.PostForm["scopes"]...), GrantTypes: append([]string{}, r.PostForm["grant_types"]...),
		ServiceUserID: strings.TrimSpace(r.PostFormValue("service_user_id"))}
}

func (u *UI) createApplication(w http.ResponseWriter, r *http.Request) {
	if !u.formValues(w, r) {
		return
	}
	in := applicationForm(r)
	c, secret, err := u.svc.CreateOIDCClient(r.Context(), viewerFrom(r.Context()).actor, in)
	if err != nil {
		p := newPage(r, "Applications", "applications")
		if !formError(p, err) {
			u.fail(w, r, err)
			return
		}
		u.showApplications(w, r, errorStatus(err), p, &gatehouse.OIDCClient{Name: in.Name, Confidential: in.Confidential,
			RedirectURIs: in.RedirectURIs, PostLogoutRedirectURIs: in.PostLogoutRedirectURIs, Scopes: in.Scopes, GrantTypes: in.GrantTypes,
			ServiceUserID: in.ServiceUserID})
		return
	}
	p := newPage(r, c.Name, "applications")
	p.Flash = "Application “" + c.Name + "” registered."
	u.showApplication(w, r, http.StatusOK, p, c, secret)
}

func (u *UI) applicationPage(w http.ResponseWriter, r *http.Request) {
	c, err := u.svc.OIDCClient(r.Context(), viewerFrom(r.Context()).actor, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.showApplication(w, r, http.StatusOK, newPage(r, c.Name, "applications"), c, "")
}

func (u *UI) showApplication(w http.ResponseWriter, r *http.Request, status int, p *page, c *gatehouse.OIDCClient, secret string) {
	d := u.newApplicationsData(r)
	d.App, d.Secret = c, secret
	p.Data = d
	u.show(w, r, status, "application", p)
}

// applicationAction saves, gives a new secret to, or deletes an application.
func (u *UI) applicationAction(w http.ResponseWriter, r *http.Request) {
	if !u.formValues(w, r) {
		return
	}
	actor, id := viewerFrom(r.Context()).actor, r.PathValue("id")
	switch r.PostFormValue("action") {
	case "delete":
		if err := u.svc.DeleteOIDCClient(r.Context(), actor, id); err != nil {
			u.fail(w, r, err)
			return
		}
		redirectDone(w, r, "/applications", doneApplicationDeleted)
	case "regenerate":
		c, secret, err := u.svc.RegenerateOIDCClientSecret(r.Context(), actor, id)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		p := newPage(r, c.Name, "applications")
		p.Flash = "A new secret was made; the old one no longer works."
		u.showApplication(w, r, http.StatusOK, p, c, secret)
	default:
		in := applicationForm(r)
		c, err := u.svc.UpdateOIDCClient(r.Context(), actor, id, service.OIDCClientPatch{Name: &in.Name, RedirectURIs: &in.RedirectURIs,
			PostLogoutRedirectURIs: &in.PostLogoutRedirectURIs, Scopes: &in.Scopes, GrantTypes: &in.GrantTypes, ServiceUserID: &in.ServiceUserID})
		if err != nil {
			p := newPage(r, "Application", "applications")
			if !formError(p, err) {
				u.fail(w, r, err)
				return
			}
			draft, findErr := u.svc.OIDCClient(r.Context(), actor, id)
			if findErr != nil {
				u.fail(w, r, findErr)
				return
			}
			draft.Name, draft.RedirectURIs, draft.PostLogoutRedirectURIs, draft.Scopes, draft.GrantTypes, draft.ServiceUserID =
				in.Name, in.RedirectURIs, in.PostLogoutRedirectURIs, in.Scopes, in.GrantTypes, in.ServiceUserID
			u.showApplication(w, r, errorStatus(err), p, draft, "")
			return
		}
		redirectDone(w, r, "/applications/"+c.ID, doneApplicationSaved)
	}
}
