package trace

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/greynewell/mist-go/errors"
	"github.com/greynewell/mist-go/protocol"
)

// Exporter defaults.
const (
	defaultQueueSize     = 2048
	defaultBatchSize     = 64
	defaultFlushInterval = time.Second
)

// Exporter ships batches of ended spans somewhere: a collector, a file, a
// MIST transport (see [NewMessageExporter]).
//
// Export is called from the registration's own goroutine, never
// concurrently within one registration; an Exporter registered more than
// once must be safe for concurrent use. The slice and the spans' Attrs maps
// belong to the exporter once Export is called. Export should return
// promptly once ctx is done. Spans started from ctx are not exported.
//
// A nil Exporter is a programming mistake: [RegisterExporter] panics on it.
// A non-nil Exporter holding a nil value, such as a nil [ExporterFunc],
// panics when called; the registration recovers that panic and reports it
// to its error handler as an error with code internal, losing the batch.
type Exporter interface {
	Export(ctx context.Context, spans []protocol.TraceSpan) error
}

// ExporterFunc adapts a function to [Exporter]. It is as safe for
// concurrent use as the function; the nil ExporterFunc panics when called.
type ExporterFunc func(ctx context.Context, spans []protocol.TraceSpan) error

// Export calls f(ctx, spans).
func (f ExporterFunc) Export(ctx context.Context, spans []protocol.TraceSpan) error {
	return f(ctx, spans)
}

var _ Exporter = ExporterFunc(nil)

// exportConfig holds the options of one registration.
type exportConfig struct {
	batchSize     int
	flushInterval time.Duration
	queueSize     int
	onError       func(error)
}

// ExportOption configures [RegisterExporter]. Options are plain functions
// that only set a field of the registration being made, so one option is
// safe for concurrent use and may be shared by any number of
// registrations. A nil ExportOption, the zero value, is ignored.
type ExportOption func(*exportConfig)

// WithBatchSize sets how many spans make a batch that is exported at once
// (default 64). A value < 1 means the default. A batch size above the
// queue size (see [WithQueueSize]) is lowered to it, so that a full queue
// is exported at once.
func WithBatchSize(n int) ExportOption {
	return func(c *exportConfig) { c.batchSize = n }
}

// WithFlushInterval sets how often a partial batch is exported (default
// 1 s). A value < 1 means the default.
func WithFlushInterval(d time.Duration) ExportOption {
	return func(c *exportConfig) { c.flushInterval = d }
}

// WithQueueSize sets how many ended spans may wait for export (default
// 2048); when the queue is full, further spans are dropped and counted by
// [Registration.Dropped]. A value < 1 means the default.
func WithQueueSize(n int) ExportOption {
	return func(c *exportConfig) { c.queueSize = n }
}

// WithErrorHandler sets the function that receives the errors of Export
// calls (by default they are discarded). It is called from the
// registration's goroutine, one error at a time. nil means the default.
func WithErrorHandler(fn func(error)) ExportOption {
	return func(c *exportConfig) { c.onError = fn }
}

// registry is the process-wide set of active registrations that API.md
// prescribes. End loads the current list without a lock and enqueues
// without blocking; RegisterExporter and Shutdown replace the list under
// mu. A registration whose Shutdown has begun takes no more spans (see
// enqueue), whichever list End loaded.
var registry struct {
	mu   sync.Mutex                      // serialises writers of regs
	regs atomic.Pointer[[]*Registration] // copy on write; nil means none
}

// activeRegistrations returns the current list, which must not be
// modified.
func activeRegistrations() []*Registration {
	if p := registry.regs.Load(); p != nil {
		return *p
	}
	return nil
}

// Registration is one exporter attached by [RegisterExporter]. It is safe
// for concurrent use. The zero Registration is not attached to anything:
// Flush and Shutdown return nil at once and Dropped returns 0.
type Registration struct {
	exp     Exporter
	cfg     exportConfig
	flushes chan chan struct{}
	wake    chan struct{} // cap 1: a whole batch is waiting
	stop    chan struct{} // closed by Shutdown
	done    chan struct{} // closed when the goroutine has exited

	// ctx is the registration's lifetime, passed to every Export call; it
	// is cancelled when Shutdown returns or gives up.
	ctx    context.Context
	cancel context.CancelFunc

	dropped atomic.Int64

	// The queue: End appends under qmu and wakes the goroutine only when
	// a whole batch is waiting, so ending a span costs no goroutine
	// switch.
	qmu     sync.Mutex
	pending []protocol.TraceSpan // at most cfg.queueSize; guarded by qmu
	closed  bool                 // Shutdown has begun; guarded by qmu
}

// RegisterExporter attaches e to every span that ends from now on, until
// [Registration.Shutdown]. It starts one goroutine, owned by the returned
// Registration, that exports queued spans in batches: when a batch reaches
// the batch size (64), at every flush interval (1 s), on Flush and on
// Shutdown. Several registrations can be active at once; each gets every
// ended, sampled span.
//
// A panic in Export is recovered and reported to the error handler as an
// error with code internal; the registration keeps going.
//
// RegisterExporter panics if e is nil: that is a programming mistake.
func RegisterExporter(e Exporter, opts ...ExportOption) *Registration {
	if e == nil {
		panic("trace: RegisterExporter with a nil Exporter")
	}
	var cfg exportConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.batchSize < 1 {
		cfg.batchSize = defaultBatchSize
	}
	if cfg.flushInterval < 1 {
		cfg.flushInterval = defaultFlushInterval
	}
	if cfg.queueSize < 1 {
		cfg.queueSize = defaultQueueSize
	}
	// A batch larger than the queue could never fill: the queue would drop
	// spans until the next flush interval instead of being exported.
	cfg.batchSize = min(cfg.batchSize, cfg.queueSize)
	if cfg.onError == nil {
		cfg.onError = func(error) {}
	}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), exportingKey{}, true))
	r := &Registration{
		exp:     e,
		cfg:     cfg,
		flushes: make(chan chan struct{}),
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		ctx:     ctx,
		cancel:  cancel,
	}
	registry.mu.Lock()
	old := activeRegistrations()
	regs := make([]*Registration, len(old), len(old)+1)
	copy(regs, old)
	regs = append(regs, r)
	registry.regs.Store(&regs)
	registry.mu.Unlock()
	go r.run() // stopped and awaited by Shutdown
	return r
}

// exportSpan hands the ended span p to every registration of regs.
func exportSpan(regs []*Registration, p *protocol.TraceSpan) {
	for i, r := range regs {
		if i > 0 && p.Attrs != nil {
			q := *p
			q.Attrs = maps.Clone(p.Attrs) // each exporter owns its spans
			p = &q
		}
		r.enqueue(p)
	}
}

// enqueue queues sp for export, or counts it as dropped when the queue is
// full. A registration whose Shutdown has begun ignores it.
func (r *Registration) enqueue(sp *protocol.TraceSpan) {
	r.qmu.Lock()
	if r.closed {
		r.qmu.Unlock()
		return
	}
	if len(r.pending) >= r.cfg.queueSize {
		r.qmu.Unlock()
		r.dropped.Add(1)
		return
	}
	if r.pending == nil {
		r.pending = make([]protocol.TraceSpan, 0, r.cfg.batchSize)
	}
	r.pending = append(r.pending, *sp)
	full := len(r.pending)%r.cfg.batchSize == 0
	r.qmu.Unlock()
	if full {
		select {
		case r.wake <- struct{}{}:
		default: // already signalled
		}
	}
}

// take removes queued spans from the queue and returns them: all of them,
// or with wholeBatches only as many as fill whole batches.
func (r *Registration) take(wholeBatches bool) []protocol.TraceSpan {
	r.qmu.Lock()
	defer r.qmu.Unlock()
	n := len(r.pending)
	if wholeBatches {
		n -= n % r.cfg.batchSize
	}
	if n == 0 {
		return nil
	}
	out := r.pending[:n:n]
	if rest := r.pending[n:]; len(rest) > 0 {
		r.pending = append(make([]protocol.TraceSpan, 0, max(len(rest), r.cfg.batchSize)), rest...)
	} else {
		r.pending = nil
	}
	return out
}

// Dropped returns how many spans this registration has dropped because its
// queue was full, or because Shutdown's ctx ended before they were
// exported.
func (r *Registration) Dropped() int64 {
	return r.dropped.Load()
}

// run is the registration's goroutine.
func (r *Registration) run() {
	defer close(r.done)
	tick := time.NewTicker(r.cfg.flushInterval)
	defer tick.Stop()
	for {
		select {
		case <-r.wake:
			r.exportAll(r.take(true))
		case <-tick.C:
			r.exportAll(r.take(false))
		case reply := <-r.flushes:
			r.exportAll(r.take(false))
			close(reply)
		case <-r.stop:
			// Shutdown closed the queue before closing stop, so it no
			// longer grows.
			r.exportAll(r.take(false))
			return
		}
	}
}

// exportAll exports spans in batches of at most the batch size. Each batch
// is a slice of its own, which the exporter may keep.
func (r *Registration) exportAll(spans []protocol.TraceSpan) {
	for len(spans) > 0 {
		n := min(len(spans), r.cfg.batchSize)
		r.export(spans[:n:n])
		spans = spans[n:]
	}
}

// export calls the exporter once, unless Shutdown has given up, in which
// case the spans are counted as dropped.
func (r *Registration) export(batch []protocol.TraceSpan) {
	if r.ctx.Err() != nil {
		r.dropped.Add(int64(len(batch)))
		return
	}
	if err := r.safeExport(batch); err != nil {
		r.cfg.onError(err)
	}
}

func (r *Registration) safeExport(batch []protocol.TraceSpan) (err error) {
	defer func() {
		// Panic policy: a panicking exporter loses this batch, which is
		// reported as an error; the registration keeps running.
		if v := recover(); v != nil {
			err = errors.New(errors.CodeInternal, fmt.Sprintf("trace: exporter panicked: %v", v))
		}
	}()
	return r.exp.Export(r.ctx, batch)
}

// Flush exports every span that was queued for r before the call, and
// returns once the exporter has been called for them. Export errors go to
// the error handler, not to the caller. If ctx ends first, Flush returns
// an error for which errors.Is(err, ctx.Err()) holds; the spans are still
// exported in the background. After Shutdown, Flush returns nil.
func (r *Registration) Flush(ctx context.Context) error {
	if r.done == nil {
		return nil
	}
	reply := make(chan struct{})
	select {
	case r.flushes <- reply:
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-reply:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Shutdown detaches r so that it takes no more spans, exports everything
// already queued, and returns once r's goroutine has exited. A span that
// ends while Shutdown runs may or may not reach r's exporter; every span
// that ended before Shutdown was called does, unless ctx ends first.
//
// If ctx ends first, Shutdown cancels the context given to Export, drops
// what is left (counting it in Dropped), still waits for the goroutine,
// and returns an error for which errors.Is(err, ctx.Err()) holds. An
// Exporter that ignores its ctx can therefore delay Shutdown: that is the
// one place where this package waits on user code. A second call returns
// nil.
func (r *Registration) Shutdown(ctx context.Context) error {
	if r.done == nil {
		return nil
	}
	// From now on enqueue ignores spans, even from an End that loaded the
	// list of registrations before r left it below.
	r.qmu.Lock()
	first := !r.closed
	r.closed = true
	r.qmu.Unlock()
	if !first {
		return nil
	}

	registry.mu.Lock()
	old := activeRegistrations()
	regs := make([]*Registration, 0, len(old))
	for _, x := range old {
		if x != r {
			regs = append(regs, x)
		}
	}
	registry.regs.Store(&regs)
	registry.mu.Unlock()

	close(r.stop)
	select {
	case <-r.done:
		r.cancel()
		return nil
	case <-ctx.Done():
		r.cancel()
		<-r.done
		return ctx.Err()
	}
}

// Sender is what [NewMessageExporter] sends messages through. Every
// transport.Transport satisfies it. The exporter calls Send from one
// goroutine at a time per registration; a Sender shared by several
// registrations must be safe for concurrent use.
//
// A nil Sender is a programming mistake: [NewMessageExporter] panics on it.
// If Send panics, as a non-nil Sender holding a nil pointer may, the
// registration recovers and reports it to its error handler as an error
// with code internal, losing the rest of that batch.
type Sender interface {
	Send(ctx context.Context, msg *protocol.Message) error
}

// messageExporter sends spans as trace.span messages.
type messageExporter struct {
	s      Sender
	source string
}

// NewMessageExporter returns an Exporter that sends each span, in order,
// as the message protocol.New(source, protocol.TypeTraceSpan, span)
// through s. It keeps going after a failed send and returns errors.Join of
// the failures. Once ctx is done it stops, and the returned error then
// satisfies errors.Is(err, ctx.Err()).
//
//	reg := trace.RegisterExporter(trace.NewMessageExporter(tr, protocol.SourceInferMux))
//	defer reg.Shutdown(context.Background())
//
// NewMessageExporter panics if s is nil: that is a programming mistake.
func NewMessageExporter(s Sender, source string) Exporter {
	if s == nil {
		panic("trace: NewMessageExporter with a nil Sender")
	}
	return &messageExporter{s: s, source: source}
}

func (e *messageExporter) Export(ctx context.Context, spans []protocol.TraceSpan) error {
	var errs []error
	for _, sp := range spans {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		msg, err := protocol.New(e.source, protocol.TypeTraceSpan, sp)
		if err == nil {
			err = e.s.Send(ctx, msg)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("trace: export span %s: %w", sp.SpanID, err))
		}
	}
	return errors.Join(errs...)
}
