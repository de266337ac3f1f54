// Package circuitbreaker protects callers from a failing dependency.
//
// A [Breaker] wraps calls to the dependency. After a run of consecutive
// failures it opens and rejects calls at once with [ErrOpen] for a
// cool-down period; then it lets a few probes through, and closes again
// only when a probe succeeds.
//
//	b := circuitbreaker.New(circuitbreaker.Config{Threshold: 5, Timeout: 30 * time.Second})
//
//	err := b.Do(ctx, func(ctx context.Context) error {
//		return client.Send(ctx, req)
//	})
//	if errors.Is(err, circuitbreaker.ErrOpen) {
//		// the dependency is known to be down; fail fast
//	}
//
// # States
//
//	Closed    calls run; Threshold failures in a row open the breaker,
//	          and a success resets the run.
//	Open      calls return ErrOpen without running; once Timeout has
//	          passed, the next Do or State moves to HalfOpen.
//	HalfOpen  at most HalfOpenMax probes run at a time, others get
//	          ErrOpen; a probe success closes the breaker, a probe failure
//	          reopens it and restarts the timer.
//
// # Outcomes
//
// Every call that runs ends in one of three outcomes. nil is a success. An
// error for which [Config.IsFailure] returns true is a failure; by default
// every error except one matching [context.Canceled] is a failure, so a
// caller that gives up does not count against the dependency, while
// [context.DeadlineExceeded] does. Any other error is ignored: it changes no
// count and no state, and a half-open probe that ends this way frees its
// slot for the next caller. A panic in fn counts as a failure (freeing a
// probe slot) and is then re-raised. [Breaker.Counts] is cumulative and
// leaves out rejected calls and ignored outcomes.
//
// # Defaults
//
// The zero [Config] gives a breaker that opens after 5 consecutive failures,
// stays open for 30 s and allows 1 probe:
//
//	Threshold < 1     5 (values above 2^30−1 mean 2^30−1)
//	Timeout == 0      30 s; a negative Timeout half-opens at once
//	HalfOpenMax < 1   1
//	IsFailure nil     every error except context.Canceled
//
// # Errors
//
// [ErrOpen] is an *errors.Error with code "unavailable" and text
// "unavailable: circuit breaker is open". It is returned unwrapped, so both
// err == ErrOpen and errors.Is(err, ErrOpen) work. [Breaker.DoWithFallback]
// calls its fallback with ErrOpen only when the breaker rejects the call;
// errors from fn are returned as they are. A call with a ctx that is already
// done returns ctx.Err() without running fn and without using a probe slot.
// A nil fn gives an error with code validation instead of a panic.
//
// # Concurrency
//
// A Breaker is safe for concurrent use, and fn always runs outside the
// breaker's lock. In the Closed state a call costs a few atomic operations
// and no clock read: the state, the consecutive-failure count and a
// generation share one atomic word, and the clock is read only when the
// breaker opens and while it is open. A slow call that was admitted before a
// transition does not affect the period that follows it.
//
// OnStateChange fires for every transition, including one made lazily by
// [Breaker.State]. It runs after the lock is released, on the goroutine that
// caused the change and before that goroutine's Do or State returns, so it
// may call the breaker. Callbacks caused by different goroutines may run at
// the same time and, when transitions follow each other closely, in a
// different order than the transitions happened.
package circuitbreaker
