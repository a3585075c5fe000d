package testsupport

import (
	"sync"
	"time"
)

// A ShiftedClock is the real time moved by an offset the test sets: a
// server's clock for tests that send it into the past or the future (to
// expire an invitation, say) without sleeping.
type ShiftedClock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the real time, in UTC, moved by the offset.
func (c *ShiftedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().UTC().Add(c.offset)
}

// Set moves the clock to the real time plus offset.
func (c *ShiftedClock) Set(offset time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = offset
}
