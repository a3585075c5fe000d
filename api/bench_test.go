package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse"
)

// The HTTP benchmarks compare POST /api/v1/authz/check over real loopback
// HTTP with a bare net/http handler that decodes the same request JSON and
// encodes a response of the same shape, with the same keep-alive client, so
// that their ratio says how much of a check's cost is Gatehouse's:
//
//	go test -run x -bench HTTP -benchtime 3s ./api

// benchUsers is the size of the organization the checks run against.
const benchUsers = 3000

// benchRequest and benchDecision are the JSON shapes of a check.
type benchRequest struct {
	UserID     string `json:"user_id"`
	Permission string `json:"permission"`
	Resource   struct {
		FacilityID string `json:"facility_id,omitempty"`
		CreatedBy  string `json:"created_by,omitempty"`
		AssigneeID string `json:"assignee_id,omitempty"`
	} `json:"resource,omitempty"`
	MinRevision int64 `json:"min_revision,omitempty"`
}

type benchDecision struct {
	Allowed   bool   `json:"allowed"`
	Reason    string `json:"reason"`
	GrantedBy []struct {
		Type string `json:"type"`
		ID   string `json:"id,omitempty"`
	} `json:"granted_by"`
	OwnOnly  bool   `json:"own_only"`
	Message  string `json:"message"`
	Revision int64  `json:"revision"`
}

// benchSetup builds an organization of benchUsers users in groups and
// facilities, and a set of check bodies over them.
func benchSetup(b *testing.B) (*env, *org, [][]byte) {
	e := newEnv(b)
	o := e.newOrg("Bench", "facilities")
	var facilities, groups []string
	for i := range 50 {
		facilities = append(facilities, o.facility(fmt.Sprintf("Site %d", i)))
	}
	for i, perms := range [][]string{
		{"work_orders.view", "work_orders.create", "work_orders.edit", "assets.view"},
		{"work_orders.view_own", "service_reports.view_own", "service_reports.create"},
		{"assets.view", "assets.edit", "contractors.view", "reports.view"},
		{"users.view", "users.create", "facilities.view"},
	} {
		groups = append(groups, o.group(fmt.Sprintf("Role %d", i), perms...))
	}
	users := o.seed(benchUsers, func(i int, u *gatehouse.User) {
		u.GroupIDs = []string{groups[i%len(groups)]}
		u.FacilityIDs = []string{facilities[i%len(facilities)], facilities[(i*7+3)%len(facilities)]}
		if i%10 == 0 {
			u.Permissions = []string{"reports.view"}
		}
	})
	perms := []string{"work_orders.view", "work_orders.edit", "assets.view", "reports.view", "users.view", "audit_logs.view"}
	rng := rand.New(rand.NewPCG(1, 2))
	bodies := make([][]byte, 1024)
	for i := range bodies {
		var r benchRequest
		r.UserID, r.Permission = users[rng.IntN(len(users))], perms[rng.IntN(len(perms))]
		r.Resource.FacilityID = facilities[rng.IntN(len(facilities))]
		if i%3 == 0 {
			r.Resource.CreatedBy = users[rng.IntN(len(users))]
		}
		bodies[i], _ = json.Marshal(r)
	}
	return e, o, bodies
}

// benchClient is a keep-alive client with enough idle connections for
// every parallel goroutine.
func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
}

// runChecks posts the bodies in turn from parallel goroutines.
func runChecks(b *testing.B, hc *http.Client, url, key string, bodies [][]byte) {
	var next atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := bodies[next.Add(1)%uint64(len(bodies))]
			req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

func BenchmarkHTTPCheck(b *testing.B) {
	e, o, bodies := benchSetup(b)
	key := o.admin.key
	hc := benchClient()
	// The answers are real ones: some allowed, some not.
	allowed := 0
	for _, body := range bodies[:100] {
		var d benchDecision
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/authz/check", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&d)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || d.Reason == "" {
			b.Fatalf("check: %d %+v", resp.StatusCode, d)
		}
		if d.Allowed {
			allowed++
		}
	}
	if allowed == 0 || allowed == 100 {
		b.Fatalf("%d of 100 checks allowed", allowed)
	}
	runChecks(b, hc, e.srv.URL+"/api/v1/authz/check", key, bodies)
}

func BenchmarkBareHTTP(b *testing.B) {
	e, o, bodies := benchSetup(b)
	// The bare handler answers with a real decision, re-encoded each time.
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/authz/check", bytes.NewReader(bodies[0]))
	req.Header.Set("Authorization", "Bearer "+o.admin.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	var answer benchDecision
	json.NewDecoder(resp.Body).Decode(&answer)
	resp.Body.Close()
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in benchRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil || in.UserID == "" || in.Permission == "" {
			http.Error(w, `{"error":{"code":"invalid","message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		d := answer
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(&d)
	}))
	b.Cleanup(bare.Close)
	runChecks(b, benchClient(), bare.URL+"/api/v1/authz/check", o.admin.key, bodies)
}

// BenchmarkHTTPCheckBatch posts one check-batch of 1,000 checks at a time,
// as the bench program's batch_1000_ms_p50 does.
func BenchmarkHTTPCheckBatch(b *testing.B) {
	e, o, bodies := benchSetup(b)
	var batch bytes.Buffer
	batch.WriteString(`{"checks":[`)
	for i, body := range bodies[:1000] {
		if i > 0 {
			batch.WriteByte(',')
		}
		batch.Write(body)
	}
	batch.WriteString(`]}`)
	hc := benchClient()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/authz/check-batch", bytes.NewReader(batch.Bytes()))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+o.admin.key)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// BenchmarkImport10000 imports files of 10,000 users, each in two groups
// and two facilities (by name and by external id), through
// POST /api/v1/users/import over real HTTP: every row checked, then one
// transaction of batched inserts with an invitation mail and an audit
// event per user; as the full-access admin, and as an admin without full
// access, whose every row is also judged by no escalation
// (docs/benchmarks.md):
//
//	go test -run '^$' -bench Import10000 -benchtime 3x ./api
//	GATEHOUSE_TEST_DB=postgres go test -run '^$' -bench Import10000 -benchtime 3x ./api
func BenchmarkImport10000(b *testing.B) {
	const rows = 10_000
	e := newEnv(b)
	o := e.newOrg("Bench", "facilities")
	var groups, facilities, facilityIDs []string
	for i := range 10 {
		groups = append(groups, fmt.Sprintf("Team %d", i))
		o.group(groups[i], "work_orders.view")
	}
	for i := range 50 {
		name := fmt.Sprintf("Site %d", i)
		if i%2 == 0 {
			facilityIDs = append(facilityIDs, o.facility(name))
			facilities = append(facilities, name)
		} else {
			ext := fmt.Sprintf("EXT-%d", i)
			facilityIDs = append(facilityIDs, o.create("/api/v1/facilities", obj{"name": name, "external_id": ext}))
			facilities = append(facilities, ext)
		}
	}
	lead := o.user("lead", obj{"permissions": []string{"users.view", "users.create", "work_orders.view"}, "facility_ids": facilityIDs})
	batch := 0
	file := func() []byte {
		batch++
		var buf bytes.Buffer
		buf.WriteString("first_name,last_name,email,phone,groups,facilities,full_access\n")
		for i := range rows {
			fmt.Fprintf(&buf, "First%d,Last%d,user%d.%d@bench.test,+44 20 7946 %04d,%s;%s,%s;%s,no\n", i, i, batch, i, i%10000,
				groups[i%10], groups[(i+3)%10], facilities[i%50], facilities[(i+7)%50])
		}
		return buf.Bytes()
	}
	for _, admin := range []struct {
		name string
		key  string
	}{{"full_access", o.admin.key}, {"limited", o.as(lead).key}} {
		b.Run(admin.name, func(b *testing.B) {
			hc := &http.Client{}
			for range b.N {
				b.StopTimer()
				req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/users/import", bytes.NewReader(file()))
				req.Header.Set("Content-Type", "text/csv")
				req.Header.Set("Authorization", "Bearer "+admin.key)
				b.StartTimer()
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("import: %d %.500s", resp.StatusCode, data)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/import")
		})
	}
}
