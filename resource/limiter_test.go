package resource_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greynewell/mist-go/resource"
)

// recoverPanic runs fn and returns what it panicked with, or nil.
func recoverPanic(fn func()) (v any) {
	defer func() { v = recover() }()
	fn()
	return nil
}

func TestNewLimiterMax(t *testing.T) {
	tests := []struct {
		max, want int
	}{
		{-5, 1},
		{0, 1},
		{1, 1},
		{3, 3},
		{100, 100},
	}
	for _, tt := range tests {
		l := resource.NewLimiter("x", tt.max)
		if got := l.Max(); got != tt.want {
			t.Errorf("NewLimiter(x, %d).Max() = %d, want %d", tt.max, got, tt.want)
		}
		// Exactly Max slots can be held at once.
		for i := range tt.want {
			if !l.TryAcquire() {
				t.Fatalf("NewLimiter(x, %d): TryAcquire #%d = false, want true", tt.max, i+1)
			}
		}
		if l.TryAcquire() {
			t.Errorf("NewLimiter(x, %d): TryAcquire beyond Max = true, want false", tt.max)
		}
	}
}

func TestLimiterCounters(t *testing.T) {
	l := resource.NewLimiter("infer-calls", 2)
	if got := l.Name(); got != "infer-calls" {
		t.Errorf("Name() = %q, want %q", got, "infer-calls")
	}
	steps := []struct {
		name          string
		do            func()
		active, total int64
	}{
		{"new", func() {}, 0, 0},
		{"Acquire", func() { l.Acquire(t.Context()) }, 1, 1},
		{"TryAcquire", func() { l.TryAcquire() }, 2, 2},
		{"TryAcquire when full", func() { l.TryAcquire() }, 2, 2},
		{"Release", l.Release, 1, 2},
		{"Release", l.Release, 0, 2},
		{"TryAcquire", func() { l.TryAcquire() }, 1, 3},
		{"Release", l.Release, 0, 3},
	}
	for _, s := range steps {
		s.do()
		if got := l.Active(); got != s.active {
			t.Errorf("after %s: Active() = %d, want %d", s.name, got, s.active)
		}
		if got := l.Total(); got != s.total {
			t.Errorf("after %s: Total() = %d, want %d", s.name, got, s.total)
		}
	}
}

// Fixed on purpose: NewLimiter("x", 1).Release() panics at once with the
// message instead of hanging.
func TestReleaseWithoutAcquire(t *testing.T) {
	l := resource.NewLimiter("x", 1)
	done := make(chan any, 1)
	go func() { done <- recoverPanic(l.Release) }()
	select {
	case v := <-done:
		want := "resource x: Release without matching Acquire"
		if v != want {
			t.Errorf("Release() panicked with %v, want %q", v, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Release() without Acquire is still blocked after 10s, want an immediate panic")
	}
	if got := l.Active(); got != 0 {
		t.Errorf("Active() after the panic = %d, want 0", got)
	}
	// The limiter still works.
	if !l.TryAcquire() {
		t.Error("TryAcquire after the panic = false, want true")
	}
}

func TestReleaseMoreThanAcquired(t *testing.T) {
	l := resource.NewLimiter("db", 3)
	l.TryAcquire()
	l.Release()
	v := recoverPanic(l.Release)
	if want := "resource db: Release without matching Acquire"; v != want {
		t.Errorf("extra Release() panicked with %v, want %q", v, want)
	}
	if got := l.Active(); got != 0 {
		t.Errorf("Active() = %d, want 0", got)
	}
}

func TestAcquireContextEnds(t *testing.T) {
	tests := []struct {
		name string
		ctx  func(t *testing.T) (context.Context, context.CancelFunc)
		want error
		text string
	}{
		{"cancelled before", func(t *testing.T) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			return ctx, cancel
		}, context.Canceled, "resource db: acquire: context canceled"},
		{"deadline while waiting", func(t *testing.T) (context.Context, context.CancelFunc) {
			return context.WithTimeout(t.Context(), 10*time.Millisecond)
		}, context.DeadlineExceeded, "resource db: acquire: context deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := resource.NewLimiter("db", 1)
			if !l.TryAcquire() {
				t.Fatal("TryAcquire on a new limiter = false")
			}
			ctx, cancel := tt.ctx(t)
			defer cancel()
			err := l.Acquire(ctx)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Acquire error = %v, want one matching %v", err, tt.want)
			}
			if got := err.Error(); got != tt.text {
				t.Errorf("Acquire error text = %q, want %q", got, tt.text)
			}
			if got := l.Active(); got != 1 {
				t.Errorf("Active() = %d, want 1 (the failed Acquire took nothing)", got)
			}
			if got := l.Total(); got != 1 {
				t.Errorf("Total() = %d, want 1", got)
			}
		})
	}
}

func TestAcquireCancelledWithFreeSlot(t *testing.T) {
	l := resource.NewLimiter("db", 1)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := l.Acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Acquire(cancelled) error = %v, want context.Canceled", err)
	}
	if got := l.Active(); got != 0 {
		t.Errorf("Active() = %d, want 0", got)
	}
}

// waitingContext is a context that reports, by closing waiting, the first
// time Done is called. Acquire asks for Done only to wait on it, once it has
// queued for a slot, so waiting closes once the caller is waiting.
type waitingContext struct {
	context.Context
	once    sync.Once
	waiting chan struct{}
}

func newWaitingContext(ctx context.Context) *waitingContext {
	return &waitingContext{Context: ctx, waiting: make(chan struct{})}
}

func (c *waitingContext) Done() <-chan struct{} {
	c.once.Do(func() { close(c.waiting) })
	return c.Context.Done()
}

func TestAcquireWaitsForRelease(t *testing.T) {
	l := resource.NewLimiter("db", 1)
	if err := l.Acquire(t.Context()); err != nil {
		t.Fatal(err)
	}
	type result struct {
		err          error
		afterRelease bool // the holder had begun Release when Acquire returned
	}
	var releasing atomic.Bool
	ctx := newWaitingContext(t.Context())
	done := make(chan result, 1)
	go func() {
		err := l.Acquire(ctx)
		done <- result{err, releasing.Load()}
	}()

	// The waiter found no free slot and is waiting.
	select {
	case <-ctx.waiting:
	case r := <-done:
		t.Fatalf("Acquire returned %v without waiting while the only slot was held", r.err)
	}
	// The holder still has the slot, so the waiter cannot have it.
	if l.TryAcquire() {
		l.Release()
		t.Fatal("TryAcquire while the only slot is held = true, want false")
	}
	if got := l.Active(); got != 1 {
		t.Errorf("Active() while the waiter waits = %d, want 1", got)
	}

	releasing.Store(true)
	l.Release()
	r := <-done
	if r.err != nil {
		t.Fatalf("Acquire after Release: %v", r.err)
	}
	if !r.afterRelease {
		t.Error("Acquire returned before the holder released")
	}
	if got := l.Active(); got != 1 {
		t.Errorf("Active() = %d, want 1", got)
	}
	l.Release()
}

func TestLimiterBoundsConcurrency(t *testing.T) {
	const (
		max     = 3
		workers = 20
	)
	l := resource.NewLimiter("db", max)
	var inside, peak atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			if err := l.Acquire(t.Context()); err != nil {
				t.Error(err)
				return
			}
			defer l.Release()
			n := inside.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			if a := l.Active(); a < 1 || a > max {
				t.Errorf("Active() = %d while holding, want 1..%d", a, max)
			}
			inside.Add(-1)
		})
	}
	wg.Wait()
	if got := peak.Load(); got > max {
		t.Errorf("most holders at once = %d, want at most %d", got, max)
	}
	if got := l.Total(); got != workers {
		t.Errorf("Total() = %d, want %d", got, workers)
	}
	if got := l.Active(); got != 0 {
		t.Errorf("Active() = %d, want 0", got)
	}
}

// TestLimiterWaitersGiveUp mixes holders with waiters whose ctx ends while
// they wait, possibly just as a Release hands them a slot: no slot may be
// lost or doubled, whatever the interleaving.
func TestLimiterWaitersGiveUp(t *testing.T) {
	const (
		max     = 2
		workers = 16
		rounds  = 200
	)
	l := resource.NewLimiter("db", max)
	var inside, peak, acquired atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				// Every other worker gives up after a short, varying
				// wait; the others wait as long as it takes.
				ctx, cancel := t.Context(), context.CancelFunc(func() {})
				if w%2 == 1 {
					ctx, cancel = context.WithTimeout(t.Context(), time.Duration(i%7)*time.Microsecond)
				}
				err := l.Acquire(ctx)
				cancel()
				if err != nil {
					if !errors.Is(err, context.DeadlineExceeded) {
						t.Errorf("Acquire: %v, want nil or a deadline error", err)
					}
					continue
				}
				acquired.Add(1)
				n := inside.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				runtime.Gosched() // hold the slot while others queue
				inside.Add(-1)
				l.Release()
			}
		})
	}
	wg.Wait()
	if got := peak.Load(); got > max {
		t.Errorf("most holders at once = %d, want at most %d", got, max)
	}
	if got, want := l.Total(), acquired.Load(); got != want {
		t.Errorf("Total() = %d, want the %d successful acquisitions", got, want)
	}
	if got := l.Active(); got != 0 {
		t.Errorf("Active() = %d, want 0", got)
	}
	for i := range max {
		if !l.TryAcquire() {
			t.Fatalf("TryAcquire #%d after the run = false: a slot was lost", i+1)
		}
	}
}

func TestLimiterGo(t *testing.T) {
	l := resource.NewLimiter("workers", 1)
	started := make(chan struct{})
	proceed := make(chan struct{})
	finished := make(chan struct{})
	if err := l.Go(t.Context(), func() {
		close(started)
		<-proceed
		close(finished)
	}); err != nil {
		t.Fatalf("Go() error: %v", err)
	}
	<-started
	if got := l.Active(); got != 1 {
		t.Errorf("Active() while fn runs = %d, want 1", got)
	}
	if l.TryAcquire() {
		t.Error("TryAcquire while fn holds the only slot = true, want false")
	}

	// With the slot taken, Go fails like Acquire and does not run fn.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ran := false
	if err := l.Go(ctx, func() { ran = true }); !errors.Is(err, context.Canceled) {
		t.Errorf("Go(cancelled) error = %v, want context.Canceled", err)
	}

	close(proceed)
	<-finished
	// Acquire succeeds only once the goroutine has released its slot.
	if err := l.Acquire(t.Context()); err != nil {
		t.Fatalf("Acquire after fn returned: %v", err)
	}
	l.Release()
	if ran {
		t.Error("Go(cancelled) ran fn")
	}
	if got := l.Total(); got != 2 {
		t.Errorf("Total() = %d, want 2", got)
	}
	waitGoExited(t)
}

// TestLimiterGoNil checks that Go refuses a nil fn with an error, before
// taking a slot, instead of starting a goroutine that would panic.
func TestLimiterGoNil(t *testing.T) {
	l := resource.NewLimiter("workers", 1)
	err := l.Go(t.Context(), nil)
	if err == nil || err.Error() != "resource workers: nil fn" {
		t.Fatalf("Go(nil) error = %v, want %q", err, "resource workers: nil fn")
	}
	if got, total := l.Active(), l.Total(); got != 0 || total != 0 {
		t.Errorf("after Go(nil): Active() = %d, Total() = %d, want 0, 0", got, total)
	}
	// Even with no free slot, the nil fn is refused at once.
	if !l.TryAcquire() {
		t.Fatal("TryAcquire = false")
	}
	defer l.Release()
	if err := l.Go(t.Context(), nil); err == nil || err.Error() != "resource workers: nil fn" {
		t.Errorf("Go(nil) with no free slot: error = %v, want %q", err, "resource workers: nil fn")
	}
}

// waitGoExited waits until every goroutine started by Limiter.Go has exited,
// polling the goroutine dump; it fails the test after a minute.
func waitGoExited(t *testing.T) {
	t.Helper()
	const creator = "created by github.com/greynewell/mist-go/resource.(*Limiter).Go"
	deadline := time.Now().Add(time.Minute)
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if !strings.Contains(string(buf[:n]), creator) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines started by Go are still running:\n%s", buf[:n])
		}
		runtime.Gosched()
	}
}

func TestLimiterGoMany(t *testing.T) {
	const n = 50
	l := resource.NewLimiter("workers", 4)
	var ran atomic.Int64
	for range n {
		if err := l.Go(t.Context(), func() { ran.Add(1) }); err != nil {
			t.Fatal(err)
		}
	}
	// Holding every slot means every fn has returned and released.
	for range l.Max() {
		if err := l.Acquire(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if got := ran.Load(); got != n {
		t.Errorf("fn ran %d times, want %d", got, n)
	}
	for range l.Max() {
		l.Release()
	}
	waitGoExited(t)
}

func TestZeroLimiter(t *testing.T) {
	var l resource.Limiter
	if got := l.Max(); got != 1 {
		t.Errorf("zero Limiter Max() = %d, want 1", got)
	}
	if err := l.Acquire(t.Context()); err != nil {
		t.Fatalf("zero Limiter Acquire: %v", err)
	}
	if l.TryAcquire() {
		t.Error("zero Limiter TryAcquire while held = true, want false")
	}
	l.Release()
	if v := recoverPanic(l.Release); v != "resource : Release without matching Acquire" {
		t.Errorf("zero Limiter extra Release panicked with %v", v)
	}
}
