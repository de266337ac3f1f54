// Package retry calls an operation again after a failure, with exponential
// backoff and jitter.
//
// A [Policy] says how many attempts to make and how long to wait between
// them. [Do] retries every error, [DoWithClassifier] asks a [Classifier]
// whether an error is worth another attempt, and [DoAuto] classifies with
// the codes of the errors package ([errors.IsRetryable]).
//
//	err := retry.Do(ctx, retry.DefaultPolicy, func(ctx context.Context) error {
//		return transport.Send(ctx, msg)
//	})
//
// # Policies
//
// [DefaultPolicy] makes 3 attempts with waits of about 100 ms and 200 ms;
// [AggressivePolicy] makes 5 attempts with waits of about 50, 100, 200 and
// 400 ms. Both spread each wait by ±25%. A Policy is a plain struct, so it
// can come from configuration; its zero fields mean:
//
//	MaxAttempts < 1    one attempt ([Policy.Attempts] gives the effective count)
//	InitialWait ≤ 0    no wait between attempts
//	MaxWait ≤ 0        no cap on the wait
//	Multiplier < 1     1, a constant wait (NaN counts as 1 too)
//	Jitter             clamped to [0, 1] (NaN counts as 0)
//
// The zero Policy therefore calls fn once and never waits.
//
// # Waits
//
// Before retry i (i = 0, 1, …) the base wait is
// min(InitialWait·Multiplier^i, MaxWait), and the actual wait is drawn
// uniformly from [base·(1−Jitter), base·(1+Jitter)] with math/rand/v2.
// Waits saturate at the largest [time.Duration]. There is no wait after the
// final attempt. [Policy.TotalMaxWait] gives the worst case, the sum of
// base·(1+Jitter) over all retries:
//
//	retry.DefaultPolicy.TotalMaxWait()    // 375ms
//	retry.AggressivePolicy.TotalMaxWait() // 937.5ms
//
// # Results
//
//   - fn returns nil: the result is nil.
//   - The classifier says an error is permanent: that error, unchanged.
//   - The attempts run out: an [*ExhaustedError] with the attempt count and
//     the last error; errors.Is, errors.As and errors.Code see through it.
//   - ctx is done before the first attempt: ctx.Err(), and fn never runs.
//   - ctx ends during a wait or between attempts: errors.Join(ctx.Err(),
//     last), which matches both.
//   - fn is nil: an error with code validation (no panic).
//
// # Context
//
// Waits run on a timer that is stopped as soon as ctx is done, so
// cancellation aborts the retry loop at once. fn receives ctx and should
// honour it too; a retry loop cannot interrupt an attempt in progress.
//
// # Concurrency
//
// The package keeps no state and a Policy is a value, so every function is
// safe for concurrent use. A single call runs fn sequentially, never
// concurrently with itself, and returns only after its last attempt has
// returned.
//
// # Cost
//
// A call whose first attempt succeeds does not allocate and does little
// more than call fn: it checks ctx, calls fn and returns; the policy is not
// even looked at, and no timer is created, before the first failure.
package retry
