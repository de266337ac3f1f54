package resource

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// Limiter is a named counting semaphore: at most Max holders at a time.
//
// A *Limiter is safe for concurrent use. A zero Limiter is usable: it has an
// empty name and admits one holder at a time, like NewLimiter("", 1). A
// Limiter must not be copied after first use.
//
// Taking a free slot and releasing one with nobody waiting are each one
// compare-and-swap on the count of held slots; only a caller that has to
// wait, and the Release that hands it a slot, take the limiter's mutex.
type Limiter struct {
	name  string
	max   int64 // as given to NewLimiter; limit treats < 1 as 1
	held  atomic.Int64
	total atomic.Int64

	// waiting counts callers between registering under mu and leaving the
	// queue, so Release can skip mu while it is 0.
	waiting atomic.Int64
	mu      sync.Mutex
	queue   []*waiter // guarded by mu; first come, first served
}

// waiter is an Acquire waiting for a slot. Release hands it one by taking
// the slot on its behalf, setting granted and closing ready, under mu.
type waiter struct {
	ready   chan struct{}
	granted bool // guarded by mu
}

// NewLimiter returns a limiter called name that admits at most max holders
// at once. A max below 1 is treated as 1.
func NewLimiter(name string, max int) *Limiter {
	return &Limiter{name: name, max: int64(max)}
}

// limit is the effective maximum: max, or 1 when max < 1 (as in a zero
// Limiter).
func (l *Limiter) limit() int64 {
	if l.max < 1 {
		return 1
	}
	return l.max
}

// take takes a slot if one is free and reports whether it did.
func (l *Limiter) take() bool {
	limit := l.limit()
	for {
		n := l.held.Load()
		if n >= limit {
			return false
		}
		if l.held.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// Acquire takes a slot, waiting until one is free or ctx ends. When ctx ends
// first, or has ended already, it takes nothing and returns an error with the
// text "resource <name>: acquire: <ctx err>" that wraps ctx.Err(), so
// errors.Is(err, context.Canceled) and the like hold. Waiters are served in
// arrival order by Release, but a caller arriving just as a slot frees up
// may take it first.
//
// Every successful Acquire must be paired with one [Limiter.Release].
func (l *Limiter) Acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return l.acquireError(err)
	}
	if l.take() {
		l.total.Add(1)
		return nil
	}
	return l.wait(ctx)
}

// wait queues the caller until Release hands it a slot or ctx ends.
func (l *Limiter) wait(ctx context.Context) error {
	l.mu.Lock()
	// Register before trying again: a Release that frees a slot after
	// this try sees waiting > 0 and hands the slot over under mu.
	l.waiting.Add(1)
	if l.take() {
		l.waiting.Add(-1)
		l.mu.Unlock()
		l.total.Add(1)
		return nil
	}
	w := &waiter{ready: make(chan struct{})}
	l.queue = append(l.queue, w)
	l.mu.Unlock()

	select {
	case <-w.ready:
		l.total.Add(1)
		return nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	if w.granted {
		// Release handed us a slot as ctx ended: pass it on.
		l.mu.Unlock()
		l.Release()
	} else {
		for i, q := range l.queue {
			if q == w {
				l.queue = append(l.queue[:i], l.queue[i+1:]...)
				break
			}
		}
		l.waiting.Add(-1)
		l.mu.Unlock()
	}
	return l.acquireError(ctx.Err())
}

func (l *Limiter) acquireError(err error) error {
	return fmt.Errorf("resource %s: acquire: %w", l.name, err)
}

// TryAcquire takes a slot if one is free and reports whether it did. It never
// blocks. A true result must be paired with one [Limiter.Release].
func (l *Limiter) TryAcquire() bool {
	if l.take() {
		l.total.Add(1)
		return true
	}
	return false
}

// Release gives back a slot taken by Acquire, TryAcquire or Go. It never
// blocks: it waits for nothing, and takes the limiter's mutex only while
// an Acquire is waiting, briefly, to hand it the slot. Releasing a limiter
// with no slot held is a programming mistake: Release panics at once with
// "resource <name>: Release without matching Acquire", and Active stays at
// zero.
func (l *Limiter) Release() {
	for {
		n := l.held.Load()
		if n <= 0 {
			panic(fmt.Sprintf("resource %s: Release without matching Acquire", l.name))
		}
		if l.held.CompareAndSwap(n, n-1) {
			break
		}
	}
	if l.waiting.Load() == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queue) == 0 || !l.take() {
		// Nobody queued yet (a registering waiter tries again itself), or
		// another caller took the slot first; its Release hands over.
		return
	}
	w := l.queue[0]
	l.queue[0] = nil
	l.queue = l.queue[1:]
	l.waiting.Add(-1)
	w.granted = true
	close(w.ready)
}

// Go acquires a slot as [Limiter.Acquire] does and then runs fn in a new
// goroutine, which releases the slot when fn returns. It returns the acquire
// error, if any; fn is then not run. A nil fn acquires nothing and gives the
// error "resource <name>: nil fn", rather than a panic in the new goroutine
// that no caller could recover.
//
// Go does not wait for fn. The caller owns the goroutine: fn should honour
// the caller's context, and acquiring all Max slots waits until every fn
// started by Go has returned.
func (l *Limiter) Go(ctx context.Context, fn func()) error {
	if fn == nil {
		return fmt.Errorf("resource %s: nil fn", l.name)
	}
	if err := l.Acquire(ctx); err != nil {
		return err
	}
	// A panic in fn is not recovered: the deferred Release frees the slot,
	// then the panic crashes the program like in any other goroutine.
	go func() {
		defer l.Release()
		fn()
	}()
	return nil
}

// Active returns the number of slots held right now, between 0 and Max.
func (l *Limiter) Active() int64 { return l.held.Load() }

// Total returns the number of successful acquisitions since the limiter was
// made, through Acquire, TryAcquire and Go.
func (l *Limiter) Total() int64 { return l.total.Load() }

// Max returns the most holders the limiter admits at once.
func (l *Limiter) Max() int { return int(l.limit()) }

// Name returns the limiter's name.
func (l *Limiter) Name() string { return l.name }
