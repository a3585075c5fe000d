package main

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/oidc"
	"github.com/gatehouse/gatehouse/store"
)

// runKeys rotates the OpenID provider's signing key (docs/oidc.md).
func runKeys(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "keys rotate [--db DSN]",
		"Makes a new signing key for the OpenID provider's tokens, used at once by every instance\n"+
			"serving the database. The previous keys stay published (JWKS) for "+oidc.KeyOverlap.String()+",\n"+
			"longer than any token they signed lives, then are dropped.")
	db := dbFlag(fs)
	if len(args) == 0 || args[0] != "rotate" {
		if err := parse(env, fs, args); err != nil { // --help
			return err
		}
		fs.Usage()
		return errUsage
	}
	if err := parse(env, fs, args[1:]); err != nil {
		return err
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	k, err := oidc.RotateSigningKey(ctx, st, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "new signing key %s (%s) in use; older keys stay published until %s\n",
		k.ID, k.Algorithm, time.Now().Add(oidc.KeyOverlap).UTC().Format(time.RFC3339))
	return nil
}
