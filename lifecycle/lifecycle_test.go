package lifecycle_test

import (
	"context"
	stderrors "errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/lifecycle"
	"github.com/greynewell/mist-go/platform"
)

// noSignals keeps the portable tests independent of the process's signals.
var noSignals = lifecycle.WithSignals()

// untilCancelled is an fn that stops when the run ctx is cancelled.
func untilCancelled(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

// runWithParent runs fn under Run with signals off; fn may call
// cancelParent to end the parent ctx and so start the shutdown.
func runWithParent(t *testing.T, fn func(ctx context.Context, cancelParent func()) error, opts ...lifecycle.Option) error {
	t.Helper()
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	return lifecycle.Run(parent, func(ctx context.Context) error { return fn(ctx, cancel) }, append([]lifecycle.Option{noSignals}, opts...)...)
}

// joined returns the errors joined in err, or err alone.
func joined(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func texts(errs []error) []string {
	var s []string
	for _, e := range errs {
		s = append(s, e.Error())
	}
	return s
}

func TestRunResult(t *testing.T) {
	errBoom := stderrors.New("boom")
	tests := []struct {
		name     string
		fn       func(ctx context.Context, cancelParent func()) error
		wantNil  bool
		wantIs   error
		wantText string
		wantCode string
	}{
		{
			name:    "fn returns nil",
			fn:      func(context.Context, func()) error { return nil },
			wantNil: true,
		},
		{
			name:     "fn returns an error",
			fn:       func(context.Context, func()) error { return errBoom },
			wantIs:   errBoom,
			wantText: "boom",
		},
		{
			name: "parent cancelled, fn returns context.Canceled",
			fn: func(ctx context.Context, cancelParent func()) error {
				cancelParent()
				return untilCancelled(ctx)
			},
			wantNil: true,
		},
		{
			name: "parent cancelled, fn returns a wrapped context.Canceled",
			fn: func(ctx context.Context, cancelParent func()) error {
				cancelParent()
				<-ctx.Done()
				return fmt.Errorf("serve: %w", ctx.Err())
			},
			wantNil: true,
		},
		{
			name: "parent cancelled, fn returns another error",
			fn: func(ctx context.Context, cancelParent func()) error {
				cancelParent()
				<-ctx.Done()
				return errBoom
			},
			wantIs:   errBoom,
			wantText: "boom",
		},
		{
			name: "fn returns context.Canceled on its own",
			fn: func(context.Context, func()) error {
				return context.Canceled
			},
			wantIs:   context.Canceled,
			wantText: "context canceled",
		},
		{
			name: "fn panics",
			fn: func(context.Context, func()) error {
				panic("kaboom")
			},
			wantText: "lifecycle: panic: kaboom",
			wantCode: errors.CodeInternal,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runWithParent(t, tt.fn)
			if tt.wantNil {
				if err != nil {
					t.Fatalf("Run = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Run = nil, want an error")
			}
			if got := err.Error(); got != tt.wantText {
				t.Errorf("Run error text = %q, want %q", got, tt.wantText)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(%v, %v) = false, want true", err, tt.wantIs)
			}
			if tt.wantCode != "" {
				if got := errors.Code(err); got != tt.wantCode {
					t.Errorf("errors.Code(%v) = %q, want %q", err, got, tt.wantCode)
				}
			}
		})
	}
}

func TestRunPanicCarriesStack(t *testing.T) {
	err := lifecycle.Run(context.Background(), func(context.Context) error { panic("kaboom") }, noSignals)
	var e *errors.Error
	if !errors.As(err, &e) {
		t.Fatalf("errors.As(%v, *errors.Error) = false, want true", err)
	}
	if e.Meta["stack"] == "" {
		t.Errorf("panic report Meta[stack] is empty, want the goroutine stack")
	}
}

func TestRunNilFn(t *testing.T) {
	err := lifecycle.Run(context.Background(), nil, noSignals)
	if got := errors.Code(err); got != errors.CodeValidation {
		t.Errorf("Run(nil fn) code = %q (err %v), want %q", got, err, errors.CodeValidation)
	}
}

func TestRunCancelsRunCtxWhenFnReturns(t *testing.T) {
	var runCtx context.Context
	err := lifecycle.Run(context.Background(), func(ctx context.Context) error {
		runCtx = ctx
		return nil
	}, noSignals)
	if err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if got := runCtx.Err(); !errors.Is(got, context.Canceled) {
		t.Errorf("run ctx Err() after Run = %v, want context.Canceled", got)
	}
}

func TestRunParentAlreadyDone(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	cancel()
	var ran []string
	err := lifecycle.Run(parent, func(ctx context.Context) error {
		lifecycle.OnShutdown(ctx, "a", func(context.Context) error { ran = append(ran, "a"); return nil })
		return untilCancelled(ctx)
	}, noSignals)
	if err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if want := []string{"a"}; !slices.Equal(ran, want) {
		t.Errorf("hooks ran %q, want %q", ran, want)
	}
}

func TestHooksRunNewestFirst(t *testing.T) {
	var (
		mu  sync.Mutex
		ran []string
	)
	record := func(name string) func(context.Context) error {
		return func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			ran = append(ran, name)
			return nil
		}
	}
	err := runWithParent(t, func(ctx context.Context, cancelParent func()) error {
		for _, name := range []string{"first", "second", "third"} {
			lifecycle.OnShutdown(ctx, name, record(name))
		}
		cancelParent()
		return untilCancelled(ctx)
	})
	if err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if want := []string{"third", "second", "first"}; !slices.Equal(ran, want) {
		t.Errorf("hooks ran in order %q, want %q", ran, want)
	}
}

func TestHookError(t *testing.T) {
	errClose := stderrors.New("connection reset")
	err := runWithParent(t, func(ctx context.Context, cancelParent func()) error {
		lifecycle.OnShutdown(ctx, "db", func(context.Context) error { return errClose })
		cancelParent()
		return untilCancelled(ctx)
	})
	if got, want := fmt.Sprint(err), "lifecycle: hook db: connection reset"; got != want {
		t.Errorf("Run error = %q, want %q", got, want)
	}
	if !errors.Is(err, errClose) {
		t.Errorf("errors.Is(%v, hook error) = false, want true", err)
	}
}

// Fixed on purpose: a panicking hook doesn't crash the process; the error
// names it and the remaining hooks still run.
func TestHookPanicIsReportedAndLaterHooksRun(t *testing.T) {
	var ran []string
	err := runWithParent(t, func(ctx context.Context, cancelParent func()) error {
		lifecycle.OnShutdown(ctx, "older", func(context.Context) error { ran = append(ran, "older"); return nil })
		lifecycle.OnShutdown(ctx, "bad", func(context.Context) error { panic("nil map") })
		lifecycle.OnShutdown(ctx, "newer", func(context.Context) error { ran = append(ran, "newer"); return nil })
		cancelParent()
		return untilCancelled(ctx)
	})
	if got, want := fmt.Sprint(err), "lifecycle: hook bad panicked: nil map"; got != want {
		t.Errorf("Run error = %q, want %q", got, want)
	}
	if got := errors.Code(err); got != errors.CodeInternal {
		t.Errorf("errors.Code(%v) = %q, want %q", err, got, errors.CodeInternal)
	}
	if want := []string{"newer", "older"}; !slices.Equal(ran, want) {
		t.Errorf("hooks ran %q, want %q", ran, want)
	}
}

// Fixed on purpose: a hook that blocks past the deadline is named in the
// error, the hooks not yet started are reported as skipped, and Run returns.
func TestHookBlockedPastDeadline(t *testing.T) {
	release := make(chan struct{})
	stuckDone := make(chan struct{})
	t.Cleanup(func() {
		close(release) // lets the stuck hook return
		<-stuckDone
	})

	var ran []string
	err := runWithParent(t, func(ctx context.Context, cancelParent func()) error {
		lifecycle.OnShutdown(ctx, "oldest", func(context.Context) error { ran = append(ran, "oldest"); return nil })
		lifecycle.OnShutdown(ctx, "older", func(context.Context) error { ran = append(ran, "older"); return nil })
		lifecycle.OnShutdown(ctx, "stuck", func(context.Context) error {
			defer close(stuckDone)
			<-release // ignores its ctx on purpose
			return nil
		})
		lifecycle.OnShutdown(ctx, "newest", func(context.Context) error { ran = append(ran, "newest"); return nil })
		cancelParent()
		return untilCancelled(ctx)
	}, lifecycle.WithShutdownTimeout(50*time.Millisecond))

	want := []string{
		"lifecycle: hook stuck timed out after 50ms",
		"lifecycle: hook older skipped",
		"lifecycle: hook oldest skipped",
	}
	errs := joined(err)
	if got := texts(errs); !slices.Equal(got, want) {
		t.Fatalf("Run reports = %q, want %q", got, want)
	}
	for _, e := range errs {
		if got := errors.Code(e); got != errors.CodeTimeout {
			t.Errorf("errors.Code(%q) = %q, want %q", e, got, errors.CodeTimeout)
		}
	}
	if want := []string{"newest"}; !slices.Equal(ran, want) {
		t.Errorf("hooks ran %q, want %q", ran, want)
	}
}

func TestHookReturningCtxErrAtDeadlineTimesOut(t *testing.T) {
	err := runWithParent(t, func(ctx context.Context, cancelParent func()) error {
		lifecycle.OnShutdown(ctx, "flush", func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		})
		cancelParent()
		return untilCancelled(ctx)
	}, lifecycle.WithShutdownTimeout(20*time.Millisecond))
	if got, want := fmt.Sprint(err), "lifecycle: hook flush timed out after 20ms"; got != want {
		t.Errorf("Run error = %q, want %q", got, want)
	}
	if got := errors.Code(err); got != errors.CodeTimeout {
		t.Errorf("errors.Code(%v) = %q, want %q", err, got, errors.CodeTimeout)
	}
}

type ctxKey struct{}

func TestHookCtx(t *testing.T) {
	type seen struct {
		err         error
		hasDeadline bool
		value       any
	}
	var got []seen
	parent := context.WithValue(context.Background(), ctxKey{}, "v")
	err := lifecycle.Run(parent, func(ctx context.Context) error {
		for range 2 {
			lifecycle.OnShutdown(ctx, "h", func(ctx context.Context) error {
				_, ok := ctx.Deadline()
				got = append(got, seen{err: ctx.Err(), hasDeadline: ok, value: ctx.Value(ctxKey{})})
				return nil
			})
		}
		return nil
	}, noSignals)
	if err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if len(got) != 2 {
		t.Fatalf("%d hooks ran, want 2", len(got))
	}
	for i, s := range got {
		if s.err != nil || !s.hasDeadline || s.value != "v" {
			t.Errorf("hook %d ctx: Err() = %v, has deadline %v, value %v; want nil, true, v", i, s.err, s.hasDeadline, s.value)
		}
	}
}

func TestHooksAddedDuringHookPhaseAreIgnored(t *testing.T) {
	var ran []string
	err := runWithParent(t, func(ctx context.Context, cancelParent func()) error {
		lifecycle.OnShutdown(ctx, "adds", func(hctx context.Context) error {
			ran = append(ran, "adds")
			lifecycle.OnShutdown(hctx, "late", func(context.Context) error { ran = append(ran, "late"); return nil })
			lifecycle.OnShutdown(ctx, "late2", func(context.Context) error { ran = append(ran, "late2"); return nil })
			return nil
		})
		cancelParent()
		return untilCancelled(ctx)
	})
	if err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if want := []string{"adds"}; !slices.Equal(ran, want) {
		t.Errorf("hooks ran %q, want %q", ran, want)
	}
}

func TestOutsideRun(t *testing.T) {
	ctx := context.Background()
	called := false
	lifecycle.OnShutdown(ctx, "never", func(context.Context) error { called = true; return nil })
	lifecycle.OnShutdown(ctx, "nil", nil)
	wg := lifecycle.DrainGroup(ctx)
	if wg == nil {
		t.Fatal("DrainGroup(background) = nil, want a usable WaitGroup")
	}
	wg.Add(1)
	wg.Done()
	wg.Wait()
	if called {
		t.Error("hook registered outside Run was called")
	}
}

func TestDrainWaitsForGroups(t *testing.T) {
	var finished atomic.Bool
	var sawFinished bool
	err := runWithParent(t, func(ctx context.Context, cancelParent func()) error {
		wg := lifecycle.DrainGroup(ctx)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ctx.Done()
			runtime.Gosched()
			finished.Store(true)
		}()
		lifecycle.OnShutdown(ctx, "check", func(context.Context) error {
			sawFinished = finished.Load()
			return nil
		})
		cancelParent()
		return nil
	})
	if err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if !sawFinished {
		t.Error("hook ran before the drain group reached zero")
	}
}

func TestDrainWaitsForFn(t *testing.T) {
	var finished atomic.Bool
	var sawFinished bool
	err := runWithParent(t, func(ctx context.Context, cancelParent func()) error {
		lifecycle.OnShutdown(ctx, "check", func(context.Context) error {
			sawFinished = finished.Load()
			return nil
		})
		cancelParent()
		<-ctx.Done()
		runtime.Gosched()
		finished.Store(true)
		return nil
	})
	if err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if !sawFinished {
		t.Error("hook ran before fn returned")
	}
}

// waitGoroutines polls, with a deadline, until at most n goroutines run.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			t.Fatalf("goroutines: %d, want at most %d", runtime.NumGoroutine(), n)
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}

// After a drain timeout, releasing the blocked work lets Run's drain
// goroutine exit.
func TestDrainTimeout(t *testing.T) {
	before := runtime.NumGoroutine()
	release := make(chan struct{})
	var hookRan bool
	err := runWithParent(t, func(ctx context.Context, cancelParent func()) error {
		wg := lifecycle.DrainGroup(ctx)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-release
		}()
		lifecycle.OnShutdown(ctx, "after", func(context.Context) error { hookRan = true; return nil })
		cancelParent()
		return untilCancelled(ctx)
	}, lifecycle.WithDrainTimeout(30*time.Millisecond))
	if got, want := fmt.Sprint(err), "lifecycle: drain timeout after 30ms"; got != want {
		t.Errorf("Run error = %q, want %q", got, want)
	}
	if got := errors.Code(err); got != errors.CodeTimeout {
		t.Errorf("errors.Code(%v) = %q, want %q", err, got, errors.CodeTimeout)
	}
	if !hookRan {
		t.Error("hooks did not run after the drain timeout")
	}
	close(release)
	waitGoroutines(t, before)
}

// After a drain timeout, fn returning late lets both its goroutine and
// Run's drain goroutine exit.
func TestFnIgnoringCtxHitsDrainTimeout(t *testing.T) {
	before := runtime.NumGoroutine()
	release := make(chan struct{})
	var hookRan bool
	err := runWithParent(t, func(ctx context.Context, cancelParent func()) error {
		lifecycle.OnShutdown(ctx, "after", func(context.Context) error { hookRan = true; return nil })
		cancelParent()
		<-release // ignores ctx on purpose
		return stderrors.New("too late to be reported")
	}, lifecycle.WithDrainTimeout(30*time.Millisecond))
	if got, want := fmt.Sprint(err), "lifecycle: drain timeout after 30ms"; got != want {
		t.Errorf("Run error = %q, want %q", got, want)
	}
	if !hookRan {
		t.Error("hooks did not run after the drain timeout")
	}
	close(release)
	waitGoroutines(t, before)
}

func TestResultOrder(t *testing.T) {
	before := runtime.NumGoroutine()
	errFn := stderrors.New("fn failed")
	release := make(chan struct{})
	err := lifecycle.Run(context.Background(), func(ctx context.Context) error {
		wg := lifecycle.DrainGroup(ctx)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-release
		}()
		lifecycle.OnShutdown(ctx, "a", func(context.Context) error { return stderrors.New("a failed") })
		lifecycle.OnShutdown(ctx, "b", func(context.Context) error { panic("b") })
		return errFn
	}, noSignals, lifecycle.WithDrainTimeout(10*time.Millisecond))
	want := []string{
		"fn failed",
		"lifecycle: drain timeout after 10ms",
		"lifecycle: hook b panicked: b",
		"lifecycle: hook a: a failed",
	}
	if got := texts(joined(err)); !slices.Equal(got, want) {
		t.Errorf("Run reports = %q, want %q", got, want)
	}
	close(release)
	waitGoroutines(t, before)
}

func TestConcurrentRegistration(t *testing.T) {
	const n = 50
	var hooks atomic.Int64
	err := runWithParent(t, func(ctx context.Context, cancelParent func()) error {
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				dg := lifecycle.DrainGroup(ctx)
				dg.Add(1)
				lifecycle.OnShutdown(ctx, "h", func(context.Context) error { hooks.Add(1); return nil })
				dg.Done()
			})
		}
		wg.Wait()
		cancelParent()
		return untilCancelled(ctx)
	})
	if err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if got := hooks.Load(); got != n {
		t.Errorf("%d hooks ran, want %d", got, n)
	}
}

func TestSeparateRunsDoNotInterfere(t *testing.T) {
	const n = 4
	var wg sync.WaitGroup
	results := make([][]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = lifecycle.Run(context.Background(), func(ctx context.Context) error {
				lifecycle.OnShutdown(ctx, "h", func(context.Context) error {
					results[i] = append(results[i], i)
					return nil
				})
				return nil
			}, noSignals)
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Run %d = %v, want nil", i, errs[i])
		}
		if want := []int{i}; !slices.Equal(results[i], want) {
			t.Errorf("Run %d hooks ran %v, want %v", i, results[i], want)
		}
	}
}

func TestTimeoutDefaults(t *testing.T) {
	tests := []struct {
		name                    string
		opts                    []lifecycle.Option
		wantDrain, wantShutdown time.Duration
	}{
		{"none", nil, lifecycle.DefaultDrainTimeout, lifecycle.DefaultShutdownTimeout},
		{"zero", []lifecycle.Option{lifecycle.WithDrainTimeout(0), lifecycle.WithShutdownTimeout(0)}, lifecycle.DefaultDrainTimeout, lifecycle.DefaultShutdownTimeout},
		{"negative", []lifecycle.Option{lifecycle.WithDrainTimeout(-time.Second), lifecycle.WithShutdownTimeout(-1)}, lifecycle.DefaultDrainTimeout, lifecycle.DefaultShutdownTimeout},
		{"set", []lifecycle.Option{lifecycle.WithDrainTimeout(time.Second), lifecycle.WithShutdownTimeout(2 * time.Second)}, time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drain, shutdown := lifecycle.Timeouts(tt.opts...)
			if drain != tt.wantDrain || shutdown != tt.wantShutdown {
				t.Errorf("Timeouts = (%v, %v), want (%v, %v)", drain, shutdown, tt.wantDrain, tt.wantShutdown)
			}
		})
	}
}

// Fixed on purpose: the default signals come from platform.ShutdownSignals(),
// the same source the server package uses.
func TestSignalsDefaultFromPlatform(t *testing.T) {
	tests := []struct {
		name string
		opts []lifecycle.Option
		want []os.Signal
	}{
		{"default", nil, platform.ShutdownSignals()},
		{"off", []lifecycle.Option{lifecycle.WithSignals()}, nil},
		{"custom", []lifecycle.Option{lifecycle.WithSignals(os.Interrupt)}, []os.Signal{os.Interrupt}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lifecycle.Signals(tt.opts...)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Signals = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSignalSubscription(t *testing.T) {
	tests := []struct {
		name       string
		opts       []lifecycle.Option
		wantNotify []os.Signal
	}{
		{"default", nil, platform.ShutdownSignals()},
		{"off", []lifecycle.Option{lifecycle.WithSignals()}, nil},
		{"nils dropped", []lifecycle.Option{lifecycle.WithSignals(nil, os.Interrupt, nil)}, []os.Signal{os.Interrupt}},
		{"only nil is off", []lifecycle.Option{lifecycle.WithSignals(nil)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				events    []string
				notifiedC chan<- os.Signal
				notified  []os.Signal
			)
			notify := func(c chan<- os.Signal, sigs ...os.Signal) {
				events = append(events, "notify")
				notifiedC, notified = c, sigs
			}
			stop := func(c chan<- os.Signal) {
				events = append(events, "stop")
				if c != notifiedC {
					t.Errorf("Stop got a channel other than the one passed to Notify")
				}
			}
			opts := append(slices.Clone(tt.opts), lifecycle.WithSignalFuncs(notify, stop))
			err := lifecycle.Run(context.Background(), func(context.Context) error {
				events = append(events, "fn")
				return nil
			}, opts...)
			events = append(events, "returned")
			if err != nil {
				t.Fatalf("Run = %v, want nil", err)
			}
			want := []string{"notify", "fn", "stop", "returned"}
			if tt.wantNotify == nil {
				want = []string{"fn", "returned"}
			}
			if !slices.Equal(events, want) {
				t.Errorf("events = %q, want %q", events, want)
			}
			if !slices.Equal(notified, tt.wantNotify) {
				t.Errorf("Notify signals = %v, want %v", notified, tt.wantNotify)
			}
		})
	}
}

// TestNoGoroutineLeak checks that a clean Run leaves no goroutine behind.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 10 {
		err := runWithParent(t, func(ctx context.Context, cancelParent func()) error {
			wg := lifecycle.DrainGroup(ctx)
			wg.Add(1)
			go func() { defer wg.Done(); <-ctx.Done() }()
			lifecycle.OnShutdown(ctx, "h", func(context.Context) error { return nil })
			cancelParent()
			return untilCancelled(ctx)
		})
		if err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	}
	waitGoroutines(t, before)
}
