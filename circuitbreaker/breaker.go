package circuitbreaker

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greynewell/mist-go/errors"
)

// State is the state of a [Breaker]. It is a plain value; the zero State is
// Closed.
type State int32

var _ fmt.Stringer = State(0)

// The three states of a breaker.
const (
	// Closed lets every call through and counts consecutive failures.
	Closed State = 0
	// Open rejects every call with [ErrOpen] until the timeout has passed.
	Open State = 1
	// HalfOpen lets a few probe calls through to test the dependency.
	HalfOpen State = 2
)

// String returns "closed", "open", "half-open", or "unknown" for any other
// value.
func (s State) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half-open"
	}
	return "unknown"
}

// ErrOpen is returned, unwrapped, for a call that the breaker rejects
// without running it. Its code is "unavailable" and its text is
// "unavailable: circuit breaker is open". Match it with errors.Is.
var ErrOpen error = errors.New(errors.CodeUnavailable, "circuit breaker is open")

// Defaults applied by [New] to zero or out-of-range [Config] fields.
const (
	defaultThreshold = 5
	defaultTimeout   = 30 * time.Second
)

// Config configures a [Breaker]. Its zero fields mean defaults, so the zero
// Config is a breaker that opens after 5 consecutive failures and probes
// again after 30 s.
//
// A Config is a plain value, read once by [New].
type Config struct {
	// Threshold is the number of consecutive failures that opens the
	// breaker. Values below 1 mean 5; values above 2^30−1 mean 2^30−1.
	Threshold int
	// Timeout is how long the breaker stays open before it lets probes
	// through. 0 means 30 s; a negative Timeout half-opens at once.
	Timeout time.Duration
	// HalfOpenMax is the number of probes allowed to run at once in the
	// HalfOpen state. Values below 1 mean 1.
	HalfOpenMax int
	// OnStateChange, if set, is called after every transition, on the
	// goroutine that caused it and after the breaker's lock is released,
	// so it may call the breaker. It must be safe for concurrent use.
	OnStateChange func(from, to State)
	// IsFailure reports whether a non-nil error returned by fn counts as a
	// failure; other errors are ignored. A nil IsFailure counts every error
	// except one that matches context.Canceled.
	IsFailure func(err error) bool
}

// The state word packs the state, the consecutive-failure count (Closed
// only) and a generation that every transition increments:
//
//	bits 0–1   state
//	bits 2–31  consecutive failures
//	bits 32–63 generation
//
// A call remembers the word that admitted it and reports its outcome only
// if the generation has not moved on, so a slow call from an earlier period
// cannot disturb the current one.
const (
	stateMask = 1<<2 - 1
	countOne  = 1 << 2
	countBits = 30
	countMask = (1<<countBits - 1) << 2
	genShift  = 32
	maxCount  = 1<<countBits - 1
)

func stateOf(w uint64) State         { return State(w & stateMask) }
func countOf(w uint64) int64         { return int64(w&countMask) >> 2 }
func sameGen(a, b uint64) bool       { return a>>genShift == b>>genShift }
func next(w uint64, to State) uint64 { return (w>>genShift+1)<<genShift | uint64(to) }

// Breaker is a three-state circuit breaker; see the package documentation
// for the state machine.
//
// A Breaker is safe for concurrent use. The zero Breaker is ready to use and
// behaves like New(Config{}).
type Breaker struct {
	// The Config fields as given; limit, expired, probeLimit and classify
	// apply the defaults, so that New and the zero Breaker share them.
	threshold   int
	timeout     time.Duration
	halfOpenMax int
	onChange    func(from, to State)
	isFailure   func(error) bool
	now         func() time.Time // nil means time.Now; set by tests

	// word is read on every call and written only on failures and
	// transitions; the counters below are written on every call, so they
	// live on another cache line.
	word atomic.Uint64
	_    [56]byte

	successes atomic.Int64
	failures  atomic.Int64

	// openedAt is when the breaker last opened. It is written under mu just
	// before the word turns Open, and read without mu by calls that find
	// the breaker Open.
	openedAt atomic.Pointer[time.Time]

	mu     sync.Mutex
	probes int // probes running in the current HalfOpen generation; guarded by mu
}

// New returns a Closed breaker configured by cfg, with defaults applied.
func New(cfg Config) *Breaker {
	return &Breaker{
		threshold:   cfg.Threshold,
		timeout:     cfg.Timeout,
		halfOpenMax: cfg.HalfOpenMax,
		onChange:    cfg.OnStateChange,
		isFailure:   cfg.IsFailure,
	}
}

// State returns the current state. If the breaker is Open and its timeout
// has passed, State moves it to HalfOpen first (and OnStateChange fires).
func (b *Breaker) State() State {
	w := b.word.Load()
	if stateOf(w) != Open || !b.expired() {
		return stateOf(w)
	}
	b.mu.Lock()
	w, changed := b.halfOpenLocked()
	b.mu.Unlock()
	if changed {
		b.notify(Open, HalfOpen)
	}
	return stateOf(w)
}

// Counts returns the cumulative numbers of successful and failed calls since
// the breaker was created. Rejected calls and ignored outcomes are not
// counted.
func (b *Breaker) Counts() (successes, failures int64) {
	return b.successes.Load(), b.failures.Load()
}

// Do runs fn if the breaker allows it and records the outcome.
//
// It returns ctx.Err() without running fn if ctx is already done, [ErrOpen]
// if the breaker rejects the call, and otherwise fn's error unchanged. If
// fn panics, the call counts as a failure and the panic continues. A nil fn
// gives an error with code validation and changes nothing.
func (b *Breaker) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	_, err := b.do(ctx, fn)
	return err
}

// DoWithFallback is like [Breaker.Do], but when the breaker rejects the call
// it returns fallback(ctx, ErrOpen) instead of ErrOpen. Errors from fn are
// returned as they are, without calling fallback. A nil fallback makes it
// behave like Do.
func (b *Breaker) DoWithFallback(ctx context.Context, fn func(ctx context.Context) error, fallback func(ctx context.Context, err error) error) error {
	rejected, err := b.do(ctx, fn)
	if rejected && fallback != nil {
		return fallback(ctx, ErrOpen)
	}
	return err
}

// do admits or rejects a call and runs it; rejected is true only when the
// result is ErrOpen produced by the breaker itself.
func (b *Breaker) do(ctx context.Context, fn func(ctx context.Context) error) (rejected bool, err error) {
	if fn == nil {
		return false, errors.New(errors.CodeValidation, "circuitbreaker: fn is nil")
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	w := b.word.Load()
	switch {
	case stateOf(w) == Closed:
		return false, b.runClosed(ctx, fn, w)
	case stateOf(w) == Open && !b.expired():
		return true, ErrOpen
	}

	b.mu.Lock()
	w, changed := b.halfOpenLocked()
	admitted := false
	switch stateOf(w) {
	case Closed:
		// Another goroutine closed the breaker while we waited for mu.
		b.mu.Unlock()
		return false, b.runClosed(ctx, fn, w)
	case HalfOpen:
		if b.probes < b.probeLimit() {
			b.probes++
			admitted = true
		}
	}
	b.mu.Unlock()
	if changed {
		b.notify(Open, HalfOpen)
	}
	if !admitted {
		return true, ErrOpen
	}
	return false, b.runProbe(ctx, fn, w)
}

// outcome classifies the result of a call.
type outcome uint8

const (
	success outcome = iota
	failure
	ignored
)

func (b *Breaker) classify(err error) outcome {
	if err == nil {
		return success
	}
	isFailure := b.isFailure
	if isFailure == nil {
		isFailure = defaultIsFailure
	}
	if isFailure(err) {
		return failure
	}
	return ignored
}

// defaultIsFailure counts every error except cancellation.
func defaultIsFailure(err error) bool { return !errors.Is(err, context.Canceled) }

// runClosed runs a call admitted in the Closed state with word adm.
func (b *Breaker) runClosed(ctx context.Context, fn func(ctx context.Context) error, adm uint64) error {
	returned := false
	defer func() {
		if !returned {
			// fn panicked (or called runtime.Goexit): count a failure
			// and let the panic continue.
			b.closedFailure(adm)
		}
	}()
	err := fn(ctx)
	returned = true
	if err == nil {
		b.successes.Add(1)
		if countOf(b.word.Load()) != 0 {
			b.closedSuccess(adm)
		}
		return nil
	}
	if b.classify(err) == failure {
		b.closedFailure(adm)
	}
	return err
}

// closedSuccess resets the consecutive-failure count, if the breaker is
// still in the Closed period that admitted the call.
func (b *Breaker) closedSuccess(adm uint64) {
	for {
		cur := b.word.Load()
		if !sameGen(cur, adm) || countOf(cur) == 0 {
			return
		}
		if b.word.CompareAndSwap(cur, cur&^countMask) {
			return
		}
	}
}

// closedFailure counts a failure and opens the breaker when the
// consecutive-failure count reaches the threshold.
func (b *Breaker) closedFailure(adm uint64) {
	b.failures.Add(1)
	for {
		cur := b.word.Load()
		if !sameGen(cur, adm) {
			return
		}
		if countOf(cur)+1 < b.limit() {
			if b.word.CompareAndSwap(cur, cur+countOne) {
				return
			}
			continue
		}
		b.mu.Lock()
		if !sameGen(b.word.Load(), adm) {
			// The breaker left the period that admitted the call while
			// we waited for mu. Storing openedAt now would push out a
			// later Open period.
			b.mu.Unlock()
			return
		}
		at := b.clock()
		b.openedAt.Store(&at)
		opened := b.word.CompareAndSwap(cur, next(cur, Open))
		b.mu.Unlock()
		if opened {
			b.notify(Closed, Open)
			return
		}
	}
}

// runProbe runs a call admitted as a probe in the HalfOpen state with word
// adm.
func (b *Breaker) runProbe(ctx context.Context, fn func(ctx context.Context) error, adm uint64) error {
	returned := false
	defer func() {
		if !returned {
			// fn panicked: free the slot, count a failure, and let the
			// panic continue.
			b.probeDone(adm, failure)
		}
	}()
	err := fn(ctx)
	returned = true
	b.probeDone(adm, b.classify(err))
	return err
}

// probeDone records a probe's outcome and frees its slot. A success closes
// the breaker and a failure reopens it, unless another probe of the same
// HalfOpen period has already done so.
func (b *Breaker) probeDone(adm uint64, o outcome) {
	switch o {
	case success:
		b.successes.Add(1)
	case failure:
		b.failures.Add(1)
	}
	b.mu.Lock()
	cur := b.word.Load()
	if !sameGen(cur, adm) {
		b.mu.Unlock()
		return
	}
	b.probes--
	var to State
	switch o {
	case success:
		to = Closed
	case failure:
		to = Open
		at := b.clock()
		b.openedAt.Store(&at)
	default:
		b.mu.Unlock()
		return
	}
	// Outside Closed only holders of mu change the word.
	b.word.Store(next(cur, to))
	b.mu.Unlock()
	b.notify(HalfOpen, to)
}

// halfOpenLocked moves an Open breaker whose timeout has passed to
// HalfOpen. It returns the current word and whether it changed the state.
// b.mu must be held.
func (b *Breaker) halfOpenLocked() (uint64, bool) {
	w := b.word.Load()
	if stateOf(w) != Open || !b.expired() {
		return w, false
	}
	w = next(w, HalfOpen)
	b.probes = 0
	b.word.Store(w)
	return w, true
}

// expired reports whether the open timeout has passed. It is the only place
// that reads the clock outside a transition.
func (b *Breaker) expired() bool {
	timeout := b.timeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	if timeout < 0 {
		return true
	}
	at := b.openedAt.Load()
	return at == nil || b.clock().Sub(*at) >= timeout
}

func (b *Breaker) clock() time.Time {
	if b.now == nil {
		return time.Now()
	}
	return b.now()
}

// limit is the effective Threshold: below 1 means 5, and it is capped at
// what the state word can count.
func (b *Breaker) limit() int64 {
	if b.threshold < 1 {
		return defaultThreshold
	}
	return min(int64(b.threshold), maxCount)
}

// probeLimit is the effective HalfOpenMax: below 1 means 1.
func (b *Breaker) probeLimit() int {
	return max(b.halfOpenMax, 1)
}

func (b *Breaker) notify(from, to State) {
	if b.onChange != nil {
		b.onChange(from, to)
	}
}
