package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// racing is one request of a race: who sends it, and what.
type racing struct {
	c            *client
	method, path string
	body         any
}

// race sends every request at once and returns their statuses in order;
// a 5xx fails the test.
func (e *env) race(reqs ...racing) []int {
	e.t.Helper()
	statuses := make([]int, len(reqs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, r := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body []byte
			contentType := "application/json"
			switch b := r.body.(type) {
			case nil:
			case csvFile:
				body, contentType = []byte(b), "text/csv"
			default:
				body, _ = json.Marshal(b)
			}
			hr, _ := http.NewRequest(r.method, e.srv.URL+r.path, bytes.NewReader(body))
			hr.Header.Set("Content-Type", contentType)
			if r.c.key != "" {
				hr.Header.Set("Authorization", "Bearer "+r.c.key)
			}
			<-start
			resp, err := http.DefaultClient.Do(hr)
			if err != nil {
				e.t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
			if resp.StatusCode >= 500 {
				e.t.Errorf("%s %s in a race: %d", r.method, r.path, resp.StatusCode)
			}
		}()
	}
	close(start)
	wg.Wait()
	return statuses
}

func count(statuses []int, status int) int {
	n := 0
	for _, s := range statuses {
		if s == status {
			n++
		}
	}
	return n
}

// TestUniqueNamesHoldUnderRaces creates the same email (by invitation and
// by import) and the same group name from several requests at once:
// exactly one wins, the others are 409 (or a 400 import report), never a
// 500 and never two users with one email.
func TestUniqueNamesHoldUnderRaces(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Acme", "facilities")
	var reqs []racing
	for i := range 4 {
		reqs = append(reqs, racing{o.admin, "POST", "/api/v1/users", obj{"first_name": "D", "last_name": fmt.Sprint(i), "email": "Dup@acme.test"}})
	}
	reqs = append(reqs, racing{o.admin, "POST", "/api/v1/users/import", csvFile("email,first_name,last_name\ndup@ACME.test,D,Imp\n")})
	statuses := e.race(reqs...)
	wins := count(statuses, http.StatusCreated) + count(statuses, http.StatusOK)
	if wins != 1 {
		t.Errorf("one email invited %d times: %v", wins, statuses)
	}
	if got := items(t, o.admin.get("/api/v1/users?q=dup")); len(got) != 1 {
		t.Errorf("users with the email: %v", got)
	}

	reqs = nil
	for range 5 {
		reqs = append(reqs, racing{o.admin, "POST", "/api/v1/groups", obj{"name": "Tech"}})
	}
	if statuses := e.race(reqs...); count(statuses, http.StatusCreated) != 1 || count(statuses, http.StatusConflict) != 4 {
		t.Errorf("one group name created: %v", statuses)
	}
}

// TestTwoFullAccessAdminsRemovingEachOtherLeaveOne races two full-access
// admins who each deactivate, delete or strip the other (and themselves):
// "an organization always keeps an active full-access user"
// (docs/security.md §3), whatever the order the writes land in.
func TestTwoFullAccessAdminsRemovingEachOtherLeaveOne(t *testing.T) {
	e := newEnv(t)
	for round, how := range []func(actor *client, other string) racing{
		func(c *client, other string) racing {
			return racing{c, "POST", "/api/v1/users/" + other + "/deactivate", nil}
		},
		func(c *client, other string) racing { return racing{c, "DELETE", "/api/v1/users/" + other, nil} },
		func(c *client, other string) racing {
			return racing{c, "PATCH", "/api/v1/users/" + other, obj{"full_access": false}}
		},
		func(c *client, other string) racing {
			return racing{c, "POST", "/api/v1/users/bulk", obj{"action": "deactivate", "user_ids": []string{other}}}
		},
	} {
		// Only the two racers hold full access.
		o := e.newOrg(fmt.Sprintf("Org%d", round), "facilities")
		a, b := o.user("ann", obj{"full_access": true}), o.user("bob", obj{"full_access": true})
		ca, cb := o.as(a), o.as(b)
		ca.ok(http.StatusOK, "POST", "/api/v1/users/"+o.adminID+"/deactivate", nil)
		e.race(how(ca, b), how(cb, a), how(ca, a), how(cb, b))
		// Whoever still holds full access can list everyone.
		var survivor *client
		for _, c := range []*client{ca, cb} {
			if status, _, _ := c.do("GET", "/api/v1/users?limit=500", nil); status == http.StatusOK && survivor == nil {
				survivor = c
			}
		}
		if survivor == nil {
			t.Fatalf("round %d: neither admin holds full access any more", round)
		}
		active := 0
		for _, u := range items(t, survivor.get("/api/v1/users?limit=500")) {
			if u["full_access"] == true && u["status"] == "active" {
				active++
			}
		}
		if active == 0 {
			t.Fatalf("round %d: no active full-access user is left", round)
		}
	}
}
