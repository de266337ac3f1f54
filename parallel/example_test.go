package parallel_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/greynewell/mist-go/parallel"
)

func ExampleMap() {
	ctx := context.Background()
	pool := parallel.NewPool(4)
	prompts := []string{"alpha", "", "gamma"}

	results := parallel.Map(ctx, pool, prompts, func(ctx context.Context, p string) (string, error) {
		if p == "" {
			return "", errors.New("empty prompt")
		}
		return strings.ToUpper(p), nil
	})
	for i, r := range results { // same order as prompts
		fmt.Println(i, r.Value, r.Err)
	}
	// Output:
	// 0 ALPHA <nil>
	// 1  empty prompt
	// 2 GAMMA <nil>
}

func ExampleDo() {
	ctx := context.Background()
	pool := parallel.NewPool(2)
	suites := []string{"unit", "lint", "broken", "e2e"}

	err := parallel.Do(ctx, pool, suites, func(ctx context.Context, suite string) error {
		if suite == "broken" {
			return fmt.Errorf("suite %s: 3 failures", suite)
		}
		return nil
	})
	fmt.Println(err)
	// Output: suite broken: 3 failures
}

func ExampleFanOut() {
	ctx := context.Background()
	length := func(ctx context.Context, s string) (int, error) { return len(s), nil }
	words := func(ctx context.Context, s string) (int, error) { return len(strings.Fields(s)), nil }

	results := parallel.FanOut(ctx, parallel.NewPool(2), "to be or not to be",
		[]func(context.Context, string) (int, error){length, words, nil})
	for _, r := range results {
		fmt.Println(r.Value, r.Err)
	}
	// Output:
	// 18 <nil>
	// 6 <nil>
	// 0 parallel: nil function
}

func ExamplePanicError() {
	results := parallel.Map(context.Background(), parallel.NewPool(2), []int{1, 0}, func(ctx context.Context, n int) (int, error) {
		return 10 / n, nil // panics for 0
	})
	fmt.Println(results[0].Value)
	var pe *parallel.PanicError
	if errors.As(results[1].Err, &pe) {
		fmt.Println(pe)
	}
	// Output:
	// 10
	// parallel: panic: runtime error: integer divide by zero
}

func ExampleRateLimiter() {
	limiter := parallel.NewRateLimiter(2, time.Minute) // 2 per minute, burst of 2
	fmt.Println(limiter.TryTake(), limiter.TryTake(), limiter.TryTake())

	// Wait would sleep about 30 s for the next token; give up after 10 ms.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	fmt.Println(limiter.Wait(ctx))
	// Output:
	// true true false
	// context deadline exceeded
}
