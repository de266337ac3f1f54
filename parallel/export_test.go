package parallel

import "time"

// SetClock replaces the clock and timers of r and refills it to full at
// now(). Call it before r is shared.
func SetClock(r *RateLimiter, now func() time.Time, timer func(time.Duration) (<-chan time.Time, func() bool)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.now, r.timer = now, timer
	r.tokens, r.last = float64(r.rate), now()
}
