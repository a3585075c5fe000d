package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// PostgreSQL stopped and started three times in a row, on a throwaway
// cluster the test owns (initdb in a temporary directory, pg_ctl), while
// writes and checks run on three gatehouse serve processes: no stale
// answer, no 5xx but 503, and every instance answers checks again within
// 2 s of the database's return, without restarting Gatehouse.
func TestDatabaseOutages(t *testing.T) {
	pg := newThrowawayPostgres(t)
	c := newClusterOn(t, 3, pg.dsn)
	var mu sync.Mutex
	done := false
	var recoveries []time.Duration
	go func() {
		defer func() { mu.Lock(); done = true; mu.Unlock() }()
		for range 3 {
			time.Sleep(1500 * time.Millisecond)
			pg.ctl(t, "stop", "-m", "fast")
			time.Sleep(2 * time.Second)
			pg.ctl(t, "start")
			back := time.Now()
			for i := range c.addrs {
				// A deadline for the condition, not a comparison of durations.
				if !c.answersWithin(i, back.Add(2*time.Second)) {
					t.Errorf("instance %d does not answer checks within 2 s of the database's return", i)
				}
			}
			mu.Lock()
			recoveries = append(recoveries, time.Since(back))
			mu.Unlock()
		}
		time.Sleep(time.Second)
	}()
	r := c.rounds(t, 1<<30, func(int) bool { mu.Lock(); defer mu.Unlock(); return done })
	t.Logf("%d rounds through 3 outages: %d stale, %d checks answered 503, %d failed, all instances answering again after %v",
		r.answered+r.stale+r.unavailable+r.unreachable, r.stale, r.unavailable, r.failed, recoveries)
	if r.stale != 0 {
		t.Fatalf("%d stale answers (first: %s)", r.stale, r.firstStale)
	}
	if r.failed != 0 {
		t.Fatalf("%d answers 5xx other than 503", r.failed)
	}
}

// answersWithin reports whether instance i answers a check with 200 before
// deadline.
func (c *cluster) answersWithin(i int, deadline time.Time) bool {
	check := map[string]any{"user_id": c.user, "permission": "assets.view", "resource": map[string]string{"facility_id": c.facility}}
	for time.Now().Before(deadline) {
		if status, _ := c.call(i, "POST", "/api/v1/authz/check", check, nil); status == http.StatusOK {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

type throwawayPostgres struct {
	bin, data, dir, port, dsn string
	asPostgres                bool // the test runs as root: PostgreSQL's tools run as the postgres user
}

// newThrowawayPostgres initializes and starts a PostgreSQL cluster of the
// test's own. Without PostgreSQL's binaries the test is skipped, or fails
// when CI is set. initdb refuses to run as root: as root, the tools run as
// the postgres user (runuser), in a directory it owns.
func newThrowawayPostgres(t *testing.T) *throwawayPostgres {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("no PostgreSQL binaries in /usr/lib/postgresql/*/bin")
		}
		t.Skip("no PostgreSQL binaries in /usr/lib/postgresql/*/bin (Debian's postgresql package)")
	}
	addr := freeAddr(t)
	pg := &throwawayPostgres{bin: filepath.Dir(bins[len(bins)-1]), port: addr[strings.LastIndex(addr, ":")+1:]}
	dir, err := os.MkdirTemp("", "gatehouse-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	pg.dir, pg.data = dir, filepath.Join(dir, "data")
	if os.Getuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root and there is no postgres user to run initdb as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		pg.asPostgres = true
	}
	pg.run(t, filepath.Join(pg.bin, "initdb"), "-D", pg.data, "-A", "trust", "-U", "gatehouse", "--no-sync")
	pg.ctl(t, "start")
	t.Cleanup(func() { pg.ctl(t, "stop", "-m", "immediate") })
	pg.dsn = fmt.Sprintf("postgres://gatehouse@127.0.0.1:%s/postgres?sslmode=disable", pg.port)
	return pg
}

func (pg *throwawayPostgres) ctl(t *testing.T, action string, args ...string) {
	all := []string{"-D", pg.data, "-w", "-l", filepath.Join(pg.dir, "postgres.log")}
	if action == "start" {
		all = append(all, "-o", fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c fsync=off", pg.port, pg.dir))
	}
	pg.run(t, filepath.Join(pg.bin, "pg_ctl"), append(append(all, action), args...)...)
}

func (pg *throwawayPostgres) run(t *testing.T, name string, args ...string) {
	cmd := exec.Command(name, args...)
	if pg.asPostgres {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}
