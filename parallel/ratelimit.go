package parallel

import (
	"context"
	"math"
	"sync"
	"time"
)

// RateLimiter is a token bucket. It holds up to rate tokens, starts full,
// and refills continuously at rate tokens per interval. [RateLimiter.TryTake]
// takes a token if one is there; [RateLimiter.Wait] sleeps until one is.
//
// A RateLimiter is safe for concurrent use. Waiters are not served in any
// particular order. The zero RateLimiter behaves like
// NewRateLimiter(1, time.Second).
type RateLimiter struct {
	mu       sync.Mutex
	rate     int           // bucket size and tokens per interval; 0 until initialised
	interval time.Duration // refill period for rate tokens
	tokens   float64
	last     time.Time // when tokens was last brought up to date

	// Injected by tests; nil means the real clock and timers.
	now   func() time.Time
	timer func(d time.Duration) (<-chan time.Time, func() bool)
}

// NewRateLimiter returns a full bucket of rate tokens that refills at rate
// tokens per interval. rate < 1 means 1 and interval ≤ 0 means 1 s.
func NewRateLimiter(rate int, interval time.Duration) *RateLimiter {
	r := &RateLimiter{rate: max(rate, 1), interval: interval}
	if r.interval <= 0 {
		r.interval = time.Second
	}
	r.tokens = float64(r.rate)
	r.last = r.clock()
	return r
}

// TryTake takes a token and reports true if one is available, and reports
// false otherwise. It never blocks.
func (r *RateLimiter) TryTake() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reserveLocked() == 0
}

// Wait takes a token, sleeping on a timer until the next one is due when the
// bucket is empty. If ctx ends first, it returns ctx.Err() and takes no
// token. Wait does not poll: a waiter wakes only when its timer fires or ctx
// is done, and sleeps again if another caller took the token first.
func (r *RateLimiter) Wait(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		r.mu.Lock()
		d := r.reserveLocked()
		r.mu.Unlock()
		if d == 0 {
			return nil
		}
		c, stop := r.newTimer(d)
		select {
		case <-ctx.Done():
			stop()
			return ctx.Err()
		case <-c:
		}
	}
}

// tolerance, times rate, absorbs float rounding (about rate·1e-16), so that
// a waiter woken exactly when its token is due finds it there. It hands out
// a token at most a trillionth of a token early.
const tolerance = 1e-12

// reserveLocked refills the bucket and takes a token if there is one,
// returning 0. Otherwise it takes nothing and returns how long until the
// next token is due, at least 1 ns. r.mu must be held.
func (r *RateLimiter) reserveLocked() time.Duration {
	now := r.clock()
	if r.rate == 0 {
		// The zero RateLimiter: one token per second, starting full.
		r.rate, r.interval, r.tokens, r.last = 1, time.Second, 1, now
	}
	if elapsed := now.Sub(r.last); elapsed > 0 {
		r.tokens = min(float64(r.rate), r.tokens+float64(elapsed)*float64(r.rate)/float64(r.interval))
	}
	r.last = now
	if r.tokens >= 1-tolerance*float64(r.rate) {
		r.tokens = max(r.tokens-1, 0)
		return 0
	}
	due := math.Ceil((1 - r.tokens) * float64(r.interval) / float64(r.rate))
	if due >= float64(math.MaxInt64) {
		return math.MaxInt64
	}
	return max(time.Duration(due), 1)
}

func (r *RateLimiter) clock() time.Time {
	if r.now == nil {
		return time.Now()
	}
	return r.now()
}

func (r *RateLimiter) newTimer(d time.Duration) (<-chan time.Time, func() bool) {
	if r.timer == nil {
		t := time.NewTimer(d)
		return t.C, t.Stop
	}
	return r.timer(d)
}
