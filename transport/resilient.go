package transport

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
)

// The states a [Resilient] reports to ResilientConfig.OnStateChange.
const (
	stateDisconnected = "disconnected"
	stateConnecting   = "connecting"
	stateConnected    = "connected"
	stateClosed       = "closed"
)

// DialFunc opens a connection for a [Resilient]. It should honour ctx,
// which ends when the caller gives up or the Resilient is closed.
type DialFunc func(ctx context.Context) (Transport, error)

// ResilientConfig configures a [Resilient]. Zero fields mean the defaults.
type ResilientConfig struct {
	// ReconnectWait is the first wait after a failed dial (default
	// 100 ms when ≤ 0); each further failure doubles it.
	ReconnectWait time.Duration
	// MaxReconnectWait caps the wait (default 30 s when ≤ 0).
	MaxReconnectWait time.Duration
	// OnStateChange, when set, is called with "connecting", "connected",
	// "disconnected" or "closed" each time the state changes. It runs
	// after the internal lock is released, on the goroutine that caused
	// the change, and may call any method, Close included. Calls caused by
	// different goroutines may overlap.
	OnStateChange func(state string)
}

// Resilient is a Transport that dials its connection on first use and
// dials again when the connection fails.
//
// A Resilient starts "disconnected". The first Send or Receive dials
// ("connecting"), retrying failed dials after ReconnectWait, doubling up to
// MaxReconnectWait, until a dial succeeds ("connected") or the caller's ctx
// ends; a dial error that errors.IsRetryable rejects (such as code
// validation) is returned at once. Concurrent callers may dial at the same
// time; one connection is kept and the others are closed, unless a losing
// dial returned the very transport that is kept (a DialFunc that hands out
// one shared transport).
//
// Send: a retryable error other than ErrFull (and other than the caller's
// ctx ending) drops the connection ("disconnected"), redials once and
// sends once more; if that redial fails the error has code transport.
// ErrFull and permanent errors are returned unchanged.
//
// Receive: io.EOF, ErrClosed, ctx errors and errors with code protocol or
// validation are returned unchanged, so a file at its end is never re-read
// from the start; any other error drops the connection, redials and
// receives again, waiting between repeated failures as dials do.
//
// When the connection itself returns ErrClosed, it is dropped so the next
// call redials, and the ErrClosed is returned. The exception is a call
// whose connection this Resilient dropped while the call was on it,
// because a concurrent call failed on that connection: its ErrClosed is
// no fault of its own, so a Send is sent once more and a Receive receives
// again, on the new connection.
//
// Close closes the connection, cancels a dial in flight and makes every
// later call return ErrClosed ("closed"). A DialFunc that ignores its ctx
// may still be running after Close; its connection is then closed as soon
// as it returns.
//
// Resilient is safe for concurrent use and starts no goroutines. The zero
// Resilient is not usable (its Send and Receive fail with code
// validation); use NewResilient.
type Resilient struct {
	dial     DialFunc
	cfg      ResilientConfig
	after    func(time.Duration) <-chan time.Time
	closeCtx context.Context
	cancel   context.CancelFunc

	mu    sync.Mutex // guards the fields below; Close cancels closeCtx under it
	conn  Transport
	gen   uint64 // counts connections, so a failure drops only its own
	state string
}

// NewResilient returns a Resilient that connects with dial. It does not
// dial until the first Send or Receive. A nil dial makes Send and Receive
// fail with code validation.
func NewResilient(dial DialFunc, cfg ResilientConfig) *Resilient {
	if cfg.ReconnectWait <= 0 {
		cfg.ReconnectWait = 100 * time.Millisecond
	}
	if cfg.MaxReconnectWait <= 0 {
		cfg.MaxReconnectWait = 30 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Resilient{
		dial:     dial,
		cfg:      cfg,
		after:    time.After,
		closeCtx: ctx,
		cancel:   cancel,
		state:    stateDisconnected,
	}
}

var errNilDial = errors.New(errors.CodeValidation, "transport: resilient: dial func is nil")

// Send sends msg on the current connection, dialing first if there is
// none; see [Resilient] for when it redials.
func (r *Resilient) Send(ctx context.Context, msg *protocol.Message) error {
	if err := r.check(ctx); err != nil {
		return err
	}
	if msg == nil {
		return errNilMessage // without dialing; the connection checks the rest
	}
	c, gen, err := r.connect(ctx)
	if err != nil {
		return err
	}
	err = c.Send(ctx, msg)
	if err == nil {
		return nil
	}
	if !redialSend(ctx, err) && !r.droppedUnder(ctx, err, gen) {
		r.dropIfClosed(err, gen)
		return err
	}
	r.disconnect(gen)
	c, gen, derr := r.dialOnce(ctx)
	if derr != nil {
		r.giveUp()
		if r.isClosed() {
			return ErrClosed
		}
		if cerr := ctx.Err(); cerr != nil {
			return errors.Join(cerr, err)
		}
		return errors.Wrap(errors.CodeTransport, errors.Join(err, derr), "transport: resilient: redial after a failed send")
	}
	err = c.Send(ctx, msg)
	if err != nil && redialSend(ctx, err) {
		r.disconnect(gen) // the next call dials afresh
	}
	r.dropIfClosed(err, gen)
	return err
}

// droppedUnder reports whether err is the ErrClosed of connection gen that
// this Resilient dropped while a Send or Receive was on it, because a
// concurrent call failed on it. That call failed through no fault of its
// own, so it is made again on a new connection like one that hit a
// transient error, rather than returning a permanent ErrClosed to a caller
// that did nothing wrong.
func (r *Resilient) droppedUnder(ctx context.Context, err error, gen uint64) bool {
	if ctx.Err() != nil || !errors.Is(err, ErrClosed) {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.isClosed() && (r.conn == nil || r.gen != gen)
}

// redialSend reports whether a Send error calls for a new connection.
func redialSend(ctx context.Context, err error) bool {
	return ctx.Err() == nil && !errors.Is(err, ErrFull) && errors.IsRetryable(err)
}

// Receive receives from the current connection, dialing first if there is
// none; see [Resilient] for when it redials.
func (r *Resilient) Receive(ctx context.Context) (*protocol.Message, error) {
	if err := r.check(ctx); err != nil {
		return nil, err
	}
	wait := r.cfg.ReconnectWait
	for failures := 0; ; failures++ {
		c, gen, err := r.connect(ctx)
		if err != nil {
			return nil, err
		}
		msg, err := c.Receive(ctx)
		if err == nil && msg == nil {
			err = errNoMessage
		}
		if err == nil {
			return msg, nil
		}
		if keepReceiveError(err) && !r.droppedUnder(ctx, err, gen) {
			r.dropIfClosed(err, gen)
			return nil, err
		}
		r.disconnect(gen) // a no-op when it was dropped under this Receive
		if failures > 0 {
			if werr := r.wait(ctx, wait, err); werr != nil {
				return nil, werr
			}
			wait = min(2*wait, r.cfg.MaxReconnectWait)
		}
	}
}

// keepReceiveError reports whether Receive returns err as it is.
func keepReceiveError(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, ErrClosed) || isCtxErr(err) {
		return true
	}
	code := errors.Code(err)
	return code == errors.CodeProtocol || code == errors.CodeValidation
}

func (r *Resilient) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.closeCtx == nil {
		return zeroValue("Resilient", "NewResilient")
	}
	if r.isClosed() {
		return ErrClosed
	}
	if r.dial == nil {
		return errNilDial
	}
	return nil
}

// connect returns the current connection, dialing until a dial succeeds,
// ctx ends or the Resilient is closed.
func (r *Resilient) connect(ctx context.Context) (Transport, uint64, error) {
	wait := r.cfg.ReconnectWait
	for {
		c, gen, err := r.dialOnce(ctx)
		if err == nil {
			return c, gen, nil
		}
		if r.isClosed() {
			return nil, 0, ErrClosed
		}
		if cerr := ctx.Err(); cerr != nil {
			r.giveUp()
			return nil, 0, errors.Join(cerr, err)
		}
		if !errors.IsRetryable(err) {
			r.giveUp()
			return nil, 0, err
		}
		if werr := r.wait(ctx, wait, err); werr != nil {
			r.giveUp()
			return nil, 0, werr
		}
		wait = min(2*wait, r.cfg.MaxReconnectWait)
	}
}

// wait sleeps d, or returns early when ctx ends (an error matching both
// ctx.Err() and last) or the Resilient is closed (ErrClosed).
func (r *Resilient) wait(ctx context.Context, d time.Duration, last error) error {
	select {
	case <-r.after(d):
		return nil
	case <-ctx.Done():
		return errors.Join(ctx.Err(), last)
	case <-r.closeCtx.Done():
		return ErrClosed
	}
}

// dialOnce returns the current connection or makes one dial attempt.
func (r *Resilient) dialOnce(ctx context.Context) (Transport, uint64, error) {
	r.mu.Lock()
	if r.isClosed() {
		r.mu.Unlock()
		return nil, 0, ErrClosed
	}
	if r.conn != nil {
		c, gen := r.conn, r.gen
		r.mu.Unlock()
		return c, gen, nil
	}
	s, changed := r.setStateLocked(stateConnecting)
	r.mu.Unlock()
	r.notify(s, changed)

	dctx, stop := mergeDone(ctx, r.closeCtx)
	c, err := r.dial(dctx)
	stop()
	if err == nil && c == nil {
		err = errors.New(errors.CodeTransport, "transport: resilient: dial returned no transport")
	}
	if err != nil {
		return nil, 0, err
	}

	r.mu.Lock()
	if r.isClosed() {
		r.mu.Unlock()
		_ = c.Close() // a connection nobody will use; its close error helps no one
		return nil, 0, ErrClosed
	}
	if r.conn != nil { // another dial won the race
		kept, gen := r.conn, r.gen
		r.mu.Unlock()
		if !sameValue(c, kept) { // a DialFunc may hand out one transport to every caller
			_ = c.Close() // the losing connection; its close error helps no one
		}
		return kept, gen, nil
	}
	r.gen++
	r.conn = c
	gen := r.gen
	s, changed = r.setStateLocked(stateConnected)
	r.mu.Unlock()
	r.notify(s, changed)
	return c, gen, nil
}

// disconnect drops connection gen, if it is still the current one.
func (r *Resilient) disconnect(gen uint64) {
	r.mu.Lock()
	if r.isClosed() || r.conn == nil || r.gen != gen {
		r.mu.Unlock()
		return
	}
	c := r.conn
	r.conn = nil
	s, changed := r.setStateLocked(stateDisconnected)
	r.mu.Unlock()
	_ = c.Close() // a failed connection; the caller has its failure already
	r.notify(s, changed)
}

// dropIfClosed drops connection gen when it reported ErrClosed itself.
func (r *Resilient) dropIfClosed(err error, gen uint64) {
	if err != nil && errors.Is(err, ErrClosed) {
		r.disconnect(gen)
	}
}

// giveUp moves a "connecting" Resilient back to "disconnected" after the
// caller stopped dialing.
func (r *Resilient) giveUp() {
	r.mu.Lock()
	if r.isClosed() || r.conn != nil || r.state != stateConnecting {
		r.mu.Unlock()
		return
	}
	s, changed := r.setStateLocked(stateDisconnected)
	r.mu.Unlock()
	r.notify(s, changed)
}

func (r *Resilient) setStateLocked(s string) (string, bool) {
	if r.state == s {
		return s, false
	}
	r.state = s
	return s, true
}

func (r *Resilient) notify(s string, changed bool) {
	if changed && r.cfg.OnStateChange != nil {
		r.cfg.OnStateChange(s)
	}
}

func (r *Resilient) isClosed() bool { return r.closeCtx.Err() != nil }

// Close closes the connection, cancels any dial in flight and makes every
// later call return ErrClosed. It returns the connection's Close error; a
// second Close returns nil.
func (r *Resilient) Close() error {
	if r.closeCtx == nil {
		return nil
	}
	r.mu.Lock()
	if r.isClosed() {
		r.mu.Unlock()
		return nil
	}
	r.cancel()
	c := r.conn
	r.conn = nil
	s, changed := r.setStateLocked(stateClosed)
	r.mu.Unlock()
	var err error
	if c != nil {
		err = c.Close()
	}
	r.notify(s, changed)
	return err
}
