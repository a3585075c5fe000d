package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
)

func runCatalog(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "catalog validate FILE | catalog show TEMPLATE | catalog reference [--out FILE]",
		"validate checks a custom catalog file and names the line and field at fault;\n"+
			"show prints a built-in catalog (facilities, compliance) to start a custom one from;\n"+
			"reference prints the Permissions Reference of the built-in catalogs as Markdown\n"+
			"(docs/permissions-reference.md is its output).")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	if fs.Arg(0) == "reference" {
		return runCatalogReference(env, fs.Args()[1:])
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return errUsage
	}
	switch fs.Arg(0) {
	case "validate":
		data, err := os.ReadFile(fs.Arg(1))
		if err != nil {
			return err
		}
		c, err := gatehouse.ParseCatalog(data)
		if err != nil {
			return fmt.Errorf("%s: %s", fs.Arg(1), gatehouse.ErrorMessage(err))
		}
		fmt.Fprintf(env.stdout, "%s: valid catalog %q with %d permissions in %d categories and %d licences\n",
			fs.Arg(1), c.Template, len(c.Permissions()), len(c.Categories), len(c.Licences))
		return nil
	case "show":
		data, ok := catalogs.Builtin(fs.Arg(1))
		if !ok {
			return fmt.Errorf("unknown template %q; built-in: %v", fs.Arg(1), catalogs.Templates())
		}
		_, err := env.stdout.Write(data)
		return err
	}
	fs.Usage()
	return errUsage
}

// runCatalogReference prints the Permissions Reference of the built-in
// catalogs, to stdout or to the --out file.
func runCatalogReference(env *environment, args []string) error {
	fs := newFlagSet(env, "catalog reference [--out FILE]",
		"reference prints the Permissions Reference of the built-in catalogs as Markdown:\n"+
			"every category, codename, label, minimum licence and facility scope, the licence\n"+
			"ladders, and the reading chosen where a seed is ambiguous.")
	out := fs.String("out", "", "write the reference to this file instead of stdout")
	if err := parse(env, fs, args); err != nil {
		return err
	}
	ref, err := catalogs.BuiltinReference()
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = io.WriteString(env.stdout, ref)
		return err
	}
	if err := os.WriteFile(*out, []byte(ref), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "wrote %s\n", *out)
	return nil
}
