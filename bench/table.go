package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// A target is one of issue 8's targets, judged on a run's figures.
type target struct {
	what string
	got  string
	goal string
	met  bool
}

func targets(r *result) []target {
	t := []target{
		{"in-process check p50", duration(r.CheckNsP50), "≤ 100 ns", r.CheckNsP50 <= 100},
		{"allocations per check", fmt.Sprintf("%g", r.CheckAllocs), "0", r.CheckAllocs == 0},
		{"check with grants / without (same checks)", fmt.Sprintf("%.2f×", r.GrantsCost), "≤ 1.2×", r.GrantsCost <= 1.2},
		{"seed: users with site roles / time-bound grants", fmt.Sprintf("%.0f%% / %.0f%%", 100*r.SiteRoleShare, 100*r.TimeBoundShare), "≈ 20% / 10%",
			r.SiteRoleShare >= 0.15 && r.TimeBoundShare >= 0.05},
	}
	if r.CheckNsP501kUsers > 0 {
		t = append(t, target{fmt.Sprintf("check at %s users / at 1,000", thousands(r.Users)), fmt.Sprintf("%.2f×", r.CheckScaling), "≤ 1.5×", r.CheckScaling <= 1.5})
	}
	if r.CasbinNsP50 > 0 {
		t = append(t,
			target{"faster than Casbin Enforcer", fmt.Sprintf("%.0f×", r.CasbinSpeedup), "≥ 100×", r.CasbinSpeedup >= 100},
			target{"faster than Casbin CachedEnforcer", fmt.Sprintf("%.1f×", r.CasbinCachedFactor), "> 1×", r.CasbinCachedFactor > 1})
	}
	if r.BareHTTPRPS == 0 { // -http=false
		return t
	}
	return append(t,
		target{"HTTP check rps / bare net/http rps", fmt.Sprintf("%.2f", r.HTTPRatio), "≥ 0.8", r.HTTPRatio >= 0.8},
		target{"1,000-check batch p50", fmt.Sprintf("%.2f ms", r.Batch1000MsP50), "≤ 2 ms", r.Batch1000MsP50 <= 2},
		target{"user list page p95 (worst of 4)", fmt.Sprintf("%.2f ms", r.ListUsersMsP95), "≤ 5 ms", r.ListUsersMsP95 <= 5},
		target{writeTarget(r), fmt.Sprintf("%.2f ms", r.WriteMsP99), "≤ 20 ms", r.WriteMsP99 <= 20},
		target{"a limited admin's edit of a 5,000-member group, p99", fmt.Sprintf("%.2f ms", r.LimitedGroupWriteMsP99), "≤ 20 ms", r.LimitedGroupWriteMsP99 <= 20},
	)
}

func printTable(w io.Writer, r *result) {
	m := r.Machine
	fmt.Fprintf(w, "Gatehouse benchmark: %s users, %s facilities, %d groups, on %s\n", thousands(r.Users), thousands(r.Facilities), r.Groups, r.Database)
	fmt.Fprintf(w, "%s, %d CPUs (GOMAXPROCS %d), %s %s; load average %s before, %s after\n\n", m.CPU, m.CPUs, m.GOMAXPROCS, m.Go, m.OS, m.LoadBefore, m.LoadAfter)

	fmt.Fprintf(w, "One check in process, p50 (%s distinct checks, asked over and over)\n", thousands(r.Method.Queries))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "users\tfacilities\tgatehouse\tcasbin Enforcer\tcasbin CachedEnforcer\t")
	for _, s := range r.Sizes {
		cb, cc := "-", "-"
		if s.CasbinNsP50 > 0 {
			cb, cc = duration(s.CasbinNsP50), duration(s.CasbinCachedNsP50)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", thousands(s.Users), thousands(s.Facilities), duration(s.CheckNsP50), cb, cc)
	}
	tw.Flush()

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "At %s users\t\n", thousands(r.Users))
	row := func(k, v string) { fmt.Fprintf(tw, "  %s\t%s\n", k, v) }
	row("allocations per check", fmt.Sprintf("%g", r.CheckAllocs))
	row(fmt.Sprintf("check p50, %s distinct checks", thousands(64*r.Method.Queries)), duration(r.CheckNsP50Cold))
	row("snapshot (heap)", fmt.Sprintf("%.1f MB", float64(r.SnapshotBytes)/1e6))
	row("seed (gatehouse seed)", fmt.Sprintf("%.1f s", r.SeedSeconds))
	if r.BareHTTPRPS > 0 {
		row("POST /authz/check, Gatehouse API", fmt.Sprintf("%s checks/s (p50 %.2f ms, p99 %.2f ms)", thousands(int(r.HTTPCheckRPS)), r.HTTPCheckMsP50, r.HTTPCheckMsP99))
		row("POST /authz/check, bare net/http", fmt.Sprintf("%s checks/s (p50 %.2f ms)", thousands(int(r.BareHTTPRPS)), r.BareHTTPMsP50))
		row("POST /authz/check-batch, 1,000 checks", fmt.Sprintf("p50 %.2f ms (bare net/http %.2f ms)", r.Batch1000MsP50, r.BareBatch1000MsP50))
		row("POST /authz/filter", fmt.Sprintf("p50 %.0f µs", r.FilterUsP50))
		for _, k := range []string{"first", "deep", "facility_first", "facility_deep"} {
			l := r.Lists[k]
			row("GET /users?limit=50, "+strings.ReplaceAll(k, "_", " ")+" page", fmt.Sprintf("p50 %.2f ms, p95 %.2f ms", l.P50, l.P95))
		}
		row("PATCH /groups/{id} (biggest group)", fmt.Sprintf("p50 %.2f ms", r.GroupWriteMsP50))
		row("PATCH /users/{id} (facility assignment)", fmt.Sprintf("p50 %.2f ms", r.UserWriteMsP50))
		row("writes, both kinds", fmt.Sprintf("p50 %.2f ms, p99 %.2f ms", r.WriteMsP50, r.WriteMsP99))
		if r.Instances > 0 {
			row("instances of gatehouse serve (writes on the first)", fmt.Sprint(r.Instances))
		}
		for i, rps := range r.InstanceCheckRPS {
			row(fmt.Sprintf("POST /authz/check, instance %d", i+1), fmt.Sprintf("%s checks/s", thousands(int(rps))))
		}
		if len(r.InstanceCheckRPS) > 1 {
			row("write acknowledged → applied by every instance", fmt.Sprintf("p50 %.3f ms, p99 %.3f ms, max %.3f ms (%.0f%% at the first look)",
				r.PropagationMsP50, r.PropagationMsP99, r.PropagationMsMax, 100*r.PropagatedAtAck))
		}
	}
	tw.Flush()

	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Targets (issue 8)\tmeasured\ttarget\t")
	for _, t := range targets(r) {
		mark := "met"
		if !t.met {
			mark = "MISSED"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", t.what, t.got, t.goal, mark)
	}
	tw.Flush()
}

// thousands formats n with thousands separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[0] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func writeTarget(r *result) string {
	if r.Instances > 1 {
		return fmt.Sprintf("write p99 (group and user edits), %d instances", r.Instances)
	}
	return "write p99 (group and user edits)"
}
