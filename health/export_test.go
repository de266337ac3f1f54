package health

import "time"

// NewWithClock is New with an injected clock, which drives uptime and the
// cache TTL.
func NewWithClock(tool, version string, now func() time.Time) *Handler {
	h := New(tool, version)
	h.now = now
	h.start = now()
	return h
}

// Waiters reports how many probes are waiting on the run of check name that
// is in flight (0 when none is).
func Waiters(h *Handler, name string) int {
	h.mu.RLock()
	c := h.checks[name]
	h.mu.RUnlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.flight == nil {
		return 0
	}
	return c.flight.waiters
}

// Config reports the effective timeout and cache TTL of check name.
func Config(h *Handler, name string) (timeout, ttl time.Duration) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	c := h.checks[name]
	return c.timeout, c.ttl
}
