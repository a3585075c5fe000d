package ui

import (
	"net/http"

	"github.com/gatehouse/gatehouse"
)

// The organization's sign-in security settings: its MFA policy.

// securityPage is the data of the security settings page.
type securityPage struct {
	Policy   string
	Policies []policyChoice
}

// policyChoice is one policy as the form offers it.
type policyChoice struct{ Value, Label, Help string }

var policyChoices = []policyChoice{
	{gatehouse.MFAPolicyOff, "Optional", "Users may add a second factor from their account page."},
	{gatehouse.MFAPolicyAdmins, "Required for administrators", "Users who hold any admin operation (manage users, groups, facilities, the audit log, security) must use a second factor; those without one set it up at their next sign-in."},
	{gatehouse.MFAPolicyAll, "Required for everyone", "Every user must use a second factor; those without one set it up at their next sign-in."},
}

func (u *UI) securityPage(w http.ResponseWriter, r *http.Request) {
	if !u.require(w, r, gatehouse.OpManageSecurity, "change the sign-in security") {
		return
	}
	policy, err := u.svc.MFAPolicy(r.Context(), viewerFrom(r.Context()).actor)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	p := newPage(r, "Sign-in security", "security")
	p.Data = securityPage{Policy: policy, Policies: policyChoices}
	u.show(w, r, http.StatusOK, "security", p)
}

func (u *UI) saveSecurity(w http.ResponseWriter, r *http.Request) {
	if !u.require(w, r, gatehouse.OpManageSecurity, "change the sign-in security") || !u.formValues(w, r) {
		return
	}
	policy := r.PostFormValue("mfa_policy")
	if _, err := u.svc.SetMFAPolicy(r.Context(), viewerFrom(r.Context()).actor, policy); err != nil {
		p := newPage(r, "Sign-in security", "security")
		if !formError(p, err) {
			u.fail(w, r, err)
			return
		}
		p.Data = securityPage{Policy: policy, Policies: policyChoices}
		u.show(w, r, errorStatus(err), "security", p)
		return
	}
	redirectDone(w, r, "/settings/security", doneSecuritySaved)
}
