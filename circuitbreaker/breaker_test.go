package circuitbreaker_test

import (
	"context"
	stderrors "errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greynewell/mist-go/circuitbreaker"
	"github.com/greynewell/mist-go/errors"
)

// clock is a manual clock that counts how often it is read.
type clock struct {
	mu    sync.Mutex
	t     time.Time
	reads int
}

func newClock() *clock { return &clock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) Reads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

// transitions records OnStateChange calls.
type transitions struct {
	mu  sync.Mutex
	got []string
}

func (tr *transitions) record(from, to circuitbreaker.State) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.got = append(tr.got, from.String()+">"+to.String())
}

func (tr *transitions) list() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return slices.Clone(tr.got)
}

// newBreaker returns a breaker on a manual clock that records transitions.
func newBreaker(cfg circuitbreaker.Config) (*circuitbreaker.Breaker, *clock, *transitions) {
	tr := &transitions{}
	if cfg.OnStateChange == nil {
		cfg.OnStateChange = tr.record
	}
	b := circuitbreaker.New(cfg)
	c := newClock()
	circuitbreaker.SetNow(b, c.Now)
	return b, c, tr
}

var (
	errBoom    = stderrors.New("boom")
	errIgnored = stderrors.New("ignored by IsFailure")
)

func ok(context.Context) error     { return nil }
func fail(context.Context) error   { return errBoom }
func cancel(context.Context) error { return context.Canceled }

func TestStateString(t *testing.T) {
	tests := []struct {
		s    circuitbreaker.State
		want string
	}{
		{circuitbreaker.Closed, "closed"},
		{circuitbreaker.Open, "open"},
		{circuitbreaker.HalfOpen, "half-open"},
		{circuitbreaker.State(3), "unknown"},
		{circuitbreaker.State(-1), "unknown"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("State(%d).String() = %q, want %q", int32(tt.s), got, tt.want)
		}
	}
}

func TestErrOpen(t *testing.T) {
	if got, want := circuitbreaker.ErrOpen.Error(), "unavailable: circuit breaker is open"; got != want {
		t.Errorf("ErrOpen.Error() = %q, want %q", got, want)
	}
	if got := errors.Code(circuitbreaker.ErrOpen); got != errors.CodeUnavailable {
		t.Errorf("Code(ErrOpen) = %q, want %q", got, errors.CodeUnavailable)
	}
	b, _, _ := newBreaker(circuitbreaker.Config{Threshold: 1, Timeout: time.Minute})
	_ = b.Do(context.Background(), fail)
	err := b.Do(context.Background(), ok)
	if err != circuitbreaker.ErrOpen || !errors.Is(err, circuitbreaker.ErrOpen) {
		t.Errorf("Do() on an open breaker = %v, want ErrOpen unwrapped", err)
	}
}

// step is one action of a transition test: a call with fn, a clock advance,
// or a State() query. want is the state expected afterwards.
type step struct {
	fn      func(context.Context) error
	advance time.Duration
	query   bool
	wantErr error // for calls: the error Do returns
	want    circuitbreaker.State
}

func call(fn func(context.Context) error, wantErr error, want circuitbreaker.State) step {
	return step{fn: fn, wantErr: wantErr, want: want}
}

func repeat(n int, s step) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestTransitions(t *testing.T) {
	const (
		closed   = circuitbreaker.Closed
		open     = circuitbreaker.Open
		halfOpen = circuitbreaker.HalfOpen
	)
	errOpen := circuitbreaker.ErrOpen
	tripped := repeat(3, call(fail, errBoom, closed))
	tripped[2].want = open
	deadline := func(context.Context) error { return context.DeadlineExceeded }
	ignoredFn := func(context.Context) error { return errIgnored }
	onlyBoom := func(err error) bool { return err == errBoom }

	tests := []struct {
		name        string
		cfg         circuitbreaker.Config
		steps       []step
		transitions []string
		succ, fails int64
	}{
		{
			name:  "successes keep it closed",
			cfg:   circuitbreaker.Config{Threshold: 3},
			steps: repeat(10, call(ok, nil, closed)),
			succ:  10,
		},
		{
			name:        "threshold failures in a row open it",
			cfg:         circuitbreaker.Config{Threshold: 3},
			steps:       tripped,
			transitions: []string{"closed>open"},
			fails:       3,
		},
		{
			name: "a success resets the run",
			cfg:  circuitbreaker.Config{Threshold: 3},
			steps: slices.Concat(repeat(2, call(fail, errBoom, closed)), []step{call(ok, nil, closed)},
				repeat(2, call(fail, errBoom, closed)), []step{call(fail, errBoom, open)}),
			transitions: []string{"closed>open"},
			succ:        1, fails: 5,
		},
		{
			name: "an ignored outcome neither counts nor resets",
			cfg:  circuitbreaker.Config{Threshold: 3},
			steps: slices.Concat(repeat(2, call(fail, errBoom, closed)), []step{call(cancel, context.Canceled, closed)},
				[]step{call(fail, errBoom, open)}),
			transitions: []string{"closed>open"},
			fails:       3,
		},
		{
			name:        "deadline exceeded is a failure by default",
			cfg:         circuitbreaker.Config{Threshold: 2},
			steps:       []step{call(deadline, context.DeadlineExceeded, closed), call(deadline, context.DeadlineExceeded, open)},
			transitions: []string{"closed>open"},
			fails:       2,
		},
		{
			name: "IsFailure decides what counts",
			cfg:  circuitbreaker.Config{Threshold: 2, IsFailure: onlyBoom},
			steps: []step{call(ignoredFn, errIgnored, closed), call(ignoredFn, errIgnored, closed),
				call(cancel, context.Canceled, closed), call(fail, errBoom, closed), call(fail, errBoom, open)},
			transitions: []string{"closed>open"},
			fails:       2,
		},
		{
			name: "open rejects until the timeout, then State half-opens",
			cfg:  circuitbreaker.Config{Threshold: 3, Timeout: time.Minute},
			steps: slices.Concat(tripped, []step{
				call(ok, errOpen, open),
				{advance: time.Minute - 1},
				{query: true, want: open},
				call(ok, errOpen, open),
				{advance: 1},
				{query: true, want: halfOpen},
			}),
			transitions: []string{"closed>open", "open>half-open"},
			fails:       3,
		},
		{
			name: "Do half-opens after the timeout and a probe success closes",
			cfg:  circuitbreaker.Config{Threshold: 3, Timeout: time.Minute},
			steps: slices.Concat(tripped, []step{
				{advance: time.Minute},
				call(ok, nil, closed),
				call(fail, errBoom, closed),
				call(fail, errBoom, closed),
			}),
			transitions: []string{"closed>open", "open>half-open", "half-open>closed"},
			succ:        1, fails: 5,
		},
		{
			name: "a probe failure reopens and restarts the timer",
			cfg:  circuitbreaker.Config{Threshold: 3, Timeout: time.Minute},
			steps: slices.Concat(tripped, []step{
				{advance: time.Hour},
				call(fail, errBoom, open),
				{advance: time.Minute - 1},
				{query: true, want: open},
				{advance: 1},
				{query: true, want: halfOpen},
				call(ok, nil, closed),
			}),
			transitions: []string{"closed>open", "open>half-open", "half-open>open", "open>half-open", "half-open>closed"},
			succ:        1, fails: 4,
		},
		{
			name: "an ignored probe leaves it half-open",
			cfg:  circuitbreaker.Config{Threshold: 3, Timeout: time.Minute},
			steps: slices.Concat(tripped, []step{
				{advance: time.Minute},
				call(cancel, context.Canceled, halfOpen),
				call(cancel, context.Canceled, halfOpen),
				call(ok, nil, closed),
			}),
			transitions: []string{"closed>open", "open>half-open", "half-open>closed"},
			succ:        1, fails: 3,
		},
		{
			name: "a negative timeout half-opens at once",
			cfg:  circuitbreaker.Config{Threshold: 1, Timeout: -1},
			steps: []step{
				call(fail, errBoom, halfOpen), // State() right after: already half-open
				call(fail, errBoom, halfOpen),
				call(ok, nil, closed),
			},
			transitions: []string{"closed>open", "open>half-open", "half-open>open", "open>half-open", "half-open>closed"},
			succ:        1, fails: 2,
		},
		{
			name: "defaults: threshold 5, timeout 30s",
			cfg:  circuitbreaker.Config{},
			steps: slices.Concat(repeat(4, call(fail, errBoom, closed)), []step{
				call(fail, errBoom, open),
				{advance: 30*time.Second - 1},
				call(ok, errOpen, open),
				{advance: 1},
				{query: true, want: halfOpen},
			}),
			transitions: []string{"closed>open", "open>half-open"},
			fails:       5,
		},
		{
			name: "threshold below 1 means 5",
			cfg:  circuitbreaker.Config{Threshold: -2},
			steps: slices.Concat(repeat(4, call(fail, errBoom, closed)), []step{
				call(fail, errBoom, open),
			}),
			transitions: []string{"closed>open"},
			fails:       5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, clk, tr := newBreaker(tt.cfg)
			for i, s := range tt.steps {
				switch {
				case s.fn != nil:
					ran := false
					err := b.Do(context.Background(), func(ctx context.Context) error {
						ran = true
						return s.fn(ctx)
					})
					if err != s.wantErr {
						t.Fatalf("step %d: Do() = %v, want %v", i, err, s.wantErr)
					}
					if rejected := err == circuitbreaker.ErrOpen; ran == rejected {
						t.Fatalf("step %d: fn ran = %v with Do() = %v", i, ran, err)
					}
				case s.advance != 0:
					clk.Advance(s.advance)
					continue // no State() call, so no lazy transition
				}
				if got := b.State(); got != s.want {
					t.Fatalf("step %d: State() = %v, want %v", i, got, s.want)
				}
			}
			if got := tr.list(); !slices.Equal(got, tt.transitions) {
				t.Errorf("transitions = %v, want %v", got, tt.transitions)
			}
			if succ, fails := b.Counts(); succ != tt.succ || fails != tt.fails {
				t.Errorf("Counts() = %d, %d, want %d, %d", succ, fails, tt.succ, tt.fails)
			}
			if got := circuitbreaker.Probes(b); got != 0 {
				t.Errorf("probe slots in use = %d, want 0", got)
			}
		})
	}
}

// The advance steps above skip the State() check; this test pins that
// advancing the clock alone never changes the state.
func TestAdvanceAloneChangesNothing(t *testing.T) {
	b, clk, tr := newBreaker(circuitbreaker.Config{Threshold: 1, Timeout: time.Second})
	_ = b.Do(context.Background(), fail)
	clk.Advance(time.Hour)
	if got := tr.list(); !slices.Equal(got, []string{"closed>open"}) {
		t.Errorf("transitions = %v, want only closed>open", got)
	}
}

// TestStaleFailureKeepsOpenedAt checks that a failure admitted in a Closed
// period that has ended does not restamp the open time: call A reads the
// state word, then waits for the breaker's mutex while call B opens the
// breaker; the clock moves on before A gets the mutex. The breaker must
// still half-open Timeout after B opened it, not Timeout after A.
func TestStaleFailureKeepsOpenedAt(t *testing.T) {
	const timeout = 10 * time.Second
	b := circuitbreaker.New(circuitbreaker.Config{Threshold: 1, Timeout: timeout})
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var (
		mu      sync.Mutex
		now     = start
		first   = true
		inClock = make(chan struct{}) // B is in its first clock read, holding b's mutex
		release = make(chan struct{})
	)
	circuitbreaker.SetNow(b, func() time.Time {
		mu.Lock()
		at, gate := now, first
		first = false
		mu.Unlock()
		if gate {
			close(inClock)
			<-release
		}
		return at
	})

	doneB := make(chan error, 1)
	go func() { doneB <- b.Do(context.Background(), fail) }()
	<-inClock
	doneA := make(chan error, 1)
	go func() { doneA <- b.Do(context.Background(), fail) }()
	waitForStack(t, "circuitbreaker.(*Breaker).closedFailure", "sync.(*Mutex).Lock")

	mu.Lock()
	now = start.Add(2 * timeout)
	mu.Unlock()
	close(release)
	for _, done := range []chan error{doneA, doneB} {
		if err := <-done; err != errBoom {
			t.Errorf("Do() = %v, want errBoom", err)
		}
	}
	if got := b.State(); got != circuitbreaker.HalfOpen {
		t.Errorf("State() %v after the breaker opened = %v, want half-open", 2*timeout, got)
	}
}

// waitForStack waits until some goroutine's stack holds every one of
// frames, polling the goroutine dump; it fails the test after a minute.
func waitForStack(t *testing.T, frames ...string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
	goroutines:
		for g := range strings.SplitSeq(string(buf[:n]), "\n\n") {
			for _, f := range frames {
				if !strings.Contains(g, f) {
					continue goroutines
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no goroutine reached %v:\n%s", frames, buf[:n])
		}
		runtime.Gosched()
	}
}

func TestClosedPathDoesNotReadClock(t *testing.T) {
	b, clk, _ := newBreaker(circuitbreaker.Config{Threshold: 3})
	ctx := context.Background()
	for i := range 1000 {
		fn := ok
		if i%3 == 0 {
			fn = fail
		}
		_ = b.Do(ctx, fn)
		_ = b.Do(ctx, cancel)
		_ = b.State()
	}
	if got := clk.Reads(); got != 0 {
		t.Errorf("clock read %d times in the Closed state, want 0", got)
	}
	if got := b.State(); got != circuitbreaker.Closed {
		t.Errorf("State() = %v, want closed", got)
	}
}

// openBreaker returns a breaker that is HalfOpen with max probe slots.
func halfOpenBreaker(t *testing.T, max int) (*circuitbreaker.Breaker, *transitions) {
	t.Helper()
	b, clk, tr := newBreaker(circuitbreaker.Config{Threshold: 1, Timeout: time.Minute, HalfOpenMax: max})
	_ = b.Do(context.Background(), fail)
	clk.Advance(time.Minute)
	if got := b.State(); got != circuitbreaker.HalfOpen {
		t.Fatalf("State() = %v, want half-open", got)
	}
	return b, tr
}

// startProbe runs b.Do in a goroutine with an fn that signals when it starts
// and then returns whatever arrives on result. The returned channel yields
// Do's error.
func startProbe(t *testing.T, b *circuitbreaker.Breaker, ctx context.Context, result <-chan func(context.Context) error) <-chan error {
	t.Helper()
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- b.Do(ctx, func(ctx context.Context) error {
			close(started)
			return (<-result)(ctx)
		})
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("probe rejected: %v", err)
	}
	return done
}

func TestHalfOpenMax(t *testing.T) {
	b, tr := halfOpenBreaker(t, 2)
	ctx := context.Background()
	r1 := make(chan func(context.Context) error)
	r2 := make(chan func(context.Context) error)
	d1 := startProbe(t, b, ctx, r1)
	d2 := startProbe(t, b, ctx, r2)

	ran := false
	if err := b.Do(ctx, func(context.Context) error { ran = true; return nil }); err != circuitbreaker.ErrOpen || ran {
		t.Fatalf("third call while 2 probes run: Do() = %v, ran %v, want ErrOpen without running", err, ran)
	}
	if got := circuitbreaker.Probes(b); got != 2 {
		t.Errorf("probe slots in use = %d, want 2", got)
	}

	// An ignored outcome frees a slot and the breaker stays half-open.
	r1 <- cancel
	if err := <-d1; err != context.Canceled {
		t.Fatalf("ignored probe: Do() = %v, want context.Canceled", err)
	}
	if got := b.State(); got != circuitbreaker.HalfOpen {
		t.Fatalf("State() = %v, want half-open", got)
	}
	r3 := make(chan func(context.Context) error)
	d3 := startProbe(t, b, ctx, r3)

	// The first success closes it; the other probe's later outcome belongs
	// to a period that is over and changes nothing.
	r2 <- ok
	if err := <-d2; err != nil {
		t.Fatalf("probe: Do() = %v, want nil", err)
	}
	r3 <- fail
	if err := <-d3; err != errBoom {
		t.Fatalf("probe: Do() = %v, want errBoom", err)
	}
	if got := b.State(); got != circuitbreaker.Closed {
		t.Errorf("State() = %v, want closed", got)
	}
	if succ, fails := b.Counts(); succ != 1 || fails != 2 {
		t.Errorf("Counts() = %d, %d, want 1, 2", succ, fails)
	}
	if got, want := tr.list(), []string{"closed>open", "open>half-open", "half-open>closed"}; !slices.Equal(got, want) {
		t.Errorf("transitions = %v, want %v", got, want)
	}
}

// Fixed on purpose: a half-open probe whose ctx is cancelled frees its slot,
// so the next call is admitted as a probe and the breaker never sticks
// half-open.
func TestCancelledProbeFreesSlot(t *testing.T) {
	b, _ := halfOpenBreaker(t, 1)
	ctx, stop := context.WithCancel(context.Background())
	result := make(chan func(context.Context) error, 1)
	done := startProbe(t, b, ctx, result)
	if err := b.Do(context.Background(), ok); err != circuitbreaker.ErrOpen {
		t.Fatalf("second call while the probe runs: Do() = %v, want ErrOpen", err)
	}
	stop()
	result <- func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	if err := <-done; err != context.Canceled {
		t.Fatalf("cancelled probe: Do() = %v, want context.Canceled", err)
	}
	if got := circuitbreaker.Probes(b); got != 0 {
		t.Fatalf("probe slots in use = %d, want 0", got)
	}
	if got := b.State(); got != circuitbreaker.HalfOpen {
		t.Fatalf("State() = %v, want half-open", got)
	}
	if err := b.Do(context.Background(), ok); err != nil {
		t.Fatalf("next probe: Do() = %v, want nil", err)
	}
	if got := b.State(); got != circuitbreaker.Closed {
		t.Errorf("State() = %v, want closed", got)
	}
}

// Fixed on purpose: a probe that panics frees its slot too; it counts as a
// failure and the panic reaches the caller.
func TestPanickingProbe(t *testing.T) {
	b, tr := halfOpenBreaker(t, 1)
	got := func() (r any) {
		defer func() { r = recover() }()
		_ = b.Do(context.Background(), func(context.Context) error { panic("probe exploded") })
		return nil
	}()
	if got != "probe exploded" {
		t.Fatalf("recovered %v, want the probe's panic value", got)
	}
	if n := circuitbreaker.Probes(b); n != 0 {
		t.Errorf("probe slots in use = %d, want 0", n)
	}
	if s := b.State(); s != circuitbreaker.Open {
		t.Errorf("State() = %v, want open", s)
	}
	if succ, fails := b.Counts(); succ != 0 || fails != 2 {
		t.Errorf("Counts() = %d, %d, want 0, 2", succ, fails)
	}
	if want := []string{"closed>open", "open>half-open", "half-open>open"}; !slices.Equal(tr.list(), want) {
		t.Errorf("transitions = %v, want %v", tr.list(), want)
	}
}

func TestPanicInClosedCountsAsFailure(t *testing.T) {
	b, _, _ := newBreaker(circuitbreaker.Config{Threshold: 1})
	got := func() (r any) {
		defer func() { r = recover() }()
		_ = b.Do(context.Background(), func(context.Context) error { panic(errBoom) })
		return nil
	}()
	if got != errBoom {
		t.Fatalf("recovered %v, want errBoom", got)
	}
	if s := b.State(); s != circuitbreaker.Open {
		t.Errorf("State() = %v, want open", s)
	}
}

func TestDoneContext(t *testing.T) {
	ctx, stop := context.WithCancel(context.Background())
	stop()
	b, _ := halfOpenBreaker(t, 1)
	closedB, _, _ := newBreaker(circuitbreaker.Config{})
	for name, b := range map[string]*circuitbreaker.Breaker{"half-open": b, "closed": closedB} {
		ran := false
		err := b.Do(ctx, func(context.Context) error { ran = true; return nil })
		if err != context.Canceled || ran {
			t.Errorf("%s: Do(done ctx) = %v, ran %v, want context.Canceled without running", name, err, ran)
		}
		if got := circuitbreaker.Probes(b); got != 0 {
			t.Errorf("%s: probe slots in use = %d, want 0", name, got)
		}
	}
	// The slot is still free: the next call is a probe.
	if err := b.Do(context.Background(), ok); err != nil || b.State() != circuitbreaker.Closed {
		t.Errorf("probe after done ctx: Do() = %v, State() = %v, want nil and closed", err, b.State())
	}
}

// Fixed on purpose: a state callback that calls the breaker doesn't
// deadlock. It runs on the goroutine that caused the change, before Do or
// State returns.
func TestCallbackCallsBreaker(t *testing.T) {
	var b *circuitbreaker.Breaker
	var seen []string // written by the callback, read after Do returns: -race checks it ran on this goroutine
	cfg := circuitbreaker.Config{
		Threshold: 1,
		Timeout:   time.Minute,
		OnStateChange: func(from, to circuitbreaker.State) {
			succ, fails := b.Counts()
			seen = append(seen, fmt.Sprintf("%v>%v state=%v counts=%d/%d", from, to, b.State(), succ, fails))
			if to == circuitbreaker.Open {
				// A call from inside the callback is rejected, not deadlocked.
				if err := b.Do(context.Background(), ok); err != circuitbreaker.ErrOpen {
					seen = append(seen, fmt.Sprintf("nested Do() = %v", err))
				}
			}
		},
	}
	b = circuitbreaker.New(cfg)
	clk := newClock()
	circuitbreaker.SetNow(b, clk.Now)

	_ = b.Do(context.Background(), fail)
	clk.Advance(time.Minute)
	_ = b.State() // lazy open>half-open fires the callback too
	_ = b.Do(context.Background(), ok)
	want := []string{
		"closed>open state=open counts=0/1",
		"open>half-open state=half-open counts=0/1",
		"half-open>closed state=closed counts=1/1",
	}
	if !slices.Equal(seen, want) {
		t.Errorf("callback saw\n%s\nwant\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}

func TestDoWithFallback(t *testing.T) {
	b, _, _ := newBreaker(circuitbreaker.Config{Threshold: 2, Timeout: time.Minute})
	ctx := context.Background()
	fallbacks := 0
	var fallbackErr error
	fallback := func(_ context.Context, err error) error {
		fallbacks++
		fallbackErr = err
		return nil
	}
	nested := func(context.Context) error { return circuitbreaker.ErrOpen } // an inner breaker's rejection

	if err := b.DoWithFallback(ctx, nested, fallback); err != circuitbreaker.ErrOpen || fallbacks != 0 {
		t.Errorf("fn returning ErrOpen: DoWithFallback() = %v with %d fallbacks, want ErrOpen and none", err, fallbacks)
	}
	if err := b.DoWithFallback(ctx, fail, fallback); err != errBoom || fallbacks != 0 {
		t.Errorf("failing fn: DoWithFallback() = %v with %d fallbacks, want errBoom and none", err, fallbacks)
	}
	if got := b.State(); got != circuitbreaker.Open {
		t.Fatalf("State() = %v, want open", got)
	}
	if err := b.DoWithFallback(ctx, ok, fallback); err != nil || fallbacks != 1 || fallbackErr != circuitbreaker.ErrOpen {
		t.Errorf("rejected: DoWithFallback() = %v with %d fallbacks given %v, want nil, 1, ErrOpen", err, fallbacks, fallbackErr)
	}
	if err := b.DoWithFallback(ctx, ok, nil); err != circuitbreaker.ErrOpen {
		t.Errorf("rejected with nil fallback: DoWithFallback() = %v, want ErrOpen", err)
	}
}

func TestNilFunc(t *testing.T) {
	b, _, tr := newBreaker(circuitbreaker.Config{Threshold: 1})
	for range 3 {
		err := b.Do(context.Background(), nil)
		if got := errors.Code(err); got != errors.CodeValidation {
			t.Errorf("Do(nil) = %v (code %q), want code validation", err, got)
		}
	}
	err := b.DoWithFallback(context.Background(), nil, func(context.Context, error) error { return nil })
	if got := errors.Code(err); got != errors.CodeValidation {
		t.Errorf("DoWithFallback(nil) = %v (code %q), want code validation", err, got)
	}
	if s, f := b.Counts(); s != 0 || f != 0 || b.State() != circuitbreaker.Closed || len(tr.list()) != 0 {
		t.Errorf("after nil fn: Counts() = %d, %d, State() = %v, transitions %v, want nothing changed", s, f, b.State(), tr.list())
	}
}

func TestZeroBreaker(t *testing.T) {
	var b circuitbreaker.Breaker
	ctx := context.Background()
	for i := range 4 {
		if err := b.Do(ctx, fail); err != errBoom {
			t.Fatalf("call %d: Do() = %v, want errBoom", i, err)
		}
	}
	if got := b.State(); got != circuitbreaker.Closed {
		t.Fatalf("after 4 failures State() = %v, want closed", got)
	}
	_ = b.Do(ctx, cancel) // ignored by the default IsFailure
	_ = b.Do(ctx, fail)
	if got := b.State(); got != circuitbreaker.Open {
		t.Fatalf("after 5 failures State() = %v, want open", got)
	}
	if err := b.Do(ctx, ok); err != circuitbreaker.ErrOpen {
		t.Errorf("Do() = %v, want ErrOpen (30 s timeout)", err)
	}
}

func TestHammer(t *testing.T) {
	const (
		goroutines = 16
		calls      = 2000
		maxProbes  = 2
	)
	tr := &transitions{}
	b := circuitbreaker.New(circuitbreaker.Config{Threshold: 3, Timeout: time.Second, HalfOpenMax: maxProbes, OnStateChange: tr.record})
	clk := newClock()
	circuitbreaker.SetNow(b, clk.Now)

	// Every call holds gate shared and the clock advances only under gate
	// held exclusively, so no call spans an advance. Then a HalfOpen period
	// (which needs an advance after the breaker opened) overlaps no call
	// admitted before it, and an fn that starts while the breaker is
	// HalfOpen is a probe of the current period: probing counts exactly the
	// probes running at once.
	var gate sync.RWMutex
	var succ, fails, probing, peakProbing, probes atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range calls {
				ctx := context.Background()
				var stop context.CancelFunc
				var fn func(context.Context) error
				switch (g + i) % 7 {
				case 0, 1, 2:
					fn = func(context.Context) error { succ.Add(1); return nil }
				case 3:
					fn = func(context.Context) error { fails.Add(1); return errBoom }
				case 4: // cancelled during the call: ignored
					ctx, stop = context.WithCancel(ctx)
					fn = func(ctx context.Context) error { stop(); return ctx.Err() }
				case 5: // timed out: a failure
					fn = func(context.Context) error { fails.Add(1); return context.DeadlineExceeded }
				case 6:
					fn = func(context.Context) error { fails.Add(1); panic(errBoom) }
				}
				wrapped := func(ctx context.Context) error {
					if b.State() == circuitbreaker.HalfOpen {
						probes.Add(1)
						n := probing.Add(1)
						defer probing.Add(-1)
						for {
							peak := peakProbing.Load()
							if n <= peak || peakProbing.CompareAndSwap(peak, n) {
								break
							}
						}
						runtime.Gosched() // let other callers try to get in meanwhile
					}
					return fn(ctx)
				}
				func() {
					gate.RLock()
					defer gate.RUnlock()
					defer func() {
						if r := recover(); r != nil && r != errBoom {
							panic(r)
						}
					}()
					_ = b.Do(ctx, wrapped)
				}()
				if stop != nil {
					stop()
				}
				if g == 0 && i%50 == 0 {
					gate.Lock()
					clk.Advance(time.Second)
					gate.Unlock()
					_ = b.State()
				}
			}
		})
	}
	wg.Wait()

	if peak := peakProbing.Load(); peak > maxProbes {
		t.Errorf("%d probes ran at once, want at most HalfOpenMax = %d", peak, maxProbes)
	}
	if probes.Load() == 0 {
		t.Errorf("no call ran as a probe")
	}
	if s, f := b.Counts(); s != succ.Load() || f != fails.Load() {
		t.Errorf("Counts() = %d, %d, want %d, %d (the outcomes fn produced)", s, f, succ.Load(), fails.Load())
	}
	// Probe slots are counted per HalfOpen period, and the next period
	// starts from 0, so only a breaker still HalfOpen can show a leak.
	if b.State() == circuitbreaker.HalfOpen && circuitbreaker.Probes(b) != 0 {
		t.Errorf("probe slots in use after the hammer = %d, want 0", circuitbreaker.Probes(b))
	}
	checkTransitions(t, tr.list(), b.State())
	t.Logf("%d transitions", len(tr.list()))

	// Drive it open, then let the injected clock pass the timeout.
	for b.State() != circuitbreaker.Open {
		_ = b.Do(context.Background(), fail)
	}
	if err := b.Do(context.Background(), ok); err != circuitbreaker.ErrOpen {
		t.Fatalf("Do() on the open breaker = %v, want ErrOpen", err)
	}
	clk.Advance(time.Second)
	if got := b.State(); got != circuitbreaker.HalfOpen {
		t.Fatalf("State() after the timeout = %v, want half-open", got)
	}
	if err := b.Do(context.Background(), ok); err != nil {
		t.Fatalf("probe: Do() = %v, want nil", err)
	}
	if got := b.State(); got != circuitbreaker.Closed {
		t.Errorf("State() after a probe success = %v, want closed", got)
	}
}

// checkTransitions asserts that every recorded transition is legal and that
// they chain from Closed to final, whatever order the callbacks ran in.
func checkTransitions(t *testing.T, got []string, final circuitbreaker.State) {
	t.Helper()
	legal := map[string]bool{"closed>open": true, "open>half-open": true, "half-open>closed": true, "half-open>open": true}
	balance := map[string]int{"closed": 0, "open": 0, "half-open": 0}
	for _, tr := range got {
		if !legal[tr] {
			t.Errorf("illegal transition %s", tr)
			continue
		}
		from, to, _ := strings.Cut(tr, ">")
		balance[from]--
		balance[to]++
	}
	want := map[string]int{"closed": 0, "open": 0, "half-open": 0}
	want["closed"]--
	want[final.String()]++
	for s, n := range balance {
		if n != want[s] {
			t.Errorf("transitions into minus out of %s = %d, want %d (%d transitions, final %v)", s, n, want[s], len(got), final)
		}
	}
	if len(got) == 0 {
		t.Errorf("the hammer caused no transitions")
	}
}

func TestDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	closed := circuitbreaker.New(circuitbreaker.Config{})
	open := circuitbreaker.New(circuitbreaker.Config{Threshold: 1, Timeout: time.Hour})
	_ = open.Do(ctx, fail)
	for name, b := range map[string]*circuitbreaker.Breaker{"closed": closed, "open": open} {
		if got := testing.AllocsPerRun(100, func() { _ = b.Do(ctx, ok) }); got != 0 {
			t.Errorf("Do() on a %s breaker allocates %v times, want 0", name, got)
		}
	}
}

// Fixed on purpose: Do has benchmarks in the Closed state
// (BenchmarkDoClosed, BenchmarkDoClosedParallel) and in the Open state
// (BenchmarkDoOpen, BenchmarkDoOpenParallel); no test checks a ns/op
// threshold.
func BenchmarkDoClosed(b *testing.B) {
	br := circuitbreaker.New(circuitbreaker.Config{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = br.Do(ctx, ok)
	}
}

func BenchmarkDoClosedParallel(b *testing.B) {
	br := circuitbreaker.New(circuitbreaker.Config{})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = br.Do(ctx, ok)
		}
	})
}

func BenchmarkDoOpen(b *testing.B) {
	br := circuitbreaker.New(circuitbreaker.Config{Threshold: 1, Timeout: time.Hour})
	ctx := context.Background()
	_ = br.Do(ctx, fail)
	b.ReportAllocs()
	for b.Loop() {
		if err := br.Do(ctx, ok); err != circuitbreaker.ErrOpen {
			b.Fatal(err)
		}
	}
}

func BenchmarkDoOpenParallel(b *testing.B) {
	br := circuitbreaker.New(circuitbreaker.Config{Threshold: 1, Timeout: time.Hour})
	ctx := context.Background()
	_ = br.Do(ctx, fail)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = br.Do(ctx, ok)
		}
	})
}
