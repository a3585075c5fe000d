package api_test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestSelfServiceWritesRacingADeactivationNeverFail races a user's own
// "sign out everywhere" against their deactivation by an admin, round after
// round: each answers as one of them came first (2xx, or 401/403 for the
// user deactivated first), never a 500 — on PostgreSQL a transaction that
// takes the rows the deactivation deletes before the organization's lock
// deadlocks with it. Run with GATEHOUSE_TEST_DB=postgres.
func TestSelfServiceWritesRacingADeactivationNeverFail(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	for round := range 6 {
		id := o.user(fmt.Sprintf("sol%d", round), nil)
		self := o.as(id)
		for range 3 {
			o.session(id)
		}
		statuses := e.race(
			racing{self, "POST", "/api/v1/users/" + id + "/sign-out-everywhere", nil},
			racing{o.admin, "POST", "/api/v1/users/" + id + "/deactivate", nil},
		)
		if statuses[1] != http.StatusOK {
			t.Errorf("round %d: the deactivation: %d", round, statuses[1])
		}
		if n := o.sessionCount(id); n != 0 {
			t.Errorf("round %d: %d sessions left", round, n)
		}
	}
}
