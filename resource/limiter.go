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
type Limiter struct {
	name string

	init  sync.Once
	slots chan struct{} // one element per held slot; cap is the limit
	total atomic.Int64
}

// NewLimiter returns a limiter called name that admits at most max holders
// at once. A max below 1 is treated as 1.
func NewLimiter(name string, max int) *Limiter {
	if max < 1 {
		max = 1
	}
	return &Limiter{name: name, slots: make(chan struct{}, max)}
}

// sem returns the slot channel, creating it for a zero Limiter.
func (l *Limiter) sem() chan struct{} {
	l.init.Do(func() {
		if l.slots == nil {
			l.slots = make(chan struct{}, 1)
		}
	})
	return l.slots
}

// Acquire takes a slot, waiting until one is free or ctx ends. When ctx ends
// first, or has ended already, it takes nothing and returns an error with the
// text "resource <name>: acquire: <ctx err>" that wraps ctx.Err(), so
// errors.Is(err, context.Canceled) and the like hold. Waiters are not served
// in arrival order.
//
// Every successful Acquire must be paired with one [Limiter.Release].
func (l *Limiter) Acquire(ctx context.Context) error {
	sem := l.sem()
	if err := ctx.Err(); err != nil {
		return l.acquireError(err)
	}
	select {
	case sem <- struct{}{}:
		l.total.Add(1)
		return nil
	default:
	}
	select {
	case sem <- struct{}{}:
		l.total.Add(1)
		return nil
	case <-ctx.Done():
		return l.acquireError(ctx.Err())
	}
}

func (l *Limiter) acquireError(err error) error {
	return fmt.Errorf("resource %s: acquire: %w", l.name, err)
}

// TryAcquire takes a slot if one is free and reports whether it did. It never
// blocks. A true result must be paired with one [Limiter.Release].
func (l *Limiter) TryAcquire() bool {
	select {
	case l.sem() <- struct{}{}:
		l.total.Add(1)
		return true
	default:
		return false
	}
}

// Release gives back a slot taken by Acquire, TryAcquire or Go. It never
// blocks. Releasing a limiter with no slot held is a programming mistake:
// Release panics at once with "resource <name>: Release without matching
// Acquire", and Active stays at zero.
func (l *Limiter) Release() {
	select {
	case <-l.sem():
	default:
		panic(fmt.Sprintf("resource %s: Release without matching Acquire", l.name))
	}
}

// Go acquires a slot as [Limiter.Acquire] does and then runs fn in a new
// goroutine, which releases the slot when fn returns. It returns the acquire
// error, if any; fn is then not run.
//
// Go does not wait for fn. The caller owns the goroutine: fn should honour
// the caller's context, and acquiring all Max slots waits until every fn
// started by Go has returned.
func (l *Limiter) Go(ctx context.Context, fn func()) error {
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
func (l *Limiter) Active() int64 { return int64(len(l.sem())) }

// Total returns the number of successful acquisitions since the limiter was
// made, through Acquire, TryAcquire and Go.
func (l *Limiter) Total() int64 { return l.total.Load() }

// Max returns the most holders the limiter admits at once.
func (l *Limiter) Max() int { return cap(l.sem()) }

// Name returns the limiter's name.
func (l *Limiter) Name() string { return l.name }
