package parallel_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greynewell/mist-go/parallel"
)

// fakeTime is a manual clock with timers that the test fires.
type fakeTime struct {
	mu      sync.Mutex
	now     time.Time
	timers  chan fakeTimer // every timer Wait creates, in order
	stopped atomic.Int64
}

type fakeTimer struct {
	d time.Duration
	c chan time.Time
}

func newFakeTime() *fakeTime {
	return &fakeTime{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), timers: make(chan fakeTimer, 16)}
}

func (f *fakeTime) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeTime) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

func (f *fakeTime) Timer(d time.Duration) (<-chan time.Time, func() bool) {
	t := fakeTimer{d: d, c: make(chan time.Time, 1)}
	f.timers <- t
	return t.c, func() bool { f.stopped.Add(1); return true }
}

func newLimiter(rate int, interval time.Duration) (*parallel.RateLimiter, *fakeTime) {
	r := parallel.NewRateLimiter(rate, interval)
	ft := newFakeTime()
	parallel.SetClock(r, ft.Now, ft.Timer)
	return r, ft
}

// drain takes tokens until TryTake fails and returns how many it took.
func drain(r *parallel.RateLimiter) int {
	n := 0
	for r.TryTake() {
		n++
	}
	return n
}

func TestRateLimiterRefill(t *testing.T) {
	type step struct {
		advance time.Duration
		want    int // tokens drain takes after the advance
	}
	tests := []struct {
		name     string
		rate     int
		interval time.Duration
		steps    []step
	}{
		{"starts full", 3, time.Second, []step{{0, 3}, {0, 0}}},
		{"refills continuously", 4, time.Second, []step{
			{0, 4}, {250 * time.Millisecond, 1}, {125 * time.Millisecond, 0}, {125*time.Millisecond - 1, 0}, {1, 1},
			{time.Second, 4},
		}},
		{"fractional token time", 3, time.Second, []step{
			{0, 3}, {time.Second / 3, 0}, {1, 1}, {2 * time.Second / 3, 2}, {time.Second / 3, 0}, {1, 1},
		}},
		{"caps at rate", 3, time.Second, []step{{0, 3}, {time.Hour, 3}, {0, 0}}},
		{"rate below 1 is 1", 0, time.Second, []step{{0, 1}, {time.Second - 1, 0}, {1, 1}}},
		{"interval 0 is 1 s", 2, 0, []step{{0, 2}, {time.Second / 2, 1}, {time.Second, 2}}},
		{"negative interval is 1 s", 1, -time.Minute, []step{{0, 1}, {time.Second, 1}}},
		{"one per hour", 1, time.Hour, []step{{0, 1}, {59 * time.Minute, 0}, {time.Minute, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ft := newLimiter(tt.rate, tt.interval)
			for i, s := range tt.steps {
				ft.Advance(s.advance)
				if got := drain(r); got != s.want {
					t.Fatalf("step %d (+%v): took %d tokens, want %d", i, s.advance, got, s.want)
				}
			}
		})
	}
}

func TestZeroRateLimiter(t *testing.T) {
	var r parallel.RateLimiter
	ft := newFakeTime()
	parallel.SetClock(&r, ft.Now, ft.Timer)
	if got := drain(&r); got != 1 {
		t.Errorf("zero limiter: took %d tokens, want 1", got)
	}
	ft.Advance(time.Second)
	if got := drain(&r); got != 1 {
		t.Errorf("zero limiter after 1s: took %d tokens, want 1", got)
	}
}

func TestWaitTakesAvailableToken(t *testing.T) {
	r, ft := newLimiter(2, time.Second)
	for i := range 2 {
		if err := r.Wait(context.Background()); err != nil {
			t.Fatalf("Wait %d = %v, want nil", i, err)
		}
	}
	if len(ft.timers) != 0 {
		t.Errorf("Wait created a timer with tokens available")
	}
	if r.TryTake() {
		t.Errorf("TryTake after two Waits took a third token")
	}
}

// Wait sleeps on one timer set for exactly when the next token is due, and
// sleeps again if the token is gone when it wakes.
func TestWaitSleepsUntilTokenDue(t *testing.T) {
	r, ft := newLimiter(2, time.Second)
	drain(r)
	ft.Advance(100 * time.Millisecond) // 0.2 tokens
	done := make(chan error, 1)
	go func() { done <- r.Wait(context.Background()) }()

	tm := <-ft.timers
	if tm.d != 400*time.Millisecond {
		t.Fatalf("first timer = %v, want 400ms", tm.d)
	}
	// Woken early (no time has passed): it sleeps again for the same time.
	tm.c <- ft.Now()
	tm = <-ft.timers
	if tm.d != 400*time.Millisecond {
		t.Fatalf("second timer = %v, want 400ms", tm.d)
	}
	ft.Advance(400 * time.Millisecond)
	tm.c <- ft.Now()
	if err := <-done; err != nil {
		t.Fatalf("Wait = %v, want nil", err)
	}
	if r.TryTake() {
		t.Errorf("TryTake after Wait took the token Wait should have taken")
	}
	if n := len(ft.timers); n != 0 {
		t.Errorf("Wait created %d extra timers", n)
	}
}

// Fixed on purpose: Wait on a limiter allowing 1 token per hour returns when
// ctx is cancelled, without burning CPU: it sleeps on a single one-hour
// timer, stops it, and takes no token.
func TestWaitCancelled(t *testing.T) {
	r, ft := newLimiter(1, time.Hour)
	drain(r)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Wait(ctx) }()
	tm := <-ft.timers // Wait is now asleep
	if tm.d != time.Hour {
		t.Errorf("timer = %v, want 1h", tm.d)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	if n := ft.stopped.Load(); n != 1 {
		t.Errorf("stopped %d timers, want 1", n)
	}
	if n := len(ft.timers); n != 0 {
		t.Errorf("Wait created %d more timers (polling)", n)
	}
	ft.Advance(time.Hour)
	if got := drain(r); got != 1 {
		t.Errorf("after the hour: took %d tokens, want 1 (the cancelled Wait took none)", got)
	}
}

// signalCtx closes waiting the first time Done is called, which tells the
// test that Wait has reached its select.
type signalCtx struct {
	context.Context
	once    sync.Once
	waiting chan struct{}
}

func (c *signalCtx) Done() <-chan struct{} {
	c.once.Do(func() { close(c.waiting) })
	return c.Context.Done()
}

// The same with the real clock and a real one-hour timer.
func TestWaitCancelledRealTimer(t *testing.T) {
	r := parallel.NewRateLimiter(1, time.Hour)
	if !r.TryTake() {
		t.Fatal("TryTake on a new limiter = false")
	}
	base, cancel := context.WithCancel(context.Background())
	ctx := &signalCtx{Context: base, waiting: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- r.Wait(ctx) }()
	<-ctx.waiting
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	if r.TryTake() {
		t.Errorf("a token appeared within the hour")
	}
}

func TestWaitDoneContextTakesNoToken(t *testing.T) {
	r, _ := newLimiter(1, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Wait(ctx); err != context.Canceled {
		t.Errorf("Wait(done ctx) = %v, want context.Canceled", err)
	}
	if !r.TryTake() {
		t.Errorf("the token was taken by a Wait whose ctx was done")
	}
}

func TestRateLimiterConcurrent(t *testing.T) {
	r, ft := newLimiter(100, time.Second)
	var taken atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if r.TryTake() {
					taken.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := taken.Load(); n != 100 {
		t.Errorf("8 goroutines took %d tokens from a full bucket of 100, want 100", n)
	}

	// Waiters share refilled tokens: each of 5 waiters gets exactly one.
	done := make(chan error, 5)
	for range 5 {
		go func() { done <- r.Wait(context.Background()) }()
	}
	asleep := make([]fakeTimer, 5)
	for i := range asleep {
		asleep[i] = <-ft.timers
		if asleep[i].d != 10*time.Millisecond {
			t.Errorf("waiter %d sleeps for %v, want 10ms", i, asleep[i].d)
		}
	}
	ft.Advance(50 * time.Millisecond) // 5 tokens
	for _, tm := range asleep {
		tm.c <- ft.Now()
	}
	woken := 0
	for woken < 5 {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Wait = %v", err)
			}
			woken++
		case tm := <-ft.timers:
			tm.c <- ft.Now()
		}
	}
	if n := len(ft.timers); n != 0 {
		t.Errorf("waiters slept %d more times with a token each available", n)
	}
	if r.TryTake() {
		t.Errorf("a sixth token was available")
	}
}

func BenchmarkTryTake(b *testing.B) {
	r := parallel.NewRateLimiter(1<<30, time.Nanosecond)
	b.ReportAllocs()
	for b.Loop() {
		r.TryTake()
	}
}

func BenchmarkTryTakeParallel(b *testing.B) {
	r := parallel.NewRateLimiter(1<<30, time.Nanosecond)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.TryTake()
		}
	})
}
