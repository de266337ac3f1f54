package parallel

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// Pool is a concurrency limit shared by [Map], [Do] and [FanOut] calls. It
// holds no goroutines and no other state: each call starts at most Workers
// goroutines of its own and stops them before it returns.
//
// A Pool is safe for concurrent use and may be shared by any number of
// calls; each call gets the full limit. The zero Pool, and a nil *Pool, run
// one call of fn at a time.
type Pool struct {
	workers int // as given to NewPool; limit treats < 1 as 1
}

// NewPool returns a Pool that lets each call run at most workers calls of fn
// at once. workers < 1 means 1.
func NewPool(workers int) *Pool {
	return &Pool{workers: workers}
}

// limit returns the number of workers, treating a nil or zero Pool as 1.
func (p *Pool) limit() int {
	if p == nil || p.workers < 1 {
		return 1
	}
	return p.workers
}

// Result is the outcome of one call: its value, or the error it returned.
// A Result is a plain value, owned by the caller once returned; the zero
// Result holds the zero value and no error.
type Result[T any] struct {
	Value T
	Err   error
}

// PanicError is the error of a call whose fn panicked. Value is the value
// passed to panic and Stack the stack of the panicking goroutine, as
// printed by [debug.Stack].
//
// A *PanicError is not modified after it is returned, so it is safe to
// share between goroutines. The zero value reads "parallel: panic: <nil>".
type PanicError struct {
	Value any
	Stack []byte
}

var _ error = (*PanicError)(nil)

// Error returns "parallel: panic: <value>".
func (e *PanicError) Error() string {
	return fmt.Sprintf("parallel: panic: %v", e.Value)
}

// errNilFunc is the error for a nil function.
var errNilFunc = errors.New("parallel: nil function")

// Map calls fn for every input, running at most p's limit of calls at once,
// and returns one [Result] per input, in input order.
//
// Each call receives ctx. Once ctx is done, inputs not yet started get
// Err = ctx.Err() and fn is never called for them; calls already running
// are not interrupted beyond what ctx tells them. A panic in fn becomes that
// input's Err as a [*PanicError]. Map returns only after every call it
// started has returned, and no goroutine it started outlives it. A nil fn
// gives every input an error.
func Map[In, Out any](ctx context.Context, p *Pool, inputs []In, fn func(context.Context, In) (Out, error)) []Result[Out] {
	results := make([]Result[Out], len(inputs))
	if fn == nil {
		for i := range results {
			results[i].Err = errNilFunc
		}
		return results
	}
	done := ctx.Done()
	run(p.limit(), len(inputs), func(start, end int) bool {
		for i := start; i < end; {
			i = mapRange(ctx, done, fn, inputs, results, i, end)
		}
		return true
	})
	return results
}

// mapRange runs fn over inputs[start:end] into results and returns end. If
// fn panics, it records the panic as that input's error and returns the
// index after it, so the caller resumes there: the recovery costs one
// deferred call per range rather than one per input. done is ctx.Done(),
// read once per Map.
func mapRange[In, Out any](ctx context.Context, done <-chan struct{}, fn func(context.Context, In) (Out, error),
	inputs []In, results []Result[Out], start, end int) (next int) {
	i := start
	defer func() {
		if v := recover(); v != nil {
			results[i].Err = &PanicError{Value: v, Stack: debug.Stack()}
			next = i + 1
		}
	}()
	for ; i < end; i++ {
		if done != nil { // nil for a ctx that is never done
			select {
			case <-done:
				results[i].Err = ctx.Err()
				continue
			default:
			}
		}
		v, err := fn(ctx, inputs[i])
		results[i].Value = v
		if err != nil { // results are zeroed: a nil error needs no write
			results[i].Err = err
		}
	}
	return end
}

// Do calls fn for every input, running at most p's limit of calls at once,
// and stops at the first failure.
//
// fn receives a ctx derived from ctx that is cancelled as soon as a call
// fails or panics. Do then starts no more inputs, waits for the calls
// already running, and returns that first error (a [*PanicError] for a
// panic); errors that follow it, typically caused by the cancellation, are
// not reported. Do returns nil when every call succeeds, and ctx.Err() when
// the caller's ctx ended before any call failed. No goroutine it started
// outlives it. A nil fn gives an error.
func Do[In any](ctx context.Context, p *Pool, inputs []In, fn func(context.Context, In) error) error {
	if fn == nil {
		return errNilFunc
	}
	if len(inputs) == 0 {
		return nil
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		first       atomic.Pointer[error]
		callerEnded atomic.Bool // the caller's ctx ended while work remained
	)
	run(p.limit(), len(inputs), func(start, end int) bool {
		for i := start; i < end; i++ {
			if runCtx.Err() != nil {
				if first.Load() == nil {
					callerEnded.Store(true)
				}
				return false
			}
			err := callErr(runCtx, fn, inputs[i])
			if err == nil {
				continue
			}
			if ctx.Err() != nil {
				// The caller gave up first; this error is most likely a
				// consequence.
				callerEnded.Store(true)
				return false
			}
			if first.CompareAndSwap(nil, heapErr(err)) {
				cancel()
			}
			return false
		}
		return true
	})
	if err := first.Load(); err != nil {
		return *err
	}
	if callerEnded.Load() {
		return ctx.Err()
	}
	return nil
}

// FanOut calls every function in fns with the same input, running at most
// p's limit at once, and returns their results in order. It is [Map] over
// fns: the same ctx, panic and cancellation rules apply. A nil function
// gives an error in its own slot.
func FanOut[In, Out any](ctx context.Context, p *Pool, input In, fns []func(context.Context, In) (Out, error)) []Result[Out] {
	return Map(ctx, p, fns, func(ctx context.Context, fn func(context.Context, In) (Out, error)) (Out, error) {
		if fn == nil {
			var zero Out
			return zero, errNilFunc
		}
		return fn(ctx, input)
	})
}

// run calls body(start, end) over consecutive ranges covering [0, n) on at
// most workers goroutines, the calling goroutine included, and returns when
// all have finished. Workers claim ranges in order from a shared counter, a
// small batch at a time, so that tiny tasks do not all contend on the
// counter while every worker still gets many batches to balance the load.
// When body returns false, its worker stops (the others see the same
// condition and stop too).
func run(workers, n int, body func(start, end int) bool) {
	workers = min(workers, n)
	if workers <= 0 {
		return
	}
	batch := min(max(n/(workers*32), 1), 64)
	var next atomic.Int64
	work := func() {
		for {
			start := int(next.Add(int64(batch))) - batch
			if start >= n {
				return
			}
			if !body(start, min(start+batch, n)) {
				return
			}
		}
	}
	var wg sync.WaitGroup
	// Wait even if body exits this goroutine with runtime.Goexit, so no
	// worker outlives the call.
	defer wg.Wait()
	for range workers - 1 {
		// Panics cannot escape: body recovers them.
		wg.Go(work)
	}
	work()
}

// callErr runs fn, turning a panic into a *PanicError. The pool
// survives a panicking item; the item gets the error.
func callErr[In any](ctx context.Context, fn func(context.Context, In) error, in In) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn(ctx, in)
}

// heapErr returns a pointer to a copy of err. It is a function of its own so
// that only failures pay for the allocation.
func heapErr(err error) *error { return &err }
