package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/pquerna/otp/totp"
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

// signInRace sends n sign-ins of email with pass at once, all released
// together with race (run on this goroutine), and returns the session
// tokens of those answered 201.
func (e *env) signInRace(n int, email, pass string, race func()) []string {
	e.t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var tokens []string
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			body, _ := json.Marshal(obj{"email": email, "password": pass})
			resp, err := http.Post(e.srv.URL+"/api/v1/sessions", "application/json", bytes.NewReader(body))
			if err != nil {
				e.t.Error(err)
				return
			}
			defer resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusCreated:
				for _, c := range resp.Cookies() {
					if c.Name == "gatehouse_session" {
						mu.Lock()
						tokens = append(tokens, c.Value)
						mu.Unlock()
					}
				}
			case http.StatusUnauthorized, http.StatusTooManyRequests:
			default:
				e.t.Errorf("a sign-in in the race: %d", resp.StatusCode)
			}
		}()
	}
	close(start)
	race()
	wg.Wait()
	return tokens
}

// withSession is a client sending the session cookie token.
func (e *env) withSession(token string) *client {
	c := e.client()
	c.header.Set("Cookie", "gatehouse_session="+token)
	return c
}

// sessionCount is how many sessions of the user the database holds.
func (o *org) sessionCount(userID string) int {
	o.e.t.Helper()
	var n int
	err := o.e.db.View(context.Background(), func(tx gatehouse.Tx) error {
		s, err := tx.FindSessions(o.id, userID)
		n = len(s)
		return err
	})
	if err != nil {
		o.e.t.Fatal(err)
	}
	return n
}

// TestSignInsDuringDeactivationDoNotOutliveIt races sign-ins with the right
// password against the user's deactivation: a sign-in whose password was
// checked before the deactivation and whose session is written after it
// must not leave a session that works again on reactivation
// (docs/security.md §4).
func TestSignInsDuringDeactivationDoNotOutliveIt(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	for round := range 5 {
		email := "sam" + string(rune('a'+round)) + "@acme.test"
		id := str(o.invite("sam"+string(rune('a'+round)), nil), "id")
		e.client().ok(http.StatusOK, "POST", "/api/v1/invitations/accept", obj{"token": e.inviteToken(email), "password": password})
		tokens := e.signInRace(8, email, password, func() {
			o.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+id+"/deactivate", nil)
		})
		if n := o.sessionCount(id); n != 0 {
			t.Errorf("round %d: %d sessions stored for a deactivated user (%d sign-ins answered 201)", round, n, len(tokens))
		}
		o.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+id+"/activate", nil)
		for _, token := range tokens {
			if status, _, body := e.withSession(token).do("GET", "/api/v1/me", nil); status != http.StatusUnauthorized {
				t.Errorf("round %d: a session opened during the deactivation works after reactivation: %d %v", round, status, body)
			}
		}
	}
}

// TestSignInsWithTheOldPasswordDoNotOutliveAReset races sign-ins with the
// old password against a password reset: "A password reset signs the user
// out everywhere" (docs/security.md §4) — including a sign-in whose old
// password was checked before the reset committed.
func TestSignInsWithTheOldPasswordDoNotOutliveAReset(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	const newPassword = "a brand new passphrase"
	for round := range 5 {
		local := "rae" + string(rune('a'+round))
		email := local + "@acme.test"
		id := str(o.invite(local, nil), "id")
		e.client().ok(http.StatusOK, "POST", "/api/v1/invitations/accept", obj{"token": e.inviteToken(email), "password": password})
		e.client().do("POST", "/api/v1/password-reset/request", obj{"email": email})
		reset := e.mailedToken(email, "/reset-password")
		tokens := e.signInRace(8, email, password, func() {
			status, _, body := e.client().do("POST", "/api/v1/password-reset/confirm", obj{"token": reset, "password": newPassword})
			wantStatus(t, status, body, http.StatusOK)
		})
		if n := o.sessionCount(id); n != 0 {
			t.Errorf("round %d: %d sessions opened with the old password survive the reset (%d sign-ins answered 201)", round, n, len(tokens))
		}
		for _, token := range tokens {
			if status, _, body := e.withSession(token).do("GET", "/api/v1/me", nil); status != http.StatusUnauthorized {
				t.Errorf("round %d: a session opened with the old password works after the reset: %d %v", round, status, body)
			}
		}
	}
}

// TestSecondStepsCompletedDuringDeactivationDoNotOutliveIt races sign-ins
// completed with recovery codes (each good once) against the user's
// deactivation: a completion that found its step before the deactivation
// and wrote its session after must not leave a session that works again on
// reactivation (docs/security.md §4). Run with GATEHOUSE_TEST_DB=postgres
// for the engine with real concurrent transactions.
func TestSecondStepsCompletedDuringDeactivationDoNotOutliveIt(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	ctx := context.Background()
	for round := range 3 {
		local := "mae" + string(rune('a'+round))
		id := o.user(local, nil)
		actor := gatehouse.Actor{OrgID: o.id, UserID: id}
		if err := e.svc.SetPassword(ctx, gatehouse.SystemActor(o.id), id, password); err != nil {
			t.Fatal(err)
		}
		enrol, err := e.svc.BeginTOTP(ctx, actor, password, "127.0.0.1:1")
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(enrol.Secret, time.Now())
		enrolled, err := e.svc.ConfirmTOTP(ctx, actor, enrol.Token, "Phone", code, "127.0.0.1:1")
		if err != nil {
			t.Fatal(err)
		}
		const racers = 6
		steps := make([]string, racers)
		for i := range steps {
			steps[i] = e.pendingStep(local + "@acme.test")
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var tokens []string
		start, first := make(chan struct{}), make(chan struct{})
		var once sync.Once
		for i := range steps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				data, _ := json.Marshal(obj{"token": steps[i], "code": enrolled.RecoveryCodes[i]})
				resp, err := http.Post(e.srv.URL+"/api/v1/sessions/second-factor", "application/json", bytes.NewReader(data))
				once.Do(func() { close(first) })
				if err != nil {
					t.Error(err)
					return
				}
				defer resp.Body.Close()
				for _, c := range resp.Cookies() {
					if c.Name == "gatehouse_session" && resp.StatusCode == http.StatusCreated {
						mu.Lock()
						tokens = append(tokens, c.Value)
						mu.Unlock()
					}
				}
				if resp.StatusCode >= 500 {
					t.Errorf("a second step in the race: %d", resp.StatusCode)
				}
			}()
		}
		close(start)
		<-first // the others are in flight
		o.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+id+"/deactivate", nil)
		wg.Wait()
		if n := o.sessionCount(id); n != 0 {
			t.Errorf("round %d: %d sessions stored for a deactivated user (%d completions answered 201)", round, n, len(tokens))
		}
		o.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+id+"/activate", nil)
		for _, token := range tokens {
			if status, _, body := e.withSession(token).do("GET", "/api/v1/me", nil); status != http.StatusUnauthorized {
				t.Errorf("round %d: a session completed during the deactivation works after reactivation: %d %v", round, status, body)
			}
		}
	}
}
