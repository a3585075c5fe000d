package main

import (
	"context"
	"fmt"
	"os"

	"github.com/gatehouse/gatehouse/api"
)

func runAPIDoc(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "api openapi|reference [--out FILE]",
		"openapi prints the OpenAPI 3.1 document that serve publishes at /api/v1/openapi.json;\n"+
			"reference renders it as the Markdown API reference (docs/api-reference.md).")
	out := fs.String("out", "", "write to this file instead of stdout")
	if len(args) == 0 || (args[0] != "openapi" && args[0] != "reference") {
		fs.Usage()
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return errHelp
		}
		return errUsage
	}
	if err := parse(env, fs, args[1:]); err != nil {
		return err
	}
	doc, err := api.Document()
	if err != nil {
		return err
	}
	text := string(doc) + "\n"
	if args[0] == "reference" {
		if text, err = api.Reference(doc); err != nil {
			return err
		}
	}
	if *out == "" {
		_, err := fmt.Fprint(env.stdout, text)
		return err
	}
	return os.WriteFile(*out, []byte(text), 0o644)
}
