package benchmarks

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/greynewell/mist-go/retry"
	goretry "github.com/sethvargo/go-retry"
)

// Retry with a first attempt that succeeds: retry.Do next to
// cenkalti/backoff/v5 and sethvargo/go-retry, each configured for the same
// policy as retry.DefaultPolicy (3 attempts, 100 ms doubling, ±25%
// jitter). Nothing waits, so the rows measure the set-up and bookkeeping a
// retry helper adds to a call that does not need it. Each peer is used the
// way its documentation shows, building its per-call back-off state inside
// the call, because that state is not safe to share between calls. The
// floor is the same function called directly.

// retriers returns each helper set up to run fn with the default policy.
func retriers(fn func(context.Context) error) []struct {
	name string
	call func(context.Context) error
} {
	return []struct {
		name string
		call func(context.Context) error
	}{
		{"mist", func(ctx context.Context) error { return retry.Do(ctx, retry.DefaultPolicy, fn) }},
		{"backoff", func(ctx context.Context) error {
			eb := backoff.NewExponentialBackOff()
			eb.InitialInterval, eb.Multiplier, eb.RandomizationFactor, eb.MaxInterval = 100*time.Millisecond, 2, 0.25, 5*time.Second
			_, err := backoff.Retry(ctx, func() (struct{}, error) { return struct{}{}, fn(ctx) },
				backoff.WithBackOff(eb), backoff.WithMaxTries(3))
			return err
		}},
		{"go-retry", func(ctx context.Context) error {
			bo := goretry.WithMaxRetries(2, goretry.WithJitterPercent(25,
				goretry.WithCappedDuration(5*time.Second, goretry.NewExponential(100*time.Millisecond))))
			return goretry.Do(ctx, bo, fn)
		}},
		{"floor", fn},
	}
}

func BenchmarkRetryFirstTry(b *testing.B) {
	ctx := context.Background()
	for _, bm := range retriers(succeed) {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bm.call(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestRetryPeersAgree checks that each helper calls a succeeding function
// once and returns nil, and gives up after 3 attempts of a failing one
// (with the waits shortened so the test stays fast).
func TestRetryPeersAgree(t *testing.T) {
	ctx := context.Background()
	calls := 0
	count := func(context.Context) error { calls++; return nil }
	for _, bm := range retriers(count) {
		calls = 0
		err := bm.call(ctx)
		if err != nil || calls != 1 {
			t.Errorf("%s on success: err %v after %d calls, want nil after 1", bm.name, err, calls)
		}
	}

	boom := errors.New("boom")
	fail := func(n *int) func(context.Context) error {
		return func(context.Context) error { *n++; return goretry.RetryableError(boom) }
	}
	var ours, bo, gr int
	p := retry.DefaultPolicy
	p.InitialWait = time.Microsecond
	if err := retry.Do(ctx, p, fail(&ours)); !errors.Is(err, boom) || ours != 3 {
		t.Errorf("mist: err %v after %d calls, want boom after 3", err, ours)
	}
	eb := backoff.NewExponentialBackOff()
	eb.InitialInterval = time.Microsecond
	if _, err := backoff.Retry(ctx, func() (struct{}, error) { return struct{}{}, fail(&bo)(ctx) },
		backoff.WithBackOff(eb), backoff.WithMaxTries(3)); !errors.Is(err, boom) || bo != 3 {
		t.Errorf("backoff: err %v after %d calls, want boom after 3", err, bo)
	}
	if err := goretry.Do(ctx, goretry.WithMaxRetries(2, goretry.NewExponential(time.Microsecond)), fail(&gr)); !errors.Is(err, boom) || gr != 3 {
		t.Errorf("go-retry: err %v after %d calls, want boom after 3", err, gr)
	}
}
