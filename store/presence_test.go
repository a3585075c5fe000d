package store

import (
	"testing"
	"time"
)

// The decision hot path's cost of the lease: one atomic load and a
// monotonic clock reading.
func BenchmarkPresenceAnswering(b *testing.B) {
	p := NewPresence(nil, "ins_bench", nil, nil)
	p.deadline.Store(int64(time.Hour))
	for b.Loop() {
		if !p.Answering() {
			b.Fatal("not answering")
		}
	}
}

// A presence answers only before its deadline: never before its first
// renewal, and no more once stopped.
func TestPresenceAnsweringFollowsTheDeadline(t *testing.T) {
	p := NewPresence(nil, "ins_test", nil, nil)
	if p.Answering() {
		t.Fatal("answering before any renewal")
	}
	p.deadline.Store(int64(time.Since(p.base) + time.Hour))
	if !p.Answering() {
		t.Fatal("not answering within the lease")
	}
	p.deadline.Store(int64(time.Since(p.base) - time.Millisecond))
	if p.Answering() {
		t.Fatal("answering after the deadline")
	}
	p.deadline.Store(int64(time.Hour))
	p.stop()
	if p.Answering() {
		t.Fatal("answering once stopped")
	}
}
