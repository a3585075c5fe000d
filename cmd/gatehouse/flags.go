package main

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
)

// errUsage reports that usage was printed; main exits without another message.
var errUsage = errors.New("usage")

// newFlagSet returns a flag set for one command that prints its own help.
func newFlagSet(env *environment, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "Usage: gatehouse %s\n\n%s\n\nFlags (each also read from GATEHOUSE_<NAME>):\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, then fills every flag not given from its GATEHOUSE_*
// environment variable: --admin-email from GATEHOUSE_ADMIN_EMAIL.
func parse(env *environment, fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := "GATEHOUSE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := env.getenv(name); v != "" && !given[f.Name] && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s: %v", name, e)
			}
		}
	})
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return err
}

// errHelp is returned after --help printed the command's usage.
var errHelp = errors.New("help requested")

// dbFlag registers the --db flag shared by every command that opens storage.
func dbFlag(fs *flag.FlagSet) *string {
	return fs.String("db", "gatehouse.db", "database: an SQLite file path, or a postgres:// URL")
}

// parseSubcommand parses the flags of a command that takes one of the
// subcommands names first ("licences seats --org …"): usage, and errHelp
// for -h, when the first argument is none of them.
func parseSubcommand(env *environment, fs *flag.FlagSet, args []string, names ...string) error {
	if len(args) == 0 || !slices.Contains(names, args[0]) {
		fs.Usage()
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return errHelp
		}
		return errUsage
	}
	return parse(env, fs, args[1:])
}
