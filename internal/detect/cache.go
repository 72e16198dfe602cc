package detect

import "sync"

// cache remembers per-body results by SHA-256: the same library (jQuery,
// an analytics snippet) is served by many sites every day, and judging its
// bytes again would give the same answer. Bounded; the oldest entries go
// first.
type cache[V any] struct {
	mu    sync.Mutex
	max   int
	m     map[string]V
	order []string
}

func newCache[V any](max int) *cache[V] {
	return &cache[V]{max: max, m: map[string]V{}}
}

func (c *cache[V]) get(k string) (V, bool) {
	if c == nil || k == "" {
		var zero V
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *cache[V]) put(k string, v V) {
	if c == nil || k == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		return
	}
	if len(c.order) >= c.max {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[k] = v
	c.order = append(c.order, k)
}
