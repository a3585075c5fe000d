package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/store/storetest"
)

// The promise of docs/architecture.md, from outside: three `gatehouse
// serve` processes built from this tree on one PostgreSQL database; a
// grant or a revocation acknowledged by one of them is seen by the very
// next plain check (no min_revision) on another. A 503 is allowed (an
// instance not in step refuses); a stale answer is not.
func TestWritesAreSeenByTheNextCheckOnEveryInstance(t *testing.T) {
	c := newCluster(t, 3)
	rounds := 1000
	if testing.Short() && os.Getenv("CI") == "" {
		rounds = 150
	}
	r := c.rounds(t, rounds, nil)
	t.Logf("%d rounds: %d stale, %d checks answered 503, %d unreachable; write latency p50 %s p99 %s max %s",
		rounds, r.stale, r.unavailable, r.unreachable, r.latency(50), r.latency(99), r.latency(100))
	if r.stale != 0 {
		t.Fatalf("%d stale answers in %d rounds (first: %s)", r.stale, rounds, r.firstStale)
	}
	if r.answered < rounds*9/10 {
		t.Fatalf("only %d of %d checks answered 200", r.answered, rounds)
	}
}

// The same while one instance is SIGKILLed and restarted, again and again,
// mid-loop: a killed instance's lease lapses, writers stop waiting for it,
// and once restarted it answers only after joining again.
func TestWritesAreSeenThroughCrashes(t *testing.T) {
	c := newCluster(t, 3)
	rounds := 1000
	if testing.Short() && os.Getenv("CI") == "" {
		rounds = 200
	}
	kills := 0
	r := c.rounds(t, rounds, func(i int) bool {
		if i > 0 && i%(rounds/6) == 0 {
			victim := kills % len(c.procs)
			kills++
			c.kill(t, victim)
			go c.start(t, victim) // answers again once it has joined
		}
		return false
	})
	t.Logf("%d rounds, %d kills: %d stale, %d checks answered 503, %d unreachable; write latency p50 %s p99 %s max %s",
		rounds, kills, r.stale, r.unavailable, r.unreachable, r.latency(50), r.latency(99), r.latency(100))
	if r.stale != 0 {
		t.Fatalf("%d stale answers in %d rounds (first: %s)", r.stale, rounds, r.firstStale)
	}
	if kills < 3 {
		t.Fatalf("only %d kills", kills)
	}
}

// cluster is a few gatehouse serve processes on one database, with an
// organization, a user u who may view assets in facility f through group g,
// and the admin's API key.
type cluster struct {
	bin, dsn, dir string
	serveArgs     []string // more flags for every serve
	key           string
	user, group   string
	facility      string

	mu      sync.Mutex
	procs   []*exec.Cmd
	addrs   []string
	up      []bool // ready: /readyz said 200
	started []bool // running, maybe not ready yet
}

func newCluster(t *testing.T, n int, serveArgs ...string) *cluster {
	t.Helper()
	return newClusterOn(t, n, storetest.Postgres(t), serveArgs...)
}

func newClusterOn(t *testing.T, n int, dsn string, serveArgs ...string) *cluster {
	t.Helper()
	dir := t.TempDir()
	c := &cluster{bin: filepath.Join(dir, "gatehouse"), dsn: dsn, dir: dir, serveArgs: serveArgs}
	build := exec.Command("go", "build", "-o", c.bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(c.bin, "seed", "--db", dsn, "--org", "Acme", "--users", "20", "--facilities", "5", "--groups", "3").Output()
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	var seeded struct {
		APIKey string `json:"api_key"`
		UserID string `json:"user_id"`
	}
	if err := json.Unmarshal(out, &seeded); err != nil {
		t.Fatalf("seed printed %s: %v", out, err)
	}
	c.key = seeded.APIKey
	c.procs, c.addrs, c.up, c.started = make([]*exec.Cmd, n), make([]string, n), make([]bool, n), make([]bool, n)
	for i := range n {
		c.addrs[i] = freeAddr(t)
		c.start(t, i)
	}
	t.Cleanup(func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, p := range c.procs {
			if p != nil {
				p.Process.Kill()
				p.Wait()
			}
		}
	})

	must2 := func(status int, err error) {
		t.Helper()
		if err != nil || status >= 300 {
			t.Fatalf("setup call: %d %v", status, err)
		}
	}
	var users struct {
		Items []struct {
			ID         string `json:"id"`
			FullAccess bool   `json:"full_access"`
		} `json:"items"`
	}
	must2(c.call(0, "GET", "/api/v1/users?status=active&limit=100", nil, &users))
	for _, u := range users.Items {
		if !u.FullAccess && u.ID != seeded.UserID {
			c.user = u.ID
			break
		}
	}
	var facilities struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	must2(c.call(1, "GET", "/api/v1/facilities", nil, &facilities))
	var group struct {
		ID string `json:"id"`
	}
	must2(c.call(2, "POST", "/api/v1/groups", map[string]any{"name": "Lease test", "permissions": []string{"assets.view"}}, &group))
	if c.user == "" || len(facilities.Items) == 0 || group.ID == "" {
		t.Fatalf("setup: user %q, %d facilities, group %q", c.user, len(facilities.Items), group.ID)
	}
	c.facility, c.group = facilities.Items[0].ID, group.ID
	must2(c.call(0, "PATCH", "/api/v1/users/"+c.user, map[string]any{
		"group_ids": []string{c.group}, "permissions": []string{}, "facility_ids": []string{c.facility},
	}, nil))
	return c
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs instance i and returns once its /readyz answers 200.
func (c *cluster) start(t *testing.T, i int) {
	logFile, err := os.OpenFile(filepath.Join(c.dir, fmt.Sprintf("serve-%d.log", i)), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Error(err)
		return
	}
	args := append([]string{"serve", "--db", c.dsn, "--addr", c.addrs[i], "--mail-dir", c.mailDir()}, c.serveArgs...)
	cmd := exec.Command(c.bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Error(err)
		return
	}
	c.mu.Lock()
	c.procs[i], c.started[i] = cmd, true
	c.mu.Unlock()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + c.addrs[i] + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				c.mu.Lock()
				c.up[i] = true
				c.mu.Unlock()
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("instance %d not ready within 20 s (log in %s)", i, logFile.Name())
}

// mailDir is the --mail-dir every instance shares.
func (c *cluster) mailDir() string { return filepath.Join(c.dir, "mail") }

func (c *cluster) kill(t *testing.T, i int) {
	c.mu.Lock()
	p := c.procs[i]
	c.procs[i], c.up[i], c.started[i] = nil, false, false
	c.mu.Unlock()
	if p != nil {
		p.Process.Signal(syscall.SIGKILL)
		p.Wait()
	}
}

// alive returns the instances ready (or only started), from i on.
func (c *cluster) alive(i int, started bool) []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for k := range c.up {
		if j := (i + k) % len(c.up); c.up[j] || started && c.started[j] {
			out = append(out, j)
		}
	}
	return out
}

var client = &http.Client{Timeout: 10 * time.Second}

// call sends a request with the admin's key to instance i.
func (c *cluster) call(i int, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, "http://"+c.addrs[i]+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %v: %s", method, path, err, data)
		}
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(data)))
	}
	return resp.StatusCode, nil
}

type roundsResult struct {
	stale, unavailable, unreachable, answered int
	failed                                    int // answers 5xx other than 503
	firstStale                                string
	writes                                    []time.Duration
}

func (r *roundsResult) latency(p int) time.Duration {
	if len(r.writes) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), r.writes...)
	for i := 1; i < len(s); i++ { // insertion sort: a few thousand at most
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[min(len(s)-1, len(s)*p/100)]
}

// rounds alternates revocations and grants of u's view of assets in f —
// by a group edit, a deactivation, a facility unassignment, and back —
// each on one instance, then checks at once on another.
func (c *cluster) rounds(t *testing.T, n int, between func(i int) (stop bool)) *roundsResult {
	t.Helper()
	r := &roundsResult{}
	check := map[string]any{"user_id": c.user, "permission": "assets.view", "resource": map[string]string{"facility_id": c.facility}}
	for i := range n {
		if between != nil && between(i) {
			break
		}
		revoke := i%2 == 0
		var method, path string
		var body any
		switch (i / 2) % 3 {
		case 0:
			method, path = "PATCH", "/api/v1/groups/"+c.group
			body = map[string]any{"permissions": []string{}}
			if !revoke {
				body = map[string]any{"permissions": []string{"assets.view"}}
			}
		case 1:
			method, path = "POST", "/api/v1/users/"+c.user+"/deactivate"
			if !revoke {
				path = "/api/v1/users/" + c.user + "/activate"
			}
		case 2:
			method, path = "PATCH", "/api/v1/users/"+c.user
			body = map[string]any{"facility_ids": []string{}}
			if !revoke {
				body = map[string]any{"facility_ids": []string{c.facility}}
			}
		}
		// The write, repeated until it is acknowledged (every one of
		// these writes sets a state: a repeat is safe; 409 says the state
		// is already made).
		var writer int
		deadline := time.Now().Add(30 * time.Second)
		for {
			up := c.alive(i, false)
			if len(up) < 2 {
				if time.Now().After(deadline) {
					t.Fatalf("round %d: fewer than two instances up for 30 s", i)
				}
				time.Sleep(10 * time.Millisecond)
				continue
			}
			writer = up[0]
			start := time.Now()
			status, err := c.call(writer, method, path, body, nil)
			if err == nil || status == http.StatusConflict {
				if err == nil {
					r.writes = append(r.writes, time.Since(start))
				}
				break
			}
			if status >= 500 && status != http.StatusServiceUnavailable {
				r.failed++
				t.Errorf("round %d: write on instance %d: %v", i, writer, err)
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: write not acknowledged for 30 s: %v", i, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		// At once, a plain check on another instance, maybe one that is
		// starting (it must refuse until it has joined).
		var checker = -1
		for _, k := range c.alive(i+1, true) {
			if k != writer {
				checker = k
				break
			}
		}
		if checker < 0 {
			continue
		}
		var d struct {
			Allowed  bool   `json:"allowed"`
			Reason   string `json:"reason"`
			Revision int64  `json:"revision"`
		}
		status, err := c.call(checker, "POST", "/api/v1/authz/check", check, &d)
		switch {
		case status == http.StatusServiceUnavailable:
			r.unavailable++
		case status == 0:
			r.unreachable++ // killed meanwhile
		case status >= 500:
			r.failed++
			t.Errorf("round %d: check on instance %d: %v", i, checker, err)
		case err != nil:
			t.Fatalf("round %d: check on instance %d: %v", i, checker, err)
		case d.Allowed == revoke:
			r.stale++
			if r.firstStale == "" {
				r.firstStale = fmt.Sprintf("round %d: %s %s on %d, then check on %d: allowed %v (%s, revision %d)", i, method, path, writer, checker, d.Allowed, d.Reason, d.Revision)
			}
		default:
			r.answered++
		}
	}
	return r
}
