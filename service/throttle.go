package service

import (
	"sync"
	"time"
)

// Sign-in throttling: after signInFailures failures within signInWindow for
// one email or one client address, sign-in is refused until the oldest
// failure leaves the window.
const (
	signInFailures = 5
	signInWindow   = 15 * time.Minute
)

// throttle counts recent failures per key in memory. Each instance counts
// its own; behind a load balancer the limit applies per instance.
type throttle struct {
	mu       sync.Mutex
	limit    int
	window   time.Duration
	failures map[string][]time.Time
}

func newThrottle(limit int, window time.Duration) *throttle {
	return &throttle{limit: limit, window: window, failures: map[string][]time.Time{}}
}

// wait returns how long the key must wait before its next attempt: zero
// when it may try now.
func (t *throttle) wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	recent := t.prune(key, now)
	if len(recent) < t.limit {
		return 0
	}
	return recent[len(recent)-t.limit].Add(t.window).Sub(now)
}

// fail records a failure of the key.
func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures[key] = append(t.prune(key, now), now)
	if len(t.failures) > 100_000 { // bound memory under a spray of keys
		for k := range t.failures {
			if len(t.prune(k, now)) == 0 {
				delete(t.failures, k)
			}
		}
	}
}

// forget clears the key, after a success.
func (t *throttle) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, key)
}

// prune drops failures older than the window; t.mu must be held.
func (t *throttle) prune(key string, now time.Time) []time.Time {
	recent := t.failures[key]
	i := 0
	for i < len(recent) && now.Sub(recent[i]) >= t.window {
		i++
	}
	recent = recent[i:]
	if len(recent) == 0 {
		delete(t.failures, key)
	} else {
		t.failures[key] = recent
	}
	return recent
}
