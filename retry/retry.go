package retry

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/greynewell/mist-go/errors"
)

// Policy describes how often and how patiently an operation is retried.
//
// A Policy is a plain value: copy it, store it in configuration, share it
// between goroutines. Its zero fields mean documented defaults, so the zero
// Policy makes exactly one attempt and never waits:
//
//   - MaxAttempts < 1 means 1 ([Policy.Attempts] reports the effective count).
//   - InitialWait ≤ 0 means no wait between attempts.
//   - MaxWait ≤ 0 means the wait is not capped.
//   - Multiplier < 1 (or NaN) means 1, a constant wait.
//   - Jitter is clamped to [0, 1]; NaN means 0.
type Policy struct {
	// MaxAttempts is the number of times fn is called at most, the first
	// call included.
	MaxAttempts int
	// InitialWait is the base wait before the first retry.
	InitialWait time.Duration
	// MaxWait caps the base wait before any retry.
	MaxWait time.Duration
	// Multiplier scales the base wait from one retry to the next.
	Multiplier float64
	// Jitter spreads each wait uniformly over base·(1±Jitter).
	Jitter float64
}

// DefaultPolicy makes 3 attempts, waiting about 100 ms and then 200 ms, with
// 25% jitter: at most 375 ms of waiting in all.
var DefaultPolicy = Policy{MaxAttempts: 3, InitialWait: 100 * time.Millisecond, MaxWait: 5 * time.Second, Multiplier: 2.0, Jitter: 0.25}

// AggressivePolicy makes 5 attempts, waiting about 50, 100, 200 and 400 ms,
// with 25% jitter: at most 937.5 ms of waiting in all.
var AggressivePolicy = Policy{MaxAttempts: 5, InitialWait: 50 * time.Millisecond, MaxWait: 10 * time.Second, Multiplier: 2.0, Jitter: 0.25}

// Classifier reports whether an error is transient, so that the operation
// that returned it is worth another attempt. A nil Classifier retries every
// error. A Classifier shared between concurrent calls must be safe for
// concurrent use; it is called on the goroutine that called the retry
// function.
type Classifier func(error) bool

// ExhaustedError is returned when every attempt allowed by the policy has
// failed. errors.Is, errors.As and errors.Code see through it to the last
// error.
//
// An *ExhaustedError is not modified after it is returned, so it is safe to
// share between goroutines. The zero value, which the package never
// returns, reads "retry: gave up after 0 attempts: <nil>".
type ExhaustedError struct {
	// Attempts is the number of attempts made.
	Attempts int
	// Err is the error returned by the last attempt.
	Err error
}

var _ error = (*ExhaustedError)(nil)

// Error returns "retry: gave up after N attempts: <err>".
func (e *ExhaustedError) Error() string {
	return fmt.Sprintf("retry: gave up after %d attempts: %v", e.Attempts, e.Err)
}

// Unwrap returns the error of the last attempt.
func (e *ExhaustedError) Unwrap() error { return e.Err }

// Do calls fn until it returns nil, retrying every error, as p allows.
//
// It returns nil on success, an [*ExhaustedError] wrapping the last error
// when the attempts run out, ctx.Err() when ctx is done before the first
// attempt, and errors.Join(ctx.Err(), last) when ctx ends between attempts.
// A nil fn gives an error with code validation.
func Do(ctx context.Context, p Policy, fn func(context.Context) error) error {
	return run(ctx, p, nil, fn, sleep, rand.Float64)
}

// DoWithClassifier is like [Do], but an error for which classify returns
// false is returned unchanged at once. A nil classify retries every error.
func DoWithClassifier(ctx context.Context, p Policy, classify Classifier, fn func(context.Context) error) error {
	return run(ctx, p, classify, fn, sleep, rand.Float64)
}

// DoAuto is like [DoWithClassifier] with [errors.IsRetryable] as the
// classifier: errors coded timeout, transport, unavailable, rate_limit or
// internal (which includes plain errors) are retried; validation, auth,
// not_found, conflict, protocol and cancelled errors are returned at once.
func DoAuto(ctx context.Context, p Policy, fn func(context.Context) error) error {
	return run(ctx, p, errors.IsRetryable, fn, sleep, rand.Float64)
}

// run is the retry loop. wait blocks for d or until ctx is done, and random
// returns a value in [0, 1); the exported functions pass the real ones, and
// tests pass recorders. Nothing here allocates before the first failure.
//
// run makes the first attempt itself and leaves the rest to retryFrom, so
// that it stays small enough to be inlined: a call whose first attempt
// succeeds costs a ctx check and the call of fn.
func run(ctx context.Context, p Policy, classify Classifier, fn func(context.Context) error,
	wait func(context.Context, time.Duration) error, random func() float64) error {
	if fn == nil {
		return errNilFn
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := fn(ctx)
	if err == nil {
		return nil
	}
	return retryFrom(ctx, p, classify, fn, wait, random, err)
}

// errNilFn is returned for a nil fn.
var errNilFn = errors.New(errors.CodeValidation, "retry: fn is nil")

// retryFrom continues run after a first attempt that failed with first.
func retryFrom(ctx context.Context, p Policy, classify Classifier, fn func(context.Context) error,
	wait func(context.Context, time.Duration) error, random func() float64, first error) error {
	n := p.Attempts()
	last := first
	for i := 0; ; i++ {
		if classify != nil && !classify(last) {
			return last
		}
		if i+1 >= n {
			return &ExhaustedError{Attempts: n, Err: last}
		}
		if err := wait(ctx, p.delay(i, random())); err != nil {
			return errors.Join(err, last)
		}
		if err := ctx.Err(); err != nil {
			return errors.Join(err, last)
		}
		err := fn(ctx)
		if err == nil {
			return nil
		}
		last = err
	}
}

// sleep waits for d on a timer, returning early with ctx.Err() when ctx is
// done first. A d ≤ 0 does not wait.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Attempts returns the effective number of attempts: MaxAttempts, or 1 when
// MaxAttempts < 1.
func (p Policy) Attempts() int {
	return max(p.MaxAttempts, 1)
}

// TotalMaxWait returns the longest time the policy can spend waiting: the
// sum over retries i = 0…Attempts()−2 of min(InitialWait·Multiplier^i,
// MaxWait)·(1+Jitter), saturating at the largest Duration. It is 0 for a
// single attempt.
func (p Policy) TotalMaxWait() time.Duration {
	retries := p.Attempts() - 1
	if retries == 0 || p.InitialWait <= 0 {
		return 0
	}
	m, j := p.multiplier(), p.jitter()
	limit := maxDuration / (1 + j) // a sum of bases at or above this saturates
	capped := p.MaxWait > 0
	maxWait := float64(p.MaxWait)
	base := float64(p.InitialWait)
	var sum float64
	// Add terms one by one while the base still grows; this is exact for
	// every practical policy. The loop ends early when the base reaches the
	// cap (the remaining terms are all equal) or the sum saturates.
	const exactTerms = 10000
	i := 0
	for ; i < retries && i < exactTerms; i++ {
		if capped && base >= maxWait {
			break
		}
		sum += base
		if sum >= limit {
			return math.MaxInt64
		}
		base *= m
	}
	if rest := float64(retries - i); rest > 0 {
		switch {
		case capped && base >= maxWait:
			sum += rest * maxWait
		case m == 1:
			sum += rest * base
		default:
			// A multiplier so close to 1 that the base grows for more than
			// exactTerms retries: finish with the geometric series.
			growing := rest
			if capped {
				growing = min(rest, math.Ceil(math.Log(maxWait/base)/math.Log(m)))
			}
			sum += base * math.Expm1(growing*math.Log1p(m-1)) / (m - 1)
			if capped {
				sum += (rest - growing) * maxWait
			}
		}
	}
	return toDuration(sum * (1 + j))
}

// maxDuration is the largest Duration as a float64 (rounded up to 2^63).
const maxDuration = float64(math.MaxInt64)

// toDuration converts nanoseconds to a Duration, saturating at the largest
// Duration. NaN and negative values give 0.
func toDuration(ns float64) time.Duration {
	switch {
	case ns >= maxDuration:
		return math.MaxInt64
	case ns > 0:
		return time.Duration(ns)
	}
	return 0
}

// multiplier is the normalised Multiplier: at least 1, NaN treated as 1.
func (p Policy) multiplier() float64 {
	if !(p.Multiplier >= 1) {
		return 1
	}
	return p.Multiplier
}

// jitter is the normalised Jitter: clamped to [0, 1], NaN treated as 0.
func (p Policy) jitter() float64 {
	switch {
	case !(p.Jitter >= 0):
		return 0
	case p.Jitter > 1:
		return 1
	}
	return p.Jitter
}

// base returns min(InitialWait·Multiplier^i, MaxWait) in nanoseconds, or 0
// when InitialWait ≤ 0.
func (p Policy) base(i int) float64 {
	if p.InitialWait <= 0 {
		return 0
	}
	b := float64(p.InitialWait) * math.Pow(p.multiplier(), float64(i))
	if p.MaxWait > 0 && b > float64(p.MaxWait) {
		b = float64(p.MaxWait)
	}
	return b
}

// delay returns the wait before retry i for a random value r in [0, 1):
// base·(1−Jitter+2·r·Jitter), which is uniform over
// [base·(1−Jitter), base·(1+Jitter)], saturating at the largest Duration.
// The factor is computed first so that a huge base cannot overflow into
// NaN.
func (p Policy) delay(i int, r float64) time.Duration {
	b := p.base(i)
	if math.IsInf(b, 1) {
		return math.MaxInt64
	}
	j := p.jitter()
	if j == 0 {
		return toDuration(b)
	}
	return toDuration(b * (1 - j + 2*r*j))
}
