package ui

import (
	"net/http"

	"github.com/gatehouse/gatehouse"
)

// referencePage is the Permissions Reference of the organization's catalog.
type referencePage struct {
	Catalog    *gatehouse.Catalog
	Total      int
	Categories []refCategory
	Licences   []refLicence
	Operations []refOperation
}

type refCategory struct {
	Key            string
	Name           string
	FacilityScoped bool
	Permissions    []refPermission
}

type refPermission struct {
	Codename       string
	Label          string
	MinLicence     string // its label; "" for any licence
	FacilityScoped bool
}

type refLicence struct {
	Rank     int
	Name     string
	Label    string
	Summary  string
	Implicit []string
	Limits   []gatehouse.LicenceLimit
	Holds    int // how many permissions the tier may hold, cumulatively
}

type refOperation struct {
	Op        string
	Label     string
	Codename  string
	PermLabel string
}

// operationLabels says what each of Gatehouse's admin operations lets one do.
var operationLabels = map[string]string{
	gatehouse.OpViewUsers:          "See users",
	gatehouse.OpInviteUsers:        "Invite users",
	gatehouse.OpEditUsers:          "Edit users: details, groups, permissions, facilities",
	gatehouse.OpDeactivateUsers:    "Deactivate and activate users",
	gatehouse.OpDeleteUsers:        "Delete users",
	gatehouse.OpViewGroups:         "See groups",
	gatehouse.OpManageGroups:       "Create, edit and delete groups",
	gatehouse.OpViewFacilities:     "See facilities",
	gatehouse.OpManageFacilities:   "Create, rename and archive facilities",
	gatehouse.OpManageApplications: "Register the applications that sign users in through Gatehouse (OpenID Connect clients)",
	gatehouse.OpViewAuditLog:       "Read the audit log",
	gatehouse.OpManageSecurity:     "Set the organization's sign-in security (MFA policy)",
}

func (u *UI) reference(w http.ResponseWriter, r *http.Request) {
	v := viewerFrom(r.Context())
	c, err := u.svc.Catalog(r.Context(), v.actor)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	data := referencePage{Catalog: c, Total: len(c.Permissions())}
	licenceLabel := func(name string) string {
		if l := c.Licence(name); l != nil {
			return l.Label
		}
		return name
	}
	for _, cat := range c.Categories {
		rc := refCategory{Key: cat.Key, Name: cat.Name, FacilityScoped: cat.FacilityScoped}
		for _, p := range cat.Permissions {
			rc.Permissions = append(rc.Permissions, refPermission{Codename: p.Codename, Label: p.Label,
				MinLicence: licenceLabel(p.MinLicence), FacilityScoped: p.FacilityScoped})
		}
		data.Categories = append(data.Categories, rc)
	}
	for _, l := range c.Licences {
		rl := refLicence{Rank: l.Rank, Name: l.Name, Label: l.Label, Summary: l.Summary, Implicit: l.ImplicitPermissions, Limits: l.Limits}
		for _, p := range c.Permissions() {
			if c.CanHold(l.Name, p.Codename) {
				rl.Holds++
			}
		}
		data.Licences = append(data.Licences, rl)
	}
	for _, op := range gatehouse.AdminOperations {
		ro := refOperation{Op: op, Label: operationLabels[op], Codename: c.AdminOperations[op]}
		if p := c.Permission(ro.Codename); p != nil {
			ro.PermLabel = p.Label
		}
		data.Operations = append(data.Operations, ro)
	}
	p := newPage(r, "Permissions Reference", "reference")
	p.Data = data
	u.show(w, r, http.StatusOK, "reference", p)
}
