package oidc_test

import (
	"context"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/service"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"
)

// TestCodesExchangedDuringDeactivationLeaveNoTokens races code exchanges
// against the user's deactivation. docs/oidc.md: "Deactivation … revoke[s]
// every refresh and access token of the user in the same transaction" and
// "Only active users get tokens". An exchange that found the user active
// before the deactivation committed, and wrote its tokens after, must not
// leave a refresh token that works once the user is reactivated. SQLite
// rarely lets the race happen; with GATEHOUSE_TEST_DB=postgres every run
// hit it before the tokens' transaction read the user again under the
// organization's lock.
func TestCodesExchangedDuringDeactivationLeaveNoTokens(t *testing.T) {
	g := startGatehouse(t)
	ctx := context.Background()
	ada := gatehouse.Actor{OrgID: g.orgA, UserID: g.ada.ID}
	app, secret := g.app(t, g.orgA, service.OIDCClientInput{Confidential: true, Scopes: []string{"offline_access"}})
	r := newRP(t, g, app.ID, secret, oidc.ScopeOfflineAccess)
	for round := range 3 {
		b := newBrowser(t)
		p, verifier := r.authorize(b)
		codes, verifiers := []string{r.code(b.signIn(g.url, p, "bob@acme.test", password))}, []string{verifier}
		for range 15 { // signed in: each authorization comes straight back with a code
			p, verifier := r.authorize(b)
			codes, verifiers = append(codes, r.code(p)), append(verifiers, verifier)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var refresh []string
		start, first := make(chan struct{}), make(chan struct{})
		var once sync.Once
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				tok, err := r.config.Exchange(ctx, codes[i], oauth2.VerifierOption(verifiers[i]))
				once.Do(func() { close(first) })
				if err == nil {
					mu.Lock()
					refresh = append(refresh, tok.RefreshToken)
					mu.Unlock()
				}
			}()
		}
		close(start)
		<-first // the others are in flight
		if _, _, err := g.svc.DeactivateUser(ctx, ada, g.bob.ID); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if _, _, err := g.svc.ActivateUser(ctx, ada, g.bob.ID); err != nil {
			t.Fatal(err)
		}
		for _, rt := range refresh {
			if _, err := r.refresh(rt); err == nil {
				t.Errorf("round %d: a refresh token from an exchange racing the deactivation works after reactivation (%d of %d exchanges got tokens)", round, len(refresh), len(codes))
			}
		}
	}
}
