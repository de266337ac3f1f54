package retry_test

import (
	"context"
	stderrors "errors"
	"fmt"
	"net"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/retry"
)

// send stands in for transport.Send: it fails twice, then succeeds.
type sender struct{ calls int }

func (s *sender) Send(ctx context.Context, msg string) error {
	s.calls++
	if s.calls < 3 {
		return errors.New(errors.CodeTransport, "connection refused")
	}
	fmt.Println("sent", msg)
	return nil
}

func Example() {
	ctx := context.Background()
	transport := &sender{}
	msg := "infer.request"

	// A quick policy so the example runs fast; retry.DefaultPolicy waits
	// about 100 ms and then 200 ms.
	policy := retry.Policy{MaxAttempts: 3, InitialWait: time.Millisecond, Multiplier: 2, Jitter: 0.25}
	err := retry.Do(ctx, policy, func(ctx context.Context) error {
		return transport.Send(ctx, msg)
	})
	fmt.Println(err, transport.calls)
	// Output:
	// sent infer.request
	// <nil> 3
}

func ExampleDo() {
	ctx := context.Background()
	err := retry.Do(ctx, retry.DefaultPolicy, func(ctx context.Context) error {
		return nil // succeeds at once, so nothing waits
	})
	fmt.Println(err)
	// Output: <nil>
}

func ExamplePolicy() {
	// Custom policy.
	policy := retry.Policy{
		MaxAttempts: 5,
		InitialWait: 200 * time.Millisecond,
		MaxWait:     10 * time.Second,
		Multiplier:  2.0,
		Jitter:      0.25,
	}
	fmt.Println(policy.Attempts(), policy.TotalMaxWait())

	// Zero fields mean defaults: one attempt, no wait.
	fmt.Println(retry.Policy{}.Attempts(), retry.Policy{}.TotalMaxWait())
	// Output:
	// 5 3.75s
	// 1 0s
}

func ExamplePolicy_TotalMaxWait() {
	fmt.Println(retry.DefaultPolicy.TotalMaxWait())
	fmt.Println(retry.AggressivePolicy.TotalMaxWait())
	// Output:
	// 375ms
	// 937.5ms
}

func ExampleDoAuto() {
	ctx := context.Background()
	calls := 0
	err := retry.DoAuto(ctx, retry.DefaultPolicy, func(ctx context.Context) error {
		calls++
		return errors.New(errors.CodeValidation, "prompt is empty") // permanent
	})
	fmt.Println(err, calls)

	calls = 0
	quick := retry.Policy{MaxAttempts: 3, InitialWait: time.Millisecond}
	err = retry.DoAuto(ctx, quick, func(ctx context.Context) error {
		calls++
		return errors.New(errors.CodeUnavailable, "infermux is draining") // transient
	})
	fmt.Println(err, calls)
	fmt.Println(errors.Code(err))
	// Output:
	// validation: prompt is empty 1
	// retry: gave up after 3 attempts: unavailable: infermux is draining 3
	// unavailable
}

// timeoutError is a net.Error that reports a timeout.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

var _ net.Error = timeoutError{}

func ExampleDoWithClassifier() {
	ctx := context.Background()
	classifier := func(err error) bool {
		// Only retry on network errors, not application errors.
		var netErr net.Error
		return errors.As(err, &netErr) && netErr.Timeout()
	}

	calls := 0
	fn := func(ctx context.Context) error {
		calls++
		if calls == 1 {
			return fmt.Errorf("dial infermux: %w", timeoutError{})
		}
		return nil
	}
	err := retry.DoWithClassifier(ctx, retry.DefaultPolicy, classifier, fn)
	fmt.Println(err, calls)

	calls = 0
	err = retry.DoWithClassifier(ctx, retry.DefaultPolicy, classifier, func(ctx context.Context) error {
		calls++
		return stderrors.New("model not loaded")
	})
	fmt.Println(err, calls)
	// Output:
	// <nil> 2
	// model not loaded 1
}

func ExampleExhaustedError() {
	last := errors.New(errors.CodeTimeout, "infermux did not answer")
	err := retry.Do(context.Background(), retry.Policy{MaxAttempts: 2}, func(ctx context.Context) error {
		return last
	})

	var ex *retry.ExhaustedError
	if errors.As(err, &ex) {
		fmt.Println(ex.Attempts)
	}
	fmt.Println(errors.Is(err, last), errors.Code(err))
	fmt.Println(err)
	// Output:
	// 2
	// true timeout
	// retry: gave up after 2 attempts: timeout: infermux did not answer
}
