package lifecycle

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/platform"
)

// Default budgets, used when an option is absent or its duration is <= 0.
const (
	// DefaultDrainTimeout bounds the wait for fn to return and for every
	// [DrainGroup] to reach zero.
	DefaultDrainTimeout = 15 * time.Second
	// DefaultShutdownTimeout is the budget shared by all hooks registered
	// with [OnShutdown].
	DefaultShutdownTimeout = 10 * time.Second
)

// Option configures one [Run] call. Options are plain function values that
// can be shared between goroutines and reused across Run calls; a nil Option
// is ignored.
type Option func(*state)

// WithDrainTimeout sets the drain budget: how long [Run] waits, once shutdown
// has begun, for fn to return and for every [DrainGroup] to reach zero.
// d <= 0 means [DefaultDrainTimeout].
func WithDrainTimeout(d time.Duration) Option {
	return func(s *state) { s.drainTimeout = d }
}

// WithShutdownTimeout sets the budget shared by all shutdown hooks.
// d <= 0 means [DefaultShutdownTimeout].
func WithShutdownTimeout(d time.Duration) Option {
	return func(s *state) { s.shutdownTimeout = d }
}

// WithSignals replaces the signals that start a shutdown. Without this option
// [Run] uses platform.ShutdownSignals(): SIGINT and SIGTERM on Unix,
// os.Interrupt on Windows. WithSignals() with no arguments turns signal
// handling off, so only fn returning or the parent ctx ending starts a
// shutdown. Nil signals are ignored, so WithSignals(nil) turns signal
// handling off too.
func WithSignals(sigs ...os.Signal) Option {
	// A copy without the nils, made once: Run only reads it, so every Run
	// given this option may share it.
	sigs = slices.DeleteFunc(slices.Clone(sigs), func(sig os.Signal) bool { return sig == nil })
	return func(s *state) {
		s.signals = sigs
		s.signalsSet = true
	}
}

// stateKey is the context key under which Run stores its *state.
type stateKey struct{}

// state is the configuration and the shutdown bookkeeping of one Run call.
// The options fill the first group of fields before Run starts; the second
// group is guarded by mu.
type state struct {
	drainTimeout    time.Duration
	shutdownTimeout time.Duration
	signals         []os.Signal
	signalsSet      bool

	// notify and stop are signal.Notify and signal.Stop; tests replace them
	// through export_test.go to observe the subscription.
	notify func(c chan<- os.Signal, sig ...os.Signal)
	stop   func(c chan<- os.Signal)

	mu          sync.Mutex
	hooks       []hook
	groups      []*sync.WaitGroup
	hookPhase   bool // set when the hook phase starts; later hooks are ignored
	drainClosed bool // set when the drain phase ends; later groups are not waited for
}

type hook struct {
	name string
	fn   func(ctx context.Context) error
}

// newState applies opts over the defaults.
func newState(opts []Option) *state {
	s := &state{notify: signal.Notify, stop: signal.Stop}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	if s.drainTimeout <= 0 {
		s.drainTimeout = DefaultDrainTimeout
	}
	if s.shutdownTimeout <= 0 {
		s.shutdownTimeout = DefaultShutdownTimeout
	}
	if !s.signalsSet {
		s.signals = platform.ShutdownSignals()
	}
	return s
}

func fromContext(ctx context.Context) *state {
	if ctx == nil {
		return nil
	}
	s, _ := ctx.Value(stateKey{}).(*state)
	return s
}

// reportError is an error whose text is exactly the message of its coded
// cause, so the reports read as documented ("lifecycle: drain timeout after
// 15s") while errors.As still finds an *errors.Error with the code.
type reportError struct{ coded *errors.Error }

func (e *reportError) Error() string { return e.coded.Message }
func (e *reportError) Unwrap() error { return e.coded }

var _ error = (*reportError)(nil)

func report(code, format string, args ...any) error {
	return &reportError{coded: errors.Newf(code, format, args...)}
}

func panicReport(stack []byte, format string, args ...any) error {
	return &reportError{coded: errors.Newf(errors.CodeInternal, format, args...).WithMeta("stack", string(stack))}
}

// Run runs fn under signal handling and then shuts down in order.
//
// Run derives a run ctx from ctx, stores its shutdown bookkeeping in it (so
// that [OnShutdown] and [DrainGroup] called with that ctx, or any ctx derived
// from it, register with this Run), subscribes to the signals, and only then
// starts fn in its own goroutine. A signal sent once fn has started is
// therefore always seen by Run.
//
// Shutdown begins when fn returns, when one of the signals arrives, or when
// ctx ends; the run ctx is then cancelled. Run waits, within the drain budget,
// for fn to return and for every DrainGroup to reach zero, then runs the
// hooks newest first within the shutdown budget. Signals are unsubscribed
// before Run returns; a second signal during shutdown is ignored.
//
// Run returns nil when everything was clean, and otherwise errors.Join of
// fn's error, fn's panic, the drain timeout and the hook reports, in that
// order. When a signal or ctx started the shutdown, a [context.Canceled] from
// fn counts as clean. A nil fn is an error with code "validation".
func Run(ctx context.Context, fn func(ctx context.Context) error, opts ...Option) error {
	if fn == nil {
		return report(errors.CodeValidation, "lifecycle: nil fn")
	}
	st := newState(opts)
	runCtx, cancel := context.WithCancel(context.WithValue(ctx, stateKey{}, st))
	defer cancel()

	var sigCh chan os.Signal
	if len(st.signals) > 0 {
		sigCh = make(chan os.Signal, 1)
		st.notify(sigCh, st.signals...)
		defer st.stop(sigCh)
	}

	var (
		fnErr   error
		fnPanic error
		fnDone  = make(chan struct{})
	)
	// Panic policy: a panic in fn is recovered and reported as
	// "lifecycle: panic: <v>" (code internal); shutdown then proceeds as if
	// fn had returned. If fn ignores the run ctx it outlives Run.
	go func() {
		defer close(fnDone)
		defer func() {
			if v := recover(); v != nil {
				fnPanic = panicReport(debug.Stack(), "lifecycle: panic: %v", v)
			}
		}()
		fnErr = fn(runCtx)
	}()

	external := false // a signal or the parent ctx started the shutdown
	select {
	case <-fnDone:
		// fn may have returned because the parent ctx ended, which cancels
		// the run ctx at the same moment; that counts as the parent's doing.
		external = ctx.Err() != nil
	case <-sigCh: // nil when signals are off: never ready
		external = true
	case <-ctx.Done():
		external = true
	}
	cancel()

	var errs []error
	drainErr := st.drain(fnDone)
	select {
	case <-fnDone:
		if fnErr != nil && !(external && errors.Is(fnErr, context.Canceled)) {
			errs = append(errs, fnErr)
		}
		if fnPanic != nil {
			errs = append(errs, fnPanic)
		}
	default: // fn ignored the run ctx and is still running
	}
	if drainErr != nil {
		errs = append(errs, drainErr)
	}
	errs = append(errs, st.runHooks(runCtx)...)
	return errors.Join(errs...)
}

// drain waits, within the drain budget, for fn to return and for every drain
// group to reach zero. If the budget runs out, the waiting goroutine stays
// until fn returns and the groups reach zero: a sync.WaitGroup cannot be
// waited on with a deadline.
func (s *state) drain(fnDone <-chan struct{}) error {
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		<-fnDone
		for i := 0; ; i++ {
			s.mu.Lock()
			if i == len(s.groups) {
				s.drainClosed = true
				s.mu.Unlock()
				return
			}
			wg := s.groups[i]
			s.mu.Unlock()
			wg.Wait()
		}
	}()
	timer := time.NewTimer(s.drainTimeout)
	defer timer.Stop()
	select {
	case <-drained:
		return nil
	case <-timer.C:
		s.mu.Lock()
		s.drainClosed = true
		s.mu.Unlock()
		return report(errors.CodeTimeout, "lifecycle: drain timeout after %v", s.drainTimeout)
	}
}

type hookResult struct {
	err      error
	panicked error
}

// runHooks runs the hooks newest first, one at a time, under one shared
// deadline, and returns their reports in the order they were made.
func (s *state) runHooks(runCtx context.Context) []error {
	s.mu.Lock()
	s.hookPhase = true
	hooks := s.hooks
	s.hooks = nil
	s.mu.Unlock()
	if len(hooks) == 0 {
		return nil
	}

	// The hooks' ctx keeps the run ctx's values but not its cancellation,
	// which has already happened; it ends at the shared deadline.
	hctx, cancel := context.WithTimeout(context.WithoutCancel(runCtx), s.shutdownTimeout)
	defer cancel()

	var reports []error
	for i := len(hooks) - 1; i >= 0; i-- {
		h := hooks[i]
		if hctx.Err() != nil {
			reports = append(reports, report(errors.CodeTimeout, "lifecycle: hook %s skipped", h.name))
			continue
		}
		done := make(chan hookResult, 1)
		// Panic policy: a panicking hook is reported by name as
		// "lifecycle: hook <name> panicked: <v>" (code internal) and the
		// remaining hooks still run. A hook that ignores its ctx keeps this
		// goroutine alive after Run has returned; that is the one goroutine
		// Run does not wait for.
		go func() {
			var r hookResult
			defer func() {
				if v := recover(); v != nil {
					r.panicked = panicReport(debug.Stack(), "lifecycle: hook %s panicked: %v", h.name, v)
				}
				done <- r
			}()
			r.err = h.fn(hctx)
		}()

		var (
			r        hookResult
			finished bool
		)
		select {
		case r = <-done:
			finished = true
		case <-hctx.Done():
			// Prefer a result that arrived together with the deadline.
			select {
			case r = <-done:
				finished = true
			default:
			}
		}
		switch {
		case !finished,
			r.err != nil && hctx.Err() != nil && errors.Is(r.err, hctx.Err()):
			reports = append(reports, report(errors.CodeTimeout, "lifecycle: hook %s timed out after %v", h.name, s.shutdownTimeout))
		case r.panicked != nil:
			reports = append(reports, r.panicked)
		case r.err != nil:
			reports = append(reports, fmt.Errorf("lifecycle: hook %s: %w", h.name, r.err))
		}
	}
	return reports
}

// OnShutdown registers fn to run during the shutdown of the [Run] call that
// ctx comes from. Hooks run one at a time, newest first, after the drain
// phase; each gets a ctx that keeps the run ctx's values and expires at the
// shared shutdown deadline. The name identifies the hook in error reports.
//
// OnShutdown does nothing when ctx did not come from Run, when fn is nil, or
// once the hook phase of that Run has started. It is safe to call from any
// goroutine.
func OnShutdown(ctx context.Context, name string, fn func(ctx context.Context) error) {
	s := fromContext(ctx)
	if s == nil || fn == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hookPhase {
		return
	}
	s.hooks = append(s.hooks, hook{name: name, fn: fn})
}

// DrainGroup returns a new WaitGroup that the [Run] call ctx comes from waits
// on, within its drain budget, before running the hooks. Call Add for a unit
// of work before the run ctx is cancelled (for example when a request
// arrives) and Done when it ends.
//
// With a ctx that did not come from Run, DrainGroup returns a WaitGroup that
// nobody waits on, so code using it works the same outside Run. A group
// created after the drain phase has ended is not waited on either. It is safe
// to call from any goroutine.
func DrainGroup(ctx context.Context) *sync.WaitGroup {
	wg := new(sync.WaitGroup)
	s := fromContext(ctx)
	if s == nil {
		return wg
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.drainClosed {
		s.groups = append(s.groups, wg)
	}
	return wg
}
