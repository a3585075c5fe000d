package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/catalogs"
)

func runCatalog(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "catalog validate FILE | catalog show TEMPLATE",
		"validate checks a custom catalog file and names the line and field at fault;\n"+
			"show prints a built-in catalog (facilities, compliance) to start a custom one from.")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
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
