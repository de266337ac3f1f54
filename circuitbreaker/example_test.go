package circuitbreaker_test

import (
	"context"
	stderrors "errors"
	"fmt"
	"time"

	"github.com/greynewell/mist-go/circuitbreaker"
	"github.com/greynewell/mist-go/errors"
)

func Example() {
	ctx := context.Background()
	b := circuitbreaker.New(circuitbreaker.Config{
		Threshold: 2,
		Timeout:   10 * time.Second,
		OnStateChange: func(from, to circuitbreaker.State) {
			fmt.Println("breaker:", from, "->", to)
		},
	})
	down := func(ctx context.Context) error { return stderrors.New("connection refused") }

	fmt.Println(b.Do(ctx, down))
	fmt.Println(b.Do(ctx, down)) // the second failure in a row opens it
	err := b.Do(ctx, down)       // rejected without calling down
	fmt.Println(err, errors.Is(err, circuitbreaker.ErrOpen), errors.Code(err))
	fmt.Println(b.State())
	fmt.Println(b.Counts())
	// Output:
	// connection refused
	// breaker: closed -> open
	// connection refused
	// unavailable: circuit breaker is open true unavailable
	// open
	// 0 2
}

// A negative Timeout half-opens at once, which shows the whole cycle
// without waiting: a failed probe reopens the breaker, a successful one
// closes it.
func ExampleBreaker_Do() {
	ctx := context.Background()
	b := circuitbreaker.New(circuitbreaker.Config{
		Threshold: 1,
		Timeout:   -1,
		OnStateChange: func(from, to circuitbreaker.State) {
			fmt.Println(from, "->", to)
		},
	})
	_ = b.Do(ctx, func(ctx context.Context) error { return stderrors.New("timeout") })
	fmt.Println(b.State())
	_ = b.Do(ctx, func(ctx context.Context) error { return nil }) // the probe
	fmt.Println(b.State())
	// Output:
	// closed -> open
	// open -> half-open
	// half-open
	// half-open -> closed
	// closed
}

func ExampleBreaker_DoWithFallback() {
	ctx := context.Background()
	b := circuitbreaker.New(circuitbreaker.Config{Threshold: 1, Timeout: time.Minute})
	cached := func(ctx context.Context, err error) error {
		fmt.Println("serving cached answer because:", err)
		return nil
	}
	failing := func(ctx context.Context) error { return stderrors.New("infermux: 502") }

	fmt.Println(b.DoWithFallback(ctx, failing, cached)) // fn's error, no fallback
	fmt.Println(b.DoWithFallback(ctx, failing, cached)) // rejected: fallback
	// Output:
	// infermux: 502
	// serving cached answer because: unavailable: circuit breaker is open
	// <nil>
}

func ExampleConfig_isFailure() {
	ctx := context.Background()
	// Only server-side trouble counts; a bad request says nothing about the
	// dependency's health.
	b := circuitbreaker.New(circuitbreaker.Config{
		Threshold: 1,
		IsFailure: func(err error) bool { return errors.Code(err) != errors.CodeValidation },
	})
	_ = b.Do(ctx, func(ctx context.Context) error { return errors.New(errors.CodeValidation, "empty prompt") })
	succ, fails := b.Counts()
	fmt.Println(b.State(), succ, fails)
	// Output: closed 0 0
}

func ExampleState_String() {
	fmt.Println(circuitbreaker.Closed, circuitbreaker.Open, circuitbreaker.HalfOpen)
	// Output: closed open half-open
}
