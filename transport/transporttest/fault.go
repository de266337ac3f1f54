package transporttest

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
	"github.com/greynewell/mist-go/transport"
)

// FaultConfig says which faults a [Fault] injects. The zero FaultConfig
// injects none.
type FaultConfig struct {
	// ErrorRate is the probability that a call fails: never when ≤ 0,
	// always when ≥ 1.
	ErrorRate float64
	// Error is the injected error; nil means an error with code transport
	// (retryable).
	Error error
	// Delay is waited before every call, plus a random jitter in
	// [0, DelayJitter). Negative values count as 0.
	Delay, DelayJitter time.Duration
	// Seed makes the random choices repeatable when non-zero; 0 picks a
	// random seed.
	Seed uint64
}

// errFault is the error injected when FaultConfig.Error is nil.
var errFault = errors.New(errors.CodeTransport, "transporttest: injected fault")

// Fault wraps a transport and injects delays and errors before its Send
// and Receive calls.
//
// Before each call it waits Delay plus a jitter below DelayJitter; if ctx
// ends during that wait, it returns ctx.Err() and never reaches the inner
// transport. It then fails with probability ErrorRate, again without
// reaching the inner transport, and otherwise calls it. The random draws
// (the jitter when DelayJitter > 0, then the failure when 0 < ErrorRate <
// 1) come from one generator seeded by Seed, so a single goroutine making
// the same calls sees the same faults in every run. Close is passed
// through and never faulted; after it, Send and Receive return
// transport.ErrClosed.
//
// Fault is safe for concurrent use when the inner transport is, and
// starts no goroutines. The zero Fault is not usable (its Send and Receive
// fail with code validation, as with a nil inner transport); use NewFault.
type Fault struct {
	inner  transport.Transport
	cfg    FaultConfig
	after  func(time.Duration) <-chan time.Time
	closed atomic.Bool

	mu  sync.Mutex
	rng *rand.Rand
}

// NewFault returns inner with the faults of cfg. A nil inner makes every
// call fail with code validation.
func NewFault(inner transport.Transport, cfg FaultConfig) *Fault {
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	return &Fault{
		inner: inner,
		cfg:   cfg,
		after: time.After,
		rng:   rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
}

var errNilInner = errors.New(errors.CodeValidation, "transporttest: inner transport is nil")

// before applies the delay and decides the failure of one call.
func (f *Fault) before(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.closed.Load() {
		return transport.ErrClosed
	}
	if f.inner == nil {
		return errNilInner
	}
	d := max(f.cfg.Delay, 0)
	f.mu.Lock()
	if f.cfg.DelayJitter > 0 {
		d += time.Duration(f.rng.Int64N(int64(f.cfg.DelayJitter)))
	}
	fail := f.cfg.ErrorRate >= 1 || f.cfg.ErrorRate > 0 && f.rng.Float64() < f.cfg.ErrorRate
	f.mu.Unlock()
	if d > 0 {
		select {
		case <-f.after(d):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail {
		if f.cfg.Error != nil {
			return f.cfg.Error
		}
		return errFault
	}
	return nil
}

// Send waits, may fail, and otherwise sends msg through the inner
// transport.
func (f *Fault) Send(ctx context.Context, msg *protocol.Message) error {
	if err := f.before(ctx); err != nil {
		return err
	}
	return f.inner.Send(ctx, msg)
}

// Receive waits, may fail, and otherwise receives from the inner
// transport.
func (f *Fault) Receive(ctx context.Context) (*protocol.Message, error) {
	if err := f.before(ctx); err != nil {
		return nil, err
	}
	return f.inner.Receive(ctx)
}

// Close closes the inner transport.
func (f *Fault) Close() error {
	f.closed.Store(true)
	if f.inner == nil {
		return nil
	}
	return f.inner.Close()
}
