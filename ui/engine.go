package ui

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse"
)

// engine holds every page, each parsed once with the layout at start-up.
type engine struct {
	pages map[string]*template.Template
}

func newEngine(assets map[string]string) (*engine, error) {
	funcs := template.FuncMap{
		"asset": func(name string) (string, error) {
			if url, ok := assets[name]; ok {
				return url, nil
			}
			return "", fmt.Errorf("no static file %q", name)
		},
		"has": func(list []string, v string) bool { return slices.Contains(list, v) },
		// pngData lets a PNG the server drew (a TOTP QR code) be an <img> src.
		"pngData": func(s string) template.URL {
			if strings.HasPrefix(s, "data:image/png;base64,") {
				return template.URL(s)
			}
			return ""
		},
		"when":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
		"whenPtr":  func(t *time.Time) string { return whenPtr(t) },
		"day":      func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
		"query":    query,
		"join":     strings.Join,
		"fullName": func(u *gatehouse.User) string { return u.FirstName + " " + u.LastName },
		"now":      time.Now,
		"list":     func(v ...string) []string { return v },
		// named replaces facility ids in a decision's message with names.
		"named": func(msg string, names map[string]string) string {
			for id, name := range names {
				msg = strings.ReplaceAll(msg, `"`+id+`"`, `"`+name+`"`)
			}
			return msg
		},
		"actionLabel": func(a string) string { return userActionLabels[a] },
		// picker hands the permission picker partial what it shows.
		"picker": func(c *gatehouse.Catalog, held []string, grantable map[string]bool) map[string]any {
			return map[string]any{"Catalog": c, "Held": held, "Grantable": grantable}
		},
		// userPicker is the picker of the user form: permissions the
		// user's licence may not hold are disabled with the reason, for
		// every tier, so that the script can follow the licence select.
		"userPicker": func(c *gatehouse.Catalog, held []string, grantable map[string]bool, licence string) map[string]any {
			return map[string]any{"Catalog": c, "Held": held, "Grantable": grantable, "Live": c.HasLicences(), "Licence": licence}
		},
		"licenceStops":    licenceStops,
		"groupStops":      groupStops,
		"stopReason":      stopReason,
		"licenceLabel":    licenceLabel,
		"minLicenceLabel": minLicenceLabel,
		// fieldOf hands one field's error to the "error" partial.
		"fieldOf": func(p *page, field string) map[string]any { return map[string]any{"Errors": p.Errors, "Field": field} },
		// candidatesOf hands the "candidates" partial what a filter's text
		// may mean.
		"candidatesOf": func(p *page, field string) map[string]any {
			d, _ := p.Data.(auditPage)
			return map[string]any{"Picks": d.Candidates[field], "Links": d.candidateLinks(field)}
		},
		"pickLabel": pickLabel,
		// fieldAnchor is the id of a field's control, for the error summary.
		"fieldAnchor": fieldAnchor,
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	e := &engine{pages: map[string]*template.Template{}}
	names, err := fs.Glob(files, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(files, name); err != nil {
			return nil, fmt.Errorf("ui: %s: %w", name, err)
		}
		e.pages[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	return e, nil
}

// render writes a page; a template error becomes a plain 500, logged.
func (e *engine) render(w http.ResponseWriter, status int, name string, p *page) error {
	t, ok := e.pages[name]
	if !ok {
		return fmt.Errorf("ui: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

func whenPtr(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

// query builds a query string from pairs of keys and values, leaving out
// empty values: {{query "status" .Status "cursor" .Next}}.
func query(pairs ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			v.Set(pairs[i], pairs[i+1])
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// page is what every template gets.
type page struct {
	Title  string
	Nav    string // the active tab
	Me     *gatehouse.User
	Org    *gatehouse.Organization
	Can    map[string]bool // the admin operations the viewer may perform
	Flash  string
	Error  string            // a form-level error
	Errors map[string]string // field → message
	// Fields are the fields at fault, in the form's order, for the summary
	// at the top of the form that links to each.
	Fields []gatehouse.FieldError
	Data   any
	// Refresh is a path of this site the page moves on to at once (a meta
	// refresh): a new navigation, which the form that led here does not
	// start (see ui/oidc.go).
	Refresh string
}
