package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// The check decoder does not copy the ids it reads: they share the request
// body's buffer, which the server reuses for the next request once the
// answer is written (api/internal/checkjson). Checks and batches sent at once on
// many connections, each naming ids of its own that the answers quote, must
// each get back their own ids: an id kept past its request, or an answer
// written from a buffer another request reuses, would show another
// request's bytes.
func TestChecksInParallelAnswerTheirOwnIDs(t *testing.T) {
	f := newAuthzFixture(t)
	const workers, rounds = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{}
			for r := range rounds {
				// Unknown users and facilities: the messages quote the ids sent.
				n := 1 + (w*rounds+r)%300
				var checks []string
				for i := range n {
					user := fmt.Sprintf("usr_w%dr%di%d", w, r, i)
					if i%2 == 0 {
						checks = append(checks, fmt.Sprintf(`{"user_id":%q,"permission":"work_orders.view"}`, user))
					} else {
						fac := fmt.Sprintf("fac_w%dr%di%d", w, r, i)
						checks = append(checks, fmt.Sprintf(`{"user_id":%q,"permission":"work_orders.view","resource":{"facility_id":%q}}`, f.tess, fac))
					}
				}
				path, body := "/api/v1/authz/check-batch", `{"checks":[`+strings.Join(checks, ",")+`]}`
				if r%3 == 0 {
					path, body = "/api/v1/authz/check", checks[0]
				}
				got, err := postCheck(hc, f.e.srv.URL+path, f.admin.key, body)
				if err != nil {
					t.Error(err)
					return
				}
				if path == "/api/v1/authz/check" {
					got = []checkAnswer{got[0]}
				}
				for i, a := range got {
					want := fmt.Sprintf(`user "usr_w%dr%di%d" is not in this organization`, w, r, i)
					if i%2 == 1 {
						want = fmt.Sprintf(`facility "fac_w%dr%di%d" is not in this organization`, w, r, i)
					}
					if a.Message != want {
						t.Errorf("worker %d round %d check %d: message %q, want %q", w, r, i, a.Message, want)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

type checkAnswer struct {
	Allowed bool   `json:"allowed"`
	Message string `json:"message"`
}

// postCheck posts a check or a check-batch and returns its answers.
func postCheck(hc *http.Client, url, key, body string) ([]checkAnswer, error) {
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %d %s", url, resp.StatusCode, data)
	}
	var batch struct {
		Results []checkAnswer `json:"results"`
	}
	if bytes.HasPrefix(data, []byte(`{"results"`)) {
		err = json.Unmarshal(data, &batch)
		return batch.Results, err
	}
	var one checkAnswer
	err = json.Unmarshal(data, &one)
	return []checkAnswer{one}, err
}
