package lifecycle_test

import (
	"context"
	stderrors "errors"
	"fmt"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/lifecycle"
)

// Run a service until its parent ctx is cancelled (a signal works the same
// way), then drain and run the hooks newest first.
func ExampleRun() {
	parent, stop := context.WithCancel(context.Background())
	err := lifecycle.Run(parent, func(ctx context.Context) error {
		lifecycle.OnShutdown(ctx, "db", func(context.Context) error {
			fmt.Println("closing db")
			return nil
		})
		lifecycle.OnShutdown(ctx, "cache", func(context.Context) error {
			fmt.Println("flushing cache")
			return nil
		})
		fmt.Println("serving")
		stop() // in production: SIGINT or SIGTERM
		<-ctx.Done()
		return ctx.Err()
	})
	fmt.Println("Run:", err)
	// Output:
	// serving
	// flushing cache
	// closing db
	// Run: <nil>
}

// A failing hook is reported by name; the error wraps the hook's error.
func ExampleOnShutdown() {
	errReset := stderrors.New("connection reset")
	err := lifecycle.Run(context.Background(), func(ctx context.Context) error {
		lifecycle.OnShutdown(ctx, "db", func(context.Context) error { return errReset })
		return nil // fn returning starts the shutdown
	}, lifecycle.WithSignals())
	fmt.Println(err)
	fmt.Println(errors.Is(err, errReset))
	// Output:
	// lifecycle: hook db: connection reset
	// true
}

// Work counted in a DrainGroup finishes before the hooks run.
func ExampleDrainGroup() {
	err := lifecycle.Run(context.Background(), func(ctx context.Context) error {
		wg := lifecycle.DrainGroup(ctx)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ctx.Done()
			fmt.Println("request finished")
		}()
		lifecycle.OnShutdown(ctx, "log", func(context.Context) error {
			fmt.Println("hook runs after the drain")
			return nil
		})
		return nil
	}, lifecycle.WithSignals())
	fmt.Println("Run:", err)
	// Output:
	// request finished
	// hook runs after the drain
	// Run: <nil>
}

// A hook that ignores its ctx is reported at the deadline, and the hooks not
// yet started are skipped.
func ExampleWithShutdownTimeout() {
	release := make(chan struct{})
	defer close(release)
	err := lifecycle.Run(context.Background(), func(ctx context.Context) error {
		lifecycle.OnShutdown(ctx, "metrics", func(context.Context) error { return nil })
		lifecycle.OnShutdown(ctx, "stuck", func(context.Context) error {
			<-release
			return nil
		})
		return nil
	}, lifecycle.WithSignals(), lifecycle.WithShutdownTimeout(20*time.Millisecond))
	fmt.Println(err)
	fmt.Println(errors.Code(err))
	// Output:
	// lifecycle: hook stuck timed out after 20ms
	// lifecycle: hook metrics skipped
	// timeout
}
