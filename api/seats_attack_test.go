package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestSeatsHoldWhenEveryKindOfWriteRacesForThem sends, all at once, every
// kind of write that takes a seat — invitations, a CSV import, activations,
// licence changes and a bulk activation — against a tier with few seats
// free, while the seats are also being lowered. docs/api.md, "Licence
// seats": "two writes … cannot both take the last seat". At the end the
// tier's holders never exceed its seats.
func TestSeatsHoldWhenEveryKindOfWriteRacesForThem(t *testing.T) {
	e := newEnv(t)
	o := e.newOrg("Comply", "compliance")
	for round := range 3 {
		o.admin.ok(http.StatusOK, "PUT", "/api/v1/licences/action", obj{})
		var asleep, lower []string
		for i := range 3 {
			id := o.user(fmt.Sprintf("sleep%d-%d", round, i), obj{"licence": "action"})
			o.admin.ok(http.StatusOK, "POST", "/api/v1/users/"+id+"/deactivate", nil)
			asleep = append(asleep, id)
			lower = append(lower, o.user(fmt.Sprintf("low%d-%d", round, i), obj{"licence": "read_report"}))
		}
		used := 0
		for _, l := range items(t, o.admin.get("/api/v1/licences")) {
			if str(l, "name") == "action" {
				used = int(l["seats_used"].(float64))
			}
		}
		o.admin.ok(http.StatusOK, "PUT", "/api/v1/licences/action", obj{"seats": used + 2})

		type req struct {
			method, path string
			body         any
		}
		var reqs []req
		for i := range 3 {
			reqs = append(reqs, req{"POST", "/api/v1/users", obj{"first_name": "N", "last_name": "N", "email": fmt.Sprintf("new%d-%d@comply.test", round, i), "licence": "action"}})
			reqs = append(reqs, req{"POST", "/api/v1/users/" + asleep[i] + "/activate", nil})
			reqs = append(reqs, req{"PATCH", "/api/v1/users/" + lower[i], obj{"licence": "action"}})
		}
		reqs = append(reqs, req{"POST", "/api/v1/users/import", csvFile(fmt.Sprintf("email,first_name,last_name,licence\nimp%d-a@comply.test,I,A,action\nimp%d-b@comply.test,I,B,action\n", round, round))})
		reqs = append(reqs, req{"POST", "/api/v1/users/bulk", obj{"action": "activate", "user_ids": asleep}})
		reqs = append(reqs, req{"PUT", "/api/v1/licences/action", obj{"seats": used + 1}})

		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, r := range reqs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var body *bytes.Reader
				contentType := "application/json"
				switch b := r.body.(type) {
				case nil:
					body = bytes.NewReader(nil)
				case csvFile:
					body, contentType = bytes.NewReader([]byte(b)), "text/csv"
				default:
					data, _ := json.Marshal(b)
					body = bytes.NewReader(data)
				}
				hr, _ := http.NewRequest(r.method, e.srv.URL+r.path, body)
				hr.Header.Set("Authorization", "Bearer "+o.admin.key)
				hr.Header.Set("Content-Type", contentType)
				resp, err := http.DefaultClient.Do(hr)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					t.Errorf("%s %s in the race: %d", r.method, r.path, resp.StatusCode)
				}
			}()
		}
		close(start)
		wg.Wait()

		for _, l := range items(t, o.admin.get("/api/v1/licences")) {
			if str(l, "name") != "action" {
				continue
			}
			seats, holders := int(l["seats"].(float64)), 0
			for _, u := range items(t, o.admin.get("/api/v1/users?licence=action&limit=500")) {
				if s := str(u, "status"); s == "active" || s == "invited" {
					holders++
				}
			}
			if holders > seats || int(l["seats_used"].(float64)) != holders {
				t.Errorf("round %d: the action tier has %d seats and %d holders (seats_used %v)", round, seats, holders, l["seats_used"])
			}
			if strings.Contains(fmt.Sprint(l), "seats_free:-") {
				t.Errorf("round %d: negative free seats: %v", round, l)
			}
		}
	}
}
