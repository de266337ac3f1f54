// Package parallel runs work with bounded concurrency.
//
// [Map] calls a function over many inputs, [FanOut] calls many functions on
// one input, and [Do] runs a function over many inputs and stops at the
// first failure. A [Pool] sets how many calls may run at once. Results keep
// input order, work stops early on cancellation, and panics become errors.
// [RateLimiter] is a token bucket for pacing calls to a rate-limited
// service.
//
//	pool := parallel.NewPool(8)
//	results := parallel.Map(ctx, pool, prompts, func(ctx context.Context, p string) (string, error) {
//		return infer(ctx, p)
//	})
//	for i, r := range results { // results[i] belongs to prompts[i]
//		...
//	}
//
// # Pools
//
// A Pool is only a limit: NewPool(8) lets each Map, Do or FanOut call run at
// most 8 calls of fn at once. It holds no goroutines, so it needs no Close,
// and one Pool may be shared by many calls; each call gets the whole limit.
// NewPool treats workers < 1 as 1, and a zero or nil Pool runs one call at a
// time.
//
// A call runs at most min(workers, len(inputs)) workers: the calling
// goroutine and up to workers-1 goroutines it starts. They claim inputs in
// order from a shared counter, in batches of up to 64 when there are many
// inputs, so 10,000 tiny tasks cost a few nanoseconds each rather than a
// goroutine each. [Map] and [FanOut] recover panics once per batch rather
// than once per input; most of what is left is writing the []Result.
//
// # Cancellation
//
// Before starting an input, a worker checks ctx. Once ctx is done, [Map] and
// [FanOut] give every input not yet started Err = ctx.Err() and never call
// fn for it; calls already running are told through their ctx and are
// waited for. [Do] derives a ctx for fn that it cancels at the first
// failure, starts no more inputs, and returns that first error; errors that
// follow (typically caused by the cancellation) are not reported. It returns
// ctx.Err() when the caller's ctx ended before anything failed.
//
// # Panics
//
// A panic in fn does not crash the process: the pool recovers it and the
// item's error becomes a [*PanicError] carrying the panic value and the
// stack. For Do, a panic is a failure like any other.
//
// # Goroutines
//
// Map, Do and FanOut return only after every call they started has
// returned, and no goroutine they start outlives them. A fn that ignores
// its ctx therefore delays the return of the call that runs it.
//
// # Rate limiting
//
//	limiter := parallel.NewRateLimiter(10, time.Second) // 10 per second, bursts of 10
//	if err := limiter.Wait(ctx); err != nil {
//		return err // ctx ended; no token was taken
//	}
//
// The bucket holds rate tokens, starts full, and refills continuously.
// [RateLimiter.TryTake] never blocks. [RateLimiter.Wait] sleeps on a timer
// until the next token is due, without polling, and returns ctx.Err()
// without taking a token if ctx ends first. NewRateLimiter treats rate < 1
// as 1 and interval ≤ 0 as 1 s.
//
// # Errors
//
// This package depends on no other mist-go module, so its errors are plain:
// a nil fn passed to Map or Do, or a nil function in FanOut's list, gives
// the error "parallel: nil function" (in every result for Map, in its own
// slot for FanOut, as the result of Do) instead of a panic.
//
// # Concurrency
//
// [Pool] and [RateLimiter] are safe for concurrent use. Map, Do and FanOut
// may be called from any number of goroutines; fn must be safe to call
// concurrently with itself.
package parallel
