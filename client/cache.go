package client

import (
	"container/list"
	"slices"
	"sync"
	"time"
)

// cacheKey is one question: who, what, on which resource.
type cacheKey struct {
	userID, permission string
	resource           Resource
}

type cacheEntry struct {
	key      cacheKey
	decision Decision
	stored   time.Time
}

// decisionCache is a bounded LRU of decisions. An entry is used only while
// it is younger than ttl and answered at a revision at least the caller's
// known revision; see the package doc.
type decisionCache struct {
	size int
	ttl  time.Duration
	now  func() time.Time

	mu      sync.Mutex
	entries map[cacheKey]*list.Element // of *cacheEntry
	order   *list.List                 // most recently used first
}

func newDecisionCache(size int, ttl time.Duration) *decisionCache {
	return &decisionCache{size: size, ttl: ttl, now: time.Now, entries: map[cacheKey]*list.Element{}, order: list.New()}
}

// get returns the cached decision for key if it is still good at revision
// known; stale entries are dropped.
func (c *decisionCache) get(key cacheKey, known Revision) (Decision, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return Decision{}, false
	}
	e := el.Value.(*cacheEntry)
	if e.decision.Revision < known || c.now().Sub(e.stored) >= c.ttl {
		c.order.Remove(el)
		delete(c.entries, key)
		return Decision{}, false
	}
	c.order.MoveToFront(el)
	d := e.decision
	d.GrantedBy = slices.Clone(d.GrantedBy) // the caller's to change
	return d, true
}

// put stores a decision, evicting the least recently used beyond size.
func (c *decisionCache) put(key cacheKey, d Decision) {
	d.GrantedBy = slices.Clone(d.GrantedBy)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		e := el.Value.(*cacheEntry)
		if e.decision.Revision > d.Revision { // a slower, older answer
			return
		}
		e.decision, e.stored = d, c.now()
		c.order.MoveToFront(el)
		return
	}
	c.entries[key] = c.order.PushFront(&cacheEntry{key: key, decision: d, stored: c.now()})
	for c.order.Len() > c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.entries, last.Value.(*cacheEntry).key)
	}
}

// clear drops every entry.
func (c *decisionCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.order.Init()
}
