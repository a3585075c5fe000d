package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse"
)

// TestKeysMadeDuringDeactivationDoNotOutliveIt races a user's requests for
// new API keys against their deactivation. docs/security.md §4:
// "Deactivation or deletion deletes every session and API key of the user
// in the same transaction; reactivation does not bring them back." A key
// request authenticated just before the deactivation and written just after
// it must not leave a key behind, for reactivation to switch on.
func TestKeysMadeDuringDeactivationDoNotOutliveIt(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	const rounds, racers = 6, 8
	for round := range rounds {
		user := o.user("lee"+string(rune('a'+round)), nil)
		key := o.as(user).key
		var wg sync.WaitGroup
		var mu sync.Mutex
		var secrets []string
		start := make(chan struct{})
		for range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/api-keys", bytes.NewReader([]byte(`{"name":"racer"}`)))
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				defer resp.Body.Close()
				var out obj
				_ = json.NewDecoder(resp.Body).Decode(&out)
				switch {
				case resp.StatusCode == http.StatusCreated:
					mu.Lock()
					secrets = append(secrets, str(out, "secret"))
					mu.Unlock()
				case resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden:
					t.Errorf("a key request racing the deactivation: %d %v", resp.StatusCode, out)
				}
			}()
		}
		close(start)
		o.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+user+"/deactivate", nil)
		wg.Wait()

		var left []*gatehouse.APIKey
		err := e.db.View(context.Background(), func(tx gatehouse.Tx) (err error) {
			left, err = tx.FindAPIKeys(o.id, user)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != 0 {
			t.Errorf("round %d: %d of %d keys made while the user was deactivated are stored for an inactive user", round, len(left), len(secrets))
		}
		o.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+user+"/activate", nil)
		for _, s := range append(secrets, key) {
			if status, _, body := e.bearer(s).do("GET", "/api/v1/me", nil); status != http.StatusUnauthorized {
				t.Errorf("round %d: a key from before the deactivation works after reactivation: %d %v", round, status, body)
			}
		}
	}
}
