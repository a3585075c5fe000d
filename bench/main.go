// Command bench measures Gatehouse where it must be fast, and compares it
// in the same run with what a platform would use instead: Casbin in process,
// a bare net/http handler over HTTP. Run it from this directory:
//
//	go run .                 # 1,000, 10,000 and 100,000 users: a few minutes on 2 cores
//	go run . -users 10000    # smaller, quicker
//	go run . -json           # one JSON object on stdout, the table on stderr
//
// It is its own Go module so that Gatehouse never depends on Casbin; its
// go.mod replaces github.com/gatehouse/gatehouse with the working tree.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse"
	"github.com/gatehouse/gatehouse/authz"
	"github.com/gatehouse/gatehouse/service"
	"github.com/gatehouse/gatehouse/store"
	"github.com/gatehouse/gatehouse/ui"
)

// config is the benchmark's flags.
type config struct {
	users         int
	sizes         []int
	duration      time.Duration
	conns         int
	budget        time.Duration
	queries       int
	json          bool
	plot          string
	dir           string
	postgres      string
	casbin        bool
	http          bool
	profile       string
	writesProfile string
	listsProfile  string
	replot        string
	// instances is how many Gatehouse servers run on -postgres: the
	// writes go to the first, the others must apply them.
	instances int
}

// result is the benchmark's JSON output; the table shows the same figures.
type result struct {
	Database   string `json:"database"` // sqlite or postgres
	Users      int    `json:"users"`
	Facilities int    `json:"facilities"`
	Groups     int    `json:"groups"`

	CheckNsP50 float64 `json:"check_ns_p50"`
	// The seed's share of users with site roles and with time-bound
	// grants (issue 17: about 20% and 10%).
	SiteRoleShare  float64 `json:"share_users_with_site_roles"`
	TimeBoundShare float64 `json:"share_users_with_time_bounds"`
	// CheckNsP50WithoutGrants is the same checks, timed in the same rounds,
	// on the largest organization with its site roles and time bounds taken
	// out: what the feature costs (issue 17: within 20%).
	CheckNsP50WithoutGrants float64 `json:"check_ns_p50_without_grants"`
	GrantsCost              float64 `json:"check_ratio_with_to_without_grants"`
	CheckAllocs             float64 `json:"check_allocs"`
	CheckNsP501kUsers       float64 `json:"check_ns_p50_1k_users"`
	CheckNsP50Cold          float64 `json:"check_ns_p50_cold"`
	CheckScaling            float64 `json:"check_ratio_largest_to_1k"`
	CasbinNsP50             float64 `json:"casbin_ns_p50"`
	CasbinCachedNsP50       float64 `json:"casbin_cached_ns_p50"`
	CasbinSpeedup           float64 `json:"speedup_vs_casbin"`
	CasbinCachedFactor      float64 `json:"speedup_vs_casbin_cached"`

	HTTPCheckRPS       float64         `json:"http_check_rps"`
	BareHTTPRPS        float64         `json:"bare_http_rps"`
	HTTPRatio          float64         `json:"http_ratio"`
	HTTPCheckMsP50     float64         `json:"http_check_ms_p50"`
	HTTPCheckMsP99     float64         `json:"http_check_ms_p99"`
	BareHTTPMsP50      float64         `json:"bare_http_ms_p50"`
	Batch1000MsP50     float64         `json:"batch_1000_ms_p50"`
	BareBatch1000MsP50 float64         `json:"bare_batch_1000_ms_p50"`
	FilterUsP50        float64         `json:"filter_us_p50"`
	ListUsersMsP95     float64         `json:"list_users_page_ms_p95"`
	Lists              map[string]pcts `json:"list_users_pages"`
	WriteMsP50         float64         `json:"write_ms_p50"`
	WriteMsP99         float64         `json:"write_ms_p99"`
	GroupWriteMsP50    float64         `json:"group_write_ms_p50"`
	UserWriteMsP50     float64         `json:"user_write_ms_p50"`
	// A limited admin's edit of the same group, judged on its effect on
	// every member.
	LimitedGroupWriteMsP50 float64 `json:"limited_group_write_ms_p50"`
	LimitedGroupWriteMsP99 float64 `json:"limited_group_write_ms_p99"`
	// With -postgres: how many instances served (see -instances), each
	// one's check throughput (the first's is http_check_rps), and the time
	// from a write's acknowledgement by the first until every other
	// instance's snapshot is at the write's revision.
	Instances        int       `json:"instances,omitempty"`
	InstanceCheckRPS []float64 `json:"instance_check_rps,omitempty"`
	PropagationMsP50 float64   `json:"propagation_ms_p50,omitempty"`
	PropagationMsP99 float64   `json:"propagation_ms_p99,omitempty"`
	PropagationMsMax float64   `json:"propagation_ms_max,omitempty"`
	PropagatedAtAck  float64   `json:"propagated_at_acknowledgement,omitempty"` // share of writes every instance had applied at the first look
	SnapshotBytes    uint64    `json:"snapshot_bytes"`
	SeedSeconds      float64   `json:"seed_seconds"`

	Sizes   []sizeResult `json:"sizes"`
	Machine machine      `json:"machine"`
	Method  method       `json:"method"`
}

type pcts struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
}

// sizeResult is the in-process comparison at one organization size.
type sizeResult struct {
	Users             int     `json:"users"`
	Facilities        int     `json:"facilities"`
	Groups            int     `json:"groups"`
	CheckNsP50        float64 `json:"check_ns_p50"`
	CasbinNsP50       float64 `json:"casbin_ns_p50,omitempty"`
	CasbinCachedNsP50 float64 `json:"casbin_cached_ns_p50,omitempty"`
	CasbinPolicies    int     `json:"casbin_policies,omitempty"`
	CasbinLoadSeconds float64 `json:"casbin_load_seconds,omitempty"`
	SeedSeconds       float64 `json:"seed_seconds"`
}

type machine struct {
	CPU        string `json:"cpu"`
	LoadBefore string `json:"load_average_before"` // /proc/loadavg: other work on the machine spoils figures
	LoadAfter  string `json:"load_average_after"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Go         string `json:"go"`
	OS         string `json:"os"`
}

type method struct {
	Queries      int     `json:"distinct_checks"`
	Conns        int     `json:"http_connections"`
	HTTPSeconds  float64 `json:"http_seconds_per_server"`
	BudgetSecond float64 `json:"seconds_per_in_process_measure"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	if cfg.replot != "" {
		data, err := os.ReadFile(cfg.replot)
		if err != nil {
			return err
		}
		var res result
		if err := json.Unmarshal(data, &res); err != nil {
			return fmt.Errorf("%s: %w", cfg.replot, err)
		}
		return plotSizes(cfg.plot, &res)
	}
	dir := cfg.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "gatehouse-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.dir = dir
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	database := "sqlite"
	if cfg.postgres != "" {
		database = "postgres"
	}
	res := &result{Database: database, Lists: map[string]pcts{}, Machine: machineInfo(),
		Method: method{Queries: cfg.queries, Conns: cfg.conns, HTTPSeconds: cfg.duration.Seconds() * 2, BudgetSecond: cfg.budget.Seconds()}}
	logf("building gatehouse")
	bin, err := buildGatehouse(ctx, dir)
	if err != nil {
		return err
	}

	// Seed every size, then time Gatehouse's checks at all sizes in turn, so
	// that the sizes are compared on the machine in the same state; then
	// Casbin, size by size (it holds a lot of memory).
	var orgs []*org
	var runs []*inProcessRun
	for _, n := range cfg.sizes {
		logf("seeding an organization of %d users", n)
		db, err := databaseFor(ctx, dir, cfg.postgres, n)
		if err != nil {
			return err
		}
		o, err := seedOrg(ctx, bin, db, n)
		if err != nil {
			return err
		}
		orgs = append(orgs, o)
		runs = append(runs, newInProcessRun(o, cfg, res))
	}
	var meters []*meter
	for _, r := range runs {
		meters = append(meters, r.meter)
	}
	plain := withoutGrants(runs[len(runs)-1])
	meters = append(meters, plain)
	logf("timing checks at every size")
	measure(cfg.budget, meters...)
	res.CheckNsP50WithoutGrants = plain.p50()
	for _, r := range runs {
		r.size.CheckNsP50 = r.meter.p50()
		logf("  gatehouse check, %d users: %s", r.size.Users, duration(r.size.CheckNsP50))
	}
	largest, largestRun := orgs[len(orgs)-1], runs[len(runs)-1]
	coldMeasure(largestRun, cfg, res, logf)
	for _, r := range runs {
		if cfg.casbin {
			if err := r.casbin(cfg, logf); err != nil {
				return err
			}
		}
		res.Sizes = append(res.Sizes, r.size)
		if r.size.Users == 1000 {
			res.CheckNsP501kUsers = r.size.CheckNsP50
		}
	}
	largestQueries := largestRun.qs
	last := res.Sizes[len(res.Sizes)-1]
	res.Users, res.Facilities, res.Groups = largest.Users, largest.Facilities, largest.Groups
	res.SiteRoleShare, res.TimeBoundShare = grantShares(largest.state)
	res.CheckNsP50, res.CasbinNsP50, res.CasbinCachedNsP50 = last.CheckNsP50, last.CasbinNsP50, last.CasbinCachedNsP50
	res.SeedSeconds = last.SeedSeconds
	res.GrantsCost = res.CheckNsP50 / res.CheckNsP50WithoutGrants
	logf("  gatehouse check, %d users without site roles and time bounds: %s", largest.Users, duration(res.CheckNsP50WithoutGrants))
	if res.CheckNsP501kUsers > 0 {
		res.CheckScaling = res.CheckNsP50 / res.CheckNsP501kUsers
	}
	if res.CasbinNsP50 > 0 {
		res.CasbinSpeedup = res.CasbinNsP50 / res.CheckNsP50
		res.CasbinCachedFactor = res.CasbinCachedNsP50 / res.CheckNsP50
	}

	if cfg.http {
		if err := overHTTP(ctx, largest, largestQueries, cfg, res, logf); err != nil {
			return err
		}
	}

	res.Machine.LoadAfter = loadAverage()
	if cfg.plot != "" && len(res.Sizes) > 0 {
		if err := plotSizes(cfg.plot, res); err != nil {
			return err
		}
		logf("plot written to %s", cfg.plot)
	}
	if cfg.json { // the JSON on stdout, the table with the log on stderr
		printTable(stderr, res)
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printTable(stdout, res)
	return nil
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.users, "users", 100_000, "users in the largest organization, where HTTP, lists and writes are measured")
	sizes := fs.String("sizes", "", "organization sizes of the in-process comparison and the plot (default 1000,10000 and -users)")
	fs.DurationVar(&cfg.duration, "duration", 5*time.Second, "HTTP load per server and round (two rounds each)")
	fs.IntVar(&cfg.conns, "conns", 16, "concurrent keep-alive connections of the HTTP load")
	fs.DurationVar(&cfg.budget, "budget", 2*time.Second, "time spent on each in-process measure")
	fs.IntVar(&cfg.queries, "queries", 1024, "distinct checks asked over and over (1,024, as go test -bench ./authz does)")
	fs.BoolVar(&cfg.json, "json", false, "print one JSON object (the table goes to stderr)")
	fs.StringVar(&cfg.plot, "plot", filepath.Join("..", "docs", "benchmarks-check.svg"), `the SVG plot of check time against organization size ("" for none)`)
	fs.StringVar(&cfg.dir, "dir", "", "where the databases go (default a temporary directory, removed at the end)")
	fs.StringVar(&cfg.postgres, "postgres", "", "put the organizations in this PostgreSQL database instead of SQLite files (a schema each: bench_<users>)")
	fs.IntVar(&cfg.instances, "instances", 1, "with -postgres: Gatehouse servers on the database, as `gatehouse serve` runs them (each with its LISTEN and lease); writes go to the first")
	fs.BoolVar(&cfg.casbin, "casbin", true, "compare with Casbin")
	fs.BoolVar(&cfg.http, "http", true, "measure the API over HTTP too (checks, batches, lists, writes)")
	fs.StringVar(&cfg.replot, "replot", "", "only redraw the -plot of a run saved with -json in this file")
	fs.StringVar(&cfg.profile, "cpuprofile", "", "write a CPU profile of the HTTP phase's Gatehouse check load and batches to this file")
	fs.StringVar(&cfg.writesProfile, "writes-cpuprofile", "", "write a CPU profile of the HTTP phase's writes to this file")
	fs.StringVar(&cfg.listsProfile, "lists-cpuprofile", "", "write a CPU profile of the HTTP phase's user list pages to this file")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if *sizes == "" {
		for _, n := range []int{1000, 10_000, cfg.users} {
			if n <= cfg.users && !slices.Contains(cfg.sizes, n) {
				cfg.sizes = append(cfg.sizes, n)
			}
		}
	} else {
		for _, s := range strings.Split(*sizes, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 10 {
				return cfg, fmt.Errorf("-sizes: %q is not a size of at least 10", s)
			}
			cfg.sizes = append(cfg.sizes, n)
		}
		slices.Sort(cfg.sizes)
		cfg.sizes = slices.Compact(cfg.sizes)
		if cfg.sizes[len(cfg.sizes)-1] != cfg.users {
			cfg.sizes = append(cfg.sizes, cfg.users)
		}
	}
	if cfg.instances < 1 || (cfg.instances > 1 && cfg.postgres == "") {
		return cfg, fmt.Errorf("-instances must be at least 1, and more than 1 only with -postgres")
	}
	if cfg.users < 10 || cfg.queries < 1 || cfg.conns < 1 {
		return cfg, fmt.Errorf("-users must be at least 10, -queries and -conns at least 1")
	}
	return cfg, nil
}

// sinkDecision keeps the measured checks' results alive: written, never read.
//
//lint:ignore U1000 a benchmark sink is unused by design
var sinkDecision authz.Decision

// An inProcessRun is the in-process comparison at one organization size:
// Gatehouse's Snapshot.Check, then Casbin's Enforcer and CachedEnforcer on
// the same organization and the same checks, once they are shown to answer
// alike.
type inProcessRun struct {
	org   *org
	snap  *authz.Snapshot
	qs    []query
	meter *meter
	size  sizeResult
}

func newInProcessRun(o *org, cfg config, res *result) *inProcessRun {
	r := &inProcessRun{org: o, size: sizeResult{Users: o.Users, Facilities: o.Facilities, Groups: o.Groups, SeedSeconds: o.Seconds}}
	before := heapAfterGC()
	r.snap = authz.Compile(o.state)
	if o.Users == cfg.users {
		res.SnapshotBytes = heapAfterGC() - before
	}
	r.qs = queries(o.state, cfg.queries, 1)
	r.meter = newMeter(func(i int) {
		q := &r.qs[i%len(r.qs)]
		sinkDecision = r.snap.Check(q.user, q.perm, q.res)
	})
	if o.Users == cfg.users {
		res.CheckAllocs = testing.AllocsPerRun(5, func() {
			for i := range r.qs {
				sinkDecision = r.snap.Check(r.qs[i].user, r.qs[i].perm, r.qs[i].res)
			}
		}) / float64(len(r.qs))
	}
	return r
}

// coldMeasure times the same kind of checks about 64 times as many users
// (65,536 distinct checks by default): most of what each check reads is then
// no longer in the CPU's caches, and a check costs what memory does.
func coldMeasure(r *inProcessRun, cfg config, res *result, logf func(string, ...any)) {
	cold := queries(r.org.state, 64*cfg.queries, 2)
	m := newMeter(func(i int) {
		q := &cold[i%len(cold)]
		sinkDecision = r.snap.Check(q.user, q.perm, q.res)
	})
	measure(cfg.budget, m)
	res.CheckNsP50Cold = m.p50()
	logf("  gatehouse check, %d users, %d distinct checks: %s", r.org.Users, len(cold), duration(res.CheckNsP50Cold))
}

func (r *inProcessRun) casbin(cfg config, logf func(string, ...any)) error {
	o := r.org
	p, g := casbinPolicy(o.state, time.Now())
	r.size.CasbinPolicies = len(p) + len(g)
	reqs := make([]casbinRequest, len(r.qs))
	for i, q := range r.qs {
		reqs[i] = casbinRequestOf(o.state.Catalog, q)
	}
	start := time.Now()
	e, err := newCasbin(p, g, false)
	if err != nil {
		return err
	}
	r.size.CasbinLoadSeconds = time.Since(start).Seconds()
	logf("casbin at %d users: %d policies and role links loaded in %.1fs", o.Users, r.size.CasbinPolicies, r.size.CasbinLoadSeconds)
	if err := agree(r.snap, e, o.state.Catalog, r.qs, reqs); err != nil {
		return err
	}
	c, err := newCasbin(p, g, true)
	if err != nil {
		return err
	}
	for _, q := range reqs { // fill the cache: every measured call is a hit
		c.Enforce(q.sub, q.dom, q.obj)
	}
	enforcer := newMeter(func(i int) {
		q := &reqs[i%len(reqs)]
		e.Enforce(q.sub, q.dom, q.obj)
	})
	cached := newMeter(func(i int) {
		q := &reqs[i%len(reqs)]
		c.Enforce(q.sub, q.dom, q.obj)
	})
	measure(cfg.budget, enforcer, cached, r.meter) // Gatehouse again, as a witness of the machine's state
	r.size.CasbinNsP50, r.size.CasbinCachedNsP50 = enforcer.p50(), cached.p50()
	logf("  Enforcer %s, CachedEnforcer %s (gatehouse meanwhile: %s)", duration(r.size.CasbinNsP50), duration(r.size.CasbinCachedNsP50), duration(r.meter.p50()))
	return nil
}

// overHTTP measures the API of the largest organization on a real SQLite
// file over loopback: checks under load against a bare handler, a batch,
// the list filter, user list pages and writes.
func overHTTP(ctx context.Context, o *org, qs []query, cfg config, res *result, logf func(string, ...any)) error {
	heapAfterGC() // what the in-process phase left is garbage now
	st, err := store.Open(ctx, o.db)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := service.New(st, service.Config{Links: ui.Links("http://bench.invalid")})
	if err := bigGroup(ctx, st, svc, o, 5000); err != nil {
		return err
	}
	// On PostgreSQL, the API is served by instances as `gatehouse serve`
	// runs them, started once the big group is in the database.
	ghAddr := ""
	var insts []*instance
	if cfg.postgres != "" {
		var stop func()
		insts, stop, err = startInstances(ctx, o.db, cfg.dir, cfg.instances)
		if err != nil {
			return err
		}
		defer stop()
		svc, ghAddr = insts[0].svc, insts[0].addr
		res.Instances = len(insts)
		logf("%d instance(s) of gatehouse serve on PostgreSQL: %s", len(insts), instanceAddrs(insts))
	} else {
		gh, err := startServer(gatehouseHandler(svc))
		if err != nil {
			return err
		}
		defer gh.close()
		ghAddr = gh.addr
	}
	gh := struct{ addr string }{ghAddr}
	snap, err := svc.Engine().Snapshot(ctx, o.OrgID)
	if err != nil {
		return err
	}
	bare, err := startServer(bareHandler(snap))
	if err != nil {
		return err
	}
	defer bare.close()

	logf("HTTP: %d connections, %s per server and round", cfg.conns, cfg.duration)
	ghReqs, bareReqs := checkRequests(gh.addr, o.APIKey, qs), checkRequests(bare.addr, o.APIKey, qs)
	for _, s := range []struct {
		addr string
		reqs [][]byte
	}{{bare.addr, bareReqs}, {gh.addr, ghReqs}} { // warm up both
		if _, err := load(ctx, s.addr, s.reqs, cfg.conns, time.Second); err != nil {
			return err
		}
	}
	var ghTotal, bareTotal loadResult
	stopChecks := func() {} // the profile of the check load and batches, when asked
	for round := range 2 {  // alternate, so that both see the machine in the same state
		b, err := load(ctx, bare.addr, bareReqs, cfg.conns, cfg.duration)
		if err != nil {
			return fmt.Errorf("bare handler: %w", err)
		}
		if round == 1 {
			if stopChecks, err = startProfile(cfg.profile); err != nil {
				return err
			}
		}
		g, err := load(ctx, gh.addr, ghReqs, cfg.conns, cfg.duration)
		if err != nil {
			return fmt.Errorf("gatehouse: %w", err)
		}
		bareTotal = merge(bareTotal, b)
		ghTotal = merge(ghTotal, g)
	}
	res.HTTPCheckRPS, res.BareHTTPRPS = ghTotal.rps(), bareTotal.rps()
	res.HTTPRatio = res.HTTPCheckRPS / res.BareHTTPRPS
	res.HTTPCheckMsP50, res.HTTPCheckMsP99 = percentile(ghTotal.latency, 50), percentile(ghTotal.latency, 99)
	res.BareHTTPMsP50 = percentile(bareTotal.latency, 50)
	logf("  gatehouse %.0f checks/s, bare %.0f/s: ratio %.2f", res.HTTPCheckRPS, res.BareHTTPRPS, res.HTTPRatio)
	if len(insts) > 1 {
		res.InstanceCheckRPS = []float64{res.HTTPCheckRPS}
		for i, in := range insts[1:] {
			reqs := checkRequests(in.addr, o.APIKey, qs)
			if _, err := load(ctx, in.addr, reqs, cfg.conns, time.Second); err != nil { // warm up: it loads the organization
				return fmt.Errorf("instance %d: %w", i+2, err)
			}
			var total loadResult
			for range 2 {
				l, err := load(ctx, in.addr, reqs, cfg.conns, cfg.duration)
				if err != nil {
					return fmt.Errorf("instance %d: %w", i+2, err)
				}
				total = merge(total, l)
			}
			res.InstanceCheckRPS = append(res.InstanceCheckRPS, total.rps())
			logf("  instance %d: %.0f checks/s (p50 %.2f ms, p99 %.2f ms)", i+2, total.rps(), percentile(total.latency, 50), percentile(total.latency, 99))
		}
	}

	c := newClient(gh.addr, o.APIKey)
	if err := batchAndFilter(c, newClient(bare.addr, o.APIKey), qs, o, res); err != nil {
		return err
	}
	stopChecks()
	logf("  batch of 1,000: %.2f ms (bare %.2f ms); filter: %.0f µs", res.Batch1000MsP50, res.BareBatch1000MsP50, res.FilterUsP50)
	stopLists, err := startProfile(cfg.listsProfile)
	if err != nil {
		return err
	}
	err = lists(c, o, res)
	stopLists()
	if err != nil {
		return err
	}
	logf("  user list pages, p95: %.2f ms", res.ListUsersMsP95)
	limitedKey, err := limitedAdmin(ctx, svc, o)
	if err != nil {
		return err
	}
	var propagated func(int64) (time.Duration, bool, error)
	if len(insts) > 1 {
		propagated = propagation(insts[1:], o.OrgID)
	}
	stop, err := startProfile(cfg.writesProfile)
	if err != nil {
		return err
	}
	err = writes(c, newClient(gh.addr, limitedKey), o, snap, propagated, res)
	stop()
	if err != nil {
		return err
	}
	logf("  writes: p50 %.2f ms, p99 %.2f ms; a limited admin's group edit: p50 %.2f ms, p99 %.2f ms", res.WriteMsP50, res.WriteMsP99, res.LimitedGroupWriteMsP50, res.LimitedGroupWriteMsP99)
	if propagated != nil {
		logf("  propagation after acknowledgement: p50 %.3f ms, p99 %.3f ms, max %.3f ms; %.0f%% of writes applied everywhere at the first look",
			res.PropagationMsP50, res.PropagationMsP99, res.PropagationMsMax, 100*res.PropagatedAtAck)
	}
	return nil
}

func merge(a, b loadResult) loadResult {
	lat := append(a.latency, b.latency...)
	slices.Sort(lat)
	return loadResult{requests: a.requests + b.requests, seconds: a.seconds + b.seconds, latency: lat}
}

// loadAverage is the first three fields of /proc/loadavg, where there is one.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	return strings.Join(f[:min(3, len(f))], " ")
}

func machineInfo() machine {
	m := machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH,
		LoadBefore: loadAverage()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

func plotSizes(path string, res *result) error {
	gh := series{name: "Gatehouse Check", color: "#1b7f3b"}
	cb := series{name: "Casbin Enforcer", color: "#c0392b"}
	cc := series{name: "Casbin CachedEnforcer", color: "#e67e22"}
	for _, s := range res.Sizes {
		gh.points = append(gh.points, [2]float64{float64(s.Users), s.CheckNsP50})
		if s.CasbinNsP50 > 0 {
			cb.points = append(cb.points, [2]float64{float64(s.Users), s.CasbinNsP50})
			cc.points = append(cc.points, [2]float64{float64(s.Users), s.CasbinCachedNsP50})
		}
	}
	lines := []series{gh}
	if len(cb.points) > 0 {
		lines = append(lines, cb, cc)
	}
	note := fmt.Sprintf("%s, %d CPUs, %s; %d distinct checks per size; facilities = users/10", res.Machine.CPU, res.Machine.CPUs, res.Machine.Go, res.Method.Queries)
	return writePlot(path, "One authorization check, in process", note, lines)
}

func instanceAddrs(insts []*instance) string {
	var a []string
	for _, in := range insts {
		a = append(a, in.addr)
	}
	return strings.Join(a, ", ")
}

// grantShares is the share of users holding a site role, and a time-bound
// grant.
func grantShares(st gatehouse.AccessState) (siteRoles, timeBounds float64) {
	var withRoles, withBounds int
	for _, u := range st.Users {
		bounded := len(u.Bounds) > 0
		for _, r := range u.SiteRoles {
			bounded = bounded || !r.StartsAt.IsZero() || !r.ExpiresAt.IsZero()
		}
		if len(u.SiteRoles) > 0 {
			withRoles++
		}
		if bounded {
			withBounds++
		}
	}
	if len(st.Users) == 0 {
		return 0, 0
	}
	return float64(withRoles) / float64(len(st.Users)), float64(withBounds) / float64(len(st.Users))
}

// withoutGrants is a meter of the run's checks on its organization with
// the site roles and time bounds taken out.
func withoutGrants(r *inProcessRun) *meter {
	st := r.org.state
	st.Users = slices.Clone(st.Users)
	for i := range st.Users {
		st.Users[i].SiteRoles, st.Users[i].Bounds = nil, nil
	}
	snap := authz.Compile(st)
	return newMeter(func(i int) {
		q := &r.qs[i%len(r.qs)]
		sinkDecision = snap.Check(q.user, q.perm, q.res)
	})
}

// startProfile starts a CPU profile into path ("" for none) and returns
// what stops it.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
