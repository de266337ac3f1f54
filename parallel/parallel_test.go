package parallel_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greynewell/mist-go/parallel"
)

// noLeak fails the test if a goroutine started by the package is still
// running shortly after the call under test returned. Workers may need a
// moment to finish exiting after they signalled completion, so it polls
// with a deadline.
func noLeak(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var buf bytes.Buffer
		_ = pprof.Lookup("goroutine").WriteTo(&buf, 2)
		if !strings.Contains(buf.String(), "mist-go/parallel.run") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("goroutines started by parallel outlived the call:\n%s", buf.String())
		}
		time.Sleep(time.Millisecond)
	}
}

// inflight tracks how many calls run at once.
type inflight struct {
	cur, peak atomic.Int64
}

func (f *inflight) enter() {
	n := f.cur.Add(1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

func (f *inflight) exit() { f.cur.Add(-1) }

func TestMapKeepsOrder(t *testing.T) {
	const n = 10_000
	inputs := make([]int, n)
	for i := range inputs {
		inputs[i] = i
	}
	for _, workers := range []int{1, 4, 64} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			var f inflight
			results := parallel.Map(context.Background(), parallel.NewPool(workers), inputs, func(_ context.Context, in int) (string, error) {
				f.enter()
				defer f.exit()
				if in%1000 == 7 {
					return "", fmt.Errorf("item %d", in)
				}
				return fmt.Sprint(in * 2), nil
			})
			if len(results) != n {
				t.Fatalf("len(results) = %d, want %d", len(results), n)
			}
			for i, r := range results {
				if i%1000 == 7 {
					if r.Err == nil || r.Err.Error() != fmt.Sprintf("item %d", i) {
						t.Fatalf("results[%d].Err = %v, want item %d", i, r.Err, i)
					}
					continue
				}
				if r.Err != nil || r.Value != fmt.Sprint(i*2) {
					t.Fatalf("results[%d] = %+v, want %d", i, r, i*2)
				}
			}
			if p := f.peak.Load(); p > int64(workers) {
				t.Errorf("%d calls ran at once, want at most %d", p, workers)
			}
			noLeak(t)
		})
	}
}

// TestMapRunsWorkersAtOnce shows that the limit is reached, not only
// respected: the first calls wait at a barrier that opens only when the
// limit's worth of calls are running together.
func TestMapRunsWorkersAtOnce(t *testing.T) {
	tests := []struct {
		name string
		pool *parallel.Pool
		want int
	}{
		{"NewPool(3)", parallel.NewPool(3), 3},
		{"NewPool(0) is 1", parallel.NewPool(0), 1},
		{"NewPool(-5) is 1", parallel.NewPool(-5), 1},
		{"zero Pool is 1", &parallel.Pool{}, 1},
		{"nil Pool is 1", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f inflight
			var calls, arrived atomic.Int64
			barrier := make(chan struct{})
			// A hang guard for a broken limit, not a timing assertion.
			stuck, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			inputs := make([]int, 4*tt.want)
			results := parallel.Map(context.Background(), tt.pool, inputs, func(_ context.Context, i int) (int, error) {
				f.enter()
				defer f.exit()
				if calls.Add(1) <= int64(tt.want) {
					if arrived.Add(1) == int64(tt.want) {
						close(barrier)
					}
					select {
					case <-barrier:
					case <-stuck.Done():
						return 0, fmt.Errorf("only %d calls ran together", arrived.Load())
					}
				}
				return 1, nil
			})
			for i, r := range results {
				if r.Err != nil || r.Value != 1 {
					t.Fatalf("results[%d] = %+v", i, r)
				}
			}
			if p := f.peak.Load(); p != int64(tt.want) {
				t.Errorf("peak concurrency = %d, want %d", p, tt.want)
			}
		})
	}
}

func TestMapEmptyAndNil(t *testing.T) {
	if got := parallel.Map(context.Background(), parallel.NewPool(2), nil, func(context.Context, int) (int, error) { return 0, nil }); len(got) != 0 {
		t.Errorf("Map(nil inputs) = %v, want empty", got)
	}
	got := parallel.Map[int, int](context.Background(), parallel.NewPool(2), []int{1, 2}, nil)
	for i, r := range got {
		if r.Err == nil {
			t.Errorf("Map(nil fn)[%d].Err = nil, want an error", i)
		}
	}
}

// Fixed on purpose: a panicking item gives a *PanicError result and the
// process keeps running.
func TestMapPanic(t *testing.T) {
	inputs := []int{0, 1, 2, 3, 4, 5, 6, 7}
	results := parallel.Map(context.Background(), parallel.NewPool(3), inputs, func(_ context.Context, i int) (int, error) {
		if i == 5 {
			panicky()
		}
		return i, nil
	})
	for i, r := range results {
		if i == 5 {
			var pe *parallel.PanicError
			if !errors.As(r.Err, &pe) {
				t.Fatalf("results[5].Err = %v, want *PanicError", r.Err)
			}
			if pe.Value != "exploded" || pe.Error() != "parallel: panic: exploded" {
				t.Errorf("PanicError = %v (value %v), want value %q", pe, pe.Value, "exploded")
			}
			if !bytes.Contains(pe.Stack, []byte("panicky")) {
				t.Errorf("PanicError.Stack does not name the panicking function:\n%s", pe.Stack)
			}
			continue
		}
		if r.Err != nil || r.Value != i {
			t.Errorf("results[%d] = %+v, want %d", i, r, i)
		}
	}
	noLeak(t)
}

func panicky() { panic("exploded") }

// TestMapManyPanics has panics next to each other and at batch edges: a
// worker recovers once per batch and resumes after the panicking input, so
// every other input must still run exactly once.
func TestMapManyPanics(t *testing.T) {
	const n = 5000
	inputs := make([]int, n)
	for i := range inputs {
		inputs[i] = i
	}
	panics := func(i int) bool { return i%7 == 0 || i%64 == 63 || i == n-1 }
	var calls [n]atomic.Int32
	results := parallel.Map(context.Background(), parallel.NewPool(4), inputs, func(_ context.Context, i int) (int, error) {
		calls[i].Add(1)
		if panics(i) {
			panic(i)
		}
		return -i, nil
	})
	for i, r := range results {
		if c := calls[i].Load(); c != 1 {
			t.Fatalf("input %d ran %d times, want once", i, c)
		}
		var pe *parallel.PanicError
		switch {
		case panics(i) && (!errors.As(r.Err, &pe) || pe.Value != i || r.Value != 0):
			t.Fatalf("results[%d] = %+v, want a *PanicError with value %d", i, r, i)
		case !panics(i) && (r.Err != nil || r.Value != -i):
			t.Fatalf("results[%d] = %+v, want %d", i, r, -i)
		}
	}
	noLeak(t)
}

func TestPanicErrorText(t *testing.T) {
	tests := []struct {
		value any
		want  string
	}{
		{"boom", "parallel: panic: boom"},
		{42, "parallel: panic: 42"},
		{errors.New("bad"), "parallel: panic: bad"},
	}
	for _, tt := range tests {
		if got := (&parallel.PanicError{Value: tt.value}).Error(); got != tt.want {
			t.Errorf("PanicError{%v}.Error() = %q, want %q", tt.value, got, tt.want)
		}
	}
}

// Fixed on purpose: with the only worker busy and ctx cancelled, Map
// returns promptly. The busy call honours ctx; the inputs that were waiting
// for the worker get ctx.Err() and never run.
func TestMapCancelWhileWaitingForWorker(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := make(chan struct{})
	defer close(release) // in case of failure, let the worker go
	started := make(chan struct{})
	var calls atomic.Int64
	done := make(chan []parallel.Result[int], 1)
	go func() {
		done <- parallel.Map(ctx, parallel.NewPool(1), make([]int, 100), func(ctx context.Context, _ int) (int, error) {
			if calls.Add(1) == 1 {
				close(started)
			}
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-release:
				return 1, nil
			}
		})
	}()
	<-started
	cancel()
	results := <-done
	if n := calls.Load(); n != 1 {
		t.Errorf("fn ran %d times, want 1", n)
	}
	for i, r := range results {
		if r.Err != context.Canceled {
			t.Errorf("results[%d].Err = %v, want context.Canceled", i, r.Err)
		}
	}
	noLeak(t)
}

// Map waits for a started call even if it ignores ctx.
func TestMapWaitsForStartedCalls(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := make(chan struct{})
	started := make(chan struct{})
	var finished atomic.Bool
	done := make(chan []parallel.Result[int], 1)
	go func() {
		done <- parallel.Map(ctx, parallel.NewPool(1), []int{0, 1, 2}, func(context.Context, int) (int, error) {
			close(started) // runs once: the others are never started
			<-release      // ignores ctx
			finished.Store(true)
			return 7, nil
		})
	}()
	<-started
	cancel()
	close(release)
	results := <-done
	if !finished.Load() {
		t.Errorf("Map returned before its started call finished")
	}
	if results[0].Value != 7 || results[0].Err != nil {
		t.Errorf("results[0] = %+v, want the started call's value", results[0])
	}
	for _, r := range results[1:] {
		if r.Err != context.Canceled {
			t.Errorf("unstarted result = %+v, want context.Canceled", r)
		}
	}
	noLeak(t)
}

func TestMapDoneContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	results := parallel.Map(ctx, parallel.NewPool(4), []int{1, 2, 3}, func(context.Context, int) (int, error) {
		ran = true
		return 0, nil
	})
	if ran {
		t.Errorf("fn ran with a done ctx")
	}
	for i, r := range results {
		if r.Err != context.Canceled {
			t.Errorf("results[%d].Err = %v, want context.Canceled", i, r.Err)
		}
	}
}

// Fixed on purpose: when item 3 of 1000 fails, Do stops scheduling and
// returns that error.
func TestDoStopsAtFirstFailure(t *testing.T) {
	errItem3 := errors.New("item 3 failed")
	for _, workers := range []int{1, 2, 4} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			inputs := make([]int, 1000)
			for i := range inputs {
				inputs[i] = i
			}
			var calls atomic.Int64
			err := parallel.Do(context.Background(), parallel.NewPool(workers), inputs, func(ctx context.Context, i int) error {
				calls.Add(1)
				switch {
				case i == 3:
					return errItem3
				case i > 3:
					// Later items hold their worker until the failure
					// cancels them, and then fail because of it.
					<-ctx.Done()
					return fmt.Errorf("item %d: %w", i, ctx.Err())
				}
				return nil
			})
			if err != errItem3 {
				t.Errorf("Do() = %v, want the first failure %v", err, errItem3)
			}
			// Items 0–3 plus at most workers−1 items that were already
			// running when item 3 failed.
			if n := calls.Load(); n > int64(3+workers) {
				t.Errorf("fn ran %d times, want at most %d", n, 3+workers)
			}
			noLeak(t)
		})
	}
}

func TestDo(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		fn      func(context.Context, int) error
		wantErr func(error) bool
	}{
		{"all succeed", func(context.Context, int) error { return nil }, func(err error) bool { return err == nil }},
		{"panic is the failure", func(_ context.Context, i int) error {
			if i == 2 {
				panic(boom)
			}
			return nil
		}, func(err error) bool {
			var pe *parallel.PanicError
			return errors.As(err, &pe) && pe.Value == boom
		}},
		{"nil fn", nil, func(err error) bool { return err != nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := parallel.Do(context.Background(), parallel.NewPool(3), []int{0, 1, 2, 3, 4}, tt.fn)
			if !tt.wantErr(err) {
				t.Errorf("Do() = %v", err)
			}
		})
	}
	if err := parallel.Do(context.Background(), parallel.NewPool(3), nil, func(context.Context, int) error { return boom }); err != nil {
		t.Errorf("Do(no inputs) = %v, want nil", err)
	}
}

// Errors caused only by Do's own cancellation are not reported, and fn's
// ctx is cancelled at the first failure.
func TestDoReportsCauseNotCancellation(t *testing.T) {
	errFirst := errors.New("first")
	var others sync.WaitGroup
	others.Add(2)
	err := parallel.Do(context.Background(), parallel.NewPool(3), []int{0, 1, 2}, func(ctx context.Context, i int) error {
		if i == 0 {
			others.Wait() // fail only once 1 and 2 are running
			return errFirst
		}
		others.Done()
		<-ctx.Done() // cancelled by Do because item 0 failed
		return fmt.Errorf("item %d gave up: %w", i, ctx.Err())
	})
	if err != errFirst {
		t.Errorf("Do() = %v, want %v", err, errFirst)
	}
	noLeak(t)
}

func TestDoCallerCancels(t *testing.T) {
	tests := []struct {
		name string
		fn   func(ctx context.Context) error
	}{
		{"fn returns ctx.Err()", func(ctx context.Context) error { return ctx.Err() }},
		{"fn returns its own error", func(ctx context.Context) error { return errors.New("aborted") }},
		{"fn succeeds", func(ctx context.Context) error { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			started := make(chan struct{})
			var calls atomic.Int64
			done := make(chan error, 1)
			go func() {
				done <- parallel.Do(ctx, parallel.NewPool(1), make([]int, 50), func(ctx context.Context, _ int) error {
					if calls.Add(1) == 1 {
						close(started)
						<-ctx.Done()
						return tt.fn(ctx)
					}
					return nil
				})
			}()
			<-started
			cancel()
			if err := <-done; err != context.Canceled {
				t.Errorf("Do() = %v, want context.Canceled", err)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("fn ran %d times, want 1", n)
			}
			noLeak(t)
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := parallel.Do(ctx, parallel.NewPool(2), []int{1}, func(context.Context, int) error { return nil }); err != context.Canceled {
		t.Errorf("Do(done ctx) = %v, want context.Canceled", err)
	}
}

func TestFanOut(t *testing.T) {
	double := func(_ context.Context, in int) (int, error) { return in * 2, nil }
	square := func(_ context.Context, in int) (int, error) { return in * in, nil }
	fail := func(context.Context, int) (int, error) { return 0, errors.New("fail") }
	explode := func(context.Context, int) (int, error) { panic("fan") }
	fns := []func(context.Context, int) (int, error){double, nil, square, fail, explode}

	results := parallel.FanOut(context.Background(), parallel.NewPool(2), 7, fns)
	if len(results) != len(fns) {
		t.Fatalf("len(results) = %d, want %d", len(results), len(fns))
	}
	if r := results[0]; r.Value != 14 || r.Err != nil {
		t.Errorf("results[0] = %+v, want 14", r)
	}
	if r := results[1]; r.Err == nil {
		t.Errorf("results[1] (nil function) = %+v, want an error", r)
	}
	if r := results[2]; r.Value != 49 || r.Err != nil {
		t.Errorf("results[2] = %+v, want 49", r)
	}
	if r := results[3]; r.Err == nil || r.Err.Error() != "fail" {
		t.Errorf("results[3] = %+v, want error fail", r)
	}
	var pe *parallel.PanicError
	if r := results[4]; !errors.As(r.Err, &pe) || pe.Value != "fan" {
		t.Errorf("results[4] = %+v, want *PanicError", r)
	}
	noLeak(t)
}

func BenchmarkMap(b *testing.B) {
	const n = 10_000
	inputs := make([]int, n)
	for i := range inputs {
		inputs[i] = i
	}
	ctx := context.Background()
	for _, workers := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			p := parallel.NewPool(workers)
			b.ReportAllocs()
			for b.Loop() {
				_ = parallel.Map(ctx, p, inputs, func(_ context.Context, i int) (int, error) { return i + 1, nil })
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/task")
		})
	}
}

func BenchmarkDo(b *testing.B) {
	const n = 10_000
	inputs := make([]int, n)
	ctx := context.Background()
	p := parallel.NewPool(4)
	b.ReportAllocs()
	for b.Loop() {
		_ = parallel.Do(ctx, p, inputs, func(context.Context, int) error { return nil })
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/task")
}
