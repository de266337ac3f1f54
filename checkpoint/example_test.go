package checkpoint_test

import (
	"context"
	"fmt"
	"os"

	"github.com/greynewell/mist-go/checkpoint"
	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/platform"
)

func Example() {
	dir, _ := os.MkdirTemp("", "checkpoint-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	// First run: "load" completes, then the job stops before "score".
	t, err := checkpoint.Open(dir, "eval-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = t.Step(ctx, "load", func(ctx context.Context) (any, error) {
		fmt.Println("loading")
		return map[string]int{"rows": 12}, nil
	})
	t.Close()

	// Second run: "load" is skipped, "score" runs.
	t, err = checkpoint.Open(dir, "eval-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer t.Close()
	for _, step := range []string{"load", "score"} {
		err := t.Step(ctx, step, func(ctx context.Context) (any, error) {
			fmt.Println("running", step)
			return "ok", nil
		})
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(t.CompletedSteps())
	fmt.Println(t.Result("load"))
	// Output:
	// loading
	// running score
	// [load score]
	// map[rows:12]
}

func ExampleOpen_held() {
	dir, _ := os.MkdirTemp("", "checkpoint-example")
	defer os.RemoveAll(dir)

	first, _ := checkpoint.Open(dir, "nightly")
	defer first.Close()

	_, err := checkpoint.Open(dir, "nightly")
	fmt.Println(errors.Code(err))
	fmt.Println(errors.Is(err, platform.ErrLocked))

	_, err = checkpoint.Open(dir, "../escape")
	fmt.Println(errors.Code(err))
	// Output:
	// conflict
	// true
	// validation
}

func ExampleTracker_StepRetry() {
	dir, _ := os.MkdirTemp("", "checkpoint-example")
	defer os.RemoveAll(dir)
	t, _ := checkpoint.Open(dir, "flaky")
	defer t.Close()

	calls := 0
	err := t.StepRetry(context.Background(), "fetch", 3, func(ctx context.Context) (any, error) {
		calls++
		if calls == 1 {
			return nil, fmt.Errorf("connection reset")
		}
		return "payload", nil // the second attempt runs after a 100ms backoff
	})
	fmt.Println(err, calls, t.IsCompleted("fetch"))
	// Output:
	// <nil> 2 true
}

func ExampleValidRunID() {
	for _, id := range []string{"eval-2026_05", "a/b", ""} {
		fmt.Println(id, checkpoint.ValidRunID(id))
	}
	// Output:
	// eval-2026_05 true
	// a/b false
	//  false
}
