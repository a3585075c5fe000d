package ui

import (
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
)

// The Single sign-on settings: the organization's connections to its own
// identity providers (manage_security; saving needs full access, which the
// service judges).

const ssoSettings = "/settings/sso"

// ssoList is the data of the connections page.
type ssoList struct {
	Connections []*gatehouse.SSOConnection
	RedirectURI string
}

// ssoForm is the data of the create and edit form.
type ssoForm struct {
	Connection  *gatehouse.SSOConnection
	Groups      []*gatehouse.Group
	RedirectURI string
	// ScopesText and DomainsText are the lists as typed.
	ScopesText, DomainsText string
}

func (u *UI) listSSO(w http.ResponseWriter, r *http.Request) {
	if !u.require(w, r, gatehouse.OpManageSecurity, "manage single sign-on") {
		return
	}
	all, err := u.svc.SSOConnections(r.Context(), viewerFrom(r.Context()).actor)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	p := newPage(r, "Single sign-on", "security")
	p.Data = ssoList{Connections: all, RedirectURI: u.svc.SSOCallbackURL()}
	u.show(w, r, http.StatusOK, "sso", p)
}

func (u *UI) newSSOPage(w http.ResponseWriter, r *http.Request) {
	if !u.require(w, r, gatehouse.OpManageSecurity, "manage single sign-on") {
		return
	}
	u.showSSOForm(w, r, "Add a connection", &gatehouse.SSOConnection{Scopes: []string{"email", "profile"}}, nil)
}

func (u *UI) editSSOPage(w http.ResponseWriter, r *http.Request) {
	if !u.require(w, r, gatehouse.OpManageSecurity, "manage single sign-on") {
		return
	}
	c, err := u.svc.SSOConnection(r.Context(), viewerFrom(r.Context()).actor, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.showSSOForm(w, r, c.Name, c, nil)
}

// showSSOForm shows the form with c, and err when a save was refused.
func (u *UI) showSSOForm(w http.ResponseWriter, r *http.Request, title string, c *gatehouse.SSOConnection, err error) {
	p := newPage(r, title, "security")
	status := http.StatusOK
	if err != nil {
		if !formError(p, err) {
			u.fail(w, r, err)
			return
		}
		status = errorStatus(err)
	}
	groups, gerr := u.svc.ListGroups(r.Context(), viewerFrom(r.Context()).actor, gatehouse.GroupFilter{Limit: 1000})
	if gerr != nil {
		u.fail(w, r, gerr)
		return
	}
	p.Data = ssoForm{Connection: c, Groups: groups, RedirectURI: u.svc.SSOCallbackURL(),
		ScopesText: strings.Join(c.Scopes, " "), DomainsText: strings.Join(c.Domains, "\n")}
	u.show(w, r, status, "sso-form", p)
}

// ssoFormInput reads the form: lists are separated by spaces, commas or
// lines; an empty secret keeps the stored one.
func ssoFormInput(r *http.Request) (c *gatehouse.SSOConnection, secret *string) {
	words := func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
	}
	c = &gatehouse.SSOConnection{Name: strings.TrimSpace(r.PostFormValue("name")), Issuer: strings.TrimSpace(r.PostFormValue("issuer")),
		ClientID: strings.TrimSpace(r.PostFormValue("client_id")), Scopes: words(r.PostFormValue("scopes")),
		Domains: words(r.PostFormValue("domains")), CreateUsers: r.PostFormValue("create_users") != "",
		DefaultGroupIDs: r.PostForm["default_group_ids"], PasswordSignInDisabled: r.PostFormValue("password_sign_in_disabled") != ""}
	if c.Scopes == nil {
		c.Scopes = []string{}
	}
	if c.Domains == nil {
		c.Domains = []string{}
	}
	if c.DefaultGroupIDs == nil {
		c.DefaultGroupIDs = []string{}
	}
	if s := r.PostFormValue("client_secret"); s != "" {
		secret = &s
	}
	return c, secret
}

func (u *UI) createSSO(w http.ResponseWriter, r *http.Request) {
	if !u.require(w, r, gatehouse.OpManageSecurity, "manage single sign-on") || !u.formValues(w, r) {
		return
	}
	c, secret := ssoFormInput(r)
	in := service.SSOConnectionInput{Name: c.Name, Issuer: c.Issuer, ClientID: c.ClientID, Scopes: c.Scopes, Domains: c.Domains,
		CreateUsers: c.CreateUsers, DefaultGroupIDs: c.DefaultGroupIDs, PasswordSignInDisabled: c.PasswordSignInDisabled}
	if secret != nil {
		in.ClientSecret = *secret
	}
	created, _, err := u.svc.CreateSSOConnection(r.Context(), viewerFrom(r.Context()).actor, in)
	if err != nil {
		u.showSSOForm(w, r, "Add a connection", c, err)
		return
	}
	redirectDone(w, r, ssoSettings+"/"+created.ID, doneSaved)
}

func (u *UI) saveSSO(w http.ResponseWriter, r *http.Request) {
	if !u.require(w, r, gatehouse.OpManageSecurity, "manage single sign-on") || !u.formValues(w, r) {
		return
	}
	id := r.PathValue("id")
	c, secret := ssoFormInput(r)
	_, _, err := u.svc.UpdateSSOConnection(r.Context(), viewerFrom(r.Context()).actor, id, service.SSOConnectionPatch{
		Name: &c.Name, Issuer: &c.Issuer, ClientID: &c.ClientID, ClientSecret: secret, Scopes: &c.Scopes, Domains: &c.Domains,
		CreateUsers: &c.CreateUsers, DefaultGroupIDs: &c.DefaultGroupIDs, PasswordSignInDisabled: &c.PasswordSignInDisabled})
	if err != nil {
		c.ID = id
		u.showSSOForm(w, r, "Edit connection", c, err)
		return
	}
	redirectDone(w, r, ssoSettings+"/"+id, doneSaved)
}

func (u *UI) confirmDeleteSSO(w http.ResponseWriter, r *http.Request) {
	if !u.require(w, r, gatehouse.OpManageSecurity, "manage single sign-on") {
		return
	}
	c, err := u.svc.SSOConnection(r.Context(), viewerFrom(r.Context()).actor, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	p := newPage(r, "Delete “"+c.Name+"”?", "security")
	p.Data = c
	u.show(w, r, http.StatusOK, "sso-delete", p)
}

func (u *UI) deleteSSO(w http.ResponseWriter, r *http.Request) {
	if !u.require(w, r, gatehouse.OpManageSecurity, "manage single sign-on") || !u.formValues(w, r) {
		return
	}
	if _, err := u.svc.DeleteSSOConnection(r.Context(), viewerFrom(r.Context()).actor, r.PathValue("id")); err != nil {
		u.fail(w, r, err)
		return
	}
	redirectDone(w, r, ssoSettings, doneSSODeleted)
}
