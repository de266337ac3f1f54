package resource_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/greynewell/mist-go/resource"
)

func callInfermux(context.Context, string) {}

func ExampleLimiter() {
	ctx := context.Background()
	limiter := resource.NewLimiter("infer-calls", 10)

	if err := limiter.Acquire(ctx); err != nil {
		fmt.Println(err) // context was cancelled
		return
	}
	callInfermux(ctx, "req")
	limiter.Release()

	// Non-blocking try.
	if limiter.TryAcquire() {
		callInfermux(ctx, "req")
		limiter.Release()
	}

	fmt.Println(limiter.Name(), limiter.Active(), limiter.Total(), limiter.Max())
	// Output:
	// infer-calls 0 2 10
}

func ExampleLimiter_Acquire() {
	limiter := resource.NewLimiter("infer-calls", 1)
	limiter.TryAcquire() // the only slot is taken

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := limiter.Acquire(ctx)
	fmt.Println(err)
	fmt.Println(errors.Is(err, context.Canceled))
	// Output:
	// resource infer-calls: acquire: context canceled
	// true
}

func ExampleLimiter_Go() {
	ctx := context.Background()
	limiter := resource.NewLimiter("infer-calls", 2)

	var mu sync.Mutex
	done := 0
	for range 5 {
		if err := limiter.Go(ctx, func() {
			callInfermux(ctx, "req")
			mu.Lock()
			done++
			mu.Unlock()
		}); err != nil {
			fmt.Println(err)
		}
	}

	// Holding every slot waits for every function started by Go.
	for range limiter.Max() {
		limiter.Acquire(ctx)
	}
	fmt.Println(done, limiter.Total())
	// Output:
	// 5 7
}

// A Release without a matching Acquire is a programming mistake and panics
// at once.
func ExampleLimiter_Release_unmatched() {
	l := resource.NewLimiter("x", 1)
	defer func() { fmt.Println(recover()) }()
	l.Release()
	// Output:
	// resource x: Release without matching Acquire
}

func ExampleMemoryBudget() {
	budget := resource.NewMemoryBudget("eval-results", 512*1024*1024) // 512MB

	reserve := func(estimatedSize int64) error {
		if !budget.Reserve(estimatedSize) {
			return fmt.Errorf("memory budget exceeded")
		}
		// ... the caller releases when done with the data:
		// defer budget.Release(estimatedSize)
		return nil
	}

	fmt.Println(reserve(400 << 20))
	fmt.Println(reserve(200 << 20))
	fmt.Println(budget.Reserved()>>20, budget.Available()>>20)
	budget.Release(400 << 20)
	fmt.Println(budget.Available() >> 20)
	// Output:
	// <nil>
	// memory budget exceeded
	// 400 112
	// 512
}

func ExampleTakeSnapshot() {
	snap := resource.TakeSnapshot()
	fmt.Fprintf(os.Stderr, "heap: %d bytes, goroutines: %d, CPUs: %d\n",
		snap.HeapBytes, snap.Goroutines, snap.NumCPU)

	fmt.Println(snap.HeapBytes > 0, snap.Goroutines > 0, snap.NumCPU > 0)
	fmt.Println(resource.HeapUsage() > 0, resource.GoroutineCount() > 0)
	// Output:
	// true true true
	// true true
}

func ExampleMonitor() {
	infer := resource.NewLimiter("infer-calls", 10)
	results := resource.NewMemoryBudget("eval-results", 1<<20)

	m := resource.NewMonitor()
	m.Track(infer)
	m.TrackBudget(results)

	infer.TryAcquire()
	results.Reserve(4096)

	b, _ := json.Marshal(m.Status())
	fmt.Println(string(b))
	// Output:
	// {"limiters":{"infer-calls":{"active":1,"max":10,"total":1}},"budgets":{"eval-results":{"active":4096,"max":1048576}}}
}
