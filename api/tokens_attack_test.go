package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
)

// raceOnce sends the same body to path from n clients at once and returns
// how many were answered with status ok.
func (e *env) raceOnce(n int, path string, body obj, ok int) int {
	e.t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	start := make(chan struct{})
	data, _ := json.Marshal(body)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := http.Post(e.srv.URL+path, "application/json", bytes.NewReader(data))
			if err != nil {
				e.t.Error(err)
				return
			}
			resp.Body.Close()
			switch {
			case resp.StatusCode == ok:
				mu.Lock()
				wins++
				mu.Unlock()
			case resp.StatusCode >= 500:
				e.t.Errorf("POST %s in a race: %d", path, resp.StatusCode)
			}
		}()
	}
	close(start)
	wg.Wait()
	return wins
}

// TestMailedTokensAreSingleUseUnderRaces spends each kind of mailed token
// from several clients at once: "Mailed tokens are single use"
// (docs/security.md §5) must hold when the uses race, not only one after
// another. Exactly one use wins; the others change nothing.
func TestMailedTokensAreSingleUseUnderRaces(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	const racers = 6

	o.invite("ina", nil)
	invite := e.inviteToken("ina@acme.test")
	if wins := e.raceOnce(racers, "/api/v1/invitations/accept", obj{"token": invite, "password": password}, http.StatusOK); wins != 1 {
		t.Errorf("one invitation accepted %d times", wins)
	}

	e.client().do("POST", "/api/v1/password-reset/request", obj{"email": "ina@acme.test"})
	reset := e.mailedToken("ina@acme.test", "/reset-password")
	if wins := e.raceOnce(racers, "/api/v1/password-reset/confirm", obj{"token": reset, "password": "another good passphrase"}, http.StatusOK); wins != 1 {
		t.Errorf("one reset link used %d times", wins)
	}

	id := o.user("vic", nil)
	o.admin.ok(http.StatusOK, "PATCH", "/api/v1/users/"+id, obj{"email": "victor@acme.test"}) // pending until verified
	verify := e.mailedToken("victor@acme.test", "/verify-email")
	if wins := e.raceOnce(racers, "/api/v1/email-verification/confirm", obj{"token": verify}, http.StatusOK); wins != 1 {
		t.Errorf("one verification link used %d times", wins)
	}
}

// TestARegeneratedInvitationRetiresTheOldLinkEvenMidRace accepts an
// invitation's link while the admin regenerates it: either the acceptance
// came first (the regeneration is then refused: the user is no longer
// invited) or the old link no longer works — never both a new link and an
// account opened through the old one.
func TestARegeneratedInvitationRetiresTheOldLinkEvenMidRace(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	for round := range 4 {
		local := "ria" + string(rune('a'+round))
		id := str(o.invite(local, nil), "id")
		old := e.inviteToken(local + "@acme.test")
		var regenerated int
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/users/"+id+"/regenerate-invite", nil)
			req.Header.Set("Authorization", "Bearer "+o.admin.key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			regenerated = resp.StatusCode
		}()
		accepted := e.raceOnce(1, "/api/v1/invitations/accept", obj{"token": old, "password": password}, http.StatusOK)
		wg.Wait()
		if accepted == 1 && regenerated == http.StatusOK {
			t.Errorf("round %d: the old link opened the account and a new invitation was issued after it", round)
		}
		if accepted == 0 && regenerated != http.StatusOK {
			t.Errorf("round %d: neither the acceptance nor the regeneration went through (%d)", round, regenerated)
		}
	}
}
