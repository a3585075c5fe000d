package main

import (
	"runtime"
	"slices"
	"time"
)

// A meter times a call that may take nanoseconds: it runs call(0), call(1),
// ... in blocks of consecutive calls, each long enough (about 20 µs) for the
// clock to time it well, and takes each block's time per call. It measures
// in windows, and its figure is the median of the windows' medians, so that
// a burst of another process's work spoils a window, not the figure; meters
// of things to compare take their windows in turn, so that they see the
// machine in the same state.
type meter struct {
	call    func(i int)
	i       int
	block   int
	windows []float64
}

func newMeter(call func(i int)) *meter {
	m := &meter{call: call, block: 1}
	for { // calibrate: how many calls make a block of about 20 µs
		start := time.Now()
		m.run()
		if time.Since(start) >= 20*time.Microsecond || m.block >= 1<<16 {
			return m
		}
		m.block *= 2
	}
}

func (m *meter) run() {
	for range m.block {
		m.call(m.i)
		m.i++
	}
}

// window measures for d (and at least 20 blocks).
func (m *meter) window(d time.Duration) {
	var perCall []float64
	end := time.Now().Add(d)
	for len(perCall) < 20 || time.Now().Before(end) {
		start := time.Now()
		m.run()
		perCall = append(perCall, float64(time.Since(start).Nanoseconds())/float64(m.block))
	}
	slices.Sort(perCall)
	m.windows = append(m.windows, percentile(perCall, 50))
}

// p50 is the median of the windows' medians.
func (m *meter) p50() float64 {
	w := slices.Clone(m.windows)
	slices.Sort(w)
	return w[len(w)/2]
}

// measure times meters in turn: windows rounds of budget/windows each.
func measure(budget time.Duration, meters ...*meter) {
	const windows = 5
	runtime.GC()
	for range windows {
		for _, m := range meters {
			m.window(budget / windows)
		}
	}
}

// percentile returns the p-th percentile (0-100) of sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(sorted)-1))
	return sorted[i]
}

// durations returns ds in milliseconds, sorted.
func millis(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = float64(d.Nanoseconds()) / 1e6
	}
	slices.Sort(out)
	return out
}

// heapAfterGC is the live heap once the collector has run.
func heapAfterGC() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
