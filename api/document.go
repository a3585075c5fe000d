package api

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
)

// Document returns the OpenAPI 3.1 document of the API, as served at
// /api/v1/openapi.json, without a running server.
func Document() ([]byte, error) {
	mux := http.NewServeMux()
	api := newHuma(mux, slog.New(slog.NewTextHandler(io.Discard, nil)))
	(&handlers{}).routes(api)
	return json.MarshalIndent(api.OpenAPI(), "", "  ")
}

// Reference renders an OpenAPI document as the Markdown API reference in
// docs/api-reference.md: every operation with its parameters, body and
// responses, then every schema with its fields.
func Reference(doc []byte) (string, error) {
	var d struct {
		Info struct {
			Title, Version, Description string
		}
		Paths      map[string]map[string]operation
		Components struct {
			Schemas map[string]schema
		}
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s %s — reference\n\n", d.Info.Title, d.Info.Version)
	b.WriteString("Generated from the OpenAPI document (`/api/v1/openapi.json`) by `gatehouse api reference --out docs/api-reference.md`; do not edit by hand.\n\n")
	b.WriteString(d.Info.Description + "\n\n")

	type entry struct {
		method, path string
		op           operation
	}
	byTag := map[string][]entry{}
	var tags []string
	for path, methods := range d.Paths {
		for method, op := range methods {
			tag := "Other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			if _, seen := byTag[tag]; !seen {
				tags = append(tags, tag)
			}
			byTag[tag] = append(byTag[tag], entry{strings.ToUpper(method), path, op})
		}
	}
	sort.Strings(tags)
	for _, tag := range tags {
		fmt.Fprintf(&b, "## %s\n\n", tag)
		entries := byTag[tag]
		sort.Slice(entries, func(i, j int) bool {
			if entries[i].path != entries[j].path {
				return entries[i].path < entries[j].path
			}
			return entries[i].method < entries[j].method
		})
		for _, e := range entries {
			fmt.Fprintf(&b, "### `%s %s`\n\n%s\n\n", e.method, e.path, e.op.Summary)
			if e.op.Security != nil && len(*e.op.Security) == 0 {
				b.WriteString("Public: no authentication.\n\n")
			}
			if len(e.op.Parameters) > 0 {
				b.WriteString("| parameter | in | type | required | description |\n|---|---|---|---|---|\n")
				for _, p := range e.op.Parameters {
					fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", p.Name, p.In, typeOf(p.Schema), yesNo(p.Required), cell(p.Description))
				}
				b.WriteString("\n")
			}
			if body, ok := e.op.RequestBody.Content["application/json"]; ok {
				fmt.Fprintf(&b, "Request body: %s\n\n", typeOf(body.Schema))
			}
			var statuses []string
			for status := range e.op.Responses {
				statuses = append(statuses, status)
			}
			sort.Strings(statuses)
			b.WriteString("| status | meaning | body |\n|---|---|---|\n")
			for _, status := range statuses {
				r := e.op.Responses[status]
				body := "—"
				for _, content := range r.Content {
					body = typeOf(content.Schema)
				}
				fmt.Fprintf(&b, "| %s | %s | %s |\n", status, cell(r.Description), body)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("## Schemas\n\n")
	var names []string
	for name := range d.Components.Schemas {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s := d.Components.Schemas[name]
		fmt.Fprintf(&b, "### %s\n\n", name)
		if s.Description != "" {
			b.WriteString(s.Description + "\n\n")
		}
		if len(s.Properties) == 0 {
			fmt.Fprintf(&b, "%s\n\n", typeOf(s))
			continue
		}
		required := map[string]bool{}
		for _, r := range s.Required {
			required[r] = true
		}
		var fields []string
		for f := range s.Properties {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		b.WriteString("| field | type | required | description |\n|---|---|---|---|\n")
		for _, f := range fields {
			p := s.Properties[f]
			desc := p.Description
			if len(p.Enum) > 0 {
				desc = strings.TrimSpace(desc + " One of: " + enumList(p.Enum) + ".")
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", f, typeOf(p), yesNo(required[f]), cell(desc))
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

type operation struct {
	Summary    string
	Tags       []string
	Security   *[]map[string][]string
	Parameters []struct {
		Name, In, Description string
		Required              bool
		Schema                schema
	}
	RequestBody struct {
		Content map[string]struct{ Schema schema }
	}
	Responses map[string]struct {
		Description string
		Content     map[string]struct{ Schema schema }
	}
}

type schema struct {
	Ref                  string `json:"$ref"`
	Type                 any
	Format               string
	Description          string
	Items                *schema
	Properties           map[string]schema
	Required             []string
	Enum                 []any
	AdditionalProperties any
}

// typeOf names a schema's type for people: a link to a named schema, or
// "array of X", "string (date-time)".
func typeOf(s schema) string {
	switch {
	case s.Ref != "":
		name := s.Ref[strings.LastIndex(s.Ref, "/")+1:]
		return fmt.Sprintf("[%s](#%s)", name, strings.ToLower(name))
	case s.Items != nil:
		return "array of " + typeOf(*s.Items)
	}
	t := fmt.Sprint(s.Type)
	if list, ok := s.Type.([]any); ok {
		var parts []string
		for _, p := range list {
			parts = append(parts, fmt.Sprint(p))
		}
		t = strings.Join(parts, " or ")
	}
	if s.Type == nil {
		t = "any"
	}
	if s.Format != "" {
		t += " (" + s.Format + ")"
	}
	return t
}

func enumList(values []any) string {
	var out []string
	for _, v := range values {
		out = append(out, fmt.Sprintf("`%v`", v))
	}
	return strings.Join(out, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\n", " "), "|", "\\|")
}
