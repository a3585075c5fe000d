// Command gatehouse is the Gatehouse server and its operator tools. main only
// wires the packages together; run holds the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/gatehouse/gatehouse"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if err != errUsage {
			fmt.Fprintln(os.Stderr, "gatehouse:", describe(err))
		}
		os.Exit(2)
	}
}

// A command is one subcommand with its own flag set.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *environment, args []string) error
}

// environment is what every command gets from the outside world.
type environment struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

func commands() []command {
	return []command{
		{"serve", "serve the API", runServe},
		{"demo", "serve with a demo organization, created on first run", runDemo},
		{"init", "create an organization and its first full-access admin", runInit},
		{"seed", "create an organization filled with generated users, groups and facilities", runSeed},
		{"migrate", "apply database migrations", runMigrate},
		{"backup", "write a consistent copy of the SQLite database while serving", runBackup},
		{"copy", "move an SQLite deployment to an empty PostgreSQL database", runCopy},
		{"audit", "export an organization's audit log (ndjson or csv)", runAudit},
		{"users", "import users from a CSV file, or export them to one", runUsers},
		{"licences", "list licence tiers with their seats, or set a tier's seats", runLicences},
		{"security", "print or set an organization's MFA policy, or reset a user's second factors", runSecurity},
		{"sso", "list, add or delete an organization's single sign-on connections", runSSO},
		{"api", "print the OpenAPI document or render the API reference", runAPIDoc},
		{"catalog", "validate a catalog file, print a built-in one, or render the Permissions Reference", runCatalog},
		{"keys", "rotate the OpenID provider's signing key (keys rotate)", runKeys},
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	env := &environment{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			if err := c.run(ctx, env, args[1:]); err != errHelp {
				return err
			}
			return nil
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

// describe says what went wrong for an operator: a domain error's message
// and field, or the error itself.
func describe(err error) string {
	var e *gatehouse.Error
	if !errors.As(err, &e) {
		return err.Error()
	}
	if e.Field != "" && !strings.Contains(e.Message, e.Field) {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Gatehouse: users & permissions server for multi-site operations platforms.")
	fmt.Fprintln(w, "\nUsage: gatehouse <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery flag can also be set as a GATEHOUSE_* environment variable (--admin-email → GATEHOUSE_ADMIN_EMAIL).")
	fmt.Fprintln(w, "Run 'gatehouse <command> --help' for a command's flags.")
}
